"""Composition root: settings -> database -> engine -> channel, and back down on exit.

No behaviour lives here; it only wires the parts together in the right order and
closes them again, so that tests can build the same stack with their own settings.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.crypto import Cipher, EncryptionKeyError
from bot.engine import Engine
from bot.flows.report import ReportFlow
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.officials import Desk, new_case_deliveries
from bot.outbox import Outbox, Transport
from bot.reporting import Reporting
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
    # pywa logs each Cloud API request's body (phone numbers, messages) at DEBUG.
    for chatty in ("telegram", "aiosqlite", "pywa", "pywa_async"):
        logging.getLogger(chatty).setLevel(max(logging.getLevelName(level), logging.INFO))


@dataclass
class Services:
    database: Database
    engine: Engine
    usage: UsageLog
    reports: ReportStore | None  # None: no encryption key, reporting is off
    outbox: Outbox | None
    desk: Desk | None


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
        reports = outbox = desk = reporting = None
        if cipher is not None:
            reports = ReportStore(database, cipher, settings.case_code_prefix)
            outbox = Outbox(database, cipher)
            desk = Desk(reports, kb, sessions)
            flow = ReportFlow(reports, kb, matcher, new_case_deliveries(kb), outbox.notify)
            reporting = Reporting(flow, desk, reports)
        else:
            log.warning("REPORTS_ENCRYPTION_KEY is not set: reporting is switched off")
        engine = Engine(kb, sessions, matcher=matcher, usage=usage, reporting=reporting)
        yield Services(database, engine, usage, reports, outbox, desk)
    finally:
        await database.close()


async def run_channels(settings: Settings, kb: KnowledgeBase) -> None:
    """Every configured channel in this process, on one engine and one database, until
    SIGINT/SIGTERM: a WhatsApp user and a Telegram user meet the same bot and the same
    officials. A channel that fails stops the others, so a supervisor restarts the whole."""
    # Imported here so the terminal chat and the CLI start without loading either channel.
    from bot.channels.telegram import stop_on_signals

    if settings.telegram_enabled and settings.officials_chat_id is None:
        log.warning(
            "OFFICIALS_CHAT_ID is not set: reports are stored but NOT forwarded to anyone, "
            "and the bot leaves every group it is added to"
        )
    async with open_services(settings, kb) as services:
        stop = asyncio.Event()
        remove_handlers = stop_on_signals(stop)
        try:
            await _serve_all(settings, services, stop)
        finally:
            remove_handlers()


async def _serve_all(settings: Settings, services: Services, stop: asyncio.Event) -> None:
    runs: list[Coroutine[Any, Any, None]] = []
    reporter_channels: dict[str, Transport] = {}
    if settings.whatsapp is not None:
        from bot.channels.whatsapp.service import WhatsAppService

        whatsapp = WhatsAppService(settings.whatsapp, services)
        reporter_channels["whatsapp"] = whatsapp.transport
        runs.append(whatsapp.run(stop))
    if settings.telegram_enabled:
        from bot.channels.telegram import TelegramChannel
        from bot.channels.telegram import serve as serve_telegram

        channel = TelegramChannel.for_services(services, settings, reporter_channels)
        runs.append(serve_telegram(settings, channel, stop))
    tasks = [asyncio.create_task(run) for run in runs]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()  # a channel that failed: its error ends the process
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
