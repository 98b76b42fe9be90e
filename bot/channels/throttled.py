"""Warnings about what may come in floods (forged webhook posts, unreadable updates):
counted, and logged at most once a minute with the count so far, so that a stranger
posting thousands of times fills no disk with log lines and hides nothing else."""

from __future__ import annotations

import logging
import math
import time

EVERY = 60.0  # seconds between two warnings of one kind


class ThrottledWarning:
    """`note()` each time; `message` is logged with the running count as its one `%d`."""

    def __init__(self, logger: logging.Logger, message: str, every: float = EVERY) -> None:
        self.logger = logger
        self.message = message
        self.every = every
        self.count = 0
        self._warned_at = -math.inf

    def note(self, number: int = 1) -> None:
        self.count += number
        moment = time.monotonic()
        if moment - self._warned_at >= self.every:
            self._warned_at = moment
            self.logger.warning(self.message, self.count)
