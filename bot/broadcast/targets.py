"""Which subscribers a campaign reaches: its regions (a whole city/regency, or one of its
kecamatan) and its language, and the audience counted for the preview.

A subscriber who skipped the place question belongs to the default region as a whole:
they get the default region's campaigns and those for every region (the province's), not
one addressed to a single kecamatan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.broadcast.subscribers import Listed
from bot.regions import Regions

EVERY = ("semua", "all", "provinsi", "semua wilayah")  # typed for every region


@dataclass(frozen=True)
class Target:
    region: str
    area: str | None = None  # a kecamatan; None: the whole region

    def to_list(self) -> list[str | None]:
        return [self.region, self.area]


@dataclass(frozen=True)
class Reach:
    """`targets` None: every region."""

    targets: tuple[Target, ...] | None
    language: str | None = None  # None: every subscriber, whatever their language

    def includes(self, subscriber: Listed, default_region: str) -> bool:
        if self.language is not None and subscriber.language != self.language:
            return False
        if self.targets is None:
            return True
        region = subscriber.region or default_region
        for target in self.targets:
            if target.region != region:
                continue
            if target.area is None or (subscriber.region and target.area == subscriber.area):
                return True
        return False


@dataclass(frozen=True)
class Audience:
    total: int
    telegram: int
    whatsapp: int
    by_region: tuple[tuple[str, int], ...]  # (region name, or "tanpa tempat", count)
    whatsapp_in_window: int  # of `whatsapp`: a normal message still reaches them
    resting: int  # had a broadcast in the last day: theirs waits until the day is over


def chosen(subscribers: Iterable[Listed], reach: Reach, default_region: str) -> list[Listed]:
    return [s for s in subscribers if reach.includes(s, default_region)]


def audience(
    subscribers: Sequence[Listed],
    regions: Regions,
    in_window: Iterable[bool],
    resting: Iterable[bool],
) -> Audience:
    """Counted per channel and region; `in_window` and `resting` go with `subscribers`."""
    by_channel = Counter(s.channel for s in subscribers)
    names: Counter[str] = Counter()
    for subscriber in subscribers:
        if subscriber.region is None:
            names["tanpa tempat (ikut " + regions.default.name + ")"] += 1
            continue
        name = regions.get(subscriber.region).name
        names[f"{name}: {subscriber.area}" if subscriber.area else name] += 1
    window = sum(
        1
        for s, open_ in zip(subscribers, in_window, strict=True)
        if open_ and s.channel == "whatsapp"
    )
    return Audience(
        total=len(subscribers),
        telegram=by_channel["telegram"],
        whatsapp=by_channel["whatsapp"],
        by_region=tuple(sorted(names.items(), key=lambda item: (-item[1], item[0]))),
        whatsapp_in_window=window,
        resting=sum(1 for busy in resting if busy),
    )


def parse_regions(
    value: str, regions: Regions, allowed: frozenset[str], every_allowed: bool
) -> tuple[tuple[Target, ...] | None, list[str]]:
    """`wilayah: Pariaman Utara, kabupaten-padang-pariaman`: kecamatan names, region ids or
    names, or "semua" (only where every region may be addressed). Returns the targets
    (None: every region) and the problems, one line each."""
    targets: list[Target] = []
    problems: list[str] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        folded = " ".join(item.casefold().split())
        if folded in EVERY:
            if every_allowed:
                return None, problems
            problems.append("hanya grup provinsi yang boleh mengirim ke semua wilayah")
            continue
        found = _region(folded, regions) or _kecamatan(folded, regions, allowed)
        if found is None:
            problems.append(f"wilayah «{item}» tidak dikenal (nama kecamatan atau id wilayah)")
            continue
        if isinstance(found, str):
            problems.append(found)
            continue
        if found.region not in allowed:
            name = regions.get(found.region).name
            problems.append(f"«{item}» ada di {name}, di luar wilayah grup ini")
            continue
        if found not in targets:
            targets.append(found)
    return tuple(targets), problems


def _region(folded: str, regions: Regions) -> Target | None:
    for region in regions.regions:
        if folded in (region.id, region.name.casefold()):
            return Target(region.id)
    return None


def _kecamatan(folded: str, regions: Regions, allowed: frozenset[str]) -> Target | str | None:
    """A kecamatan by its name; one two regions share is taken from this group's regions,
    or must be named with its region ("Nama (id-wilayah)")."""
    name, _, region_id = folded.partition("(")
    name, region_id = name.strip(), region_id.rstrip(")").strip()
    found = [
        Target(region.id, place)
        for region in regions.regions
        for place in region.places
        if place.casefold() == name and (not region_id or region_id == region.id)
    ]
    if len(found) > 1:
        found = [target for target in found if target.region in allowed] or found
    if len(found) > 1:
        ids = ", ".join(target.region for target in found)
        return f"kecamatan «{name}» ada di beberapa wilayah ({ids}): tulis «{name} (id-wilayah)»"
    return found[0] if found else None


def describe(targets: tuple[Target, ...] | None, regions: Regions) -> str:
    if targets is None:
        return "semua wilayah"
    shown = []
    for target in targets:
        name = regions.get(target.region).name
        shown.append(f"{target.area} ({name})" if target.area else name)
    return ", ".join(shown)
