"""Long text cut into the pieces a messaging platform accepts, at paragraph, line or word
breaks. Each platform counts length its own way (Telegram in UTF-16 code units)."""

from __future__ import annotations

from collections.abc import Callable


def split_text(body: str, limit: int, length: Callable[[str], int] = len) -> list[str]:
    """Pieces of at most `limit` by `length`; the last piece may be empty, for the caller
    to keep or drop as its platform requires."""
    pieces: list[str] = []
    current = ""
    for paragraph in body.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if length(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while length(paragraph) > limit:
            cut = _cut_point(paragraph, limit, length)
            pieces.append(paragraph[:cut].rstrip())
            paragraph = paragraph[cut:].lstrip()
        current = paragraph
    pieces.append(current)
    return pieces


def _cut_point(part: str, limit: int, length: Callable[[str], int]) -> int:
    """The last line or word break that keeps part[:cut] within the limit."""
    low, high = 1, len(part)
    while low < high:  # longest prefix that fits
        middle = (low + high + 1) // 2
        if length(part[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    for breaker in ("\n", " "):
        position = part.rfind(breaker, 0, low)
        if position > low // 2:
            return position + 1
    return low
