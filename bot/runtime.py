"""Composition root: settings -> database -> engine and the services the channels use,
and back down on exit (the channels themselves are started by bot.launch).

No behaviour lives here; it only wires the parts together in the right order and
closes them again, so that tests can build the same stack with their own settings.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot import logredact
from bot.backup import in_use
from bot.broadcast.campaigns import CampaignStore
from bot.broadcast.citizen import Subscriptions
from bot.broadcast.desk import BroadcastDesk, Rates
from bot.broadcast.sender import Sender
from bot.broadcast.subscribers import SubscriberStore
from bot.case_updates import OutboxUpdates, UpdatesSwitch
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.digest import Schedule
from bot.engine import Engine
from bot.flows.receipt import ReceiptPolicy
from bot.flows.report import ReportFlow
from bot.keys import open_keys
from bot.knowledge import KnowledgeBase, serving_places
from bot.matching import Matcher
from bot.ocr import ImageReader
from bot.officials import Desk, new_case_deliveries
from bot.officials_chat import GroupDesk
from bot.outbox import Outbox, Policy
from bot.reminders import Reminders
from bot.reporting import Caps, Reporting
from bot.reports import ReportStore
from bot.response import Responses, ResponseTimes, by_region
from bot.roster import Roster
from bot.sessions import MemorySessionStore, SessionStore
from bot.storage import Database, SqliteSessionStore, UsageLog
from bot.watch import Watch

log = logging.getLogger("bot")


def configure_logging(level: str) -> None:
    logredact.install()
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request URL, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # At DEBUG python-telegram-bot logs whole updates and aiosqlite every SQL statement with
    # its values, i.e. what people wrote: never, whatever LOG_LEVEL says.
    # pywa logs each Cloud API request's body (phone numbers, messages) at DEBUG.
    for chatty in ("telegram", "aiosqlite", "pywa", "pywa_async"):
        logging.getLogger(chatty).setLevel(max(logging.getLevelName(level), logging.INFO))


@dataclass
class Broadcasts:
    """The awareness broadcasts' parts: each channel runs `sender` with its own pacing."""

    subscribers: SubscriberStore
    campaigns: CampaignStore
    sender: Sender
    desk: BroadcastDesk


@dataclass
class Services:
    database: Database
    engine: Engine
    usage: UsageLog
    reports: ReportStore | None  # None: no encryption key, reporting is off
    outbox: Outbox | None
    desk: Desk | None
    group_desk: GroupDesk | None = None
    watch: Watch | None = None  # reminders and the weekly digest for the officials
    clock: Clock = utc_now  # the one "now" the parts were given; channels take it too
    broadcasts: Broadcasts | None = None  # None: no encryption key, broadcasts are off


@asynccontextmanager
async def open_services(
    settings: Settings,
    kb: KnowledgeBase,
    matcher: Matcher | None = None,
    officials_present: bool | None = None,
    clock: Clock = utc_now,
) -> AsyncIterator[Services]:
    """`officials_present`: someone receives the cards (default: an officials' chat is
    configured); the receipt promises forwarding only then. `clock`: the one "now" of
    everything that dates or schedules (bot.clock); tests set or move it instead of waiting."""
    logredact.install()
    kb = serving_places(kb, (region.name for region in settings.regions.regions))
    with in_use(settings.database_path):  # `python main.py restore` refuses meanwhile
        async with _serving(settings, kb, matcher, officials_present, clock) as services:
            yield services


