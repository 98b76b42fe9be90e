"""The receipt after a report is committed: the case code, what really happened to the
report, and what comes next and by when. It never says "forwarded" unless an officials'
group is configured to receive it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot import deadlines
from bot.messages import Reply
from bot.regions import PARIAMAN_NAME
from bot.reports import Report
from bot.texts import text


@dataclass(frozen=True)
class ReceiptPolicy:
    forwarded: bool = False  # an officials' chat receives the cards
    ack_hours: int = 24
    action_working_days: int = 3
    holidays: frozenset[dt.date] = field(default_factory=frozenset)


def receipt(
    report: Report,
    lang: str,
    policy: ReceiptPolicy,
    emergency: str | None,
    call_instead: list[str],
    region: str = PARIAMAN_NAME,
    office: str = "",
) -> Reply:
    """`region`, `office`: the name of the report's region and, if the file gives one, its
    office line (texts "region_office"), so that nobody is sent to another city's office."""
    parts = [text("report_receipt_code", lang, code=report.code)]
    if policy.forwarded:
        created = dt.datetime.fromisoformat(report.created_at)
        ack = deadlines.acknowledge_by(created, policy.ack_hours)
        act = deadlines.act_by(created, policy.action_working_days, policy.holidays)
        parts.append(
            text(
                "report_receipt_forwarded",
                lang,
                ack=deadlines.format_moment(ack, lang),
                act=deadlines.format_day(act, lang),
                region=region,
                office=office,
            )
        )
    else:
        lines = [text("report_receipt_stored", lang)]
        lines += [f"• {contact}" for contact in call_instead]
        parts.append("\n".join(lines))
    if emergency:
        parts.append(f"{text('report_receipt_urgent', lang)}\n{emergency}")
    parts.append(text("report_receipt_status", lang, code=report.code))
    return Reply("\n\n".join(parts), title=text("report_received", lang))
