"""The campaigns' queue at work: one worker per channel sends the due rows, paced within
the platform's rules and behind everything else the bot sends.

Last in line: a channel's `pace()` lets a broadcast go only when it leaves room for the
answers to citizens, cards, notices and reminders (Telegram: the bot's 30 messages a
second; WhatsApp: the number's throughput), at most its own share a second. A citizen gets
at most one broadcast a day (`REST`): a second campaign waits for them. Someone writing a
report gets it once the report is sent or cancelled (`busy`, looked at again every
`BUSY_RETRY`).

Nothing skipped, little repeated: a row is pending until the platform took the message
and that was committed, so after a crash or SIGKILL every row still pending is sent, and
only a message in flight at the kill can go twice (at most `IN_FLIGHT` per channel).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.broadcast.campaigns import MAX_TRIES, Campaign, CampaignStore, Due
from bot.broadcast.message import broadcast_reply, template_parameter
from bot.broadcast.subscribers import SubscriberStore, in_window
from bot.clock import Clock, utc_now
from bot.delivery import DeliveryError, PermanentFailure
from bot.messages import Reply, UserKey

log = logging.getLogger(__name__)

REST = dt.timedelta(days=1)  # at most one broadcast a day per citizen
BUSY_RETRY = dt.timedelta(minutes=2)  # a report being written: look again after this
CLAIMED_RETRY = dt.timedelta(seconds=5)  # another broadcast to them is being sent
IN_FLIGHT = 16  # sends under way at once, per channel
BATCH = 200  # rows read at a time
IDLE = 60.0  # seconds before looking again when nothing is due and nobody woke it
TIDY_EVERY = 3600.0  # seconds between clean-ups of finished campaigns' rows
MAX_BACKOFF = 600.0


class Unsubscribed(DeliveryError):
    """They blocked the bot (Telegram 403) or stopped marketing messages (WhatsApp
    131050): unsubscribed at once, never retried."""


class RetryAt(DeliveryError):
    """Not now: `seconds` from now, with no try counted (429's retry_after; WhatsApp's
    131049, the day after)."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds


class LimitReached(RetryAt):
    """WhatsApp's messaging limit (new people a day outside the window) is used up."""


class NeedsTemplate(DeliveryError):
    """WhatsApp's 24-hour window had closed: again at once, as the template."""


@dataclass(frozen=True)
class Outgoing:
    """One broadcast for one subscriber, in every form a channel may send it."""

    user: UserKey
    campaign: int
    reply: Reply  # as a message (the bot's words in the subscriber's language)
    template_text: str  # as the one parameter of WhatsApp's marketing template
    language: str
    options: tuple[str, ...]
    in_window: bool  # WhatsApp: they wrote within the last 23 hours
    template: bool  # WhatsApp said the window had closed: the template only


@dataclass(frozen=True)
class Delivered:
    via: str = "message"  # or "template"
    message_id: str | None = None  # WhatsApp's id, for its delivery reports


class BroadcastChannel(Protocol):
    rate: float  # broadcast messages a second at most (the preview's estimate)

    async def pace(self) -> None:
        """Wait until a broadcast may go without delaying anything else."""

    async def send(self, item: Outgoing) -> Delivered:
        """Send it, or raise Unsubscribed, RetryAt, NeedsTemplate or another DeliveryError."""


