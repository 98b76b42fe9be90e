"""The officials' timekeeper: overdue-case reminders and the weekly digest, checked every
`interval` seconds in the background while the officials' channel runs, and also at the
very moment the next promise falls due (an urgent case's two hours do not wait for the
next check), and whenever a new report arrives (`wake`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from bot import digest
from bot.knowledge import KnowledgeBase
from bot.regions import Regions
from bot.reminders import Reminders
from bot.reports import ReportStore
from bot.response import Responses

log = logging.getLogger(__name__)

# Woken this long after a deadline, so that the check finds it passed, not just reached.
PAST_DEADLINE = 0.05  # seconds


@dataclass
class Watch:
    responses: Responses
    store: ReportStore
    kb: KnowledgeBase
    schedule: digest.Schedule | None  # None: no weekly digest
    reminders: Reminders
    interval: float = 60.0  # seconds between checks at the most
    regions: Regions | None = None  # several: a digest per region's group (and province)
    _woken: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    _next_due: float | None = field(default=None, init=False, repr=False)

    def wake(self) -> None:
        """A report arrived: its deadlines may come before the next check."""
        self._woken.set()

    async def check(self) -> int:
        """Queue whatever is due now; returns how many messages were queued."""
        queued, upcoming = await self.reminders.remind()
        self._next_due = None
        if upcoming is not None:
            self._next_due = (upcoming - self.responses.now()).total_seconds()
        if self.schedule is not None:
            queued += await digest.post_if_due(
                self.responses, self.store, self.kb, self.schedule, self.regions
            )
        return queued

    def _wait(self) -> float:
        """Until the next check: the interval, or sooner when a promise falls due."""
        if self._next_due is None:
            return self.interval
        return max(0.0, min(self.interval, self._next_due + PAST_DEADLINE))

    async def run(self, on_commit: Callable[[], None], stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._woken.clear()
            try:
                if await self.check():
                    on_commit()
            except Exception:  # a failed check must not stop the bot; the next one retries
                log.exception("response-time check failed")
                self._next_due = None
            waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._woken.wait())]
            await asyncio.wait(waits, timeout=self._wait(), return_when=asyncio.FIRST_COMPLETED)
            for waiting in waits:
                waiting.cancel()
