"""Per-user conversation state the core keeps between messages.

The core talks to a `SessionStore`; `MemorySessionStore` serves one-shot command
line answers and tests, `bot.storage.SqliteSessionStore` keeps state across restarts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from bot.language import DEFAULT as DEFAULT_LANGUAGE
from bot.messages import UserKey

OFFER_MODE = "offer"  # "offer", or "offer:<text read from a picture>": the check stays open
CHECKED_MODE = "checked:"  # + the offer text whose verdict was just shown


@dataclass(frozen=True)
class Session:
    language: str | None = None  # chosen explicitly with /bahasa; wins over detection
    last_language: str | None = None  # detected from the user's last message
    mode: str | None = None  # what the next free text is for, e.g. "offer"

    def with_changes(self, **changes: str | None) -> Session:
        return replace(self, **changes)

    @property
    def offer_open(self) -> bool:
        """The next free text is a job offer to check (after /cek, or a checked picture)."""
        return self.mode == OFFER_MODE or bool(self.mode and self.mode.startswith(OFFER_MODE + ":"))

    @property
    def checked_offer(self) -> str | None:
        """The offer text just checked, while its verdict is the last thing shown: 📣 Lapor
        under it starts the report with it as the offer's answer."""
        for prefix in (OFFER_MODE + ":", CHECKED_MODE):
            if self.mode and self.mode.startswith(prefix):
                return self.mode[len(prefix) :]
        return None

    @property
    def reply_language(self) -> str:
        """The language for a message the user did not just write to (a reminder, news of
        their report): their choice, else the language they last wrote in."""
        return self.language or self.last_language or DEFAULT_LANGUAGE


class SessionStore(Protocol):
    async def get(self, user: UserKey) -> Session: ...

    async def put(self, user: UserKey, session: Session) -> None: ...


class MemorySessionStore:
    def __init__(self) -> None:
        self._sessions: dict[UserKey, Session] = {}

    async def get(self, user: UserKey) -> Session:
        return self._sessions.get(user, Session())

    async def put(self, user: UserKey, session: Session) -> None:
        self._sessions[user] = session