@asynccontextmanager
async def _serving(
    settings: Settings,
    kb: KnowledgeBase,
    matcher: Matcher | None,
    officials_present: bool | None,
    clock: Clock,
) -> AsyncIterator[Services]:
    database = await Database.open(settings.database_path)
    try:
        matcher = matcher or Matcher(kb, cache_dir=settings.model_cache_dir)
        usage = UsageLog(database, clock)
        keys = await open_keys(database, settings.reports_key.value, settings.hash_key.value)
        cipher = keys.cipher
        sessions: SessionStore
        if keys.hasher is not None:
            sessions = SqliteSessionStore(database, keys.hasher, cipher, clock)
        else:
            sessions = MemorySessionStore()
            log.warning(
                "REPORTS_HASH_KEY is not set: language choices are kept in memory only, "
                "not on disk (make one with: python main.py gen-key)"
            )
        reports = outbox = desk = group_desk = reporting = watch = None
        subscribers = campaigns = subscriptions = switch = roster = None
        reader = ImageReader()  # one for the offer check and the report's offer step
        if cipher is not None:
            regions = settings.regions
            reports = ReportStore(
                database, cipher, regions.default.code_prefix, regions.default_id, clock
            )
            policy = Policy(
                max_tries=settings.outbox_max_tries,
                max_backoff=settings.outbox_max_backoff,
                alert_rows=settings.outbox_alert_rows,
                alert_minutes=settings.outbox_alert_minutes,
            )
            outbox = Outbox(database, cipher, policy, clock)
            times_for = by_region(regions, response_times(settings))
            responses = Responses(reports, times_for)
            roster = Roster(database, cipher, regions, settings.urgent_mention_user_ids)
            await roster.load()
            desk = Desk(
                reports, kb, sessions, roster, regions, responses, settings.forward_agencies
            )
            reminders = Reminders(
                responses,
                reports,
                kb,
                roster,
                desk.reporter_language,
                combine=not settings.officials_topics,
            )
            watch = Watch(
                responses,
                reports,
                kb,
                digest_schedule(settings),
                reminders,
                settings.response_check_seconds,
                regions,
            )
            group_desk = GroupDesk(desk, reports, outbox.notify)
            deliveries = new_case_deliveries(
                kb,
                settings.evidence_per_report,
                province=regions.province_chat_id is not None,
                mentions=roster.mentions,
            )
            if officials_present is None:
                officials_present = regions.default.officials_chat_id is not None
            receipt = ReceiptPolicy(forwarded=officials_present, times_for=times_for)
            flow = ReportFlow(
                reports, kb, matcher, deliveries, _both(outbox.notify, watch.wake), receipt,
                reader, regions,
            )  # fmt: skip
            caps = Caps(
                settings.reports_per_day, settings.relays_per_hour, settings.evidence_per_report
            )
            reporting = Reporting(flow, desk, reports, caps)
            subscribers = SubscriberStore(database, cipher, clock)
            campaigns = CampaignStore(database, cipher, subscribers, regions.default_id, clock)
            subscriptions = Subscriptions(subscribers, campaigns, regions)
            updates = OutboxUpdates(database, cipher, clock, outbox.notify)
            switch = UpdatesSwitch(updates, subscribers.unsubscribe)
            group_desk.updates_off = switch.is_off
        else:
            log.warning("REPORTS_ENCRYPTION_KEY is not set: reporting is switched off")
        engine = Engine(
            kb,
            sessions,
            matcher=matcher,
            usage=usage,
            reporting=reporting,
            reader=reader,
            subscriptions=subscriptions,
            switch=switch,
        )
        broadcasts = None
        if subscribers and campaigns and outbox and group_desk and roster:
            broadcasts = _broadcasts(
                settings, subscribers, campaigns, engine, outbox, roster, clock
            )
            group_desk.broadcasts = broadcasts.desk
        # What start-up loaded (knowledge base, matcher, model) lives as long as the process:
        # out of the garbage collector's sight, a full collection no longer walks it and
        # stops the event loop for a tenth of a second (webhooks and answers wait).
        gc.freeze()
        yield Services(
            database, engine, usage, reports, outbox, desk, group_desk, watch, clock, broadcasts
        )
    finally:
        await database.close()


def _broadcasts(
    settings: Settings,
    subscribers: SubscriberStore,
    campaigns: CampaignStore,
    engine: Engine,
    outbox: Outbox,
    roster: Roster,
    clock: Clock,
) -> Broadcasts:
    async def notice(group: str | None, body: str) -> None:
        await outbox.announce(body, group)

    sender = Sender(campaigns, subscribers, engine.busy, notice, clock)
    subscribers.left = sender.notify
    whatsapp = settings.whatsapp
    rates = Rates(
        telegram=settings.telegram_broadcast_per_second,
        whatsapp=whatsapp.broadcast_per_second if whatsapp else Rates.whatsapp,
        whatsapp_limit=whatsapp.messaging_limit if whatsapp else Rates.whatsapp_limit,
    )
    desk = BroadcastDesk(
        campaigns,
        subscribers,
        settings.regions,
        roster,
        settings.broadcast_approvers,
        rates,
        sender.notify,
        clock,
    )
    return Broadcasts(subscribers, campaigns, sender, desk)


def _both(first: Callable[[], None], second: Callable[[], None]) -> Callable[[], None]:
    """A new report wakes the outbox (its card) and the watch (its deadlines)."""

    def call() -> None:
        first()
        second()

    return call


def response_times(settings: Settings) -> ResponseTimes:
    return ResponseTimes(
        ack_hours=settings.response_ack_hours,
        action_working_days=settings.response_action_working_days,
        holidays=settings.response_holidays,
    )


def digest_schedule(settings: Settings) -> Schedule | None:
    if settings.digest_weekday is None:
        return None
    return Schedule(settings.digest_weekday, settings.digest_time)
