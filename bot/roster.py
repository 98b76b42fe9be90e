"""Who the officials are by name: the case history, the holder and the reminders name
people ("Rina"), not Telegram ids, and urgent cases mention the officials who must act.

A name is the one Telegram showed the last time the official pressed or wrote something in
their group. It is stored encrypted, found by a keyed hash of the official's id, and kept
in memory too (a task force is a handful of people), so a card can be written without a
database trip.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.crypto import Cipher
from bot.regions import Regions
from bot.reports import CaseHead, Report
from bot.safe_text import clean_text
from bot.storage import Database

UNNAMED = "petugas"  # an official who has not pressed or written anything since the upgrade


def display_name(raw: str) -> str:
    """An official's Telegram name, as one short line: it is shown on cards and lists."""
    return " ".join(clean_text(raw).split())[:64]


class Roster:
    def __init__(
        self,
        database: Database,
        cipher: Cipher,
        regions: Regions,
        urgent_ids: frozenset[int] = frozenset(),
    ) -> None:
        self.database = database
        self.cipher = cipher
        self.regions = regions
        # URGENT_MENTION_USER_IDS; empty: every official of the case's region.
        self.urgent_ids = urgent_ids
        self._names: dict[str, str] = {}

    async def load(self) -> None:
        rows = await self.database.fetchall("SELECT official_hash, name FROM official_names")
        stored = {str(key): self.cipher.unseal(name) or "" for key, name in rows}
        officials = {str(i) for r in self.regions.regions for i in r.official_user_ids}
        officials |= {str(i) for i in self.regions.province_user_ids} | {
            str(i) for i in self.urgent_ids
        }
        for official in officials:
            name = stored.get(self._key(official))
            if name:
                self._names[official] = name

    async def saw(self, official: str, raw_name: str) -> None:
        """The official pressed or wrote something as `raw_name`; stored when it changed."""
        name = display_name(raw_name)
        if not name or self._names.get(official) == name:
            return
        self._names[official] = name
        await self.database.write(
            "INSERT INTO official_names (official_hash, name) VALUES (?, ?) "
            "ON CONFLICT (official_hash) DO UPDATE SET name = excluded.name",
            (self._key(official), self.cipher.seal(name)),
        )

    def name(self, official: str | None) -> str:
        """The official's name, or "petugas" when it is not known yet."""
        return self._names.get(official or "", UNNAMED)

    async def lookup(self, official: str) -> str:
        """The name of any official who ever acted, also one no longer configured (for the
        case history); "petugas" when none was recorded."""
        if official not in self._names:
            rows = await self.database.fetchall(
                "SELECT name FROM official_names WHERE official_hash = ?", (self._key(official),)
            )
            self._names[official] = (self.cipher.unseal(rows[0][0]) if rows else None) or UNNAMED
        return self._names[official]

    def mentions(self, report: Report | CaseHead) -> tuple[tuple[str, str], ...]:
        """Who an urgent case notifies: URGENT_MENTION_USER_IDS, else its region's officials."""
        ids: Iterable[int] = self.urgent_ids or self.regions.get(report.region).official_user_ids
        return tuple((str(i), self.name(str(i))) for i in sorted(ids))

    def _key(self, official: str) -> str:
        return self.cipher.lookup_hash(f"official:{official}")
