"""The cities and regencies the bot serves, as data: each one's kecamatan, officials' group,
officials and case-code prefix (REGIONS_FILE). Without a file, the single-city settings
(OFFICIALS_CHAT_ID, OFFICIAL_USER_IDS, CASE_CODE_PREFIX) make one region, Kota Pariaman.

The file is checked like the knowledge base: every problem is listed, one line each, and
the bot does not start with any of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PROVINCE = "@province"  # outbox group of the province's read-only copies; never a region id
REGION_ID = re.compile(r"[a-z][a-z0-9-]{0,39}")
PREFIX = re.compile(r"[A-Z]{2,5}")
MAX_NAME = 60

# Kota Pariaman's four kecamatan and the seats people name instead (shared facts §13,
# Pemko Pariaman profile): Naras, Kurai Taji, Sei Pasak. Pariaman Tengah's seat is the
# city's own name, so it is not listed.
PARIAMAN_ID = "kota-pariaman"
PARIAMAN_NAME = "Kota Pariaman"
PARIAMAN_PLACES = ("Pariaman Utara", "Pariaman Tengah", "Pariaman Selatan", "Pariaman Timur")
PARIAMAN_SEATS = (
    ("Naras", "Pariaman Utara"),
    ("Kurai Taji", "Pariaman Selatan"),
    ("Sei Pasak", "Pariaman Timur"),
)


class RegionsError(Exception):
    """The regions file has problems; `problems` lists all of them, one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Region:
    id: str
    name: str  # as reporters read it: "Kota Pariaman", "Kabupaten Agam"
    code_prefix: str
    officials_chat_id: int | None
    official_user_ids: frozenset[int] = frozenset()
    places: tuple[str, ...] = ()  # kecamatan, as shown on the buttons
    villages: tuple[tuple[str, str], ...] = ()  # (kelurahan/desa/nagari, its kecamatan)
    office: str = ""  # where its citizens can go in person; shown on receipts and updates
    # Overrides of RESPONSE_ACK_HOURS / RESPONSE_ACTION_WORKING_DAYS; None: the settings'.
    response_ack_hours: int | None = None
    response_action_working_days: int | None = None


@dataclass(frozen=True)
class Scope:
    """What an official in one chat may see: these regions' cases; `read_only`: the
    province's group, which may look (/kasus, /statistik) but never act."""

    regions: frozenset[str]
    read_only: bool = False


@dataclass(frozen=True)
class Regions:
    regions: tuple[Region, ...]
    default_id: str
    province_chat_id: int | None = None
    province_user_ids: frozenset[int] = frozenset()
    _by_id: dict[str, Region] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({region.id: region for region in self.regions})

    @property
    def default(self) -> Region:
        return self._by_id[self.default_id]

    @property
    def many(self) -> bool:
        return len(self.regions) > 1

    @property
    def names(self) -> dict[str, str]:
        """Region id -> name, for counting cases by city/regency."""
        return {region.id: region.name for region in self.regions}

    def get(self, region_id: str | None) -> Region:
        """The region of a report; unknown ids (a file changed since) fall back to the default."""
        return self._by_id.get(region_id or "", self.default)

    def chat_of(self, group: str | None) -> int | None:
        """The Telegram chat of an outbox group: a region's, the province's, or the default's."""
        if group == PROVINCE:
            return self.province_chat_id
        return self.get(group).officials_chat_id

    def chats(self) -> frozenset[int]:
        """Every group the bot belongs in; it leaves any other."""
        ids = {r.officials_chat_id for r in self.regions} | {self.province_chat_id}
        return frozenset(i for i in ids if i is not None)

    def scope_for(self, chat_id: int, user_id: int) -> Scope | None:
        """None: this person in this chat is not an official of it."""
        everything = frozenset(self._by_id)
        if chat_id == self.province_chat_id and user_id in self.province_user_ids:
            return Scope(everything, read_only=True)
        mine = frozenset(
            r.id
            for r in self.regions
            if r.officials_chat_id == chat_id and user_id in r.official_user_ids
        )
        return Scope(mine) if mine else None


def single_region(
    officials_chat_id: int | None, official_user_ids: frozenset[int], code_prefix: str
) -> Regions:
    """Today's single-city settings as a one-region configuration."""
    region = Region(
        PARIAMAN_ID,
        PARIAMAN_NAME,
        code_prefix,
        officials_chat_id,
        official_user_ids,
        PARIAMAN_PLACES,
        PARIAMAN_SEATS,
    )
    return Regions((region,), PARIAMAN_ID)


