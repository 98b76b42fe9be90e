"""Building and running the Telegram Application: the bot on our HTTP layer and update
intake, many chats processed at once but each in order, the channel's handlers and
workers, until `stop` is set.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseUpdateProcessor

from bot import logredact
from bot.channels.telegram.broadcast import SharedRateLimiter
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.http import AiohttpRequest
from bot.channels.telegram.intake import (
    TolerantBot,
    WebhookServer,
    start_webhook,
    stop_polling_or_webhook,
)
from bot.config import Settings

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 256
# A pause after each getUpdates lets updates gather: under load one call then carries many
# of them instead of about one each, and a call costs the bot the same CPU whether it
# brings one update or fifty. Nobody notices 25 ms beside Telegram's own delivery time.
POLL_PAUSE = 0.025


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Many chats at once, but one chat's updates in the order they came."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        key = chat.id if chat else 0
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _log_worker_end(task: asyncio.Task[None]) -> None:
    """A background worker must never die silently: deliveries would pile up unseen."""
    if not task.cancelled() and task.exception() is not None:
        log.error("background worker stopped", exc_info=task.exception())


def build_application(
    settings: Settings,
    channel: TelegramChannel,
    rate_limiter: AIORateLimiter | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    logredact.install()  # the library logs update payloads; never let them through
    bot = TolerantBot(
        token=settings.telegram_token.value,
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(pool_size=1),
        rate_limiter=rate_limiter
        or SharedRateLimiter(
            overall_max_rate=settings.messages_per_second,
            group_max_rate=settings.officials_chat_per_minute,
        ),
    )
    app = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .build()
    )
    channel.install(app)
    return app


async def serve(
    settings: Settings,
    channel: TelegramChannel,
    stop: asyncio.Event,
    poll_timeout: int = 30,
    rate_limiter: AIORateLimiter | None = None,
) -> None:
    """Run until `stop` is set (SIGINT/SIGTERM set it in production)."""
    app = build_application(settings, channel, rate_limiter)
    async with app:
        await channel.register_commands(app)
        await app.start()
        updater = app.updater
        assert updater is not None  # built with the default updater
        server: WebhookServer | None = None
        if settings.webhook_url:
            server = await start_webhook(
                app,
                settings.webhook_url,
                settings.webhook_secret.value,
                settings.webhook_listen,
                settings.webhook_port,
            )
            log.info("Telegram channel started (webhook)")
        else:
            await updater.start_polling(
                timeout=poll_timeout, poll_interval=POLL_PAUSE, allowed_updates=Update.ALL_TYPES
            )
            log.info("Telegram channel started (long polling)")
        workers = channel.start_workers(app, stop)
        for worker in workers:
            worker.add_done_callback(_log_worker_end)
        await stop.wait()
        log.info("stopping the Telegram channel")
        await asyncio.gather(*workers, return_exceptions=True)
        await stop_polling_or_webhook(app, server)
        await app.stop()


async def bot_username(settings: Settings) -> str:
    """Ask Telegram for the bot's username (for `python main.py links`)."""
    app = (
        ApplicationBuilder()
        .token(settings.telegram_token.value)
        .base_url(settings.telegram_base_url)
        .build()
    )
    async with app:
        return app.bot.username
