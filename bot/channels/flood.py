"""Per-user message rate limit, for every channel: one person (or a script) typing
faster than anybody reads must not take the bot's time from everybody else."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Hashable

# A whole report with ➡️ Lanjut after typed answers and a few photos is about 20 updates,
# which a quick tapper sends inside a minute; the per-reporter caps guard the group itself.
FLOOD_LIMIT = 30  # messages a user may send ...
FLOOD_WINDOW = 60.0  # ... in this many seconds


class FloodGuard:
    """More than FLOOD_LIMIT messages a minute: one polite warning, then silence.

    Users quiet for a whole window are forgotten (swept at most once a window), so a
    crowd of one-time visitors does not grow it for ever.
    """

    def __init__(self, limit: int = FLOOD_LIMIT, window: float = FLOOD_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._seen: defaultdict[Hashable, deque[float]] = defaultdict(deque)
        self._warned: set[Hashable] = set()
        self._swept = 0.0

    def __len__(self) -> int:
        """How many users it currently remembers."""
        return len(self._seen)

    def check(self, user_id: Hashable, now: float | None = None) -> str:
        """ "ok", "warn" (tell the user once) or "drop"."""
        now = time.monotonic() if now is None else now
        if now - self._swept > self.window:
            self._sweep(now)
        seen = self._seen[user_id]
        while seen and now - seen[0] > self.window:
            seen.popleft()
        seen.append(now)
        if len(seen) <= self.limit:
            self._warned.discard(user_id)
            return "ok"
        if user_id in self._warned:
            return "drop"
        self._warned.add(user_id)
        return "warn"

    def _sweep(self, now: float) -> None:
        self._swept = now
        for user_id in [u for u, seen in self._seen.items() if now - seen[-1] > self.window]:
            del self._seen[user_id]
            self._warned.discard(user_id)
