"""What people type, made safe to store and to show: no control or format characters.

A right-to-left override (U+202E), an isolate (U+2066–2069), a zero-width space or a
NUL can make a card read differently from what it holds, or hide text from an official.
Every control (Cc) and format (Cf) character goes, except the newline and the tab; the
Unicode line and paragraph separators become newlines. Applied once, where text enters
the core (the engine and the officials' desk), so everything stored is already clean.

Because no Cc character survives, two of them are free to mark user text on a card as a
quotation (QUOTE_START ... QUOTE_END): a reporter cannot forge or close the fence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from bot.messages import Incoming

KEPT = frozenset("\n\t")
QUOTE_START = "\x02"  # start of text: channels render the span as a quoted block
QUOTE_END = "\x03"  # end of text
_QUOTATION = re.compile(f"{QUOTE_START}(.*?){QUOTE_END}", re.DOTALL)
_SEPARATORS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\r": "\n"})


def clean_text(value: str) -> str:
    """`value` without control and format characters (newline and tab kept)."""
    value = value.replace("\r\n", "\n").translate(_SEPARATORS)
    if value.isprintable():  # the common case: nothing to strip, no copy per character
        return value
    return "".join(
        char for char in value if char in KEPT or unicodedata.category(char) not in ("Cc", "Cf")
    )


def quoted(value: str) -> str:
    """User text fenced as a quotation; stray fence characters are dropped first."""
    return f"{QUOTE_START}{clean_text(value).strip()}{QUOTE_END}"


def clean_incoming(incoming: Incoming) -> Incoming:
    """The channel-neutral boundary: text, button data and attachment handles cleaned."""
    return replace(
        incoming,
        text=clean_text(incoming.text),
        choice=None if incoming.choice is None else clean_text(incoming.choice),
        attachments=tuple(replace(a, ref=clean_text(a.ref)) for a in incoming.attachments),
        reply_to=None if incoming.reply_to is None else clean_text(incoming.reply_to),
    )


def plain_quotes(value: str) -> str:
    """Quotations for a plain-text screen: each quoted line starts with a bar."""
    quoted_text = _QUOTATION.sub(
        lambda found: "\n".join(f"│ {line}" for line in found.group(1).split("\n")), value
    )
    return quoted_text.replace(QUOTE_START, "").replace(QUOTE_END, "")
