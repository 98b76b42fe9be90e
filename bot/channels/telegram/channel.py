"""The Telegram channel as a whole: the private chats' and the officials' group's handlers
installed on one Application, its error handler, and the workers that deliver the outbox
(through bot.delivery.ChannelRouter, so WhatsApp reporters get their rows too) and keep
the house in order.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import housekeeping
from bot.cards import CASE_ACTION
from bot.channels.flood import FloodGuard
from bot.channels.telegram.broadcast import SharedRateLimiter, TelegramBroadcast
from bot.channels.telegram.group import OfficialsGroup
from bot.channels.telegram.transport import TelegramTransport
from bot.channels.telegram.updates import CHANNEL, PrivateChat, user_key
from bot.config import Settings
from bot.delivery import ChannelRouter, Transport
from bot.engine import Engine
from bot.messages import UserKey
from bot.officials import Desk
from bot.officials_chat import GroupDesk
from bot.outbox import Outbox
from bot.regions import Regions, single_region
from bot.reports import ReportStore
from bot.runtime import Broadcasts, Services
from bot.texts import text
from bot.watch import Watch

log = logging.getLogger(__name__)


@dataclass
class TelegramChannel:
    engine: Engine
    officials_chat_id: int | None = None
    official_ids: frozenset[int] = frozenset()
    desk: Desk | None = None
    group_desk: GroupDesk | None = None
    outbox: Outbox | None = None
    reports: ReportStore | None = None
    retention_days: int = 365
    flood: FloodGuard | None = None
    watch: Watch | None = None  # reminders and the weekly digest for the officials' group
    # Outbox rows for reporters on other channels (WhatsApp) go through these.
    other_channels: dict[str, Transport] = field(default_factory=dict)
    # Each region's group and officials; None: officials_chat_id and official_ids, one region.
    regions: Regions | None = None
    topics: bool = False  # OFFICIALS_TOPICS: a forum group, a topic per case
    broadcasts: Broadcasts | None = None  # None: no awareness broadcasts (no key)
    broadcast_rate: float = 25.0  # TELEGRAM_BROADCAST_PER_SECOND

    private: PrivateChat = field(init=False)
    group: OfficialsGroup = field(init=False)

    def __post_init__(self) -> None:
        self.flood = self.flood or FloodGuard()
        self.private = PrivateChat(self.engine, self.flood)
        if self.regions is None:
            self.regions = single_region(self.officials_chat_id, self.official_ids, "PRM")
        self.group = OfficialsGroup(self.regions, self.desk, self.group_desk, self.reports)

    @classmethod
    def for_services(
        cls,
        services: Services,
        settings: Settings,
        other_channels: dict[str, Transport] | None = None,
    ) -> TelegramChannel:
        return cls(
            engine=services.engine,
            officials_chat_id=settings.officials_chat_id,
            official_ids=settings.official_user_ids,
            desk=services.desk,
            group_desk=services.group_desk,
            outbox=services.outbox,
            reports=services.reports,
            retention_days=settings.retention_days,
            watch=services.watch,
            other_channels=other_channels or {},
            regions=settings.regions,
            topics=settings.officials_topics,
            broadcasts=services.broadcasts,
            broadcast_rate=settings.telegram_broadcast_per_second,
        )

    def install(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        app.add_handler(TypeHandler(Update, self.private.guard), group=-1)
        app.add_handler(ChatMemberHandler(self._membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(CallbackQueryHandler(self._button))
        app.add_handler(MessageHandler(filters.ChatType.PRIVATE, self.private.message))
        # New messages only: an official's edit never becomes a note, command or relay.
        new = filters.UpdateType.MESSAGE
        app.add_handler(MessageHandler(filters.ChatType.GROUPS & new, self.group.message))
        app.add_error_handler(self._error)

    async def _membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot joined or left a group, or a person blocked it: a subscriber who blocks
        the bot is unsubscribed at once."""
        change = update.my_chat_member
        if change is not None and change.chat.type == ChatType.PRIVATE:
            if change.new_chat_member.status == ChatMemberStatus.BANNED:
                await self._blocked(user_key(update))
            return
        await self.group.membership(update, context)

    async def _blocked(self, user: UserKey) -> None:
        """They blocked the bot (Telegram said so, or any 403 to their chat): no longer
        subscribed to the broadcasts, at once and for good (issue 20)."""
        if self.broadcasts is not None:
            await self.broadcasts.subscribers.unsubscribe(user)

    async def register_commands(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await self.private.register_commands(app.bot)

    async def _button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or update.effective_user is None:
            return
        chat = update.effective_chat
        in_group = chat is not None and chat.type != ChatType.PRIVATE
        if in_group or (query.data or "").startswith(f"{CASE_ACTION}:"):
            await self.group.press(update, query)  # group presses: officials' buttons only
            return
        await self.private.button(update, context, query)

    def start_workers(
        self, app: Application[Any, Any, Any, Any, Any, Any], stop: asyncio.Event
    ) -> list[asyncio.Task[None]]:
        """The outbox worker, the hourly housekeeping and the response-time watch, when
        reporting is on."""
        if self.outbox is None or self.reports is None:
            return []
        telegram = TelegramTransport(
            app.bot, self.regions, self.reports, self.topics, self._blocked
        )
        transport = ChannelRouter(telegram, {**self.other_channels, CHANNEL: telegram})
        return [
            *self._watch_worker(stop),
            *self._broadcast_worker(app, stop),
            asyncio.create_task(self.outbox.run(transport, stop)),
            asyncio.create_task(
                housekeeping.run(
                    self.reports,
                    self.engine.sessions,
                    self.retention_days,
                    self.outbox.notify,
                    stop,
                )
            ),
        ]

    def _broadcast_worker(
        self, app: Application[Any, Any, Any, Any, Any, Any], stop: asyncio.Event
    ) -> list[asyncio.Task[None]]:
        """Campaigns' rows for Telegram subscribers, in the room the answers leave."""
        if self.broadcasts is None:
            return []
        limiter = app.bot.rate_limiter
        counted = limiter.sent_lately if isinstance(limiter, SharedRateLimiter) else None
        channel = TelegramBroadcast(app.bot, counted, self.broadcast_rate)
        return [asyncio.create_task(self.broadcasts.sender.run(CHANNEL, channel, stop))]

    def _watch_worker(self, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        """Reminders and the digest, only when there is a group to remind."""
        if self.watch is None or self.outbox is None or self.regions is None:
            return []
        if not self.regions.chats():  # with REGIONS_FILE, OFFICIALS_CHAT_ID may be unset
            return []
        return [asyncio.create_task(self.watch.run(self.outbox.notify, stop))]

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        # The exception type and where it came from, never the update (it holds personal data).
        log.error("error while handling an update: %s", type(error).__name__, exc_info=error)
        if isinstance(update, Update) and update.effective_chat is not None:
            if update.effective_chat.type != ChatType.PRIVATE:
                return
            if isinstance(error, Forbidden):  # an answer refused: no apology reaches them
                await self._blocked(user_key(update))
                return
            user = update.effective_user
            lang = "en" if user and (user.language_code or "").startswith("en") else "id"
            try:
                await context.bot.send_message(update.effective_chat.id, text("failure", lang))
            except TelegramError:
                log.warning("could not tell the user about the error")
