"""Composition root: settings -> database -> engine -> channel, and back down on exit.

No behaviour lives here; it only wires the parts together in the right order and
closes them again, so that tests can build the same stack with their own settings.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.config import Settings
from bot.crypto import Cipher, EncryptionKeyError
from bot.engine import Engine
from bot.flows.report import ReportFlow
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.officials import Desk, new_case_deliveries
from bot.officials_chat import GroupDesk
from bot.outbox import Outbox, Policy
from bot.reporting import Caps, Reporting
from bot.reports import ReportStore
from bot.storage import Database, SqliteSessionStore, UsageLog

log = logging.getLogger("bot")


def configure_logging(level: str) -> None:
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
    for chatty in ("telegram", "aiosqlite"):
        logging.getLogger(chatty).setLevel(max(logging.getLevelName(level), logging.INFO))


@dataclass
class Services:
    database: Database
    engine: Engine
    usage: UsageLog
    reports: ReportStore | None  # None: no encryption key, reporting is off
    outbox: Outbox | None
    desk: Desk | None
    group_desk: GroupDesk | None = None


async def open_cipher(database: Database, key: str) -> Cipher | None:
    """The report cipher, or None when reporting is off. Refuses a wrong or missing key
    when encrypted data exists: starting anyway would strand every stored report."""
    rows = await database.fetchall("SELECT value FROM meta WHERE name = 'key_check'")
    stored = rows[0][0] if rows else None
    if not key:
        if stored is not None:
            raise EncryptionKeyError(
                "encrypted reports exist but REPORTS_ENCRYPTION_KEY is not set; "
                "set the key they were written with"
            )
        return None
    cipher = Cipher(key)
    if stored is None:
        async with database.transaction() as db:
            await db.execute(
                "INSERT INTO meta (name, value) VALUES ('key_check', ?)", (cipher.key_check(),)
            )
    else:
        cipher.verify(stored)
    return cipher


@asynccontextmanager
async def open_services(
    settings: Settings, kb: KnowledgeBase, matcher: Matcher | None = None
) -> AsyncIterator[Services]:
    database = await Database.open(settings.database_path)
    try:
        matcher = matcher or Matcher(kb)
        usage = UsageLog(database)
        sessions = SqliteSessionStore(database)
        cipher = await open_cipher(database, settings.reports_key.value)
        reports = outbox = desk = group_desk = reporting = None
        if cipher is not None:
            reports = ReportStore(database, cipher, settings.case_code_prefix)
            policy = Policy(
                max_tries=settings.outbox_max_tries,
                max_backoff=settings.outbox_max_backoff,
                alert_rows=settings.outbox_alert_rows,
                alert_minutes=settings.outbox_alert_minutes,
            )
            outbox = Outbox(database, cipher, policy)
            desk = Desk(reports, kb, sessions)
            group_desk = GroupDesk(desk, reports, outbox.notify)
            deliveries = new_case_deliveries(kb, settings.evidence_per_report)
            flow = ReportFlow(reports, kb, matcher, deliveries, outbox.notify)
            caps = Caps(
                settings.reports_per_day, settings.relays_per_hour, settings.evidence_per_report
            )
            reporting = Reporting(flow, desk, reports, caps)
        else:
            log.warning("REPORTS_ENCRYPTION_KEY is not set: reporting is switched off")
        engine = Engine(kb, sessions, matcher=matcher, usage=usage, reporting=reporting)
        yield Services(database, engine, usage, reports, outbox, desk, group_desk)
    finally:
        await database.close()


async def run_telegram(settings: Settings, kb: KnowledgeBase) -> None:
    # Imported here so the terminal chat and the CLI start without loading Telegram.
    from bot.channels.telegram import TelegramChannel, serve, stop_on_signals

    if settings.officials_chat_id is None:
        log.warning(
            "OFFICIALS_CHAT_ID is not set: reports are stored but NOT forwarded to anyone, "
            "and the bot leaves every group it is added to"
        )
    async with open_services(settings, kb) as services:
        channel = TelegramChannel.for_services(services, settings)
        stop = asyncio.Event()
        remove_handlers = stop_on_signals(stop)
        try:
            await serve(settings, channel, stop)
        finally:
            remove_handlers()
