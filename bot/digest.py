"""The weekly digest for the officials' group: the week in numbers, nobody named.

Only counts and medians over categories that identify nobody (kecamatan, destination
country, warning sign): no case code, no answer, no official. It is posted once per
week: the week's slot is recorded in `digests` in the same transaction as its outbox row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot import deadlines
from bot.knowledge import KnowledgeBase
from bot.messages import Reply, reply_to_dict
from bot.reports import CLOSED, OutboxRow, ReportStore
from bot.response import Responses, hours_text, median_hours, moment_of

WEEK = dt.timedelta(days=7)
# A digest not posted within a day of its time (the bot was down) waits for next week's:
# a Thursday "weekly" digest would only confuse.
POST_WITHIN = dt.timedelta(days=1)
MARK = "INSERT OR IGNORE INTO digests (slot, posted_at) VALUES (?, ?)"
TOP = 10  # lines per breakdown, so the digest stays one phone screen or two


@dataclass(frozen=True)
class Schedule:
    """When the digest is due: a weekday (0 = Monday) and a time of day in WIB."""

    weekday: int = 0
    at: dt.time = dt.time(8, 0)

    def latest(self, now: dt.datetime) -> dt.datetime:
        """The most recent moment the digest was due, at or before `now`."""
        local = now.astimezone(deadlines.WIB)
        day = local.date() - dt.timedelta(days=(local.weekday() - self.weekday) % 7)
        slot = dt.datetime.combine(day, self.at, deadlines.WIB)
        return slot - WEEK if slot > local else slot


async def post_if_due(
    responses: Responses, store: ReportStore, kb: KnowledgeBase, schedule: Schedule
) -> bool:
    """Queue this week's digest if it is due and not yet queued; True when it was."""
    now = responses.now()
    slot = schedule.latest(now)
    if now - slot > POST_WITHIN:
        return False
    key = slot.isoformat()
    if await store.database.fetchall("SELECT 1 FROM digests WHERE slot = ?", (key,)):
        return False
    reply = await digest(responses, store, kb, slot - WEEK, slot, now)
    row = OutboxRow("digest", None, {"reply": reply_to_dict(reply)})
    return await store.deliver_once(MARK, [(key, now.isoformat(timespec="seconds"))], [row])


async def digest(
    responses: Responses,
    store: ReportStore,
    kb: KnowledgeBase,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
) -> Reply:
    """The week [start, end) in numbers; "open" and "late" as they stand `now`."""
    cases = await store.all_cases()
    timings = await responses.timings(cases)

    def this_week(moment: dt.datetime | None) -> bool:
        return moment is not None and start <= moment < end

    new = [c for c in cases if this_week(timings[c.id].created)]
    still_open = [c for c in cases if c.status not in CLOSED]
    late = [c for c in still_open if timings[c.id].overdue(now)]
    closed = [c for c in cases if c.closed_at and this_week(moment_of(c.closed_at))]
    acknowledged = [t for t in timings.values() if this_week(t.acknowledged_at)]
    to_close = median_hours(
        (moment_of(c.closed_at) - timings[c.id].created).total_seconds() / 3600
        for c in closed
        if c.closed_at
    )
    titles = {sign.id: sign.title["id"] for sign in kb.warning_signs}
    signs = Counter(
        titles[sign] for c in new for sign in c.answers.get("signs", []) if sign in titles
    )
    lines = [
        f"{deadlines.format_moment(start, 'id')} s.d. {deadlines.format_moment(end, 'id')}",
        "",
        f"Laporan baru: {len(new)} (mendesak: {sum(c.urgent for c in new)})",
        f"Masih terbuka: {len(still_open)}",
        f"Terlambat (terbuka, lewat batas waktu): {len(late)}",
        f"Ditutup minggu ini: {len(closed)}",
        "",
        f"Median sampai diterima: {hours_text(median_hours(t.hours_to_ack() for t in acknowledged))}"
        f" ({len(acknowledged)} kasus)",
        f"Median sampai ditutup: {hours_text(to_close)} ({len(closed)} kasus)",
    ]
    if new:
        lines += _breakdown("Laporan baru menurut kecamatan", Counter(c.area for c in new))
        lines += _breakdown("Menurut negara tujuan", Counter(c.destination for c in new))
        lines += _breakdown("Menurut tanda bahaya", signs)
    return Reply("\n".join(lines), title="📊 Ringkasan mingguan laporan")


def _breakdown(title: str, counts: Counter[str]) -> Iterable[str]:
    if not counts:
        return []
    return ["", f"{title}:", *(f"  {name}: {count}" for name, count in counts.most_common(TOP))]
