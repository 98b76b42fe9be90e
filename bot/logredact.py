"""No personal data in logs, whatever a library logs and at whatever level.

Our own modules (loggers named ``bot...``) log only event types, counts and row numbers.
Libraries do not: python-telegram-bot logs every Bot API call with its parameters at
DEBUG, and an update it cannot parse at CRITICAL with the whole update (text, name, ids);
aiosqlite logs each statement with its values. A level on their loggers is not enough
(an unparsable update is logged at CRITICAL, and a test's or an operator's handler may
lower levels), so every record from a library keeps its message pattern but loses its
values, and every exception keeps its type and traceback but loses its message (which
may quote data, as in ``invalid literal for int(): 'Siti'``).

It is a LogRecord factory rather than a handler filter so that it covers every handler,
including ones added later (pytest's caplog, a journald handler).
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

REDACTED = "[redacted]"
OURS = "bot"
# printf-style conversion specifiers, as logging's %-formatting understands them
_SPECIFIER = re.compile(
    r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa]"
)


def _ours(name: str) -> bool:
    return name == OURS or name.startswith(OURS + ".")


def redact(record: logging.LogRecord) -> None:
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = describe(record.exc_info[1])
        record.exc_info = None
    if _ours(record.name):
        return
    if record.args:
        pattern = str(record.msg).replace("%%", "\0")
        record.msg = _SPECIFIER.sub(REDACTED, pattern).replace("\0", "%")
        record.args = None


def describe(error: BaseException) -> str:
    """The traceback without the exception's message: where it happened, not what it held."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"Traceback (most recent call last):\n{frames}{type(error).__qualname__}: {REDACTED}"


def install() -> None:
    """Idempotent; called by whatever composes the bot (run, tests, benchmarks)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        redact(record)
        return record

    factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
