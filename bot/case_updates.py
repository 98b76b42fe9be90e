"""Case updates off and on, on every channel: a reporter types "berhenti" / "stop" (off) or
"aktifkan" / "resume" (on), or presses the button the answer carries.

"Stop" outside a report means "stop writing to me": it pauses news of their case (an
official's message, a status change, a passed promise: kept, never lost, delivered when
they turn updates on again) and ends their subscription to the awareness broadcasts
(bot/broadcast), and the answer says both and how to undo each. "aktifkan" brings the
case updates back only; `/langganan` subscribes again.

Only a whole message counts, so a question that mentions stopping is still a question;
small typos in the long words are forgiven ("berhnti", "aktifkn", "STOPPP"), the short
"stop" must be "stop" (one letter off is "stok", "step", "shop"). While a report is being
written "stop" and "berhenti" keep their meaning there: cancel the report.

"mulai"/"start" (the main menu) and "lanjut" (next step in a report) were taken: hence
"aktifkan"/"resume".

Where the kept messages wait is the channel's business (`CaseUpdates`): WhatsApp pauses
them in its own queue (bot/channels/whatsapp/preferences.py); everywhere else they wait in
the outbox (`OutboxUpdates`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Protocol

from rapidfuzz.distance import OSA

from bot.clock import Clock, hour_stamp, utc_now
from bot.crypto import Cipher
from bot.flows.replies import words_of
from bot.messages import Button, Incoming, Reply, UserKey
from bot.reporting import REPORT_MODE
from bot.sessions import Session
from bot.storage import Database
from bot.texts import text

OFF, ON = "off", "on"
ACTIONS = {f"updates:{OFF}": OFF, f"updates:{ON}": ON}  # the buttons' ids
# Typed phrase -> (what it does, the language it is written in; None: used in both).
PHRASES: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(("stop", "setop", "stop kabar", "stop notifikasi"), (OFF, None)),
    **dict.fromkeys(("stop update", "stop updates"), (OFF, "en")),
    **dict.fromkeys(
        ("berhenti", "berenti", "brenti", "berhenti kabar", "matikan kabar"), (OFF, "id")
    ),
    **dict.fromkeys(
        ("aktifkan", "aktifkan lagi", "aktifkan kabar", "hidupkan kabar", "nyalakan kabar"),
        (ON, "id"),
    ),
    **dict.fromkeys(("resume", "resume updates"), (ON, "en")),
}
FORGIVING = ("berhenti", "aktifkan", "resume")  # one typo allowed: long enough to be safe
_REPEATS = re.compile(r"(.)\1+")
# Outbox rows to a reporter that wait while they have updates off: news of their case,
# and the reminder of an unfinished draft.
PAUSED_ROLES = ("notice", "relay", "promise", "reminder")


def typed_switch(typed: str) -> tuple[str, str | None] | None:
    """(OFF or ON, the language it was typed in or None) when the whole message asks
    for it; None for anything else."""
    words = _REPEATS.sub(r"\1", words_of(typed))
    if words in PHRASES:
        return PHRASES[words]
    if " " in words or len(words) < 5:
        return None
    for phrase in FORGIVING:
        if OSA.distance(words, phrase, score_cutoff=1) <= 1:
            return PHRASES[phrase]
    return None


class CaseUpdates(Protocol):
    """One channel's keeping of case news while its reporter has them off."""

    async def is_off(self, user: UserKey) -> bool: ...

    async def turn_off(self, user: UserKey) -> None: ...

    async def turn_on(self, user: UserKey) -> int:
        """Updates on again; returns how many kept messages go out now."""


class OutboxUpdates:
    """Case news kept in the outbox (Telegram, the terminal): the worker passes over the
    rows to a reporter (PAUSED_ROLES) while their choice is stored here (bot.outbox). The
    row is keyed like the outbox's recipients (a keyed hash of the user key); the user key
    itself is inside it only encrypted, so that rotate-key can compute the key again with a
    new hash key."""

    def __init__(
        self,
        database: Database,
        cipher: Cipher,
        clock: Clock = utc_now,
        on_release: Callable[[], None] | None = None,
    ) -> None:
        self.database = database
        self.cipher = cipher
        self.clock = clock  # since when, to the hour
        self.on_release = on_release  # wakes the outbox worker

    def _key(self, user: UserKey) -> str:
        return self.cipher.lookup_hash(str(user))  # as ReportStore keys outbox recipients

    async def is_off(self, user: UserKey) -> bool:
        rows = await self.database.fetchall(
            "SELECT 1 FROM updates_off WHERE user_hash = ?", (self._key(user),)
        )
        return bool(rows)

    async def turn_off(self, user: UserKey) -> None:
        await self.database.write(
            "INSERT OR IGNORE INTO updates_off (user_hash, user, since) VALUES (?, ?, ?)",
            (
                self._key(user),
                self.cipher.encrypt([user.channel, user.chat_id, user.user_id]),
                hour_stamp(self.clock()),
            ),
        )

    async def turn_on(self, user: UserKey) -> int:
        key = self._key(user)
        roles = ", ".join(f"'{role}'" for role in PAUSED_ROLES)
        async with self.database.transaction() as db:
            await db.execute("DELETE FROM updates_off WHERE user_hash = ?", (key,))
            cursor = await db.execute(
                f"SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND role IN ({roles}) "
                "AND recipient_hash = ?",
                (key,),
            )
            row = await cursor.fetchone()
        if self.on_release is not None:
            self.on_release()
        return int(row[0]) if row else 0


class UpdatesSwitch:
    """The words and buttons, and what they do on every channel (`channels`: a channel's
    own keeping, else `default`). `unsubscribe`: ends a broadcast subscription (None:
    broadcasts are off)."""

    def __init__(
        self,
        default: CaseUpdates,
        unsubscribe: Callable[[UserKey], Awaitable[bool]] | None = None,
    ) -> None:
        self.default = default
        self.channels: dict[str, CaseUpdates] = {}
        self.unsubscribe = unsubscribe

    def register(self, channel: str, updates: CaseUpdates) -> None:
        self.channels[channel] = updates

    def _of(self, user: UserKey) -> CaseUpdates:
        return self.channels.get(user.channel, self.default)

    async def is_off(self, user: UserKey) -> bool:
        return await self._of(user).is_off(user)

    def wanted(self, incoming: Incoming, session: Session) -> tuple[str, str] | None:
        """(OFF or ON, the answer's language) when `incoming` asks to switch."""
        found: tuple[str, str | None] | None
        if incoming.choice is not None:
            which = ACTIONS.get(incoming.choice)
            found = None if which is None else (which, None)
        else:
            found = None if incoming.attachments else typed_switch(incoming.text)
        if found is None:
            return None
        which, typed_in = found
        if which == OFF and incoming.choice is None and session.mode == REPORT_MODE:
            return None  # "stop" inside a report: the report flow's cancel
        return which, session.language or typed_in or session.reply_language

    async def switch(self, user: UserKey, which: str, lang: str) -> Reply:
        updates = self._of(user)
        if which == OFF:
            await updates.turn_off(user)
            if self.unsubscribe is not None:
                await self.unsubscribe(user)
            again = Button(text("updates_on_button", lang), f"updates:{ON}")
            key = "updates_off" if self.unsubscribe is None else "updates_off_and_broadcasts"
            return Reply(text(key, lang), buttons=((again,),))
        released = await updates.turn_on(user)
        kept = text("updates_kept", lang, count=str(released)) if released else ""
        return Reply(text("updates_on", lang, kept=kept))
