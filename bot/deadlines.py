"""When officials have promised to answer: the acknowledgement and action deadlines.

Working days are Monday to Friday in Asia/Jakarta (WIB, UTC+7 all year: Indonesia has no
daylight saving, so a fixed offset needs no time-zone database), minus configured holidays.
The receipt tells a reporter these dates; reminders to officials reuse the same functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

WIB = dt.timezone(dt.timedelta(hours=7), "WIB")
_DAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def is_working_day(day: dt.date, holidays: Collection[dt.date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def acknowledge_by(start: dt.datetime, hours: int) -> dt.datetime:
    """The acknowledgement deadline: a plain number of hours, nights and weekends included,
    because a report may be urgent whatever the day."""
    return start.astimezone(WIB) + dt.timedelta(hours=hours)


def act_by(start: dt.datetime, working_days: int, holidays: Collection[dt.date] = ()) -> dt.date:
    """The last day for a first action: the Nth working day after the day of `start` (WIB).
    A report on Friday evening with 3 working days is due on Wednesday."""
    day = start.astimezone(WIB).date()
    counted = 0
    while counted < working_days:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return day


def format_day(day: dt.date, lang: str) -> str:
    """ "Rabu, 2 Des 2026": short enough for a phone, unambiguous in both languages."""
    lang = lang if lang in _DAYS else "id"
    return f"{_DAYS[lang][day.weekday()]}, {day.day} {_MONTHS[lang][day.month - 1]} {day.year}"


def format_moment(moment: dt.datetime, lang: str) -> str:
    local = moment.astimezone(WIB)
    separator = "." if lang == "id" else ":"
    time = f"{local.hour:02d}{separator}{local.minute:02d} WIB"
    return f"{format_day(local.date(), lang)}, {'pukul ' if lang == 'id' else ''}{time}"


def short_moment(moment: dt.datetime, lang: str) -> str:
    """ "2 Des 2026 09.15 WIB": a moment in a case's history, with its zone."""
    local = moment.astimezone(WIB)
    separator = "." if lang == "id" else ":"
    month = _MONTHS[lang if lang in _MONTHS else "id"][local.month - 1]
    return f"{local.day} {month} {local.year} {local.hour:02d}{separator}{local.minute:02d} WIB"


def ends_a_day(moment: dt.datetime) -> bool:
    """A working-day deadline: midnight WIB, the end of the day it names."""
    return moment.astimezone(WIB).time() == dt.time()


def format_deadline(moment: dt.datetime, lang: str) -> str:
    """A deadline as people are promised it: a working-day one as its last day
    ("Rabu, 2 Des 2026"), an hours one with its hour."""
    if ends_a_day(moment):
        return format_day(moment.astimezone(WIB).date() - dt.timedelta(days=1), lang)
    return format_moment(moment, lang)
