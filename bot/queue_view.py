"""/kasus: the open cases in the order a busy official should look at them (overdue, then
urgent, then nobody holding them, then the rest), each line with the time left to its
next promise, its holder and its risk, and a button to open each one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from bot.messages import Button
from bot.reports import Report
from bot.response import Timing, duration, late_mark

MAX_BUTTONS = 20  # one per case: a long list still opens its most pressing cases in a tap


def attention_order(
    cases: Sequence[Report], timings: Mapping[int, Timing], now: dt.datetime
) -> list[Report]:
    """Overdue (the latest first), urgent, unassigned, the rest; oldest first within each."""

    def rank(case: Report) -> tuple[int, float, str, int]:
        overdue = timings[case.id].overdue(now)
        if overdue is not None:
            return 0, -overdue[1].total_seconds(), case.created_at, case.id
        group = 1 if case.urgent else 2 if not case.assigned_to else 3
        return group, 0.0, case.created_at, case.id

    return sorted(cases, key=rank)


def promise_mark(timing: Timing, now: dt.datetime) -> str:
    """ " · ⏳ sisa 40 menit untuk diterima", " · ⏰ belum diterima, terlambat 6 jam"."""
    late = late_mark(timing, now)
    if late:
        return late
    if timing.acknowledged_at is None:
        return f" · ⏳ sisa {duration(timing.ack_by - now)} untuk diterima"
    if timing.acted_at is None:
        return f" · ⏳ sisa {duration(timing.act_by - now)} untuk tindakan pertama"
    return " · ✔️ sudah ditindaklanjuti"


def open_buttons(cases: Sequence[Report], action: str) -> tuple[tuple[Button, ...], ...]:
    """A 🔎 button per case (the first MAX_BUTTONS), two to a row."""
    buttons = [Button(f"🔎 {case.code}", f"{action}:{case.code}:detail") for case in cases]
    buttons = buttons[:MAX_BUTTONS]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
