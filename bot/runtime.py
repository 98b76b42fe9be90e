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
from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
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


@dataclass
class Services:
    database: Database
    engine: Engine
    usage: UsageLog


@asynccontextmanager
async def open_services(
    settings: Settings, kb: KnowledgeBase, matcher: Matcher | None = None
) -> AsyncIterator[Services]:
    database = await Database.open(settings.database_path)
    try:
        usage = UsageLog(database)
        engine = Engine(kb, SqliteSessionStore(database), matcher=matcher, usage=usage)
        yield Services(database=database, engine=engine, usage=usage)
    finally:
        await database.close()


async def run_telegram(settings: Settings, kb: KnowledgeBase) -> None:
    # Imported here so the terminal chat and the CLI start without loading Telegram.
    from bot.channels.telegram import TelegramChannel, serve, stop_on_signals

    if settings.officials_chat_id is None:
        log.warning("OFFICIALS_CHAT_ID is not set: the bot will leave every group it is added to")
    async with open_services(settings, kb) as services:
        channel = TelegramChannel(services.engine, officials_chat_id=settings.officials_chat_id)
        stop = asyncio.Event()
        remove_handlers = stop_on_signals(stop)
        try:
            await serve(settings, channel, stop)
        finally:
            remove_handlers()
