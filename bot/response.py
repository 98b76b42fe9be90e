"""Response times: what officials promised for each case, and whether they kept it.

A case is *acknowledged* when an official sets Diterima or presses 🙋 Saya tangani, and
*acted on* at its first Ditindaklanjuti, Selesai or Tidak valid, or the first message sent
to the reporter. Acting counts as acknowledging: whoever wrote to the reporter has seen
the case. Both moments come from the case's history (report_events, report_messages),
so nothing new is stored to know them.

The promise itself comes from one place, `times_for(report)`: the settings (RESPONSE_*),
or the report's region's own times from the regions file (`by_region`).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

from bot import deadlines
from bot.regions import Regions
from bot.reports import ReportStore

ACKNOWLEDGING = ("diterima",)  # status events that acknowledge (and the "assign" event)
ACTING = ("ditindaklanjuti", "selesai", "tidak_valid")


@dataclass(frozen=True)
class ResponseTimes:
    """The promise for a case: hours to acknowledge, working days to act (urgent: hours)."""

    ack_hours: int = 24
    action_working_days: int = 3
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    urgent_ack_hours: int = 2
    urgent_action_hours: int = 24

    def deadlines(self, created: dt.datetime, urgent: bool) -> tuple[dt.datetime, dt.datetime]:
        """(acknowledge by, act by). A working-day deadline ends with its day (midnight WIB),
        as the receipt names the day, not an hour."""
        if urgent:
            return (
                deadlines.acknowledge_by(created, self.urgent_ack_hours),
                deadlines.acknowledge_by(created, self.urgent_action_hours),
            )
        last_day = deadlines.act_by(created, self.action_working_days, self.holidays)
        end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), deadlines.WIB)
        return deadlines.acknowledge_by(created, self.ack_hours), end


class Case(Protocol):
    """What a case's deadlines are computed from: a Report, or its plain CaseHead."""

    @property
    def id(self) -> int: ...

    @property
    def urgent(self) -> bool: ...

    @property
    def region(self) -> str: ...

    @property
    def created_at(self) -> str: ...


TimesFor = Callable[[Case], ResponseTimes]


def uniform(times: ResponseTimes) -> TimesFor:
    """Every case the same promise."""
    return lambda report: times


def by_region(regions: Regions, times: ResponseTimes) -> TimesFor:
    """The promise of the report's region: its own hours and working days where the
    regions file gives them, else `times` (the settings). Urgent times stay the same
    everywhere: a person in danger is not told to wait longer in one regency."""
    promised = {
        region.id: replace(
            times,
            ack_hours=region.response_ack_hours or times.ack_hours,
            action_working_days=region.response_action_working_days or times.action_working_days,
        )
        for region in regions.regions
    }
    return lambda report: promised.get(report.region, times)


@dataclass(frozen=True)
class Timing:
    """One case against its promise; `None` moments have not happened yet."""

    created: dt.datetime
    ack_by: dt.datetime
    act_by: dt.datetime
    acknowledged_at: dt.datetime | None
    acted_at: dt.datetime | None

    def ack_late(self, now: dt.datetime) -> dt.timedelta | None:
        """How late the acknowledgement is or was; None when it was (or still is) in time."""
        return _late(self.ack_by, self.acknowledged_at, now)

    def act_late(self, now: dt.datetime) -> dt.timedelta | None:
        return _late(self.act_by, self.acted_at, now)

    def late(self, now: dt.datetime) -> bool:
        return self.ack_late(now) is not None or self.act_late(now) is not None

    def overdue(self, now: dt.datetime) -> tuple[str, dt.timedelta] | None:
        """What an open case is waiting for past its deadline: ("act" | "ack", how late)."""
        if self.acted_at is None and now > self.act_by:
            return "act", now - self.act_by
        if self.acknowledged_at is None and now > self.ack_by:
            return "ack", now - self.ack_by
        return None

    def hours_to_ack(self) -> float | None:
        return _hours(self.acknowledged_at - self.created) if self.acknowledged_at else None

    def hours_to_act(self) -> float | None:
        return _hours(self.acted_at - self.created) if self.acted_at else None


def _late(deadline: dt.datetime, done: dt.datetime | None, now: dt.datetime) -> dt.timedelta | None:
    moment = done or now
    return moment - deadline if moment > deadline else None


def _hours(span: dt.timedelta) -> float:
    return span.total_seconds() / 3600


