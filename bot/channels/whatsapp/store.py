"""The WhatsApp channel's durable state: the inbox and the outgoing queue.

A message is committed to the inbox before Meta hears 200, so a crash after that loses
nothing: at start-up every unhandled row is handled. The wamid is the primary key, so a
re-delivered message (however Meta re-serialised it) is stored, and handled, once. The
answers of a message are queued in the same transaction that marks it handled, so a
message is either unhandled (handled again after a crash) or answered exactly once.

Who wrote and what is personal data: with a report cipher (REPORTS_ENCRYPTION_KEY) it is
stored encrypted, and recipients are grouped by a keyed hash, never the number itself. A
wamid holds the sender's number too: the inbox keeps only its keyed hash (bot.crypto
`message_key`), and its times only to the hour, so that no row matches a report's time.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

from bot.batching import Batcher
from bot.case_links import quote_key
from bot.channels.whatsapp.render import Message
from bot.channels.whatsapp.updates import CHANNEL, InboxEntry
from bot.clock import Clock, hour_stamp, stamp, utc_now
from bot.crypto import Cipher, message_key
from bot.messages import UserKey
from bot.storage import Database

ACCEPT_CHUNK = 200  # rows in one INSERT (4 values each, far below SQLite's variable limit)
READ_LIMIT = 50  # due outgoing rows taken (and sent concurrently) at once
# Meta re-delivers a post it thinks failed, for days; a handled wamid is remembered longer.
KEEP_HANDLED_DAYS = 14
# A message older than this (its own timestamp) is refused: its wamid may be forgotten
# already, so it could be a captured post replayed. A day less than the memory, as the
# times it is measured by are rounded down to the hour.
ACCEPT_WITHIN = dt.timedelta(days=KEEP_HANDLED_DAYS - 1)
KEEP_SENT_DAYS = 1  # a sent row holds no content: only for counting recent traffic


@dataclass(frozen=True)
class Undelivered:
    """An outgoing row still pending or failed for good, as `python main.py outbox` shows it."""

    id: int
    status: str
    attempts: int
    created_at: str
    last_error: str | None


@dataclass(frozen=True)
class Outgoing:
    id: int
    recipient: str
    message: Message
    attempts: int
    report_id: int | None = None  # the case it is about (an official's message, a status)


class WhatsAppStore:
    def __init__(
        self, database: Database, cipher: Cipher | None = None, clock: Clock = utc_now
    ) -> None:
        self.database = database
        self.cipher = cipher
        # The bot's one clock (bot.clock): what rows are dated by, what the 14 days of
        # remembered wamids count from, and what a message's own timestamp is compared with.
        # Retries wait on the machine's time.time(): they measure how long, not when.
        self.clock = clock
        # Webhook posts arriving together share one transaction (one fsync).
        self._accepts: Batcher[str, InboxEntry, bool] = Batcher(self._accept_many)
        # Under load many messages are answered and sent at once: one commit for a batch.
        self._handled: Batcher[str, tuple[str, list[Message]], None] = Batcher(self._handled_many)
        self._sent: Batcher[int, tuple[str, int] | None, None] = Batcher(self._sent_many)
        # Recipients with held messages (None: not read yet), so that the common case, a
        # message from someone with nothing held, costs no database write.
        self._held: set[str] | None = None

    async def accept(self, entry: InboxEntry) -> bool:
        """Commit a received message; False when this wamid was already received."""
        return bool(await self._accepts(entry.wamid, entry))

    def key(self, wamid: str) -> str:
        """The inbox's key of a message: never the wamid itself (it holds the number)."""
        return message_key(wamid, self.cipher.hasher if self.cipher else None)

    async def _accept_many(self, batch: dict[str, InboxEntry]) -> dict[str, bool]:
        received = hour_stamp(self.clock())
        keys = {self.key(wamid): wamid for wamid in batch}
        rows = [
            (
                key,
                self._seal({"wamid": w, "user_id": batch[w].user_id, "message": batch[w].message}),
                received,
            )
            for key, w in keys.items()
        ]
        added: set[str] = set()
        # One statement for the batch, committed on its own in one trip to the database
        # thread (every trip waits for a turn of the busy event loop), ahead of the other
        # writes waiting (Meta waits for this one); RETURNING names the rows that were new.
        for start in range(0, len(rows), ACCEPT_CHUNK):
            chunk = rows[start : start + ACCEPT_CHUNK]
            values = ", ".join(["(?, ?, ?)"] * len(chunk))
            new = await self.database.write_returning(
                "INSERT OR IGNORE INTO wa_inbox (wamid, content, received_at) "
                f"VALUES {values} RETURNING wamid",
                tuple(value for row in chunk for value in row),
                urgent=True,
            )
            added.update(keys[str(row[0])] for row in new)
        return {wamid: wamid in added for wamid in batch}

    async def unhandled(self) -> list[InboxEntry]:
        """Messages received but not handled (a crash came between), oldest first."""
        rows = await self.database.fetchall(
            "SELECT content FROM wa_inbox WHERE handled_at IS NULL ORDER BY rowid"
        )
        entries = []
        for (content,) in rows:
            data = self._open(content)
            message = data["message"]
            wamid = data.get("wamid") or message.get("id")  # rows of older versions: no "wamid"
            entries.append(InboxEntry(str(wamid), str(data["user_id"]), message))
        return entries

    async def handled(self, wamid: str, recipient: str, messages: list[Message]) -> None:
        """Queue the answers and mark the message handled, in one transaction."""
        await self._handled(wamid, (recipient, messages))

    async def _handled_many(self, batch: dict[str, tuple[str, list[Message]]]) -> dict[str, None]:
        now = self.clock()
        at, handled = stamp(now), hour_stamp(now)
        rows = [
            self._outgoing_row(recipient, m, at)
            for recipient, messages in batch.values()
            for m in messages
        ]
        await self.database.write_steps(
            [
                (
                    "INSERT INTO wa_outgoing (recipient_hash, content, created_at) "
                    "VALUES (?, ?, ?)",
                    rows,
                ),
                (
                    "UPDATE wa_inbox SET handled_at = ?, content = NULL WHERE wamid = ?",
                    [(handled, self.key(wamid)) for wamid in batch],
                ),
            ]
        )
        return {}

    async def queue(
        self, recipient: str, messages: list[Message], report_id: int | None = None
    ) -> None:
        """Messages not answering an incoming one (an official's reply, a status change):
        paused instead while the recipient has case updates off (.preferences); one
        statement, so a choice made meanwhile cannot leave a message in the wrong state.
        `report_id`: the case they are about; they are deleted with it."""
        at = stamp(self.clock())
        await self.database.write_many(
            "INSERT INTO wa_outgoing (recipient_hash, content, created_at, report_id, status) "
            "VALUES (?1, ?2, ?3, ?4, CASE WHEN EXISTS (SELECT 1 FROM wa_updates_off "
            "WHERE user_hash = ?1) THEN 'paused' ELSE 'pending' END)",
            [(*self._outgoing_row(recipient, m, at), report_id) for m in messages],
        )

    async def due(self, limit: int = READ_LIMIT) -> list[Outgoing]:
        """The oldest pending message of each recipient whose time has come: a recipient's
        messages go out in order, and one recipient's trouble never holds up another."""
        rows = await self.database.fetchall(
            "SELECT id, content, attempts, report_id FROM wa_outgoing AS o "
            "WHERE status = 'pending' AND next_attempt_at <= ? AND id = ("
            "SELECT MIN(id) FROM wa_outgoing WHERE status = 'pending' "
            "AND recipient_hash = o.recipient_hash) ORDER BY id LIMIT ?",
            (time.time(), limit),
        )
        due = []
        for row_id, content, attempts, report_id in rows:
            data = self._open(content)
            message = Message.from_dict(data["message"])
            recipient = str(data["recipient"])
            due.append(Outgoing(int(row_id), recipient, message, int(attempts), report_id))
        return due

    async def next_due_at(self) -> float | None:
        rows = await self.database.fetchall(
            "SELECT MIN(next_attempt_at) FROM wa_outgoing WHERE status = 'pending'"
        )
        value = rows[0][0] if rows else None
        return float(value) if isinstance(value, int | float) else None

    async def sent(self, row: Outgoing, wamid: str | None = None) -> None:
        """`wamid`: Meta's id of the sent message. For a message about a case it is kept as a
        keyed hash with the case (bot.case_links), so that a reporter who quotes it (swipes
        to reply) reaches that case; the id itself is not stored."""
        quote = None
        if wamid and row.report_id is not None and self.cipher is not None:
            user = UserKey(CHANNEL, row.recipient, row.recipient)
            quote = (quote_key(self.cipher, user, wamid), row.report_id)
        await self._sent(row.id, quote)

    async def _sent_many(self, batch: dict[int, tuple[str, int] | None]) -> dict[int, None]:
        now = self.clock()
        at, linked = stamp(now), hour_stamp(now)
        quotes = [(key, report_id) for key, report_id in filter(None, batch.values())]
        await self.database.write_steps(
            [
                (
                    "UPDATE wa_outgoing SET status = 'sent', content = '', recipient_hash = '', "
                    "sent_at = ? WHERE id = ?",
                    [(at, row_id) for row_id in batch],
                ),
                (
                    "INSERT OR IGNORE INTO case_quotes (quote_hash, report_id, at) "
                    "SELECT ?, id, ? FROM reports WHERE id = ?",
                    [(key, linked, report_id) for key, report_id in quotes],
                ),
            ]
        )
        return {}

    async def hold(self, row_id: int, error: str) -> bool:
        """Keep a message WhatsApp will not deliver now (the 24-hour window closed) until the
        person writes again; True when it is the first one about a case held for them (time
        for a template), False when one already waits. Only case messages count: a plain
        reply held first (sent as the window closed) must not keep the case news silent."""
        held = await self._held_recipients()
        async with self.database.transaction() as db:
            await db.execute(
                "UPDATE wa_outgoing SET status = 'held', attempts = attempts + 1, "
                "last_error = ? WHERE id = ?",
                (error, row_id),
            )
            cursor = await db.execute(
                "SELECT recipient_hash, (SELECT COUNT(*) FROM wa_outgoing AS o "
                "WHERE o.status = 'held' AND o.recipient_hash = w.recipient_hash "
                "AND o.report_id IS NOT NULL) "
                "FROM wa_outgoing AS w WHERE id = ?",
                (row_id,),
            )
            row = await cursor.fetchone()
        if row is None:
            return False
        held.add(str(row[0]))
        return int(row[1]) == 1

    async def release(self, user_id: str) -> int:
        """The person wrote: their held messages go out now, before any answer."""
        key = self.cipher.lookup_hash(user_id) if self.cipher else user_id
        held = await self._held_recipients()
        if key not in held:
            return 0
        held.discard(key)
        return await self.database.write(
            "UPDATE wa_outgoing SET status = 'pending', next_attempt_at = 0 "
            "WHERE status = 'held' AND recipient_hash = ?",
            (key,),
        )

    async def _held_recipients(self) -> set[str]:
        if self._held is None:
            rows = await self.database.fetchall(
                "SELECT DISTINCT recipient_hash FROM wa_outgoing WHERE status = 'held'"
            )
            self._held = {str(row[0]) for row in rows}
        return self._held

    async def retry(self, row_id: int, delay: float, error: str) -> None:
        await self.database.write(
            "UPDATE wa_outgoing SET attempts = attempts + 1, next_attempt_at = ?, "
            "last_error = ? WHERE id = ?",
            (time.time() + delay, error, row_id),
        )

    async def failed(self, row_id: int, error: str) -> None:
        await self.database.write(
            "UPDATE wa_outgoing SET status = 'failed', attempts = attempts + 1, "
            "last_error = ? WHERE id = ?",
            (error, row_id),
        )

    def _outgoing_row(self, recipient: str, message: Message, at: str) -> tuple[object, ...]:
        key = self.cipher.lookup_hash(recipient) if self.cipher else recipient
        return key, self._seal({"recipient": recipient, "message": message.to_dict()}), at

    def _seal(self, value: dict[str, Any]) -> bytes | str:
        return self.cipher.encrypt(value) if self.cipher else json.dumps(value)

    def _open(self, stored: object) -> dict[str, Any]:
        if isinstance(stored, bytes) and self.cipher is not None:
            data = self.cipher.decrypt(stored)
        else:
            data = json.loads(stored.decode() if isinstance(stored, bytes) else str(stored))
        assert isinstance(data, dict)
        return data

    async def undelivered(self) -> list[Undelivered]:
        rows = await self.database.fetchall(
            "SELECT id, status, attempts, created_at, last_error FROM wa_outgoing "
            "WHERE status != 'sent' ORDER BY id"
        )
        return [Undelivered(int(i), str(s), int(a), str(c), e and str(e)) for i, s, a, c, e in rows]

    async def purge(self) -> None:
        """Forget handled wamids and sent rows once no re-delivery can come any more."""
        async with self.database.transaction() as db:
            await db.execute(
                "DELETE FROM wa_inbox WHERE handled_at IS NOT NULL AND handled_at < ?",
                (self._days_ago(KEEP_HANDLED_DAYS),),
            )
            await db.execute(
                "DELETE FROM wa_outgoing WHERE status = 'sent' AND sent_at < ?",
                (self._days_ago(KEEP_SENT_DAYS),),
            )

    def _days_ago(self, days: int) -> str:
        return stamp(self.clock() - dt.timedelta(days=days))
