"""Multi-step conversations, described as data and driven by the core."""
