"""The WhatsApp channel's durable state: the inbox and the outgoing queue.

A message is committed to the inbox before Meta hears 200, so a crash after that loses
nothing: at start-up every unhandled row is handled. The wamid is the primary key, so a
re-delivered message (however Meta re-serialised it) is stored, and handled, once. The
answers of a message are queued in the same transaction that marks it handled, so a
message is either unhandled (handled again after a crash) or answered exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass

from bot.batching import Batcher
from bot.channels.whatsapp.render import Message
from bot.channels.whatsapp.updates import InboxEntry
from bot.storage import Database, now

ACCEPT_CHUNK = 200  # rows in one INSERT (4 values each, far below SQLite's variable limit)
READ_LIMIT = 50  # due outgoing rows taken (and sent concurrently) at once
# Meta re-delivers a post it thinks failed, for days; a handled wamid is remembered longer.
KEEP_HANDLED_DAYS = 14
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


class WhatsAppStore:
    def __init__(self, database: Database) -> None:
        self.database = database
        # Webhook posts arriving together share one transaction (one fsync).
        self._accepts: Batcher[str, InboxEntry, bool] = Batcher(self._accept_many)
        # Under load many messages are answered and sent at once: one commit for a batch.
        self._handled: Batcher[str, tuple[str, list[Message]], None] = Batcher(self._handled_many)
        self._sent: Batcher[int, None, None] = Batcher(self._sent_many)

    async def accept(self, entry: InboxEntry) -> bool:
        """Commit a received message; False when this wamid was already received."""
        return bool(await self._accepts(entry.wamid, entry))

    async def _accept_many(self, batch: dict[str, InboxEntry]) -> dict[str, bool]:
        stamp = now()
        rows = [(w, e.user_id, json.dumps(e.message), stamp) for w, e in batch.items()]
        added: set[str] = set()
        # One statement for the batch; RETURNING names the rows that were new.
        for start in range(0, len(rows), ACCEPT_CHUNK):
            chunk = rows[start : start + ACCEPT_CHUNK]
            values = ", ".join(["(?, ?, ?, ?)"] * len(chunk))
            async with self.database.transaction() as db:
                cursor = await db.execute(
                    "INSERT OR IGNORE INTO wa_inbox (wamid, user_id, message, received_at) "
                    f"VALUES {values} RETURNING wamid",
                    [value for row in chunk for value in row],
                )
                added.update(str(row[0]) for row in await cursor.fetchall())
        return {wamid: wamid in added for wamid in batch}

    async def unhandled(self) -> list[InboxEntry]:
        """Messages received but not handled (a crash came between), oldest first."""
        rows = await self.database.fetchall(
            "SELECT wamid, user_id, message FROM wa_inbox WHERE handled_at IS NULL ORDER BY rowid"
        )
        return [InboxEntry(str(w), str(u), json.loads(str(m))) for w, u, m in rows]

    async def handled(self, wamid: str, recipient: str, messages: list[Message]) -> None:
        """Queue the answers and mark the message handled, in one transaction."""
        await self._handled(wamid, (recipient, messages))

    async def _handled_many(self, batch: dict[str, tuple[str, list[Message]]]) -> dict[str, None]:
        stamp = now()
        rows = [
            (recipient, json.dumps(m.to_dict()), stamp)
            for recipient, messages in batch.values()
            for m in messages
        ]
        async with self.database.transaction() as db:
            await db.executemany(
                "INSERT INTO wa_outgoing (recipient, payload, created_at) VALUES (?, ?, ?)", rows
            )
            await db.executemany(
                "UPDATE wa_inbox SET handled_at = ?, user_id = NULL, message = NULL "
                "WHERE wamid = ?",
                [(stamp, wamid) for wamid in batch],
            )
        return {}

    async def queue(self, recipient: str, messages: list[Message]) -> None:
        """Messages not answering an incoming one (an official's reply, a status change)."""
        await self.database.write_many(
            "INSERT INTO wa_outgoing (recipient, payload, created_at) VALUES (?, ?, ?)",
            [(recipient, json.dumps(m.to_dict()), now()) for m in messages],
        )

    async def due(self, limit: int = READ_LIMIT) -> list[Outgoing]:
        """The oldest pending message of each recipient whose time has come: a recipient's
        messages go out in order, and one recipient's trouble never holds up another."""
        rows = await self.database.fetchall(
            "SELECT id, recipient, payload, attempts FROM wa_outgoing AS o "
            "WHERE status = 'pending' AND next_attempt_at <= ? AND id = ("
            "SELECT MIN(id) FROM wa_outgoing WHERE status = 'pending' "
            "AND recipient = o.recipient) ORDER BY id LIMIT ?",
            (time.time(), limit),
        )
        return [
            Outgoing(int(i), str(r), Message.from_dict(json.loads(str(p))), int(a))
            for i, r, p, a in rows
        ]

    async def next_due_at(self) -> float | None:
        rows = await self.database.fetchall(
            "SELECT MIN(next_attempt_at) FROM wa_outgoing WHERE status = 'pending'"
        )
        value = rows[0][0] if rows else None
        return float(value) if isinstance(value, int | float) else None

    async def sent(self, row_id: int) -> None:
        await self._sent(row_id, None)

    async def _sent_many(self, batch: dict[int, None]) -> dict[int, None]:
        await self.database.write_many(
            "UPDATE wa_outgoing SET status = 'sent', payload = '', recipient = '', "
            "sent_at = ? WHERE id = ?",
            [(now(), row_id) for row_id in batch],
        )
        return {}

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
                (_days_ago(KEEP_HANDLED_DAYS),),
            )
            await db.execute(
                "DELETE FROM wa_outgoing WHERE status = 'sent' AND sent_at < ?",
                (_days_ago(KEEP_SENT_DAYS),),
            )


def _days_ago(days: int) -> str:
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    return moment.isoformat(timespec="seconds")
