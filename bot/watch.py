"""The officials' timekeeper: overdue-case reminders and the weekly digest, checked every
`interval` seconds in the background while the officials' channel runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot import digest, reminders
from bot.knowledge import KnowledgeBase
from bot.regions import Regions
from bot.reports import ReportStore
from bot.response import Responses

log = logging.getLogger(__name__)


@dataclass
class Watch:
    responses: Responses
    store: ReportStore
    kb: KnowledgeBase
    schedule: digest.Schedule | None  # None: no weekly digest
    interval: float = 60.0  # seconds; a reminder is at most this late
    regions: Regions | None = None  # several: a digest per region's group (and province)

    async def check(self) -> int:
        """Queue whatever is due now; returns how many messages were queued."""
        queued = await reminders.remind(self.responses, self.store)
        if self.schedule is not None:
            queued += await digest.post_if_due(
                self.responses, self.store, self.kb, self.schedule, self.regions
            )
        return queued

    async def run(self, on_commit: Callable[[], None], stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                if await self.check():
                    on_commit()
            except Exception:  # a failed check must not stop the bot; the next one retries
                log.exception("response-time check failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)
