"""The outbox worker: delivers committed rows, in order per recipient, exactly once.

Rows are written in the same transaction as the report or case change they
announce. The worker sends the oldest due row of each recipient, obeys 429
`retry_after`, backs off on server and network errors, and records the sent
message id in the same step that marks the row sent.

The one window it cannot close: the Bot API has no idempotency key, so if the
process dies after a request was sent and before our COMMIT recording it (one Bot
API round trip plus one local commit), that one message is sent again after
restart: at most one duplicate per crash, never a loss.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from typing import Any, Protocol

from bot.crypto import Cipher
from bot.messages import UserKey
from bot.storage import Database, now

log = logging.getLogger(__name__)

MAX_BACKOFF = 300.0  # seconds between tries once a recipient keeps failing
IDLE_WAIT = 1.0  # how often an idle worker looks for due rows without being woken


class DeliveryError(Exception):
    """Base of what a transport raises when a row could not be delivered."""


class RetryLater(DeliveryError):
    """Telegram said 429: not before `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:g}s")
        self.seconds = seconds


class TemporaryFailure(DeliveryError):
    """Server or network trouble: try again with back-off."""


class PermanentFailure(DeliveryError):
    """It will never work (bot blocked, chat gone): mark failed, keep for inspection."""


@dataclass(frozen=True)
class Delivery:
    id: int
    role: str
    report_id: int | None
    recipient: UserKey | None  # None: the officials' chat
    payload: dict[str, Any]
    attempts: int


class Transport(Protocol):
    async def deliver(self, item: Delivery) -> int | None:
        """Send it; return the platform's message id (None when there is none)."""


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    role: str
    status: str
    attempts: int
    last_error: str | None
    created_at: str
    report_code: str | None


class Outbox:
    def __init__(self, database: Database, cipher: Cipher) -> None:
        self.database = database
        self.cipher = cipher
        self._wake = asyncio.Event()

    def notify(self) -> None:
        """New rows were committed: look now instead of at the next idle tick."""
        self._wake.set()

    async def next_due(self) -> Delivery | None:
        rows = await self.database.fetchall(
            "SELECT id, role, report_id, payload, attempts FROM outbox o "
            "WHERE status = 'pending' AND next_attempt_at <= ? AND NOT EXISTS ("
            "  SELECT 1 FROM outbox p WHERE p.status = 'pending' "
            "  AND p.recipient_hash = o.recipient_hash AND p.id < o.id) "
            "ORDER BY id LIMIT 1",
            (time.time(),),
        )
        if not rows:
            return None
        row_id, role, report_id, payload, attempts = rows[0]
        envelope = self.cipher.decrypt(payload)
        recipient = envelope["recipient"]
        return Delivery(
            id=int(row_id),
            role=str(role),
            report_id=report_id,
            recipient=None if recipient is None else UserKey(*map(str, recipient)),
            payload=dict(envelope["payload"]),
            attempts=int(attempts),
        )

    async def mark_sent(self, item: Delivery, message_id: int | None) -> None:
        async with self.database.transaction() as db:
            await db.execute(
                "UPDATE outbox SET status = 'sent', sent_message_id = ?, sent_at = ?, "
                "attempts = attempts + 1 WHERE id = ?",
                (message_id, now(), item.id),
            )
            if message_id is not None and item.recipient is None and item.report_id:
                # Officials reply to this message to reach the reporter.
                await db.execute(
                    "INSERT OR IGNORE INTO case_messages (message_id, report_id) VALUES (?, ?)",
                    (message_id, item.report_id),
                )
                if item.role == "card":
                    await db.execute(
                        "UPDATE reports SET card_message_id = ? WHERE id = ?",
                        (message_id, item.report_id),
                    )

    async def postpone(self, item: Delivery, seconds: float, error: str) -> None:
        await self.database.write(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
            "WHERE id = ?",
            (time.time() + seconds, error[:200], item.id),
        )

    async def fail(self, item: Delivery, error: str) -> None:
        await self.database.write(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? "
            "WHERE id = ?",
            (error[:200], item.id),
        )

    async def entries(self, include_sent: bool = False) -> list[OutboxEntry]:
        where = "" if include_sent else "WHERE o.status != 'sent'"
        rows = await self.database.fetchall(
            "SELECT o.id, o.role, o.status, o.attempts, o.last_error, o.created_at, r.code "
            f"FROM outbox o LEFT JOIN reports r ON r.id = o.report_id {where} ORDER BY o.id"
        )
        return [OutboxEntry(*row) for row in rows]

    async def run(self, transport: Transport, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; survives any single delivery's failure."""
        while not stop.is_set():
            try:
                item = await self.next_due()
            except Exception:  # e.g. a locked database: wait and look again, never stop
                log.exception("outbox: could not read the next row")
                await self._idle(stop)
                continue
            if item is None:
                await self._idle(stop)
                continue
            await self.deliver_one(transport, item)

    async def deliver_one(self, transport: Transport, item: Delivery) -> None:
        try:
            message_id = await transport.deliver(item)
        except RetryLater as error:
            log.warning("outbox row %s: rate limited, waiting %.0fs", item.id, error.seconds)
            await self.postpone(item, error.seconds, str(error))
        except TemporaryFailure as error:
            delay = min(MAX_BACKOFF, 2.0**item.attempts) * random.uniform(0.8, 1.2)
            log.warning("outbox row %s: %s; retry in %.1fs", item.id, type(error).__name__, delay)
            await self.postpone(item, delay, str(error))
        except PermanentFailure as error:
            log.error("outbox row %s failed for good: %s", item.id, error)
            await self.fail(item, str(error))
        except Exception as error:  # a bug or a surprise must not stop every delivery
            log.exception("outbox row %s: unexpected %s", item.id, type(error).__name__)
            delay = min(MAX_BACKOFF, 2.0**item.attempts) * random.uniform(0.8, 1.2)
            await self.postpone(item, delay, type(error).__name__)
        else:
            await self.mark_sent(item, message_id)

    async def _idle(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        _, pending = await asyncio.wait(
            waiters, timeout=IDLE_WAIT, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in pending:
            waiter.cancel()
