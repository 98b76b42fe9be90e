"""/statistik: the cases of a period, counted the ways a task force reads them.

Only what identifies nobody is counted: status, week or month of the report, kecamatan,
destination country and the officials' categories. The text is for every channel; the
chart (bot/charts.py) is drawn from the same numbers. Days and months are WIB days and
months, the task force's own calendar.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.deadlines import WIB
from bot.reports import STATUSES, TAGS, Report
from bot.texts import text

DEFAULT_DAYS = 90
MAX_DAYS = 3660  # ten years; a longer period only thins the bars
WEEKLY_UP_TO_DAYS = 190  # about 27 bars; a longer period is counted per month
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
USAGE = (
    "Tulis /statistik (90 hari terakhir), /statistik 30 (30 hari terakhir, 1 sampai "
    f"{MAX_DAYS}) atau /statistik 2026-11 (satu bulan)."
)
STATUS_LABELS = {status: text(f"case_status_{status}", "id") for status in STATUSES}


@dataclass(frozen=True)
class Period:
    start: dt.datetime  # inclusive, WIB
    end: dt.datetime  # exclusive, WIB
    label: str

    @property
    def weekly(self) -> bool:
        return (self.end - self.start).days <= WEEKLY_UP_TO_DAYS

    def holds(self, created_at: str) -> bool:
        return self.start <= dt.datetime.fromisoformat(created_at) < self.end


def parse_period(argument: str, now: dt.datetime) -> Period | None:
    """ "" (the last 90 days), "30" (the last 30 days) or "2026-11" (a month); None: not
    a period this understands (the caller shows USAGE)."""
    words = argument.split()
    if not words:
        return last_days(DEFAULT_DAYS, now)
    if len(words) > 1:
        return None
    if re.fullmatch(r"\d{1,5}", words[0]):
        days = int(words[0])
        return last_days(days, now) if 1 <= days <= MAX_DAYS else None
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", words[0])
    if found is None:
        return None
    year, month = int(found[1]), int(found[2])
    if not (2000 <= year <= 9998 and 1 <= month <= 12):
        return None
    start = dt.datetime(year, month, 1, tzinfo=WIB)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=WIB)
    return Period(start, end, f"{MONTHS[month - 1]} {year}")


def last_days(days: int, now: dt.datetime) -> Period:
    """Today (WIB) and the days before it: `days` whole calendar days."""
    today = now.astimezone(WIB).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time(), WIB)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), WIB)
    shown = f"{_day(first)} – {_day(today)}"
    return Period(start, end, f"{days} hari terakhir ({shown})")


@dataclass(frozen=True)
class Statistics:
    period: Period
    total: int
    urgent: int
    by_status: dict[str, int]
    # Weeks (or months) of the period in order, empty ones included: (label, per status).
    timeline: tuple[tuple[str, dict[str, int]], ...]
    by_area: tuple[tuple[str, int], ...]  # most first
    by_destination: tuple[tuple[str, int], ...]
    by_tag: tuple[tuple[str, int], ...]

    def caption(self) -> str:
        """A few lines that fit under a picture (Telegram allows 1,024 characters)."""
        lines = [f"Statistik laporan · {self.period.label}"]
        lines.append(f"Jumlah: {self.total} (mendesak: {self.urgent})")
        lines += [f"{STATUS_LABELS[s]}: {n}" for s, n in self.by_status.items() if n]
        if self.by_area:
            lines.append("Kecamatan terbanyak: " + _top(self.by_area))
        if self.by_destination:
            lines.append("Tujuan terbanyak: " + _top(self.by_destination))
        return "\n".join(lines)

    def text(self) -> str:
        lines = [f"Periode: {self.period.label}"]
        lines.append(f"Jumlah laporan: {self.total} (mendesak: {self.urgent})")
        lines.append("\nMenurut status:")
        lines += [f"  {STATUS_LABELS[s]}: {n}" for s, n in self.by_status.items() if n]
        lines.append(f"\nMenurut {'minggu' if self.period.weekly else 'bulan'}:")
        lines += [f"  {label}: {n}" for label, c in self.timeline if (n := sum(c.values()))]
        lines.append("\nMenurut kecamatan:")
        lines += [f"  {area}: {count}" for area, count in self.by_area]
        lines.append("\nMenurut negara tujuan:")
        lines += [f"  {country}: {count}" for country, count in self.by_destination]
        if self.by_tag:
            lines.append("\nMenurut kategori:")
            lines += [f"  {TAGS[tag]}: {count}" for tag, count in self.by_tag]
        return "\n".join(lines)


def count(cases: Iterable[Report], period: Period) -> Statistics:
    chosen = [case for case in cases if period.holds(case.created_at)]
    by_status = Counter(case.status for case in chosen)
    bucket = _week if period.weekly else _month
    timeline: dict[str, Counter[str]] = {label: Counter() for label in _buckets(period)}
    for case in chosen:
        timeline.setdefault(bucket(_local(case.created_at)), Counter())[case.status] += 1
    return Statistics(
        period=period,
        total=len(chosen),
        urgent=sum(case.urgent for case in chosen),
        by_status={status: by_status[status] for status in STATUSES},
        timeline=tuple(
            (label, {status: counts[status] for status in STATUSES})
            for label, counts in timeline.items()
        ),
        by_area=tuple(Counter(case.area for case in chosen).most_common()),
        by_destination=tuple(Counter(case.destination for case in chosen).most_common()),
        by_tag=tuple(Counter(tag for case in chosen for tag in case.tags).most_common()),
    )


def _buckets(period: Period) -> list[str]:
    """Every week (or month) the period touches, so a quiet week shows as an empty bar."""
    labels: list[str] = []
    day = period.start.date()
    last = (period.end - dt.timedelta(seconds=1)).date()
    step = dt.timedelta(days=1)
    while day <= last:
        moment = dt.datetime.combine(day, dt.time(), WIB)
        label = _week(moment) if period.weekly else _month(moment)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += step
    return labels


def _local(created_at: str) -> dt.datetime:
    return dt.datetime.fromisoformat(created_at).astimezone(WIB)


def _week(moment: dt.datetime) -> str:
    """A week by its Monday: "23 Nov 2026"."""
    monday = moment.date() - dt.timedelta(days=moment.weekday())
    return _day(monday)


def _month(moment: dt.datetime) -> str:
    return f"{MONTHS[moment.month - 1][:3]} {moment.year}"


def _day(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def _top(counted: tuple[tuple[str, int], ...], many: int = 3) -> str:
    return ", ".join(f"{name} {n}" for name, n in counted[:many])
