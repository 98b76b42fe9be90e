"""Thanks and closings: "ok makasih", "makasih ya kak", "sip", "thank you" are the end of a
conversation, not a question. A whole message of these words gets a short, warm closing;
one word more ("makasih, cara cek PT gimana?") and it is a question again.
"""

from __future__ import annotations

from typing import Literal

from bot.normalize import clean

Closing = Literal["thanks", "ok"]

THANKS = frozenset(
    {
        "terima kasih", "terimakasih", "trimakasih", "trima kasih", "makasih", "makasi",
        "maksih", "mksh", "mks", "makacih", "trims", "tengkyu", "thanks", "thank you",
        "thank u", "thanks a lot", "thx", "tq", "ty", "tarimo kasih", "tarimokasih",
        "hatur nuhun", "matur nuwun", "suwun", "nuhun",
    }
)  # fmt: skip
ACKNOWLEDGED = frozenset(
    {
        "ok", "oke", "okay", "okey", "okeh", "okee", "sip", "siap", "mantap",
        "mantab", "mantul", "baik", "baiklah", "paham", "mengerti", "ngerti", "jelas",
        "noted", "good", "great", "cool", "alright", "fine", "nice", "understood", "got it",
        "cukup", "itu saja", "sudah cukup", "dadah", "bye", "sampai jumpa", "wassalam",
        "wassalamualaikum", "see you",
    }
)  # fmt: skip
# Words that may come with them without changing what they mean.
KIND_WORDS = frozenset(
    "ya yah ye iya deh dong sih kak kakak min admin pak bu mas mbak bang uda uni ni "
    "banyak banget bgt sekali so much very a lot lot atas infonya info nya informasinya "
    "bantuannya jawabannya bot lagi for the your help answer answers".split()
)
_PHRASES = sorted(THANKS | ACKNOWLEDGED, key=lambda phrase: -len(phrase.split()))


def closing_of(message: str) -> Closing | None:
    """ "thanks" when the whole message thanks, "ok" when it only acknowledges, else None."""
    rest = f" {clean(message)} "
    found: set[str] = set()
    for phrase in _PHRASES:
        while f" {phrase} " in rest:  # "ok ok", "makasih makasih"
            rest = rest.replace(f" {phrase} ", " ")
            found.add(phrase)
    if not found or any(word not in KIND_WORDS for word in rest.split()):
        return None
    return "thanks" if found & THANKS else "ok"
