"""What ties a message or a report to a case without storing what ties them.

- A *quote*: a reporter swipe-replies to (quotes) one of the bot's messages about their case
  (Telegram's reply id, WhatsApp's `context.id`). The bot keeps a keyed hash of the reporter
  and the platform's id of that message, so the reply finds its case while neither the
  reporter's id nor the message id is stored.
- A *mark*: a recruiter's phone number or name in a report. Its keyed hash is stored with the
  report, so a later report naming the same number says "mungkin terkait PRM-…" on its card,
  and no number is stored in clear beside the encrypted answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.crypto import Cipher
from bot.messages import UserKey
from bot.normalize import clean

# Answers that may name the recruiter (an offer pasted from a chat often ends with a number).
RECRUITER_FIELDS = ("recruiter", "taken_by")
NUMBER_FIELDS = ("offer", "recruiter", "taken_by", "evidence_note")
_PHONE = re.compile(r"\+?\d[\d .()-]{7,}\d")
# Words around a name that say nothing about who it is.
_FILLER = frozenset(
    "pak bu bapak ibu mas mbak bang kak abang uni uda sdr saudara namanya nama agen calo "
    "sponsor perekrut dia orang si yang no nomor hp wa tidak tahu tau gk ga nggak".split()
)


def quote_key(cipher: Cipher, user: UserKey, message_id: str) -> str:
    """The stored form of "this message the bot sent `user`": a keyed hash."""
    return cipher.lookup_hash(f"quote:{user}:{message_id}")


def phone_numbers(value: str) -> set[str]:
    """Phone numbers in a text, as digits in international form (0812… -> 62812…)."""
    found = set()
    for match in _PHONE.finditer(value):
        digits = re.sub(r"\D", "", match.group())
        if digits.startswith("0"):
            digits = "62" + digits[1:]
        if 9 <= len(digits) <= 15:
            found.add(digits)
    return found


def recruiter_name(value: str) -> str | None:
    """The name part of a "who recruited" answer, normalised; None when there is none."""
    words = [w for w in clean(_PHONE.sub(" ", value)).split() if w not in _FILLER]
    name = " ".join(w for w in words if not w.isdigit())
    return name if len(name) >= 4 else None


def marks_of(answers: Mapping[str, Any], cipher: Cipher) -> set[str]:
    """The keyed hashes of the recruiter numbers and names a report's answers mention."""
    values: set[str] = set()
    for field in NUMBER_FIELDS:
        values |= {f"phone:{n}" for n in phone_numbers(str(answers.get(field) or ""))}
    for field in RECRUITER_FIELDS:
        name = recruiter_name(str(answers.get(field) or ""))
        if name:
            values.add(f"name:{name}")
    return {cipher.lookup_hash(f"mark:{value}") for value in values}
