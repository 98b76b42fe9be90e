"""A clock for the bot under test: a chosen moment that then runs on with real time, and
can be moved forward (`ahead`) so that hours and days pass within a test.

Every bot a test starts with it (runtime.open_services(clock=...)) dates its reports,
deadlines, reminders and digest on this clock, never on the day the suite happens to run.
"""

from __future__ import annotations

import datetime as dt
import time

from bot.deadlines import WIB

# A Wednesday mid-morning in Kota Pariaman: no digest due, no weekend or holiday near.
WEDNESDAY_MORNING = dt.datetime(2026, 12, 2, 10, 0, tzinfo=WIB)


class MovingClock:
    def __init__(self, start: dt.datetime = WEDNESDAY_MORNING) -> None:
        self.start = start
        self.ahead = dt.timedelta(0)
        self._started = time.monotonic()

    def __call__(self) -> dt.datetime:
        elapsed = dt.timedelta(seconds=time.monotonic() - self._started)
        return (self.start + elapsed + self.ahead).astimezone(dt.UTC)

    def move_to(self, moment: dt.datetime) -> None:
        """From now on the clock reads `moment` (and runs on from there)."""
        self.ahead += moment - self()
