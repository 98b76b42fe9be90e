"""Which region and kecamatan a typed place means: "pariaman utra", "di Naras", "kab agam",
"di luar daerah". People type with typos, so names are compared with rapidfuzz's ratio
over windows of the typed words as long as the name."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.fuzz import ratio

from bot.normalize import clean
from bot.regions import Regions, all_places

# A typo of one letter in six still matches; short names must be typed exactly, or
# "Naras" would also be "Narsa" and "Koto" every "kota".
SIMILAR = 85.0
SHORT = 5
# "di luar daerah", "luar kota", "luar kabupaten": a place outside every region.
OUTSIDE_WORD = "luar"
# Typed before a region's own name; "agam" means Kabupaten Agam.
REGION_WORDS = ("kota", "kabupaten", "kab")
# A place is named in a few words; a pasted story must not cost a comparison per word.
MAX_WORDS = 40


@dataclass(frozen=True)
class Place:
    region: str  # region id
    kecamatan: str | None  # None: the city/regency itself was named
    name: str  # the name that matched, as the file spells it


@dataclass(frozen=True)
class Found:
    outside: bool = False
    places: tuple[Place, ...] = ()  # the best matches; more than one: ask which


class PlaceFinder:
    def __init__(self, regions: Regions) -> None:
        entries: list[tuple[str, Place]] = []
        for region in regions.regions:
            whole = Place(region.id, None, region.name)
            entries.append((clean(region.name), whole))
            first, _, rest = clean(region.name).partition(" ")
            if first in REGION_WORDS and rest:
                entries.append((rest, whole))
        for name, region_id, kecamatan in all_places(regions.regions):
            entries.append((clean(name), Place(region_id, kecamatan, name)))
        self._entries = [(key, place) for key, place in entries if key]

    def find(self, typed: str, within: str | None = None) -> Found:
        """The places `typed` names; `within`: a region already chosen is searched first."""
        words = clean(typed).split()[:MAX_WORDS]
        if OUTSIDE_WORD in words:
            return Found(outside=True)
        if not words:
            return Found()
        if within is not None:
            inside = self._best(words, within)
            if inside:
                return Found(places=inside)
        return Found(places=self._best(words, None))

    def _best(self, words: list[str], region: str | None) -> tuple[Place, ...]:
        scored: list[tuple[float, int, Place]] = []
        for key, place in self._entries:
            if region is not None and place.region != region:
                continue
            score = _score(words, key)
            needed = 100.0 if len(key) <= SHORT else SIMILAR
            if score >= needed:
                scored.append((score, len(key), place))
        if not scored:
            return ()
        # Closeness times length: "pariaman utra" is Pariaman Utara (96% of 14 letters)
        # rather than the city "pariaman" (100% of 8), which explains less of what was typed.
        top = max(score * length for score, length, _ in scored)
        best = [place for score, length, place in scored if score * length == top]
        return tuple(dict.fromkeys(best))


def _score(words: list[str], key: str) -> float:
    size = key.count(" ") + 1
    if len(words) <= size:
        return ratio(" ".join(words), key)
    return max(ratio(" ".join(words[i : i + size]), key) for i in range(len(words) - size + 1))
