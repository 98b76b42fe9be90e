"""The WhatsApp channel at work: inbox -> engine -> outgoing queue -> Cloud API.

Each accepted message is handled apart from the webhook request (Meta only waits for the
200), many users at once but one user's messages in the order they came.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections import OrderedDict
from dataclasses import replace
from functools import partial

from bot.broadcast.subscribers import SubscriberStore
from bot.case_updates import OFF, UpdatesSwitch
from bot.channels.flood import FloodGuard
from bot.channels.whatsapp import delivery, http, webhook
from bot.channels.whatsapp.broadcast import MessagingLimit, WhatsAppBroadcast
from bot.channels.whatsapp.delivery import Deliverer, PywaSender, RateLimiter, Sender
from bot.channels.whatsapp.media import FETCHED_KINDS, MediaStore
from bot.channels.whatsapp.preferences import UpdatePreferences
from bot.channels.whatsapp.render import Option, offered, to_messages
from bot.channels.whatsapp.store import WhatsAppStore
from bot.channels.whatsapp.transport import LIST_BUTTON, WhatsAppTransport
from bot.channels.whatsapp.updates import CHANNEL, InboxEntry, StatusReport, to_incoming
from bot.config import WhatsAppSettings
from bot.engine import Engine
from bot.messages import Incoming, Reply
from bot.reports import ReportStore
from bot.runtime import Services
from bot.storage import WHATSAPP_MEDIA
from bot.texts import text

log = logging.getLogger(__name__)

# Messages handled at once: more only queues answering work ahead of the webhook's commits.
MAX_CONCURRENT = 16
REMEMBERED_CHOICES = 10_000  # users whose numbered choices are kept in memory
PURGE_INTERVAL = 3600.0  # seconds between clean-ups of old wamids and sent rows


class Processor:
    """Hands accepted messages to the engine and queues the answers."""

    def __init__(
        self,
        engine: Engine,
        store: WhatsAppStore,
        deliverer: Deliverer,
        media: MediaStore | None = None,
        switch: UpdatesSwitch | None = None,
        flood: FloodGuard | None = None,
        subscribers: SubscriberStore | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.deliverer = deliverer
        self.media = media  # None: reporting is off, evidence is never fetched
        self.switch = switch  # None: reporting is off, there are no case updates to stop
        self.flood = flood or FloodGuard()
        self.subscribers = subscribers  # their 24-hour window, for the broadcasts
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._limit = asyncio.Semaphore(MAX_CONCURRENT)
        self._tasks: set[asyncio.Task[None]] = set()
        # Choices offered as numbered text, per user: "2" then means the second.
        self._choices: OrderedDict[str, tuple[Option, ...]] = OrderedDict()

    def submit(self, entry: InboxEntry) -> None:
        # A lock is taken in the order submit was called: one user's messages stay in order.
        lock = self._locks.get(entry.user_id)
        if lock is None:
            lock = self._locks[entry.user_id] = asyncio.Lock()
        task = asyncio.create_task(self._run(entry, lock))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def resume(self) -> int:
        """Hand over what was accepted before a crash but never handled."""
        pending = await self.store.unhandled()
        for entry in pending:
            self.submit(entry)
        return len(pending)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _run(self, entry: InboxEntry, lock: asyncio.Lock) -> None:
        async with lock, self._limit:
            try:
                await self._handle(entry)
            except Exception as error:  # the message stays unhandled: retried at restart
                log.error("could not handle a WhatsApp message: %s", type(error).__name__)

    async def _handle(self, entry: InboxEntry) -> None:
        incoming = to_incoming(entry)
        flood = self.flood.check(entry.user_id)
        if flood != "ok":  # one polite warning, then silence: nothing fetched or released
            warning = []
            if flood == "warn" and incoming is not None:
                lang = (await self.engine.sessions.get(incoming.user)).reply_language
                warning = [Reply(text("slow_down", lang))]
            await self._answer(entry, warning)
            return
        switching = None
        if incoming is not None:
            incoming = self._numbered_choice(incoming)
            if self.switch is not None:
                session = await self.engine.sessions.get(incoming.user)
                switching = self.switch.wanted(incoming, session)
            if self.subscribers is not None:
                await self.subscribers.seen(incoming.user)
        # They wrote, so the window is open again; but "berhenti" keeps what waits waiting.
        if not (switching and switching[0] == OFF) and await self.store.release(entry.user_id):
            self.deliverer.notify()
        replies: list[Reply] = []
        if incoming is not None:  # the engine switches case updates off or on, too
            replies = await self._replies(incoming)
        await self._answer(entry, replies)

    async def _replies(self, incoming: Incoming) -> list[Reply]:
        try:
            replies = await self.engine.handle(self._keepable(incoming))
        except Exception as error:  # a bug must not make the message come back forever
            log.error("error while handling a WhatsApp message", exc_info=error)
            replies = [Reply(text("failure", "id"))]
        return replies

    async def _answer(self, entry: InboxEntry, replies: list[Reply]) -> None:
        """Queue the answers and mark the message handled."""
        messages = [m for reply in replies for m in to_messages(reply, LIST_BUTTON)]
        choices = offered(messages)
        if choices is not None:
            self._remember(entry.user_id, choices)
        await self.store.handled(entry.wamid, entry.user_id, messages)
        self.deliverer.notify()

    def _keepable(self, incoming: Incoming) -> Incoming:
        """A file is downloaded only if the core keeps it (Attachment.keep): evidence at a
        step that takes it, within the report's cap, a message to the officials within the
        hourly cap. Meta's links expire, so it is fetched while this message is handled."""
        media = self.media
        if media is None or not incoming.attachments:
            return incoming
        account = incoming.user.user_id
        attachments = tuple(
            replace(a, keep=partial(media.keep, account, a.ref))
            if a.kind in FETCHED_KINDS and a.ref
            else a
            for a in incoming.attachments
        )
        return replace(incoming, attachments=attachments)

    def _numbered_choice(self, incoming: Incoming) -> Incoming:
        typed = incoming.text.strip()
        options = self._choices.get(incoming.user.user_id, ())
        if incoming.choice is None and typed.isdigit() and 1 <= int(typed) <= len(options):
            return Incoming(incoming.user, choice=options[int(typed) - 1].action)
        return incoming

    def forget_choices(self, user_id: str) -> None:
        """A typed number is no longer for the last list shown (a poll came as a template)."""
        self._choices.pop(user_id, None)

    def _remember(self, user_id: str, choices: tuple[Option, ...]) -> None:
        if not choices:  # the last buttons shown carry no numbers
            self._choices.pop(user_id, None)
            return
        self._choices[user_id] = choices
        self._choices.move_to_end(user_id)
        while len(self._choices) > REMEMBERED_CHOICES:
            self._choices.popitem(last=False)