class Responses:
    """Timings of cases, read from their history, against `times_for`."""

    def __init__(self, store: ReportStore, times_for: TimesFor) -> None:
        self.store = store
        self.times_for = times_for

    def now(self) -> dt.datetime:
        """The store's clock: a case's deadlines and its age are read on the one clock
        that dated it (bot.clock)."""
        return self.store.clock()

    async def timings(self, reports: Collection[Case]) -> dict[int, Timing]:
        if not reports:
            return {}
        acknowledged, acted = await self._milestones([r.id for r in reports])
        found = {}
        for report in reports:
            created = moment_of(report.created_at)
            ack_by, act_by = self.times_for(report).deadlines(created, report.urgent)
            act = acted.get(report.id)
            ack = _earliest(acknowledged.get(report.id), act)
            found[report.id] = Timing(created, ack_by, act_by, ack, act)
        return found

    async def _milestones(
        self, ids: list[int]
    ) -> tuple[dict[int, dt.datetime], dict[int, dt.datetime]]:
        """(first acknowledgement, first action) per report id, from the case histories."""
        acknowledged: dict[int, dt.datetime] = {}
        acted: dict[int, dt.datetime] = {}
        database = self.store.database
        for start in range(0, len(ids), 500):  # well below SQLite's parameter limit
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = await database.fetchall(
                "SELECT report_id, "
                "MIN(CASE WHEN kind = 'assign' OR (kind = 'status' AND value IN "
                f"({_quoted(ACKNOWLEDGING)})) THEN at END), "
                f"MIN(CASE WHEN kind = 'status' AND value IN ({_quoted(ACTING)}) THEN at END) "
                f"FROM report_events WHERE report_id IN ({marks}) GROUP BY report_id",
                tuple(chunk),
            )
            messages = await database.fetchall(
                "SELECT report_id, MIN(at) FROM report_messages WHERE direction = 'to_reporter' "
                f"AND report_id IN ({marks}) GROUP BY report_id",
                tuple(chunk),
            )
            for report_id, ack, act in rows:
                if ack:
                    acknowledged[int(report_id)] = moment_of(ack)
                if act:
                    acted[int(report_id)] = moment_of(act)
            for report_id, at in messages:
                rid, moment = int(report_id), moment_of(at)
                acted[rid] = min(acted.get(rid, moment), moment)
        return acknowledged, acted


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)  # our own constants, never input


def moment_of(stamp: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _earliest(*moments: dt.datetime | None) -> dt.datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def duration(span: dt.timedelta) -> str:
    """ "3 jam", "2 hari 4 jam", "25 menit": how late, in Indonesian, for officials."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} hari {hours} jam" if hours else f"{days} hari"
    return f"{hours} jam" if hours else f"{minutes} menit"


def late_mark(timing: Timing, now: dt.datetime) -> str:
    """The " · ⏰ ..." an open case's /kasus line ends with, or "" within its promise."""
    overdue = timing.overdue(now)
    if overdue is None:
        return ""
    what, late = overdue
    waiting = "belum ada tindakan" if what == "act" else "belum diterima"
    return f" · ⏰ {waiting}, terlambat {duration(late)}"


# The response-time columns of /ekspor (bot.officials), after the case's own.
RESPONSE_COLUMNS = (
    "diterima pada",
    "tindakan pertama pada",
    "jam sampai diterima",
    "jam sampai tindakan pertama",
    "terlambat",
)


def response_cells(timing: Timing, now: dt.datetime) -> list[str]:
    """One case's RESPONSE_COLUMNS: moments in UTC like "dibuat", hours to one decimal;
    late when either promise was or is broken."""
    ack, act = timing.hours_to_ack(), timing.hours_to_act()
    return [
        timing.acknowledged_at.isoformat(timespec="seconds") if timing.acknowledged_at else "",
        timing.acted_at.isoformat(timespec="seconds") if timing.acted_at else "",
        "" if ack is None else f"{ack:.1f}",
        "" if act is None else f"{act:.1f}",
        "ya" if timing.late(now) else "tidak",
    ]


def median_hours(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def hours_text(hours: float | None) -> str:
    """A median for the digest: "5,5 jam", "2,3 hari", or "-" when there is none."""
    if hours is None:
        return "-"
    if hours < 48:
        return f"{hours:.1f} jam".replace(".", ",")
    return f"{hours / 24:.1f} hari".replace(".", ",")
