"""A broadcast as a subscriber sees it: the officials' text as written, the bot's own
words in the subscriber's language, a poll's choices as buttons, and a button to
unsubscribe under every one. Outside WhatsApp's 24-hour window the same goes out as the
one parameter of the approved marketing template, on one line (a template parameter takes
no line breaks), with a poll's choices as numbers to type.
"""

from __future__ import annotations

import re

from bot.messages import Button, Reply
from bot.texts import text

POLL = "poll"  # button data "poll:<campaign>:<choice>"
UNSUBSCRIBE = "langganan:berhenti"
MAX_PARAMETER = 900  # of Meta's 1,024 for the body: the template's own words come on top
_SPACES = re.compile(r"\s+")


def broadcast_reply(campaign_id: int, body: str, options: tuple[str, ...], lang: str) -> Reply:
    shown = body
    if options:
        shown = f"{body}\n\n{text('broadcast_poll', lang)}"
    rows = [(Button(option, f"{POLL}:{campaign_id}:{n}"),) for n, option in enumerate(options)]
    rows.append((Button(text("unsubscribe_button", lang), UNSUBSCRIBE),))
    return Reply(
        shown,
        title=text("broadcast_title", lang),
        note=text("broadcast_note", lang),
        buttons=tuple(rows),
    )


def template_parameter(body: str, options: tuple[str, ...], lang: str, fit: bool = True) -> str:
    """The text on one line (WhatsApp refuses line breaks, tabs and runs of spaces in a
    parameter), a poll's choices numbered after it. `/siaran` refuses what does not fit;
    `fit` cuts it all the same, should anything longer ever be stored."""
    flat = _SPACES.sub(" ", body).strip()
    if options:
        numbered = ", ".join(f"{n} = {option}" for n, option in enumerate(options, 1))
        flat += " " + text("broadcast_template_poll", lang, options=numbered)
    if not fit or len(flat) <= MAX_PARAMETER:
        return flat
    return flat[: MAX_PARAMETER - 1] + "…"