class WhatsAppService:
    """The channel's parts, built before anything runs, so that the outbox of the officials'
    channel can be given `transport` to reach WhatsApp reporters."""

    def __init__(
        self,
        settings: WhatsAppSettings,
        services: Services,
        send: Sender | None = None,
        limiter: RateLimiter | None = None,
        backoff: float = 1.0,
    ) -> None:
        self.settings = settings
        self._report_tasks: set[asyncio.Task[None]] = set()
        cipher = services.reports.cipher if services.reports is not None else None
        self.store = WhatsAppStore(services.database, cipher, services.clock)
        self.session = http.http_session(settings)
        wa = delivery.client(settings, self.session)
        sender = send or PywaSender(wa, settings.template_case_update, settings.template_broadcast)
        self.limiter = limiter or RateLimiter(background_rate=settings.broadcast_per_second)
        stopped = services.broadcasts.subscribers.unsubscribe if services.broadcasts else None
        self.deliverer = Deliverer(self.store, sender, self.limiter, backoff, stopped)
        self.media = None
        preferences = None
        if cipher is not None:  # evidence is kept only encrypted, so only with the report key
            folder = services.database.path.parent / WHATSAPP_MEDIA  # evidence waiting
            notice = services.outbox.announce if services.outbox is not None else None
            self.media = MediaStore(
                wa,
                folder,
                cipher,
                settings.max_media_mb * 1024 * 1024,
                settings.media_budget_mb * 1024 * 1024,
                notice,
            )
            preferences = UpdatePreferences(services.database, cipher, services.clock)
        switch = services.engine.switch
        if switch is not None and preferences is not None:
            switch.register(CHANNEL, preferences)  # "berhenti" keeps WhatsApp's queue paused
        self.reports = services.reports
        if services.reports is not None and self.media is not None:
            # A purged case's files and a dropped draft's go with them.
            services.reports.on_purge(self.media.forget)
        self.broadcasts = services.broadcasts
        subscribers = self.broadcasts.subscribers if self.broadcasts is not None else None
        self.processor = Processor(
            services.engine,
            self.store,
            self.deliverer,
            self.media,
            switch,
            subscribers=subscribers,
        )
        self.broadcast: WhatsAppBroadcast | None = None
        if self.broadcasts is not None:
            limit = MessagingLimit(
                settings.messaging_limit, self.broadcasts.campaigns.templates_since, services.clock
            )
            self.broadcast = WhatsAppBroadcast(
                sender,
                self.limiter,
                limit,
                self.processor.forget_choices,
                settings.broadcast_per_second,
            )
        self.transport = WhatsAppTransport(
            self.store,
            self.deliverer,
            services.engine.sessions,
            services.reports,
            self.media,
            preferences,
        )

    def reported(self, reports: list[StatusReport]) -> None:
        """Meta's reports on what was sent: a broadcast's delivery, or why it failed. Read
        after the webhook's 200, one at a time."""
        if self.broadcasts is None:
            return
        wanted = [r for r in reports if r.status in ("delivered", "failed")]
        if wanted:
            task = asyncio.create_task(self._read_reports(wanted))
            self._report_tasks.add(task)
            task.add_done_callback(self._report_tasks.discard)

    async def _read_reports(self, reports: list[StatusReport]) -> None:
        assert self.broadcasts is not None
        for report in reports:
            try:
                outcome = await self.broadcasts.campaigns.reported(
                    report.wamid, report.status, report.code
                )
            except Exception as error:  # a count lost, nothing more
                log.error("WhatsApp status report not read: %s", type(error).__name__)
                continue
            if outcome in ("tomorrow", "template"):
                self.broadcasts.sender.notify()

    async def run(self, stop: asyncio.Event) -> None:
        """Serve the webhook and deliver until `stop` is set."""
        resumed = await self.processor.resume()
        if resumed:
            log.info("handling %d WhatsApp message(s) accepted before the last stop", resumed)
        worker = asyncio.create_task(self.deliverer.run(stop))
        cleaner = asyncio.create_task(_purge_hourly(self.store, self.media, self.reports, stop))
        workers = [worker, cleaner]
        if self.broadcasts is not None and self.broadcast is not None:
            sending = self.broadcasts.sender.run(CHANNEL, self.broadcast, stop)
            workers.append(asyncio.create_task(sending))
        try:
            runner = await webhook.start(
                self.settings, self.store, self.processor.submit, self.reported
            )
        except BaseException:
            stop.set()
            await asyncio.gather(*workers, return_exceptions=True)
            await self.session.aclose()
            raise
        log.info(
            "WhatsApp channel started (webhook on port %d, path /whatsapp)", self.settings.port
        )
        try:
            await stop.wait()
        finally:
            log.info("stopping the WhatsApp channel")
            await runner.cleanup()
            await self.processor.drain()
            stop.set()
            await asyncio.gather(*workers, *self._report_tasks)
            await self.session.aclose()


async def serve(
    settings: WhatsAppSettings,
    services: Services,
    stop: asyncio.Event,
    send: Sender | None = None,
    limiter: RateLimiter | None = None,
    backoff: float = 1.0,
) -> None:
    """Run the WhatsApp channel alone until `stop` is set. Tests and benchmarks may replace
    the sending, lift the rate limit or shorten the retry backoff."""
    await WhatsAppService(settings, services, send, limiter, backoff).run(stop)


async def _purge_hourly(
    store: WhatsAppStore,
    media: MediaStore | None,
    reports: ReportStore | None,
    stop: asyncio.Event,
) -> None:
    while not stop.is_set():
        try:
            await store.purge()
            if media is not None and reports is not None:  # files nothing refers to any more
                referenced = await reports.referenced_media()
                swept = await asyncio.to_thread(media.sweep, referenced)
                if swept:
                    log.info("deleted %d WhatsApp media file(s) nothing refers to", swept)
        except Exception as error:  # housekeeping must not stop the channel
            log.error("WhatsApp housekeeping failed: %s", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PURGE_INTERVAL)