class Sender:
    def __init__(
        self,
        campaigns: CampaignStore,
        subscribers: SubscriberStore,
        busy: Callable[[UserKey], Awaitable[bool]],
        notice: Callable[[str | None, str], Awaitable[None]] | None = None,
        clock: Clock = utc_now,
        in_flight: int = IN_FLIGHT,
    ) -> None:
        self.campaigns = campaigns
        self.subscribers = subscribers
        self.busy = busy  # writing a report: the broadcast waits
        self.notice = notice  # (outbox group, text) for the campaign's officials
        self.clock = clock
        self.in_flight = in_flight
        self.channels: dict[str, BroadcastChannel] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._cache: dict[int, Campaign] = {}
        self._told_limit: set[int] = set()  # campaigns whose group heard of the limit
        self._tidied = -TIDY_EVERY  # time.monotonic() of the last clean-up

    def notify(self) -> None:
        """A campaign was approved or changed: every worker looks now."""
        for event in self._wake.values():
            event.set()

    async def run(self, name: str, channel: BroadcastChannel, stop: asyncio.Event) -> None:
        """Send `name`'s rows through `channel` until `stop` is set."""
        self.channels[name] = channel
        wake = self._wake.setdefault(name, asyncio.Event())
        sending: dict[int, str] = {}  # rows being sent -> their subscriber
        slots = asyncio.Semaphore(self.in_flight)
        tasks: set[asyncio.Task[None]] = set()
        while not stop.is_set():
            wake.clear()
            # Subscribers whose rest_until the batch may read stale: a send to them is under
            # way, or ends (and commits its day's rest) while the batch is worked through.
            claimed = set(sending.values())
            try:
                await self._tidy()
                await self.campaigns.start_due()
                rows = await self.campaigns.due(name, BATCH, frozenset(sending))
                if not rows:
                    await self.campaigns.finish()
            except Exception:  # e.g. a locked database: look again soon, never stop
                log.exception("broadcasts (%s): could not read the queue", name)
                rows = []
            if rows:
                for row in rows:
                    if stop.is_set():
                        break
                    if not await self._ready(row, claimed):
                        continue
                    await slots.acquire()
                    await channel.pace()
                    # Cancelled, or unsubscribed, while it waited for its turn: not sent.
                    gone = not await self.subscribers.known(row.key or "")
                    if self.campaigns.is_cancelled(row.campaign) or gone or stop.is_set():
                        slots.release()
                        continue
                    sending[row.id] = row.key or ""
                    claimed.add(row.key or "")
                    task = asyncio.create_task(self._send(channel, row, sending, slots, wake))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                continue
            await self._idle(name, wake, stop)
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _tidy(self) -> None:
        if time.monotonic() - self._tidied >= TIDY_EVERY:
            self._tidied = time.monotonic()
            await self.campaigns.forget_recipients()

    async def _ready(self, row: Due, claimed: set[str]) -> bool:
        """Whether the row goes now; else it is dropped (they left) or postponed."""
        now = self.clock()
        if row.user is None or row.key is None:
            await self.campaigns.dropped(row.id)
            return False
        if row.key in claimed:  # another campaign's message to them went or is on its way:
            await self.campaigns.postpone(row.id, now + CLAIMED_RETRY)  # its rest, read anew
            return False
        if row.rest_until is not None and dt.datetime.fromisoformat(row.rest_until) > now:
            await self.campaigns.postpone(row.id, dt.datetime.fromisoformat(row.rest_until))
            return False
        if await self.busy(row.user):
            await self.campaigns.postpone(row.id, now + BUSY_RETRY)
            return False
        return True

    async def _send(
        self,
        channel: BroadcastChannel,
        row: Due,
        sending: dict[int, str],
        slots: asyncio.Semaphore,
        wake: asyncio.Event,
    ) -> None:
        try:
            await self._deliver(channel, row)
        except Exception:  # a surprise must not stop the queue: the row is tried again
            log.exception("broadcast row %d: unexpected failure", row.id)
            await self._retry(row, "unexpected")
        finally:
            sending.pop(row.id, None)
            slots.release()
            # Maybe a campaign's last row: the worker, which may have just looked, found it
            # still pending and gone to sleep for IDLE, looks again and marks it done.
            if not sending:
                wake.set()

    async def _deliver(self, channel: BroadcastChannel, row: Due) -> None:
        assert row.user is not None
        campaign = await self._campaign(row.campaign)
        if campaign is None:
            await self.campaigns.failed(row.id, "campaign gone")
            return
        item = Outgoing(
            user=row.user,
            campaign=campaign.id,
            reply=broadcast_reply(campaign.id, campaign.text, campaign.options, row.language),
            template_text=template_parameter(campaign.text, campaign.options, row.language),
            language=row.language,
            options=campaign.options,
            in_window=in_window(row.seen_at, self.clock()),
            template=row.template,
        )
        try:
            delivered = await channel.send(item)
        except Unsubscribed as error:
            log.info("broadcast row %d: unsubscribed (%s)", row.id, error)
            if row.key is not None:
                await self.subscribers.forget(row.key, refused=True)
        except LimitReached as error:
            await self.campaigns.postpone(row.id, self.clock() + _seconds(error.seconds))
            await self._tell_limit(campaign, error)
        except RetryAt as error:
            await self.campaigns.postpone(
                row.id, self.clock() + _seconds(error.seconds), str(error)
            )
        except NeedsTemplate:
            await self.campaigns.needs_template(row.id)
            self.notify()
        except PermanentFailure as error:
            log.warning("broadcast row %d given up: %s", row.id, error)
            await self.campaigns.failed(row.id, str(error))
        except DeliveryError as error:
            await self._retry(row, str(error))
        else:
            rest_until = _hour_up(self.clock() + REST)
            await self.campaigns.sent(row, delivered.via, delivered.message_id, rest_until)

    async def _retry(self, row: Due, error: str) -> None:
        if row.attempts + 1 >= MAX_TRIES:
            await self.campaigns.failed(row.id, error)
            return
        delay = min(MAX_BACKOFF, 2.0**row.attempts) * random.uniform(0.8, 1.2)
        await self.campaigns.postpone(row.id, self.clock() + _seconds(delay), error, tried=True)

    async def _tell_limit(self, campaign: Campaign, error: LimitReached) -> None:
        """The campaign's group hears once that WhatsApp's daily limit holds it back."""
        if self.notice is None or campaign.id in self._told_limit:
            return
        self._told_limit.add(campaign.id)
        hours = max(1, math.ceil(error.seconds / 3600))
        await self.notice(
            campaign.group,
            f"⏳ Siaran #{campaign.id}: batas WhatsApp untuk orang di luar jendela 24 jam "
            f"sudah tercapai ({error}). Sisanya dikirim bertahap, mulai ± {hours} jam lagi. "
            "Telegram tidak terpengaruh.",
        )

    async def _campaign(self, campaign_id: int) -> Campaign | None:
        found = self._cache.get(campaign_id)
        if found is None:
            found = await self.campaigns.get(campaign_id)
            if found is not None:
                self._cache[campaign_id] = found
        return found

    async def _idle(self, name: str, wake: asyncio.Event, stop: asyncio.Event) -> None:
        """Until the next row or campaign is due, a campaign is approved, or `stop`."""
        timeout = IDLE
        try:
            moments = [await self.campaigns.next_due_at(name), await self.campaigns.next_start()]
            now = self.clock()
            ahead = [(m - now).total_seconds() for m in moments if m is not None]
            if ahead:
                timeout = max(0.05, min(IDLE, *ahead))
        except Exception:
            log.exception("broadcasts (%s): could not read the next due time", name)
        waits = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def _hour_up(moment: dt.datetime) -> str:
    """The next whole hour (UTC): the rest is kept to the hour, never shortened."""
    moment = moment.astimezone(dt.UTC)
    whole = moment.replace(minute=0, second=0, microsecond=0)
    if whole < moment:
        whole += dt.timedelta(hours=1)
    return whole.isoformat(timespec="seconds")
