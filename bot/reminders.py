"""One reminder to the officials' group when a case passes a deadline unanswered, and one
word to the reporter that the promise was not kept (with who to call if it is urgent).

Whether a reminder is due is computed from the case's state (bot.response); that it was
sent is a row in `response_reminders`, committed in the same transaction as its outbox
rows. So each deadline of each case is announced once: a restart between the two cannot
happen, and a restart after them finds the marker. Delivery then has the outbox's own
window (at most one duplicate per crash, never a loss).

A quieter group: the reminders that fall due in the same check go to a group as one
message (with per-case topics, each goes to its own case's topic instead). An urgent case
not acknowledged in time names the officials who must act, so their phones ring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import deadlines
from bot.clock import stamp
from bot.knowledge import KnowledgeBase
from bot.messages import Reply, reply_to_dict
from bot.reports import CaseHead, OutboxRow, Report, ReportStore
from bot.response import Responses, Timing, duration
from bot.roster import Roster
from bot.texts import text

# A deadline passed longer ago than this is not announced any more: the first start of a
# version with reminders must not bury the group under one message per old case. /kasus
# still marks those cases late.
REMIND_WITHIN = dt.timedelta(days=7)
MARK = "INSERT OR IGNORE INTO response_reminders (report_id, kind, at) VALUES (?, ?, ?)"
# Who the reporter is told to call when a promise passes (contacts.yaml keys).
CALL_NOW = ("polisi", "kp2mi_call_centre")


@dataclass(frozen=True)
class Due:
    case: CaseHead
    timing: Timing
    kinds: list[str]  # "ack", "act"


@dataclass
class Reminders:
    responses: Responses
    store: ReportStore
    kb: KnowledgeBase
    roster: Roster
    language: Callable[[Report], Awaitable[str]]  # the reporter's
    combine: bool = True  # False with per-case topics: each reminder in its case's topic

    async def remind(self) -> tuple[int, dt.datetime | None]:
        """Queue the reminders due now; (cases reminded, the next deadline still ahead)."""
        now = self.responses.now()
        cases = await self.store.open_heads()  # plain columns only: nothing decrypted
        timings = await self.responses.timings(cases)
        done = await _reminded(self.store)
        due: list[Due] = []
        ahead: list[dt.datetime] = []
        for case in cases:
            timing = timings[case.id]
            kinds = []
            for kind, deadline, met in (
                ("ack", timing.ack_by, timing.acknowledged_at),
                ("act", timing.act_by, timing.acted_at),
            ):
                if met is not None:
                    continue
                if deadline >= now:
                    ahead.append(deadline)
                elif now - deadline <= REMIND_WITHIN and (case.id, kind) not in done:
                    kinds.append(kind)
            if kinds:
                due.append(Due(case, timing, kinds))
        queued = 0
        for batch in self._batches(due):
            queued += await self._queue(batch, now)
        return queued, min(ahead, default=None)

    def _batches(self, due: list[Due]) -> list[list[Due]]:
        """One message per group (its region's), or per case with per-case topics."""
        if not self.combine:
            return [[one] for one in due]
        groups: dict[str, list[Due]] = {}
        for one in due:
            groups.setdefault(one.case.region, []).append(one)
        return list(groups.values())

    async def _queue(self, batch: list[Due], now: dt.datetime) -> int:
        lines = [line for one in batch for line in reminder_lines(one, now)]
        urgent = [one.case for one in batch if one.case.urgent and "ack" in one.kinds]
        mentions = tuple(dict.fromkeys(m for case in urgent for m in self.roster.mentions(case)))
        head = "⏰ Pengingat" if len(batch) == 1 else f"⏰ Pengingat: {len(batch)} kasus"
        reply = Reply("\n".join([head, *lines]), mentions=mentions)
        single = batch[0].case if len(batch) == 1 else None
        rows = [
            OutboxRow(
                "reminder",
                None,
                {"reply": reply_to_dict(reply), "reply_to_card": single is not None},
                single.id if single is not None else None,
                urgent=bool(urgent),
                group=batch[0].case.region or None,  # the case's own region's group
            )
        ]
        for one in batch:
            told = await self._told(one)
            if told is not None:
                rows.append(told)
        at = stamp(now)  # on the one clock, stored as every other time (bot.clock)
        markers = [(one.case.id, kind, at) for one in batch for kind in one.kinds]
        if await self.store.deliver_once(MARK, markers, rows):
            return len(batch)
        return 0

    async def _told(self, one: Due) -> OutboxRow | None:
        """The reporter's word that the promise was not kept, and who to call meanwhile.
        Only a case with a reminder due now is opened (decrypted) to find its reporter."""
        case = await self.store.by_id(one.case.id)
        if case is None:  # purged since the check began
            return None
        lang = await self.language(case)
        timing = one.timing
        deadline = timing.act_by if "act" in one.kinds else timing.ack_by
        contacts = "\n".join(
            f"• {self.kb.contacts[key].render(lang)}" for key in CALL_NOW if key in self.kb.contacts
        )
        body = text(
            "promise_missed",
            lang,
            code=one.case.code,
            when=deadlines.format_deadline(deadline, lang),
            contacts=contacts,
        )
        payload = {"reply": reply_to_dict(Reply(body))}
        return OutboxRow("promise", case.reporter, payload, case.id)


def reminder_lines(one: Due, now: dt.datetime) -> list[str]:
    """What is missing for one case, since when, and where to look."""
    case, timing = one.case, one.timing
    lines = [f"{'🚨 MENDESAK ' if case.urgent else ''}{case.code}:"]
    if "ack" in one.kinds:
        lines.append(
            f"  Belum diterima. Batas: {deadline_text(timing.ack_by)} "
            f"(terlambat {duration(now - timing.ack_by)})"
        )
    if "act" in one.kinds:
        lines.append(
            f"  Belum ada tindakan pertama. Batas: {deadline_text(timing.act_by)} "
            f"(terlambat {duration(now - timing.act_by)})"
        )
    lines.append(f"  /kasus {case.code}")
    return lines


def deadline_text(moment: dt.datetime) -> str:
    """A working-day deadline reads as the end of its last day; others with the hour."""
    shown = deadlines.format_deadline(moment, "id")
    return f"akhir hari {shown}" if deadlines.ends_a_day(moment) else shown


async def _reminded(store: ReportStore) -> set[tuple[int, str]]:
    rows = await store.database.fetchall(
        "SELECT m.report_id, m.kind FROM response_reminders m "
        "JOIN reports r ON r.id = m.report_id WHERE r.closed_at IS NULL"
    )
    return {(int(report_id), str(kind)) for report_id, kind in rows}
