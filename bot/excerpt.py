"""A long answer shown short, saying how much more there is: the reporter's summary and the
province's copy of a card show the start of a 2,000-character story, never a silent cut."""

from __future__ import annotations


def excerpt(value: str, limit: int) -> tuple[str, int]:
    """The start of `value`, at most `limit` characters and cut at a word break when one is
    near, and how many characters are left out (0: all of it is shown)."""
    if len(value) <= limit:
        return value, 0
    cut = value.rfind(" ", 0, limit + 1)
    if cut < limit * 4 // 5:  # no break near the end: cut inside the word
        cut = limit
    shown = value[:cut].rstrip()
    return shown, len(value) - len(shown)


def number(count: int, lang: str) -> str:
    """1860 -> "1.860" in Indonesian, "1,860" in English."""
    written = f"{count:,}"
    return written.replace(",", ".") if lang == "id" else written
