"""The one clock behind everything the bot dates or schedules: when a report, an event or
an outbox row happened, the deadlines on a receipt, reminders (an urgent case's at its
promised time), the weekly digest, the per-day and per-hour caps, draft reminders and the
retention purge; the case desk's time left in `/kasus`, closing reasons and forwarding in
a case's history, the week in which a reporter's typed words are offered to her case, the
day of the group's how-to and of an export's file name; conversation states,
unanswered questions and feedback; WhatsApp's inbox and queue, the fortnight its message
ids are remembered and the age past which a signed message is refused as a replay; the
name of a backup and which old copies it deletes.

`runtime.open_services(clock=...)` hands the same clock to every part it builds, so a
test can run the bot at any moment it chooses (a Monday 08:30 WIB, New Year's Eve)
instead of whatever day the machine happens to be on. A command line run (`backup`)
reads `utc_now` itself. Waiting and back-off use the machine's own time (`time.monotonic`,
`time.time`, and files' times for the sweep of unreferenced media): they measure how long,
not when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]  # an aware datetime: now


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def stamp(moment: dt.datetime) -> str:
    """How a moment is stored: UTC, to the second, ISO 8601 (sorts as text)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def hour_stamp(moment: dt.datetime) -> str:
    """For rows tied to a person (sessions, drafts, WhatsApp's inbox): an exact time would
    match the `created_at` of the report they led to, and so link the person to the case.
    Rounded in UTC: a clock in a zone offset by half an hour still gives a whole hour."""
    return stamp(moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0))


def day_stamp(moment: dt.datetime) -> str:
    """For what people asked (unanswered questions): the UTC day is all the editors need."""
    return stamp(moment.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0))
