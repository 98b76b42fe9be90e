"""Every configured channel in one process, until SIGINT or SIGTERM.

Above both the services (bot.runtime) and the channels: the channels use the services,
and this module starts the channels, so nothing imports back up. Each channel is imported
only when it is configured, so the terminal chat and the CLI start without either.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any

from bot.config import Settings
from bot.delivery import Transport
from bot.knowledge import KnowledgeBase
from bot.runtime import Services, open_services

log = logging.getLogger("bot")


async def run_channels(settings: Settings, kb: KnowledgeBase) -> None:
    """Every configured channel in this process, on one engine and one database, until
    SIGINT/SIGTERM: a WhatsApp user and a Telegram user meet the same bot and the same
    officials. A channel that fails stops the others, so a supervisor restarts the whole."""
    if settings.telegram_enabled and settings.regions.default.officials_chat_id is None:
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
        from bot.channels.whatsapp.app import WhatsAppService

        whatsapp = WhatsAppService(settings.whatsapp, services)
        reporter_channels["whatsapp"] = whatsapp.transport
        runs.append(whatsapp.run(stop))
    if settings.telegram_enabled:
        from bot.channels.telegram.app import serve as serve_telegram
        from bot.channels.telegram.channel import TelegramChannel

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


def stop_on_signals(stop: asyncio.Event) -> Callable[[], None]:
    """Set `stop` on SIGINT / SIGTERM; returns a function that removes the handlers."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def remove() -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

    return remove
