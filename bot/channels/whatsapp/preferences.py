"""Case updates on or off, as a WhatsApp reporter chose, kept across restarts.

While they are off, what the officials' side sends the reporter (an official's message, a
status change) waits in the outgoing queue as 'paused': never sent, so no template
either, and never lost. Turning updates on again puts it back in line. A message already
held because the 24-hour window had closed is paused too, so that writing "berhenti"
does not release it.

The choice is a row keyed like the queue's recipients (a keyed hash, REPORTS_HASH_KEY);
the WhatsApp id (a phone number) is inside it only encrypted.
"""

from __future__ import annotations

from bot.clock import Clock, hour_stamp, utc_now
from bot.crypto import Cipher
from bot.messages import UserKey
from bot.storage import Database


class UpdatePreferences:
    """WhatsApp's keeping of case news for bot.case_updates (a `CaseUpdates`)."""

    def __init__(self, database: Database, cipher: Cipher, clock: Clock = utc_now) -> None:
        self.database = database
        self.cipher = cipher
        self.clock = clock  # since when, to the hour (bot.clock)

    async def is_off(self, user: UserKey) -> bool:
        rows = await self.database.fetchall(
            "SELECT 1 FROM wa_updates_off WHERE user_hash = ?", (self._key(user),)
        )
        return bool(rows)

    async def turn_off(self, user: UserKey) -> None:
        key = self._key(user)
        async with self.database.transaction() as db:
            await db.execute(
                "INSERT OR IGNORE INTO wa_updates_off (user_hash, user, since) VALUES (?, ?, ?)",
                (key, self.cipher.encrypt(user.user_id), hour_stamp(self.clock())),
            )
            await db.execute(
                "UPDATE wa_outgoing SET status = 'paused' "
                "WHERE status = 'held' AND recipient_hash = ?",
                (key,),
            )

    async def turn_on(self, user: UserKey) -> int:
        """Updates on again; returns how many kept messages go out now."""
        key = self._key(user)
        async with self.database.transaction() as db:
            await db.execute("DELETE FROM wa_updates_off WHERE user_hash = ?", (key,))
            cursor = await db.execute(
                "UPDATE wa_outgoing SET status = 'pending', next_attempt_at = 0 "
                "WHERE status = 'paused' AND recipient_hash = ?",
                (key,),
            )
            return cursor.rowcount

    def _key(self, user: UserKey) -> str:
        return self.cipher.lookup_hash(user.user_id)  # as WhatsAppStore keys the queue