def load_regions(path: Path) -> Regions:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RegionsError([f"{path}: cannot be read ({error.strerror})"]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        what = getattr(error, "problem", None) or "unreadable"
        raise RegionsError([f"{path}:{line} is not valid YAML ({what})"]) from None
    return parse_regions(raw, str(path))


def parse_regions(raw: Any, source: str = "regions") -> Regions:
    problems: list[str] = []

    def problem(where: str, message: str) -> None:
        problems.append(f"{source}: {where}: {message}")

    if not isinstance(raw, Mapping):
        raise RegionsError([f"{source}: expected a mapping with default_region and regions"])
    items = raw.get("regions")
    if not isinstance(items, list) or not items:
        problem("regions", "must be a list of at least one region")
        items = []
    regions: list[Region] = []
    seen_ids: set[str] = set()
    prefixes: dict[str, str] = {}
    chats: dict[int, str] = {}
    for number, item in enumerate(items, start=1):
        region = _region(item, f"regions[{number}]", problem)
        if region is None:
            continue
        where = f"region {region.id}"
        if region.id in seen_ids:
            problem(where, "id used by another region too")
        if region.code_prefix in prefixes:
            problem(
                where, f"code_prefix {region.code_prefix} is also {prefixes[region.code_prefix]}'s"
            )
        if region.officials_chat_id in chats:
            problem(where, f"officials_chat_id is also {chats[region.officials_chat_id]}'s")
        seen_ids.add(region.id)
        prefixes.setdefault(region.code_prefix, region.id)
        if region.officials_chat_id is not None:
            chats.setdefault(region.officials_chat_id, region.id)
        regions.append(region)
    default = raw.get("default_region")
    if not isinstance(default, str) or not default:
        problem("default_region", "missing: name the region that gets reports from elsewhere")
    elif default not in seen_ids:
        problem("default_region", f"{default!r} is not the id of any region")
    province = _chat_id(raw.get("province_chat_id"), "province_chat_id", problem, required=False)
    if province is not None and province in chats:
        problem("province_chat_id", f"is also {chats[province]}'s officials_chat_id")
    province_users = _user_ids(
        raw.get("province_official_user_ids"), "province_official_user_ids", problem
    )
    if province_users and province is None:
        problem("province_official_user_ids", "set, but province_chat_id is not")
    if problems:
        raise RegionsError(problems)
    return Regions(tuple(regions), str(default), province, province_users)


def _region(item: Any, where: str, problem: Any) -> Region | None:
    if not isinstance(item, Mapping):
        problem(where, "expected a mapping (id, name, code_prefix, officials_chat_id, places)")
        return None
    region_id = item.get("id")
    if not isinstance(region_id, str) or not REGION_ID.fullmatch(region_id):
        problem(where, "id must be lower-case letters, digits and -, like kota-pariaman")
        return None
    where = f"region {region_id}"
    name = _name(item.get("name"))
    if not name:
        problem(where, f"name must be text of 1 to {MAX_NAME} characters")
    prefix = item.get("code_prefix")
    if not isinstance(prefix, str) or not PREFIX.fullmatch(prefix):
        problem(where, f"code_prefix must be 2 to 5 capital letters A-Z, not {prefix!r}")
        prefix = ""
    chat = _chat_id(item.get("officials_chat_id"), f"{where}: officials_chat_id", problem)
    users = _user_ids(item.get("official_user_ids"), f"{where}: official_user_ids", problem)
    places = _names(item.get("places"), f"{where}: places", problem)
    if not places:
        problem(where, "places must list its kecamatan")
    villages = _villages(item.get("villages"), places, where, problem)
    office = item.get("office", "")
    if not isinstance(office, str) or len(office) > 300:
        problem(where, "office must be text of at most 300 characters")
        office = ""
    ack = _optional_positive(
        item.get("response_ack_hours"), f"{where}: response_ack_hours", problem
    )
    act = _optional_positive(
        item.get("response_action_working_days"),
        f"{where}: response_action_working_days",
        problem,
    )
    return Region(region_id, name, prefix, chat, users, places, villages, office.strip(), ack, act)


def _name(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    value = " ".join(value.split())
    return value if 0 < len(value) <= MAX_NAME else ""


def _names(value: Any, where: str, problem: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problem(where, "must be a list of names")
        return ()
    names: list[str] = []
    folded: set[str] = set()
    for entry in value:
        name = _name(entry)
        if not name:
            problem(where, f"{entry!r} is not a name of 1 to {MAX_NAME} characters")
        elif name.casefold() in folded:
            problem(where, f"{name} is listed twice")
        else:
            folded.add(name.casefold())
            names.append(name)
    return tuple(names)


def _villages(
    value: Any, places: tuple[str, ...], where: str, problem: Any
) -> tuple[tuple[str, str], ...]:
    """`villages: {kecamatan: [kelurahan, desa, ...]}`: only from a checked list."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        problem(where, "villages must map each kecamatan to a list of its villages")
        return ()
    pairs: list[tuple[str, str]] = []
    seen: set[str] = {p.casefold() for p in places}
    for kecamatan, names in value.items():
        if kecamatan not in places:
            problem(where, f"villages: {kecamatan!r} is not one of its places")
            continue
        for name in _names(names, f"{where}: villages of {kecamatan}", problem):
            if name.casefold() in seen:
                problem(where, f"villages: {name} is listed twice")
                continue
            seen.add(name.casefold())
            pairs.append((name, str(kecamatan)))
    return tuple(pairs)


def _chat_id(value: Any, where: str, problem: Any, required: bool = True) -> int | None:
    if value is None:
        if required:
            problem(where, "missing: the group's negative numeric id, like -1001234567890")
        return None
    # Telegram groups have negative ids; a positive one is a person's private chat.
    if isinstance(value, bool) or not isinstance(value, int) or value >= 0:
        problem(
            where, f"must be the group's negative numeric id, like -1001234567890, not {value!r}"
        )
        return None
    return value


def _user_ids(value: Any, where: str, problem: Any) -> frozenset[int]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
    ):
        problem(where, "must be a list of numeric Telegram user ids (never usernames)")
        return frozenset()
    return frozenset(value)


def _optional_positive(value: Any, where: str, problem: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problem(where, f"must be a whole number of at least 1, not {value!r}")
        return None
    return value


def all_places(regions: Iterable[Region]) -> list[tuple[str, str, str]]:
    """(name typed, region id, kecamatan) for every kecamatan and listed village."""
    found: list[tuple[str, str, str]] = []
    for region in regions:
        found += [(place, region.id, place) for place in region.places]
        found += [(village, region.id, kecamatan) for village, kecamatan in region.villages]
    return found
