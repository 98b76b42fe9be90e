"""Telegram adapter: Telegram updates -> `Incoming`, `Reply` -> Telegram messages.

The only module that imports `telegram`. It adds what is Telegram's own business:
HTML formatting and message splitting, inline keyboards, editing a menu in place,
command registration, leaving strangers' groups, a per-user flood guard, and
processing many chats at once while keeping each chat's messages in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import json
import logging
import signal
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    PhotoSize,
    ReplyParameters,
    Update,
)
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.constants import ChatMemberStatus, ChatType, MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
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
from telegram.request import BaseRequest, RequestData

from bot import housekeeping, logredact
from bot.channels.flood import FloodGuard
from bot.channels.routing import ChannelRouter
from bot.channels.splitting import split_text
from bot.channels.telegram_files import cleaned_document
from bot.channels.telegram_intake import (
    TolerantBot,
    WebhookServer,
    start_webhook,
    stop_polling_or_webhook,
)
from bot.config import Settings
from bot.engine import Engine
from bot.messages import Attachment, Incoming, Reply, UserKey, reply_from_dict
from bot.officials import CASE_ACTION, Desk
from bot.officials_chat import GroupDesk, Post
from bot.outbox import (
    Delivery,
    Outbox,
    PermanentFailure,
    RetryLater,
    Sent,
    TemporaryFailure,
    Transport,
)
from bot.reports import ReportStore
from bot.runtime import Services
from bot.safe_text import QUOTE_END, QUOTE_START
from bot.texts import text
from bot.watch import Watch

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_CONCURRENT_UPDATES = 256
MAX_PICTURE_BYTES = 10 * 1024 * 1024  # a bigger "screenshot" is not one; Telegram serves 20 MB
# A pause after each getUpdates lets updates gather: under load one call then carries many
# of them instead of about one each, and a call costs the bot the same CPU whether it
# brings one update or fifty. Nobody notices 25 ms beside Telegram's own delivery time.
POLL_PAUSE = 0.025
# Answers go out as a raw call: building a Message object from Telegram's reply, which an
# answer never reads, cost about a fifth of the CPU of an update. Bot API method names are
# case-insensitive; the lower-case spelling keeps python-telegram-bot from suggesting
# bot.send_message instead (it warns when a raw call names one of its own methods).
RAW_SEND_MESSAGE = "sendmessage"

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
    """Pieces of at most `limit` visible characters. Telegram counts the text after
    parsing, so tags and escapes are free."""
    pieces = split_text(body, limit, utf16_len)
    # A piece of blank lines only is refused by Telegram ("message text is empty"): drop it.
    return [piece for piece in pieces if _visible(piece).strip()]


def _visible(piece: str) -> str:
    return piece.replace(QUOTE_START, "").replace(QUOTE_END, "")


def _html_pieces(pieces: list[str]) -> list[str]:
    """Escape each piece and turn quote fences into <blockquote>; a quotation cut by a
    piece break is closed at the end of one piece and reopened in the next."""
    out = []
    inside = False
    for piece in pieces:
        opened = QUOTE_START if inside else ""
        for char in piece:
            if char in (QUOTE_START, QUOTE_END):
                inside = char == QUOTE_START
        body = (opened + piece + (QUOTE_END if inside else "")).replace(QUOTE_START + QUOTE_END, "")
        escaped = html.escape(body)
        out.append(escaped.replace(QUOTE_START, "<blockquote>").replace(QUOTE_END, "</blockquote>"))
    return out


def to_html(reply: Reply, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """The reply as Telegram HTML messages, never an empty one; every text from users or
    files is escaped, and quoted user text is shown as a quotation."""
    head = f"<b>{html.escape(reply.title)}</b>\n\n" if reply.title else ""
    tail = f"\n\n<i>{html.escape(reply.note)}</i>" if reply.note else ""
    budget = limit - utf16_len(reply.title or "") - utf16_len(reply.note or "") - 4
    pieces = _html_pieces(_split_plain(reply.text, max(budget, 200)))
    if not pieces:
        pieces = [""] if head or tail else ["…"]
    pieces[0] = (head + pieces[0]).removesuffix("\n\n")
    pieces[-1] = (pieces[-1] + tail).removeprefix("\n\n")
    return pieces


def keyboard_data(reply: Reply) -> dict[str, object] | None:
    """The inline keyboard as Bot API JSON, for raw calls (no python-telegram-bot objects)."""
    if not reply.buttons:
        return None
    rows = [[{"text": b.label, "callback_data": b.action} for b in row] for row in reply.buttons]
    return {"inline_keyboard": rows}


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
            for row in reply.buttons
        ]
    )


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

    def __post_init__(self) -> None:
        self.flood = self.flood or FloodGuard()

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
        )

    def install(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        app.add_handler(TypeHandler(Update, self._guard), group=-1)
        app.add_handler(ChatMemberHandler(self._membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(CallbackQueryHandler(self._button))
        app.add_handler(MessageHandler(filters.ChatType.PRIVATE, self._message))
        # New messages only: an official's edit never becomes a note, command or relay.
        new = filters.UpdateType.MESSAGE
        app.add_handler(MessageHandler(filters.ChatType.GROUPS & new, self._group_message))
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
        # A dropped press is not answered either: a flood must not cost one call per update.
        raise ApplicationHandlerStop

    async def _message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or update.effective_user is None:
            return
        replied = message.reply_to_message
        incoming = Incoming(
            user=self._user_key(update),
            text=message.text or message.caption or "",
            attachments=_attachments(message),
            language_hint=update.effective_user.language_code,
            reply_to=str(replied.message_id) if replied else None,
            edited=update.edited_message is not None,
        )
        await self._send(update, context, await self.engine.handle(incoming))

    async def _button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or update.effective_user is None:
            return
        chat = update.effective_chat
        in_group = chat is not None and chat.type != ChatType.PRIVATE
        if in_group or (query.data or "").startswith(f"{CASE_ACTION}:"):
            await self._case_button(update, query)  # group presses: officials' buttons only
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
        if chat is None:
            return
        if chat.id != self.officials_chat_id:
            await self._leave(context, chat.id)
            return
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or not self._is_official(update):
            return  # strangers in the officials' group get nothing, not even a refusal
        if self.group_desk is None:
            return
        word = (message.text or "").split(maxsplit=1)[:1]
        if word and word[0].split("@", 1)[0].casefold() == "/ekspor":
            await self._export(context, message, user.id)
            return
        replied = message.reply_to_message
        posts = await self.group_desk.text(
            str(user.id), chat.id, message.text or "", replied.message_id if replied else None
        )
        for post in posts:
            await self._post(context.bot, chat.id, post, reply_to=message.message_id)

    async def _post(self, bot: Bot, chat_id: int, post: Post, reply_to: int | None) -> None:
        """A message for the officials' group; a prompt is remembered for the reply to it."""
        reply = post.reply
        parameters = (
            ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        )
        pieces = to_html(reply)
        for number, piece in enumerate(pieces, start=1):
            sent = await bot.send_message(
                chat_id,
                piece,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply) if number == len(pieces) else None,
                reply_parameters=parameters,
            )
            if post.prompt_for is not None and self.reports is not None:
                await self.reports.remember_case_message(
                    chat_id, sent.message_id, post.prompt_for, "prompt"
                )

    async def _export(
        self, context: ContextTypes.DEFAULT_TYPE, message: Message, official: int
    ) -> None:
        """The CSV goes to the official's private chat, never to the whole group."""
        if self.desk is None:
            return
        data = await self.desk.export_csv()
        stamp = time.strftime("%Y%m%d")
        try:
            await context.bot.send_document(
                official,
                InputFile(data, filename=f"kasus-tppo-{stamp}.csv"),
                caption="Ekspor kasus (rahasia: jangan diteruskan).",
            )
        except (Forbidden, BadRequest):  # the official never started a chat with the bot
            await message.reply_text(
                "Ekspor dikirim hanya secara pribadi. Buka chat pribadi dengan bot ini, tekan "
                "Mulai (/start), lalu kirim /ekspor lagi di sini."
            )
            return
        await message.reply_text("📄 Ekspor dikirim secara pribadi kepada Anda.")

    async def _case_button(self, update: Update, query: CallbackQuery) -> None:
        chat = update.effective_chat
        user = update.effective_user
        allowed = (
            chat is not None
            and chat.id == self.officials_chat_id
            and self._is_official(update)
            and user is not None
        )
        if not allowed or self.group_desk is None or chat is None or user is None:
            return  # not answered: a stranger's press costs no call at all
        try:
            pressed = await self.group_desk.press(str(user.id), query.data or "")
        except Exception:
            # The official's button must not spin for ever; the error handler logs it.
            await query.answer("Gagal, coba lagi sebentar lagi.", show_alert=True)
            raise
        await query.answer(pressed.toast)
        if pressed.replace is not None:
            await _edit(query, to_html(pressed.replace)[0], None)
        if pressed.post is not None:
            await self._post(query.get_bot(), chat.id, pressed.post, reply_to=None)

    def start_workers(
        self, app: Application[Any, Any, Any, Any, Any, Any], stop: asyncio.Event
    ) -> list[asyncio.Task[None]]:
        """The outbox worker and the hourly housekeeping, when reporting is on."""
        if self.outbox is None or self.reports is None:
            return []
        telegram = TelegramTransport(app.bot, self.officials_chat_id, self.reports)
        transport = ChannelRouter(telegram, {**self.other_channels, CHANNEL: telegram})
        return [
            *self._watch_worker(stop),
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

    def _watch_worker(self, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        """Reminders and the digest, only when there is a group to remind."""
        if self.watch is None or self.outbox is None or self.officials_chat_id is None:
            return []
        return [asyncio.create_task(self.watch.run(self.outbox.notify, stop))]

    def _is_official(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.official_ids

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
            in_place = reply.replace_previous and query is not None and len(pieces) == 1
            if in_place and query is not None and await _edit(query, pieces[0], keyboard(reply)):
                continue
            for number, piece in enumerate(pieces, start=1):
                fields: dict[str, object] = {
                    "chat_id": chat.id,
                    "text": piece,
                    "parse_mode": ParseMode.HTML,
                    "link_preview_options": {"is_disabled": True},
                }
                if reply.buttons and number == len(pieces):
                    fields["reply_markup"] = keyboard_data(reply)
                await context.bot.do_api_request(RAW_SEND_MESSAGE, api_kwargs=fields)


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
        photo = message.photo[-1]  # the largest size
        found.append(Attachment("photo", photo.file_id, _reader(photo)))
    for kind in ("document", "voice", "audio", "video", "video_note", "sticker", "animation"):
        media = getattr(message, kind)
        if media is not None:
            picture = kind == "document" and (media.mime_type or "").startswith("image/")
            found.append(Attachment(kind, media.file_id, _reader(media) if picture else None))
    if message.location is not None:
        found.append(
            Attachment("location", f"{message.location.latitude},{message.location.longitude}")
        )
    if message.contact is not None:
        found.append(Attachment("contact", message.contact.phone_number))
    return tuple(found)


def _reader(media: PhotoSize | Document) -> Callable[[], Awaitable[bytes]] | None:
    """Fetches a picture's bytes when the core asks (the offer check reads screenshots)."""
    if media.file_size is not None and media.file_size > MAX_PICTURE_BYTES:
        return None

    async def read() -> bytes:
        try:
            file = await media.get_file()
            return bytes(await file.download_as_bytearray())
        except TelegramError as error:  # the core knows no Telegram errors
            raise OSError(f"download failed: {type(error).__name__}") from None

    return read


# --- delivering the outbox --------------------------------------------------------------


class TelegramTransport:
    """Outbox rows -> Bot API calls, and Bot API errors -> the outbox's retry rules."""

    def __init__(self, bot: Bot, officials_chat_id: int | None, reports: ReportStore) -> None:
        self.bot = bot
        self.officials_chat_id = officials_chat_id
        self.reports = reports

    async def deliver(self, item: Delivery) -> Sent:
        try:
            return await self._send(item)
        except RetryAfter as error:
            raise RetryLater(_seconds(error.retry_after)) from None
        except ChatMigrated as error:  # the group became a supergroup with a new id
            log.error("the officials' group moved to a new id: update OFFICIALS_CHAT_ID")
            raise TemporaryFailure(f"chat migrated to {error.new_chat_id}") from None
        except Forbidden as error:
            if item.recipient is None:  # the bot was removed from the group, maybe briefly
                raise TemporaryFailure(f"forbidden: {error.message}") from None
            raise PermanentFailure(f"forbidden: {error.message}") from None
        except BadRequest as error:
            raise PermanentFailure(f"bad request: {error.message}") from None
        except (TimedOut, NetworkError) as error:
            raise TemporaryFailure(type(error).__name__) from None
        except TelegramError as error:  # InvalidToken, Conflict, an unreadable answer: retry
            raise TemporaryFailure(f"{type(error).__name__}: {error.message}") from None

    async def _send(self, item: Delivery) -> Sent:
        if item.recipient is None:
            if self.officials_chat_id is None:
                raise TemporaryFailure("OFFICIALS_CHAT_ID is not set")
            chat_id = self.officials_chat_id
        else:
            chat_id = int(item.recipient.chat_id)
        payload = item.payload
        card_id = await self._card_message_id(item, chat_id) if item.recipient is None else None
        if item.role == "card_update" and card_id is not None:
            reply = reply_from_dict(payload["reply"])
            try:
                await self.bot.edit_message_text(
                    to_html(reply)[0],
                    chat_id,
                    card_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(reply),
                )
                return Sent(chat_id, card_id)
            except BadRequest as error:
                if "not modified" in error.message.casefold():
                    return Sent(chat_id, card_id)
                # Deleted, too old, or the card was never posted: a fresh card instead.
                log.warning("outbox row %s: card not editable, posting it again", item.id)
        # An update of a card that was never delivered (or lives in another chat) is sent as
        # a fresh card: it carries the whole current state.
        reply_to = card_id if payload.get("reply_to_card") else None
        parameters = (
            ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        )
        if "album" in payload:
            return Sent(chat_id, await self._send_album(chat_id, payload, parameters))
        if "media" in payload:
            return Sent(chat_id, await self._send_media(chat_id, payload, parameters))
        reply = reply_from_dict(payload["reply"])
        first: int | None = None
        pieces = to_html(reply)
        for number, piece in enumerate(pieces, start=1):
            sent = await self.bot.send_message(
                chat_id,
                piece,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply) if number == len(pieces) else None,
                reply_parameters=parameters,
            )
            first = first or sent.message_id
        return Sent(chat_id, first)

    async def _send_album(
        self, chat_id: int, payload: dict[str, Any], parameters: ReplyParameters | None
    ) -> int:
        """Photos and videos as one album: one message in the group instead of one each."""
        media: list[InputMediaPhoto | InputMediaVideo] = []
        for number, item in enumerate(payload["album"]):
            caption = payload.get("caption") if number == 0 else None
            kind = InputMediaVideo if item["kind"] == "video" else InputMediaPhoto
            media.append(kind(item["ref"], caption=caption))
        sent = await self.bot.send_media_group(chat_id, media, reply_parameters=parameters)
        return sent[0].message_id

    async def _send_media(
        self, chat_id: int, payload: dict[str, Any], parameters: ReplyParameters | None
    ) -> int:
        kind, ref = payload["media"]["kind"], payload["media"]["ref"]
        caption = payload.get("caption")
        sender = _MEDIA_SENDERS.get(kind)
        if sender is None:  # location, contact: described in words
            text_body = f"{caption}: {kind} {ref}"
            sent = await self.bot.send_message(chat_id, text_body, reply_parameters=parameters)
        else:
            method, takes_caption = sender
            extra = {"caption": caption} if takes_caption else {}
            send = getattr(self.bot, method)
            if kind == "document":  # without EXIF and the original file name
                ref = await cleaned_document(self.bot, ref)
            sent = await send(chat_id, ref, reply_parameters=parameters, **extra)
        return sent.message_id

    async def _card_message_id(self, item: Delivery, chat_id: int) -> int | None:
        """The card's message id, only if it is in this chat (OFFICIALS_CHAT_ID may change)."""
        if item.report_id is None:
            return None
        report = await self.reports.by_id(item.report_id)
        if report is None or report.card_chat_id != chat_id:
            return None
        return report.card_message_id


# Evidence is re-sent by Telegram file id: no "forwarded from" header reveals the reporter.
_MEDIA_SENDERS = {
    "photo": ("send_photo", True),
    "document": ("send_document", True),
    "voice": ("send_voice", True),
    "audio": ("send_audio", True),
    "video": ("send_video", True),
    "animation": ("send_animation", True),
    "video_note": ("send_video_note", False),
    "sticker": ("send_sticker", False),
}


def _log_worker_end(task: asyncio.Task[None]) -> None:
    """A background worker must never die silently: deliveries would pile up unseen."""
    if not task.cancelled() and task.exception() is not None:
        log.error("background worker stopped", exc_info=task.exception())


def _seconds(value: float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


# --- HTTP -------------------------------------------------------------------------------


class AiohttpRequest(BaseRequest):
    """python-telegram-bot's network layer on aiohttp instead of httpx.

    Measured under load: httpx spends about 3 ms of CPU per Bot API call here, aiohttp a
    fraction of that, and every answer is one call. Same contract as HTTPXRequest: form
    fields (JSON-encoded values) or multipart when files are sent; timeouts -> TimedOut,
    connection trouble -> NetworkError.
    """

    def __init__(self, pool_size: int = 256, read_timeout: float = 5.0) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = 5.0 if isinstance(connect_timeout, DefaultValue) else connect_timeout
        timeout = aiohttp.ClientTimeout(sock_connect=connect, sock_read=read)
        body: aiohttp.FormData | bytes | None = None
        headers = {"User-Agent": self.USER_AGENT}
        if request_data is not None and request_data.contains_files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        elif request_data is not None:
            # One JSON body with real values: cheaper than form-encoding every field.
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            async with self._session.request(
                method, url, data=body, timeout=timeout, headers=headers
            ) as response:
                return response.status, await response.read()
        # "from None": aiohttp's own messages may quote the request URL, which holds the token.
        except TimeoutError:
            raise TimedOut from None
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp: {type(error).__name__}") from None


# --- running ---------------------------------------------------------------------------


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
        or AIORateLimiter(
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


def stop_on_signals(stop: asyncio.Event) -> Callable[[], None]:
    """Set `stop` on SIGINT / SIGTERM; returns a function that removes the handlers."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def remove() -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

    return remove
