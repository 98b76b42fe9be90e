"""Campaigns, their queue of recipients, and the answers to their polls (SQLite).

A campaign is composed (draft), approved by as many officials as BROADCAST_APPROVERS asks
(approved, waiting for its time), started (sending: one row per subscriber it reaches,
written in one transaction with the change of status), and done when no row is left
pending, or cancelled. A row stays pending until the platform took the message and that
was committed: a crash in between sends that one message again after the restart (at
most one duplicate per message in flight at the kill), never skips anyone.

What is kept: the campaign's text, options, regions, language and officials (encrypted
together: the officials' ids are in it); per recipient row the subscriber's keyed hash
(cleared when they unsubscribe, and 30 days after the campaign ended), channel, region,
status, the hour it was sent and, on WhatsApp, a keyed hash of Meta's message id (for its
delivery reports). A poll's answer is
stored under a keyed hash of the campaign and the subscriber, with the choice and the
region: never with the subscriber's own key, so answers do not join to the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from bot.batching import Batcher
from bot.broadcast.compose import Composition
from bot.broadcast.subscribers import SubscriberStore, address_of
from bot.broadcast.targets import Reach, Target, chosen
from bot.clock import Clock, hour_stamp, stamp, utc_now
from bot.crypto import Cipher
from bot.messages import UserKey
from bot.storage import Database

OPEN = ("draft", "approved", "sending")
MAX_TRIES = 10  # a message that failed this often (not counting pacing) is given up
POLL_OPEN_DAYS = 7  # a typed number answers a poll sent as a template this long
# A finished campaign's rows forget whom they reached after this long (their counts stay;
# its poll then takes no more answers).
KEEP_RECIPIENTS = dt.timedelta(days=30)


@dataclass(frozen=True)
class Campaign:
    id: int
    chat_id: int  # the officials' group that composed it
    group: str | None  # that group as the outbox knows it (a region id, @province, None)
    text: str
    options: tuple[str, ...]
    targets: tuple[Target, ...] | None
    language: str | None
    scheduled_at: dt.datetime
    status: str
    created_by: str
    approvals: tuple[str, ...]
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    cancelled_by: str | None = None

    @property
    def reach(self) -> Reach:
        return Reach(self.targets, self.language)

    @property
    def poll(self) -> bool:
        return bool(self.options)


@dataclass(frozen=True)
class Counts:
    total: int = 0
    pending: int = 0
    sent: int = 0
    failed: int = 0
    dropped: int = 0  # unsubscribed before it reached them
    blocked: int = 0  # blocked the bot / stopped marketing messages: unsubscribed at once
    cancelled: int = 0
    left_since: int = 0  # reached, and unsubscribed since
    delivered: int = 0  # WhatsApp's delivery reports (Telegram reports none)
    templates: int = 0  # sent on WhatsApp as the marketing template


@dataclass(frozen=True)
class Due:
    """A recipient row whose time has come, with what sending it needs."""

    id: int
    campaign: int
    key: str | None  # None: they unsubscribed
    user: UserKey | None
    language: str
    attempts: int
    template: bool  # WhatsApp said the window is closed: the template only
    rest_until: str | None
    seen_at: str | None


@dataclass(frozen=True)
class Answered:
    outcome: str  # "new", "changed", "same", "not_yours", "gone"
    campaign: Campaign | None = None
    choice: int = 0


class CampaignStore:
    def __init__(
        self,
        database: Database,
        cipher: Cipher,
        subscribers: SubscriberStore,
        default_region: str,
        clock: Clock = utc_now,
    ) -> None:
        self.database = database
        self.cipher = cipher
        self.subscribers = subscribers
        self.default_region = default_region
        self.clock = clock
        self._cancelled: set[int] = set()  # this process's cancellations, seen at once
        self._sent: Batcher[int, tuple[str, str | None, str | None, str], None] = Batcher(
            self._sent_many
        )
        self._postponed: Batcher[int, tuple[str, str | None, int], None] = Batcher(
            self._postpone_many
        )

    # --- campaigns ---------------------------------------------------------------------

    async def create(
        self, chat_id: int, group: str | None, composition: Composition, official: str
    ) -> Campaign:
        content = {
            "text": composition.text,
            "options": list(composition.options),
            "targets": None
            if composition.targets is None
            else [t.to_list() for t in composition.targets],
            "language": composition.language,
            "created_by": official,
            "approvals": [],
            "group": group,
        }
        now = stamp(self.clock())
        rows = await self.database.write_returning(
            "INSERT INTO campaigns (chat_id, content, status, scheduled_at, created_at) "
            "VALUES (?, ?, 'draft', ?, ?) RETURNING id",
            (chat_id, self.cipher.encrypt(content), stamp(composition.scheduled_at), now),
        )
        found = await self.get(int(rows[0][0]))
        assert found is not None
        return found

    async def get(self, campaign_id: int) -> Campaign | None:
        rows = await self.database.fetchall(f"{_CAMPAIGN} WHERE id = ?", (campaign_id,))
        return self._campaign(rows[0]) if rows else None

    async def recent(self, chat_id: int | None, limit: int = 8) -> list[Campaign]:
        """The newest campaigns of a group (None: of every group)."""
        where, parameters = ("WHERE chat_id = ?", (chat_id,)) if chat_id is not None else ("", ())
        rows = await self.database.fetchall(
            f"{_CAMPAIGN} {where} ORDER BY id DESC LIMIT ?", (*parameters, limit)
        )
        return [self._campaign(row) for row in rows]

    async def approve(self, campaign_id: int, official: str, needed: int) -> tuple[str, Campaign]:
        """One official's ✅ Kirim: "approved" (enough now: it goes at its time), "waiting"
        (more officials must press it), "already" (this one pressed before), "closed"."""
        async with self.database.transaction() as db:
            cursor = await db.execute(f"{_CAMPAIGN} WHERE id = ?", (campaign_id,))
            row = await cursor.fetchone()
            if row is None:
                raise KeyError(campaign_id)
            campaign = self._campaign(row)
            if campaign.status != "draft":
                return "closed", campaign
            if official in campaign.approvals:
                return "already", campaign
            approvals = (*campaign.approvals, official)
            status = "approved" if len(approvals) >= needed else "draft"
            await db.execute(
                "UPDATE campaigns SET content = ?, status = ? WHERE id = ?",
                (self._content(campaign, approvals=approvals), status, campaign_id),
            )
        outcome = "approved" if status == "approved" else "waiting"
        return outcome, replace(campaign, approvals=approvals, status=status)

    async def cancel(self, campaign_id: int, official: str) -> tuple[str, Campaign | None]:
        """✖️ Batal or `/siaran batal`: nothing more is sent. "cancelled", or "closed" when
        it was done (or cancelled) already, or "missing"."""
        async with self.database.transaction() as db:
            cursor = await db.execute(f"{_CAMPAIGN} WHERE id = ?", (campaign_id,))
            row = await cursor.fetchone()
            if row is None:
                return "missing", None
            campaign = self._campaign(row)
            if campaign.status not in OPEN:
                return "closed", campaign
            await db.execute(
                "UPDATE campaigns SET content = ?, status = 'cancelled', finished_at = ? "
                "WHERE id = ?",
                (
                    self._content(campaign, cancelled_by=official),
                    stamp(self.clock()),
                    campaign_id,
                ),
            )
            await db.execute(
                "UPDATE campaign_recipients SET status = 'cancelled' "
                "WHERE campaign_id = ? AND status = 'pending'",
                (campaign_id,),
            )
        self._cancelled.add(campaign_id)
        return "cancelled", replace(campaign, status="cancelled", cancelled_by=official)

    def is_cancelled(self, campaign_id: int) -> bool:
        return campaign_id in self._cancelled

    async def start_due(self) -> list[Campaign]:
        """Approved campaigns whose time has come: a row for every subscriber they reach
        now, in the same transaction as the change to "sending"."""
        now = self.clock()
        rows = await self.database.fetchall(
            f"{_CAMPAIGN} WHERE status = 'approved' AND scheduled_at <= ? ORDER BY id",
            (stamp(now),),
        )
        started = []
        for row in rows:
            campaign = self._campaign(row)
            reached = chosen(await self.subscribers.listed(), campaign.reach, self.default_region)
            async with self.database.transaction() as db:
                cursor = await db.execute(
                    "UPDATE campaigns SET status = 'sending', started_at = ? "
                    "WHERE id = ? AND status = 'approved'",
                    (stamp(now), campaign.id),
                )
                if not cursor.rowcount:
                    continue
                await db.executemany(
                    "INSERT INTO campaign_recipients (campaign_id, subscriber_hash, channel, "
                    "region, due_at) VALUES (?, ?, ?, ?, ?)",
                    [(campaign.id, s.key, s.channel, s.region, stamp(now)) for s in reached],
                )
            started.append(campaign)
        return started

    async def next_start(self) -> dt.datetime | None:
        rows = await self.database.fetchall(
            "SELECT MIN(scheduled_at) FROM campaigns WHERE status = 'approved'"
        )
        value = rows[0][0] if rows else None
        return dt.datetime.fromisoformat(str(value)) if value else None

    async def finish(self) -> list[Campaign]:
        """Campaigns with nothing left pending are done."""
        now = stamp(self.clock())
        rows = await self.database.fetchall(
            f"{_CAMPAIGN} WHERE status = 'sending' AND NOT EXISTS (SELECT 1 FROM "
            "campaign_recipients r WHERE r.campaign_id = campaigns.id AND r.status = 'pending')"
        )
        done = [self._campaign(row) for row in rows]
        if done:
            await self.database.write_many(
                "UPDATE campaigns SET status = 'done', finished_at = ? "
                "WHERE id = ? AND status = 'sending'",
                [(now, campaign.id) for campaign in done],
            )
        return done

    async def forget_recipients(self) -> int:
        """Finished campaigns' rows no longer say whom they reached (KEEP_RECIPIENTS)."""
        before = stamp(self.clock() - KEEP_RECIPIENTS)
        return await self.database.write(
            "UPDATE campaign_recipients SET subscriber_hash = NULL, message_key = NULL "
            "WHERE (subscriber_hash IS NOT NULL OR message_key IS NOT NULL) AND campaign_id IN "
            "(SELECT id FROM campaigns WHERE status IN ('done', 'cancelled') AND finished_at < ?)",
            (before,),
        )

    async def counts(self, campaign_id: int) -> Counts:
        rows = await self.database.fetchall(
            "SELECT COUNT(*), SUM(status = 'pending'), SUM(status = 'sent'), "
            "SUM(status = 'failed'), SUM(status = 'dropped'), SUM(status = 'blocked'), "
            "SUM(status = 'cancelled'), SUM(left_since), SUM(delivered), "
            "SUM(status = 'sent' AND via = 'template') "
            "FROM campaign_recipients WHERE campaign_id = ?",
            (campaign_id,),
        )
        return Counts(*(int(value or 0) for value in rows[0]))

    # --- the queue ---------------------------------------------------------------------

    async def due(self, channel: str, limit: int, skip: frozenset[int] = frozenset()) -> list[Due]:
        """Rows of running campaigns due now on `channel`, older campaigns first; `skip`:
        rows already being sent."""
        rows = await self.database.fetchall(
            "SELECT r.id, r.campaign_id, r.subscriber_hash, r.attempts, r.template, "
            "s.address, s.language, s.rest_until, s.seen_at FROM campaign_recipients r "
            "JOIN campaigns c ON c.id = r.campaign_id "
            "LEFT JOIN subscribers s ON s.subscriber_hash = r.subscriber_hash "
            "WHERE r.channel = ? AND r.status = 'pending' AND r.due_at <= ? "
            "AND c.status = 'sending' ORDER BY r.campaign_id, r.id LIMIT ?",
            (channel, stamp(self.clock()), limit + len(skip)),
        )
        found = []
        for rid, cid, key, attempts, template, address, language, rest, seen in rows:
            if int(rid) in skip:
                continue
            user = address_of(self.cipher.decrypt(address)) if address is not None else None
            found.append(
                Due(
                    int(rid),
                    int(cid),
                    None if user is None else str(key),
                    user,
                    str(language or "id"),
                    int(attempts),
                    bool(template),
                    None if rest is None else str(rest),
                    None if seen is None else str(seen),
                )
            )
        return found[:limit]

    async def next_due_at(self, channel: str) -> dt.datetime | None:
        rows = await self.database.fetchall(
            "SELECT MIN(r.due_at) FROM campaign_recipients r JOIN campaigns c "
            "ON c.id = r.campaign_id WHERE r.channel = ? AND r.status = 'pending' "
            "AND c.status = 'sending'",
            (channel,),
        )
        value = rows[0][0] if rows else None
        return dt.datetime.fromisoformat(str(value)) if value else None

    async def sent(self, row: Due, via: str, message_id: str | None, rest_until: str) -> None:
        """Taken by the platform: the row is done and the subscriber rests for a day. One
        transaction for every row done meanwhile."""
        message_key = self.cipher.hasher.message_key(message_id) if message_id else None
        await self._sent(row.id, (via, message_key, row.key, rest_until))

    async def _sent_many(
        self, batch: dict[int, tuple[str, str | None, str | None, str]]
    ) -> dict[int, None]:
        hour = hour_stamp(self.clock())
        await self.database.write_steps(
            [
                (
                    "UPDATE campaign_recipients SET status = 'sent', via = ?, message_key = ?, "
                    "sent_at = ?, attempts = attempts + 1 WHERE id = ? AND status = 'pending'",
                    [(via, key, hour, rid) for rid, (via, key, _, _) in batch.items()],
                ),
                (
                    "UPDATE subscribers SET rest_until = ? WHERE subscriber_hash = ?",
                    [(rest, who) for via, key, who, rest in batch.values() if who],
                ),
            ]
        )
        return {}

    async def postpone(
        self, row_id: int, until: dt.datetime, error: str | None = None, tried: bool = False
    ) -> None:
        """Not now: the subscriber had a broadcast today, is writing a report, or the
        platform asked to wait. `tried`: it was a failed attempt (counted)."""
        await self._postponed(row_id, (stamp(until), error and error[:200], int(tried)))

    async def _postpone_many(
        self, batch: dict[int, tuple[str, str | None, int]]
    ) -> dict[int, None]:
        await self.database.write_many(
            "UPDATE campaign_recipients SET due_at = ?, last_error = COALESCE(?, last_error), "
            "attempts = attempts + ? WHERE id = ? AND status = 'pending'",
            [(due, error, tried, rid) for rid, (due, error, tried) in batch.items()],
        )
        return {}

    async def failed(self, row_id: int, error: str) -> None:
        await self.database.write(
            "UPDATE campaign_recipients SET status = 'failed', attempts = attempts + 1, "
            "last_error = ? WHERE id = ? AND status = 'pending'",
            (error[:200], row_id),
        )

    async def dropped(self, row_id: int) -> None:
        """The subscriber left before it reached them."""
        await self.database.write(
            "UPDATE campaign_recipients SET status = 'dropped', subscriber_hash = NULL "
            "WHERE id = ? AND status = 'pending'",
            (row_id,),
        )

    async def needs_template(self, row_id: int) -> None:
        """WhatsApp's window had closed after all: again at once, as the template."""
        await self.database.write(
            "UPDATE campaign_recipients SET template = 1, due_at = ? WHERE id = ?",
            (stamp(self.clock()), row_id),
        )

    async def templates_since(self, moment: dt.datetime) -> list[dt.datetime]:
        """When templates were sent (to the hour) since `moment`: Meta's messaging limit
        counts the people reached outside the 24-hour window in any 24 hours."""
        rows = await self.database.fetchall(
            "SELECT sent_at FROM campaign_recipients WHERE via = 'template' AND sent_at >= ?",
            (hour_stamp(moment),),
        )
        return sorted(dt.datetime.fromisoformat(str(row[0])) for row in rows if row[0])

    # --- WhatsApp's reports on what it sent ---------------------------------------------

    async def reported(self, message_id: str, status: str, code: int | None) -> str | None:
        """A delivery report for a broadcast (None: not one of ours): "delivered", or what
        a failure meant — "refused" (131050: unsubscribed at once), "tomorrow" (131049:
        again in a day), "template" (131047: again as the template), "failed"."""
        key = self.cipher.hasher.message_key(message_id)
        rows = await self.database.fetchall(
            "SELECT id, campaign_id, subscriber_hash, status FROM campaign_recipients "
            "WHERE message_key = ?",
            (key,),
        )
        if not rows:
            return None
        rid, cid, who, _ = rows[0]
        if status in ("delivered", "read"):
            await self.database.write(
                "UPDATE campaign_recipients SET delivered = 1 WHERE id = ?", (rid,)
            )
            return "delivered"
        if status != "failed":
            return status
        if code == 131050 and who is not None:
            await self.subscribers.forget(str(who), refused=True)
            await self.database.write(
                "UPDATE campaign_recipients SET status = 'blocked' WHERE id = ?", (rid,)
            )
            return "refused"
        again = {131049: dt.timedelta(days=1), 131047: dt.timedelta()}.get(code or 0)
        if again is None or who is None:
            await self.database.write(
                "UPDATE campaign_recipients SET status = 'failed', last_error = ? WHERE id = ?",
                (f"{code}: reported failed", rid),
            )
            return "failed"
        async with self.database.transaction() as db:
            await db.execute(
                "UPDATE campaign_recipients SET status = 'pending', due_at = ?, template = ?, "
                "message_key = NULL, last_error = ? WHERE id = ?",
                (stamp(self.clock() + again), int(code == 131047), f"{code}", rid),
            )
            await db.execute(  # a finished campaign has one more to send
                "UPDATE campaigns SET status = 'sending', finished_at = NULL "
                "WHERE id = ? AND status = 'done'",
                (cid,),
            )
            await db.execute(  # and the day's rest was not used
                "UPDATE subscribers SET rest_until = NULL WHERE subscriber_hash = ?", (who,)
            )
        return "tomorrow" if code == 131049 else "template"

    # --- polls -------------------------------------------------------------------------

    async def answer(self, campaign_id: int, user: UserKey, choice: int) -> Answered:
        """One answer per subscriber and poll, a later one replacing it; only from someone
        the poll reached (their region is the row's)."""
        campaign = await self.get(campaign_id)
        if campaign is None or not 0 <= choice < len(campaign.options):
            return Answered("gone")
        rows = await self.database.fetchall(
            "SELECT region FROM campaign_recipients WHERE campaign_id = ? "
            "AND subscriber_hash = ? AND status = 'sent'",
            (campaign_id, self.subscribers.key(user)),
        )
        if not rows:
            return Answered("not_yours", campaign)
        answer_key = self.cipher.lookup_hash(f"poll:{campaign_id}:{user}")
        async with self.database.transaction() as db:
            cursor = await db.execute(
                "SELECT choice FROM poll_answers WHERE answer_key = ?", (answer_key,)
            )
            before = await cursor.fetchone()
            await db.execute(
                "INSERT INTO poll_answers (answer_key, campaign_id, choice, region) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (answer_key) DO UPDATE SET choice = excluded.choice",
                (answer_key, campaign_id, choice, rows[0][0]),
            )
        if before is None:
            return Answered("new", campaign, choice)
        return Answered("same" if int(before[0]) == choice else "changed", campaign, choice)

    async def open_template_poll(self, user: UserKey) -> Campaign | None:
        """The latest poll this subscriber got as a WhatsApp template (its options then
        were numbers to type), within the last week."""
        since = hour_stamp(self.clock() - dt.timedelta(days=POLL_OPEN_DAYS))
        rows = await self.database.fetchall(
            "SELECT campaign_id FROM campaign_recipients WHERE subscriber_hash = ? "
            "AND via = 'template' AND status = 'sent' AND sent_at >= ? "
            "ORDER BY campaign_id DESC LIMIT 1",
            (self.subscribers.key(user), since),
        )
        if not rows:
            return None
        campaign = await self.get(int(rows[0][0]))
        return campaign if campaign is not None and campaign.poll else None

    async def results(self, campaign_id: int) -> list[tuple[int, str | None, int]]:
        """(choice, region or None, answers)."""
        rows = await self.database.fetchall(
            "SELECT choice, region, COUNT(*) FROM poll_answers WHERE campaign_id = ? "
            "GROUP BY choice, region ORDER BY choice, region",
            (campaign_id,),
        )
        return [(int(c), None if r is None else str(r), int(n)) for c, r, n in rows]

    # --- rows as objects -----------------------------------------------------------------

    def _campaign(self, row: Any) -> Campaign:
        cid, chat_id, content, status, scheduled, created, started, finished = row
        data = self.cipher.decrypt(content)
        targets = data.get("targets")
        return Campaign(
            id=int(cid),
            chat_id=int(chat_id),
            group=data.get("group"),
            text=str(data["text"]),
            options=tuple(str(o) for o in data.get("options") or ()),
            targets=None
            if targets is None
            else tuple(Target(str(r), None if a is None else str(a)) for r, a in targets),
            language=data.get("language"),
            scheduled_at=dt.datetime.fromisoformat(str(scheduled)),
            status=str(status),
            created_by=str(data["created_by"]),
            approvals=tuple(str(a) for a in data.get("approvals") or ()),
            created_at=str(created),
            started_at=None if started is None else str(started),
            finished_at=None if finished is None else str(finished),
            cancelled_by=data.get("cancelled_by"),
        )

    def _content(self, campaign: Campaign, **changes: Any) -> bytes:
        data = {
            "text": campaign.text,
            "options": list(campaign.options),
            "targets": None
            if campaign.targets is None
            else [t.to_list() for t in campaign.targets],
            "language": campaign.language,
            "created_by": campaign.created_by,
            "approvals": list(campaign.approvals),
            "group": campaign.group,
            "cancelled_by": campaign.cancelled_by,
        }
        for name, value in changes.items():
            data[name] = list(value) if isinstance(value, tuple) else value
        return self.cipher.encrypt(data)


_CAMPAIGN = (
    "SELECT id, chat_id, content, status, scheduled_at, created_at, started_at, finished_at "
    "FROM campaigns"
)
