"""Hourly chores: remind idle drafts, discard abandoned ones, purge old closed cases."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from bot.flows.report import DECLINED
from bot.messages import Button, Reply, reply_to_dict
from bot.reports import OutboxRow, ReportStore
from bot.sessions import SessionStore
from bot.texts import text

log = logging.getLogger(__name__)

# Drafts' times are rounded down to the hour (bot.reports): a reminder comes 23-25 h after
# the last answer, the hourly run included.
REMIND_AFTER_HOURS = 24
# WhatsApp delivers free-form messages only within 24 hours of the person's last message:
# its reminder goes out an hour earlier, while it can still arrive.
CHANNEL_REMIND_AFTER_HOURS = {"whatsapp": 23}
DISCARD_AFTER_HOURS = 7 * 24
INTERVAL_SECONDS = 3600


async def tidy(
    store: ReportStore,
    sessions: SessionStore,
    retention_days: int,
    on_commit: Callable[[], None],
) -> None:
    earliest = min([REMIND_AFTER_HOURS, *CHANNEL_REMIND_AFTER_HOURS.values()])
    for draft in await store.idle_drafts(earliest, reminded=False):
        hours = CHANNEL_REMIND_AFTER_HOURS.get(draft.user.channel, REMIND_AFTER_HOURS)
        too_soon = _idle_hours(draft.updated_at, store.clock()) < hours
        if too_soon or draft.answers.get(DECLINED):  # said no to forwarding: no nagging
            continue
        lang = (await sessions.get(draft.user)).reply_language
        reminder = Reply(
            text("report_reminder", lang),
            buttons=((Button(text("report_continue_button", lang), "cmd:lapor"),),),
        )
        await store.remind(
            draft, [OutboxRow("reminder", draft.user, {"reply": reply_to_dict(reminder)})]
        )
        on_commit()
    for draft in await store.idle_drafts(DISCARD_AFTER_HOURS, reminded=True):
        await store.discard_draft(draft)
    for draft in await store.idle_drafts(DISCARD_AFTER_HOURS, reminded=False):
        if draft.answers.get(DECLINED):
            await store.discard_draft(draft)
    purged = await store.purge_closed(retention_days)
    if purged:
        log.info("purged %d closed case(s) past the retention period", purged)


async def run(
    store: ReportStore,
    sessions: SessionStore,
    retention_days: int,
    on_commit: Callable[[], None],
    stop: asyncio.Event,
) -> None:
    while not stop.is_set():
        try:
            await tidy(store, sessions, retention_days, on_commit)
        except Exception:  # a chore failing must not stop the bot; the next hour retries
            log.exception("housekeeping failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), INTERVAL_SECONDS)


def _idle_hours(updated_at: str, now: dt.datetime) -> float:
    try:
        updated = dt.datetime.fromisoformat(updated_at)
    except ValueError:
        return float("inf")  # unreadable: treat as long idle, as the query did
    return (now - updated).total_seconds() / 3600
