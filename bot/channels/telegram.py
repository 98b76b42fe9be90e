"""Telegram adapter: Telegram updates -> `Incoming`, `Reply` -> Telegram messages.

The only module that imports `telegram`. It adds what is Telegram's own business:
HTML formatting and message splitting, inline keyboards, editing a menu in place,
command registration, leaving strangers' groups, a per-user flood guard, and
processing many chats at once while keeping each chat's messages in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import signal
import time
import weakref
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Settings
from bot.engine import Engine
from bot.messages import Attachment, Incoming, Reply, UserKey
from bot.texts import text

log = logging.getLogger(__name__)

CHANNEL = "telegram"
FLOOD_LIMIT = 20  # messages a user may send ...
FLOOD_WINDOW = 60.0  # ... in this many seconds
MAX_CONCURRENT_UPDATES = 256

# Commands shown in Telegram's menu, per language. The report commands join with the report flow.
COMMANDS = {
    "id": [
        ("start", "Mulai dan menu utama"),
        ("menu", "Menu topik"),
        ("cek", "Cek tawaran kerja yang mencurigakan"),
        ("lapor", "Laporkan tawaran atau perekrut mencurigakan"),
        ("bantuan", "Apa yang bisa dibantu"),
        ("bahasa", "Pilih bahasa"),
        ("privasi", "Kerahasiaan laporan"),
    ],
    "en": [
        ("start", "Start and main menu"),
        ("menu", "Topic menu"),
        ("check", "Check a suspicious job offer"),
        ("report", "Report a suspicious offer or recruiter"),
        ("help", "What I can help with"),
        ("language", "Choose a language"),
        ("privacy", "Confidentiality of reports"),
    ],
}


# --- formatting ------------------------------------------------------------------------


def utf16_len(value: str) -> int:
    """Telegram counts UTF-16 code units: an emoji outside the BMP counts 2."""
    return len(value.encode("utf-16-le")) // 2


def _split_plain(body: str, limit: int) -> list[str]:
    """Cut text into pieces of at most `limit` (escaped), at paragraph, line or word breaks."""
    pieces: list[str] = []
    current = ""
    for paragraph in body.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if utf16_len(html.escape(candidate)) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while utf16_len(html.escape(paragraph)) > limit:
            cut = _cut_point(paragraph, limit)
            pieces.append(paragraph[:cut].rstrip())
            paragraph = paragraph[cut:].lstrip()
        current = paragraph
    if current or not pieces:
        pieces.append(current)
    return pieces


def _cut_point(part: str, limit: int) -> int:
    """The last line or word break that keeps part[:cut] within the limit."""
    low, high = 1, len(part)
    while low < high:  # longest prefix that fits
        middle = (low + high + 1) // 2
        if utf16_len(html.escape(part[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    for breaker in ("\n", " "):
        position = part.rfind(breaker, 0, low)
        if position > low // 2:
            return position + 1
    return low


def to_html(reply: Reply, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """The reply as Telegram HTML messages; every text from users or files is escaped."""
    head = f"<b>{html.escape(reply.title)}</b>\n\n" if reply.title else ""
    tail = f"\n\n<i>{html.escape(reply.note)}</i>" if reply.note else ""
    budget = limit - utf16_len(head) - utf16_len(tail)
    pieces = [html.escape(piece) for piece in _split_plain(reply.text, max(budget, 200))]
    pieces[0] = head + pieces[0]
    pieces[-1] = pieces[-1] + tail
    return pieces


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
            for row in reply.buttons
        ]
    )


# --- protection ------------------------------------------------------------------------


class FloodGuard:
    """More than FLOOD_LIMIT messages a minute: one polite warning, then silence."""

    def __init__(self, limit: int = FLOOD_LIMIT, window: float = FLOOD_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._seen: defaultdict[int, deque[float]] = defaultdict(deque)
        self._warned: set[int] = set()

    def check(self, user_id: int, now: float | None = None) -> str:
        """ "ok", "warn" (tell the user once) or "drop"."""
        now = time.monotonic() if now is None else now
        seen = self._seen[user_id]
        while seen and now - seen[0] > self.window:
            seen.popleft()
        seen.append(now)
        if len(seen) <= self.limit:
            self._warned.discard(user_id)
            return "ok"
        if user_id in self._warned:
            return "drop"
        self._warned.add(user_id)
        return "warn"


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


# --- the adapter -----------------------------------------------------------------------


@dataclass
class TelegramChannel:
    engine: Engine
    officials_chat_id: int | None = None
    flood: FloodGuard | None = None

    def __post_init__(self) -> None:
        self.flood = self.flood or FloodGuard()

    def install(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        app.add_handler(TypeHandler(Update, self._guard), group=-1)
        app.add_handler(ChatMemberHandler(self._membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(CallbackQueryHandler(self._button))
        app.add_handler(MessageHandler(filters.ChatType.PRIVATE, self._message))
        app.add_handler(MessageHandler(filters.ChatType.GROUPS, self._group_message))
        app.add_error_handler(self._error)

    async def register_commands(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        for lang, commands in COMMANDS.items():
            await app.bot.set_my_commands(
                [BotCommand(name, description) for name, description in commands],
                scope=BotCommandScopeAllPrivateChats(),
                language_code=None if lang == "id" else lang,
            )

    # Group -1: runs before everything else for every update.
    async def _guard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None or chat.type != ChatType.PRIVATE or self.flood is None:
            return
        verdict = self.flood.check(user.id)
        if verdict == "ok":
            return
        if verdict == "warn":
            lang = "en" if (user.language_code or "").startswith("en") else "id"
            await context.bot.send_message(chat.id, text("slow_down", lang))
        if update.callback_query:
            await update.callback_query.answer()
        raise ApplicationHandlerStop

    async def _message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or update.effective_user is None:
            return
        incoming = Incoming(
            user=self._user_key(update),
            text=message.text or message.caption or "",
            attachments=_attachments(message),
            language_hint=update.effective_user.language_code,
        )
        await self._send(update, context, await self.engine.handle(incoming))

    async def _button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or update.effective_user is None:
            return
        await query.answer()
        incoming = Incoming(
            user=self._user_key(update),
            choice=query.data or "",
            language_hint=update.effective_user.language_code,
        )
        await self._send(update, context, await self.engine.handle(incoming), query)

    async def _group_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is not None and chat.id != self.officials_chat_id:
            await self._leave(context, chat.id)
        # In the officials' group the bot stays silent; officials' commands come with reports.

    async def _membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type == ChatType.PRIVATE:
            return
        joined = change.new_chat_member.status in (
            ChatMemberStatus.MEMBER,
            ChatMemberStatus.ADMINISTRATOR,
        )
        if joined and change.chat.id != self.officials_chat_id:
            await self._leave(context, change.chat.id)

    async def _leave(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
        """Leave without a word: the bot has no business in strangers' groups."""
        log.info("leaving a group that is not the officials' chat")
        with contextlib.suppress(BadRequest, Forbidden):  # already out
            await context.bot.leave_chat(chat_id)

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        # The exception type and where it came from, never the update (it holds personal data).
        log.error("error while handling an update: %s", type(error).__name__, exc_info=error)
        if isinstance(update, Update) and update.effective_chat is not None:
            if update.effective_chat.type != ChatType.PRIVATE:
                return
            user = update.effective_user
            lang = "en" if user and (user.language_code or "").startswith("en") else "id"
            try:
                await context.bot.send_message(update.effective_chat.id, text("failure", lang))
            except TelegramError:
                log.warning("could not tell the user about the error")

    def _user_key(self, update: Update) -> UserKey:
        chat = update.effective_chat
        user = update.effective_user
        return UserKey(CHANNEL, str(chat.id if chat else 0), str(user.id if user else 0))

    async def _send(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        replies: list[Reply],
        query: CallbackQuery | None = None,
    ) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        for reply in replies:
            pieces = to_html(reply)
            markup = keyboard(reply)
            edited = False
            if reply.replace_previous and query is not None and len(pieces) == 1:
                edited = await _edit(query, pieces[0], markup)
            if edited:
                continue
            for number, piece in enumerate(pieces, start=1):
                await context.bot.send_message(
                    chat.id,
                    piece,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if number == len(pieces) else None,
                    disable_web_page_preview=True,
                )


