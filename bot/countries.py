"""Which destination country a message names ("dikurung majikan di hongkong", "kerja di
malaysa"), from knowledge/countries.yaml: its names in Indonesian, English, Minangkabau, chat
spellings and big cities. A long name (7 letters or more) is also found with one letter
wrong; a shorter one must be typed as listed ("oman" is not "aman").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.normalize import clean

FORGIVING_LENGTH = 7  # names this long match with one letter wrong, missing or swapped
UNKNOWN = "tidak diketahui"  # statistics: no destination given
OTHER = "lainnya"  # statistics: a destination the file does not list


@dataclass(frozen=True)
class Country:
    id: str
    name: dict[str, str]  # as the bot writes it, per language; name["id"] is counted
    names: tuple[str, ...]  # as people type it, cleaned
    contacts: tuple[str, ...] = ()  # contacts.yaml keys shown first in an emergency there


def find_country(message: str, countries: Iterable[Country]) -> Country | None:
    """The country the message names first (the earliest in the text; of names starting at
    the same word, the longest), or None."""
    words = clean(message).split()
    best: tuple[int, int, Country] | None = None
    for country in countries:
        for name in country.names:
            position = _position(words, name.split())
            if position is None:
                continue
            found = (position, -len(name), country)
            if best is None or found[:2] < best[:2]:
                best = found
    return best[2] if best else None


def statistics_name(destination: str, countries: Iterable[Country]) -> str:
    """The country a report's destination answer is counted under."""
    country = find_country(destination, countries)
    if country is not None:
        return country.name["id"]
    return UNKNOWN if destination in ("", "tidak tahu") else OTHER


def _position(words: list[str], name: list[str]) -> int | None:
    size = len(name)
    for start in range(len(words) - size + 1):
        window = words[start : start + size]
        if window == name:
            return start
        if size == 1 and len(name[0]) >= FORGIVING_LENGTH and _one_off(window[0], name[0]):
            return start
    return None


def _one_off(typed: str, name: str) -> bool:
    return abs(len(typed) - len(name)) <= 1 and OSA.distance(typed, name, score_cutoff=1) <= 1
