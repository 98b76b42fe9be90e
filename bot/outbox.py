"""The outbox worker: delivers committed rows exactly once, urgent reports first.

Rows are written in the same transaction as the report or case change they
announce. Order is kept only where it matters, within one report and recipient (a
"lane": the card before its evidence and its updates), so one report's trouble never
holds back another's. Among the rows a chat has waiting, urgent reports go first.

Trouble with a chat (429, 403 from the officials' group, server or network errors)
pauses that chat: 429 for `retry_after`, the others with a back-off that grows while
the chat keeps failing. A row that failed `max_tries` times, or that Telegram refuses
for good, is given up: kept as "failed" for `python main.py outbox`, and announced once
in the officials' group. A long or old queue is announced there too.

The one window it cannot close: the Bot API has no idempotency key, so if the
process dies after a request was sent and before our COMMIT recording it (one Bot
API round trip plus one local commit), that one message is sent again after
restart: at most one duplicate per crash, never a loss.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

from bot.case_links import quote_key
from bot.case_updates import PAUSED_ROLES
from bot.clock import Clock, hour_stamp, stamp, utc_now
from bot.crypto import Cipher
from bot.delivery import Delivery, PermanentFailure, RetryLater, Sent, TemporaryFailure, Transport
from bot.messages import Reply, UserKey, reply_to_dict
from bot.reports import COPY_ROLES, OFFICIALS, UNLINKED_ROLES, group_hash
from bot.storage import Database

log = logging.getLogger(__name__)

_PAUSED = ", ".join(f"'{role}'" for role in PAUSED_ROLES)
IDLE_WAIT = 1.0  # how often an idle worker looks for due rows without being woken
WATCH_EVERY = 30.0  # seconds between looks at the length and age of the officials' queue
ALERT_EVERY = 3600.0  # at most one "the queue is long" alert an hour


@dataclass(frozen=True)
class Policy:
    """Retry and alert limits (settings OUTBOX_*; tests shorten them)."""

    max_tries: int = 20
    max_backoff: float = 300.0  # seconds
    alert_rows: int = 30  # officials' rows waiting before the group is told
    alert_minutes: float = 30.0  # or the oldest waiting that long


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    role: str
    status: str
    attempts: int
    last_error: str | None
    created_at: str
    report_code: str | None


@dataclass(frozen=True)
class _Head:
    id: int
    recipient: str
    priority: int
    next_attempt_at: float


class Outbox:
    def __init__(
        self,
        database: Database,
        cipher: Cipher,
        policy: Policy | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.database = database
        self.cipher = cipher
        self.policy = policy or Policy()
        self.clock = clock  # dates rows and their age; pauses and back-off use time.time()
        self._wake = asyncio.Event()
        self._paused: dict[str, float] = {}  # recipient hash -> time.time() it may resume
        self._failures: dict[str, int] = {}  # recipient hash -> failures in a row
        self._last_watch = 0.0
        self._last_alert: dict[str, float] = {}  # per officials' group (its recipient hash)

    def notify(self) -> None:
        """New rows were committed: look now instead of at the next idle tick."""
        self._wake.set()

    async def next_due(self) -> Delivery | None:
        """The row to send now: per recipient, the most urgent first row of its lanes."""
        rows = await self.database.fetchall(
            "SELECT id, recipient_hash, priority, next_attempt_at FROM outbox o "
            "WHERE status = 'pending' AND NOT EXISTS ("
            "  SELECT 1 FROM outbox p WHERE p.status = 'pending' "
            "  AND p.recipient_hash = o.recipient_hash AND p.report_id IS o.report_id "
            f"  AND p.id < o.id) AND NOT (o.role IN ({_PAUSED}) AND o.recipient_hash IN "
            "  (SELECT user_hash FROM updates_off))"  # kept while they have updates off
        )
        current = time.time()
        first: dict[str, _Head] = {}
        for row in rows:
            head = _Head(int(row[0]), str(row[1]), int(row[2]), float(row[3]))
            best = first.get(head.recipient)
            if best is None or _order(head) < _order(best):
                first[head.recipient] = head
        due = [
            head
            for head in first.values()
            if head.next_attempt_at <= current and self._paused.get(head.recipient, 0) <= current
        ]
        if not due:
            return None
        chosen = min(due, key=lambda head: (head.priority, head.id))
        return await self._load(chosen.id)

    async def _load(self, row_id: int) -> Delivery | None:
        rows = await self.database.fetchall(
            "SELECT id, role, report_id, payload, attempts, recipient_hash FROM outbox "
            "WHERE id = ?",
            (row_id,),
        )
        if not rows:
            return None
        row_id, role, report_id, payload, attempts, recipient_hash = rows[0]
        envelope = self.cipher.decrypt(payload)
        recipient = envelope["recipient"]
        return Delivery(
            id=int(row_id),
            role=str(role),
            report_id=report_id,
            recipient=None if recipient is None else UserKey(*map(str, recipient)),
            payload=dict(envelope["payload"]),
            attempts=int(attempts),
            recipient_hash=str(recipient_hash),
            group=envelope.get("group"),
        )

    async def mark_sent(self, item: Delivery, sent: Sent) -> None:
        # A reporter's chat id is their own Telegram id (a private chat): never beside the
        # case, not even for a while. A reply that quotes the message finds the case through
        # a keyed hash of (reporter, message id) instead (case_quotes, bot.case_links).
        chat_id = sent.chat_id if item.recipient is None else None
        async with self.database.transaction() as db:
            await db.execute(
                "UPDATE outbox SET status = 'sent', sent_message_id = ?, sent_chat_id = ?, "
                "sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                (sent.message_id, chat_id, stamp(self.clock()), item.id),
            )
            if sent.message_id is None:
                return
            if item.recipient is not None and item.report_id:
                # A reporter who quotes this message (an official's, a status change) is
                # answering this case: remembered as a keyed hash only (bot.case_links).
                await db.execute(
                    "INSERT OR IGNORE INTO case_quotes (quote_hash, report_id, at) "
                    "VALUES (?, ?, ?)",
                    (
                        quote_key(self.cipher, item.recipient, str(sent.message_id)),
                        item.report_id,
                        hour_stamp(self.clock()),
                    ),
                )
            if chat_id is not None and item.report_id and item.role not in UNLINKED_ROLES:
                # A reply to any of a case's messages in the group becomes a note on it; the
                # province's read-only copy is remembered apart, to be edited, never replied to.
                kind = "copy" if item.role in COPY_ROLES else "case"
                await db.execute(
                    "INSERT OR IGNORE INTO case_messages (chat_id, message_id, report_id, kind) "
                    "VALUES (?, ?, ?, ?)",
                    (sent.chat_id, sent.message_id, item.report_id, kind),
                )
                if item.role in ("card", "card_update"):
                    await db.execute(
                        "UPDATE reports SET card_message_id = ?, card_chat_id = ? WHERE id = ?",
                        (sent.message_id, sent.chat_id, item.report_id),
                    )

    async def _postpone(self, item: Delivery, seconds: float, error: str, tried: bool) -> None:
        """Pause the recipient's chat; the row waits with it (and counts a try if `tried`)."""
        recipient = item.recipient_hash
        resume = time.time() + seconds
        self._paused[recipient] = max(self._paused.get(recipient, 0.0), resume)
        await self.database.write(
            "UPDATE outbox SET attempts = attempts + ?, next_attempt_at = ?, last_error = ? "
            "WHERE id = ?",
            (int(tried), resume, error[:200], item.id),
        )

    async def give_up(self, item: Delivery, error: str) -> None:
        """Failed for good: kept for `python main.py outbox`, and told once to the group."""
        async with self.database.transaction() as db:
            await db.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? "
                "WHERE id = ?",
                (error[:200], item.id),
            )
            if item.role == "alert":
                return  # an alert about an alert would never end
            async with db.execute(
                "SELECT code, region FROM reports WHERE id = ?", (item.report_id,)
            ) as cursor:
                found = await cursor.fetchone()
            case = f" kasus {found[0]}" if found else ""
            whom = "grup ini" if item.recipient is None else "pelapor"
            # Told to the group of the case's region (the failed group itself, for its rows).
            group = item.group if item.recipient is None else (found[1] if found else None)
            await self._enqueue_alert(
                db,
                f"⚠️ Satu pesan ({item.role}){case} untuk {whom} tidak terkirim setelah "
                f"{item.attempts + 1} percobaan: {error[:120]}. Lihat di server: "
                "python main.py outbox",
                group,
            )
        self.notify()

    async def announce(self, body: str, group: str | None = None) -> None:
        """A notice for an officials' group (default: the default region's) about the
        bot's own state or a broadcast: no case."""
        async with self.database.transaction() as db:
            await self._enqueue_alert(db, body, group)
        self.notify()

    async def _enqueue_alert(self, db: Any, body: str, group: str | None = None) -> None:
        envelope: dict[str, Any] = {"payload": {"reply": reply_to_dict(Reply(body))}}
        envelope.update(recipient=None, group=group)
        await db.execute(
            "INSERT INTO outbox (report_id, role, recipient_hash, payload, created_at, priority) "
            "VALUES (NULL, 'alert', ?, ?, ?, 0)",
            (group_hash(group), self.cipher.encrypt(envelope), stamp(self.clock())),
        )

    async def watch(self) -> bool:
        """Tell each officials' group whose own queue is long or old (with regions, one
        region's backlog is that region's news); True when an alert was queued."""
        current = time.time()
        rows = await self.database.fetchall(
            "SELECT recipient_hash, COUNT(*), MIN(created_at) FROM outbox "
            "WHERE status = 'pending' AND (recipient_hash = ? OR recipient_hash LIKE ?) "
            "AND role != 'alert' GROUP BY recipient_hash",
            (OFFICIALS, f"{OFFICIALS}:%"),
        )
        alerted = False
        for recipient, count, oldest in rows:
            recipient, waiting = str(recipient), int(count)
            if current - self._last_alert.get(recipient, -ALERT_EVERY) < ALERT_EVERY:
                continue
            created = dt.datetime.fromisoformat(str(oldest))
            age = (self.clock() - created).total_seconds()
            if waiting < self.policy.alert_rows and age < self.policy.alert_minutes * 60:
                continue
            self._last_alert[recipient] = current
            group = None if recipient == OFFICIALS else recipient.split(":", 1)[1]
            async with self.database.transaction() as db:
                await self._enqueue_alert(
                    db,
                    f"⏳ Antrean ke grup ini panjang: {waiting} pesan menunggu, yang terlama "
                    f"{int(age // 60)} menit. Laporan mendesak dikirim lebih dulu. "
                    "Lihat di server: python main.py outbox",
                    group,
                )
            log.warning("outbox: %d rows waiting for an officials' chat", waiting)
            alerted = True
        if alerted:
            self.notify()
        return alerted

    async def entries(self, include_sent: bool = False) -> list[OutboxEntry]:
        where = "" if include_sent else "WHERE o.status != 'sent'"
        rows = await self.database.fetchall(
            "SELECT o.id, o.role, o.status, o.attempts, o.last_error, o.created_at, r.code "
            f"FROM outbox o LEFT JOIN reports r ON r.id = o.report_id {where} ORDER BY o.id"
        )
        return [OutboxEntry(*row) for row in rows]

    async def retry_failed(self) -> int:
        """Put given-up rows back in the queue (after the cause was fixed)."""
        return await self.database.write(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = 0 "
            "WHERE status = 'failed'"
        )

    async def run(self, transport: Transport, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; survives any single delivery's failure."""
        while not stop.is_set():
            try:
                # Look at least twice within the age that makes the queue "old".
                every = min(WATCH_EVERY, self.policy.alert_minutes * 30)
                if time.monotonic() - self._last_watch >= every:
                    self._last_watch = time.monotonic()
                    await self.watch()
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
        recipient = item.recipient_hash
        try:
            sent = await transport.deliver(item)
        except RetryLater as error:  # pacing, not a failure: no try counted
            log.warning("outbox row %s: rate limited, waiting %.0fs", item.id, error.seconds)
            await self._postpone(item, error.seconds, str(error), tried=False)
        except PermanentFailure as error:
            log.error("outbox row %s given up: %s", item.id, error)
            await self.give_up(item, str(error))
        except Exception as error:  # temporary trouble, or a surprise: never a dead worker
            if not isinstance(error, TemporaryFailure):
                log.exception("outbox row %s: unexpected %s", item.id, type(error).__name__)
            reason = str(error) if isinstance(error, TemporaryFailure) else type(error).__name__
            if item.attempts + 1 >= self.policy.max_tries:
                log.error("outbox row %s given up after %d tries", item.id, item.attempts + 1)
                await self.give_up(item, reason)
                return
            failures = self._failures[recipient] = self._failures.get(recipient, 0) + 1
            delay = min(self.policy.max_backoff, 2.0 ** (failures - 1)) * random.uniform(0.8, 1.2)
            log.warning("outbox row %s: %s; retry in %.1fs", item.id, type(error).__name__, delay)
            await self._postpone(item, delay, reason, tried=True)
        else:
            self._failures.pop(recipient, None)
            await self.mark_sent(item, sent)

    async def _idle(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        _, pending = await asyncio.wait(
            waiters, timeout=self._next_wake(), return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in pending:
            waiter.cancel()

    def _next_wake(self) -> float:
        """Sleep no longer than the nearest end of a pause (a 0.2 s retry_after in tests)."""
        current = time.time()
        ends = [end - current for end in self._paused.values() if end > current]
        return max(0.01, min([IDLE_WAIT, *ends]))


def _order(head: _Head) -> tuple[int, float, int]:
    """Urgent first; among equals a row that just failed goes after those not yet tried."""
    return (head.priority, head.next_attempt_at, head.id)