async def _edit(query: CallbackQuery, body: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Edit the menu message in place; False when it cannot be edited (too old, gone)."""
    try:
        await query.edit_message_text(body, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:
        return "not modified" in str(error).casefold()
    return True


def _attachments(message: Message) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    if message.photo:
        found.append(Attachment("photo", message.photo[-1].file_id))
    for kind in ("document", "voice", "audio", "video", "video_note", "sticker", "animation"):
        media = getattr(message, kind)
        if media is not None:
            found.append(Attachment(kind, media.file_id))
    if message.location is not None:
        found.append(
            Attachment("location", f"{message.location.latitude},{message.location.longitude}")
        )
    if message.contact is not None:
        found.append(Attachment("contact", message.contact.phone_number))
    return tuple(found)


# --- running ---------------------------------------------------------------------------


def build_application(
    settings: Settings,
    channel: TelegramChannel,
    rate_limiter: AIORateLimiter | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    app = (
        ApplicationBuilder()
        .token(settings.telegram_token.value)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .rate_limiter(rate_limiter or AIORateLimiter())
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
        if settings.webhook_url:
            await updater.start_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret.value or None,
                allowed_updates=Update.ALL_TYPES,
            )
            log.info("Telegram channel started (webhook)")
        else:
            await updater.start_polling(
                timeout=poll_timeout, poll_interval=0.0, allowed_updates=Update.ALL_TYPES
            )
            log.info("Telegram channel started (long polling)")
        await stop.wait()
        log.info("stopping the Telegram channel")
        await updater.stop()
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


def stop_on_signals(stop: asyncio.Event) -> Callable[[], None]:
    """Set `stop` on SIGINT / SIGTERM; returns a function that removes the handlers."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def remove() -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

    return remove
