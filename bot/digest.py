"""The weekly digest for the officials' group: the week in numbers, nobody named.

Only counts and medians over categories that identify nobody (kecamatan, destination
country, warning sign): no case code, no answer, no official. It is posted once per
week and group: the week's slot is recorded in `digests` in the same transaction as its
outbox row. With several regions each group reads about its own cases only, and the
province group (if any) about all of them, by city/regency too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot import deadlines
from bot.knowledge import KnowledgeBase
from bot.messages import Reply, reply_to_dict
from bot.regions import PROVINCE, Regions
from bot.reports import CLOSED, OutboxRow, Report, ReportStore
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
    responses: Responses,
    store: ReportStore,
    kb: KnowledgeBase,
    schedule: Schedule,
    regions: Regions | None = None,
) -> int:
    """Queue this week's digests that are due and not yet queued; returns how many."""
    now = responses.now()
    slot = schedule.latest(now)
    if now - slot > POST_WITHIN:
        return 0
    queued = 0
    for group, view, names in _audiences(store, regions):
        key = slot.isoformat() if group is None else f"{slot.isoformat()} {group}"
        if await store.database.fetchall("SELECT 1 FROM digests WHERE slot = ?", (key,)):
            continue
        reply = await digest(responses, view, kb, slot - WEEK, slot, now, names)
        row = OutboxRow("digest", None, {"reply": reply_to_dict(reply)}, group=group)
        stamp = now.isoformat(timespec="seconds")
        queued += await store.deliver_once(MARK, [(key, stamp)], [row])
    return queued


def _audiences(
    store: ReportStore, regions: Regions | None
) -> Iterable[tuple[str | None, ReportStore, dict[str, str] | None]]:
    """(outbox group, the cases it may read, region names to count by) per digest."""
    if regions is None or not regions.many:
        yield None, store, None
        return
    for region in regions.regions:
        if region.officials_chat_id is not None:
            yield region.id, store.scoped(frozenset({region.id})), None
    if regions.province_chat_id is not None:
        yield PROVINCE, store, regions.names


async def digest(
    responses: Responses,
    store: ReportStore,
    kb: KnowledgeBase,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    region_names: dict[str, str] | None = None,
) -> Reply:
    """The week [start, end) in numbers; "open" and "late" as they stand `now`;
    `region_names`: count new cases by city/regency too (the province's digest)."""
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
    if new and region_names:
        lines += _breakdown("Laporan baru menurut kota/kabupaten", _regions_of(new, region_names))
    if new:
        lines += _breakdown("Laporan baru menurut kecamatan", Counter(c.area for c in new))
        lines += _breakdown("Menurut negara tujuan", Counter(c.destination for c in new))
        lines += _breakdown("Menurut tanda bahaya", signs)
    return Reply("\n".join(lines), title="📊 Ringkasan mingguan laporan")


def _regions_of(cases: list[Report], names: dict[str, str]) -> Counter[str]:
    return Counter(names.get(case.region, case.region) for case in cases)


def _breakdown(title: str, counts: Counter[str]) -> Iterable[str]:
    if not counts:
        return []
    return ["", f"{title}:", *(f"  {name}: {count}" for name, count in counts.most_common(TOP))]
