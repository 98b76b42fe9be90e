"""One reminder to the officials' group when a case passes a deadline unanswered.

Whether a reminder is due is computed from the case's state (bot.response); that it was
sent is a row in `response_reminders`, committed in the same transaction as its outbox
row. So each deadline of each case is announced once: a restart between the two cannot
happen, and a restart after them finds the marker. Delivery then has the outbox's own
window (at most one duplicate per crash, never a loss).
"""

from __future__ import annotations

import datetime as dt

from bot import deadlines
from bot.messages import Reply, reply_to_dict
from bot.reports import CaseHead, OutboxRow, ReportStore
from bot.response import Responses, Timing, duration

# A deadline passed longer ago than this is not announced any more: the first start of a
# version with reminders must not bury the group under one message per old case. /kasus
# still marks those cases late.
REMIND_WITHIN = dt.timedelta(days=7)
MARK = "INSERT OR IGNORE INTO response_reminders (report_id, kind, at) VALUES (?, ?, ?)"


async def remind(responses: Responses, store: ReportStore) -> int:
    """Queue the reminders that are due now; returns how many cases were reminded."""
    now = responses.now()
    cases = await store.open_heads()  # plain columns only: nothing decrypted every minute
    timings = await responses.timings(cases)
    done = await _reminded(store)
    queued = 0
    for case in cases:
        timing = timings[case.id]
        due = [
            kind
            for kind, deadline, met in (
                ("ack", timing.ack_by, timing.acknowledged_at),
                ("act", timing.act_by, timing.acted_at),
            )
            if met is None
            and dt.timedelta(0) < now - deadline <= REMIND_WITHIN
            and (case.id, kind) not in done
        ]
        if not due:
            continue
        # Both deadlines passed at once (an urgent case while the bot was down): one message.
        row = OutboxRow(
            "reminder",
            None,
            {"reply": reply_to_dict(reminder(case, timing, due, now)), "reply_to_card": True},
            case.id,
            group=case.region or None,  # the case's own region's group, under its card
        )
        stamp = now.isoformat(timespec="seconds")
        if await store.deliver_once(MARK, [(case.id, kind, stamp) for kind in due], [row]):
            queued += 1
    return queued


def reminder(case: CaseHead, timing: Timing, due: list[str], now: dt.datetime) -> Reply:
    """The reminder as officials read it: what is missing, since when, and what to press."""
    lines = [f"⏰ Pengingat {'🚨 MENDESAK ' if case.urgent else ''}{case.code}"]
    if "ack" in due:
        lines.append(
            f"Belum diterima. Batas: {deadline_text(timing.ack_by)} "
            f"(terlambat {duration(now - timing.ack_by)})."
        )
    if "act" in due:
        lines.append(
            f"Belum ada tindakan pertama. Batas: {deadline_text(timing.act_by)} "
            f"(terlambat {duration(now - timing.act_by)})."
        )
    lines.append(
        "Diterima / 🙋 Saya tangani menandai kasus diterima; Ditindaklanjuti, Selesai, "
        f"Tidak valid atau pesan ke pelapor (/balas {case.code} pesan) adalah tindakan pertama. "
        f"Detail: /kasus {case.code}"
    )
    return Reply("\n".join(lines))


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
