"""Private chats in: Telegram updates -> `Incoming` -> the engine -> replies out.

Here live what is Telegram's own business in a citizen's chat: a per-user flood guard,
photos and documents read only when the core asks, a menu edited in place, and the
command list shown in Telegram's menu.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    Document,
    Message,
    PhotoSize,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.channels.flood import FloodGuard
from bot.channels.telegram.render import edit_in_place, keyboard, keyboard_data, to_html
from bot.engine import Engine
from bot.messages import Attachment, Incoming, Reply, UserKey
from bot.texts import text

CHANNEL = "telegram"
MAX_PICTURE_BYTES = 10 * 1024 * 1024  # a bigger "screenshot" is not one; Telegram serves 20 MB
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
        ("langganan", "Info & peringatan: berlangganan"),
        ("berhenti_langganan", "Berhenti berlangganan info"),
    ],
    "en": [
        ("start", "Start and main menu"),
        ("menu", "Topic menu"),
        ("check", "Check a suspicious job offer"),
        ("report", "Report a suspicious offer or recruiter"),
        ("help", "What I can help with"),
        ("language", "Choose a language"),
        ("privacy", "Confidentiality of reports"),
        ("subscribe", "News & warnings: subscribe"),
        ("unsubscribe", "Stop news & warnings"),
    ],
}


@dataclass
class PrivateChat:
    engine: Engine
    flood: FloodGuard

    async def register_commands(self, bot: Bot) -> None:
        for lang, commands in COMMANDS.items():
            await bot.set_my_commands(
                [BotCommand(name, description) for name, description in commands],
                scope=BotCommandScopeAllPrivateChats(),
                language_code=None if lang == "id" else lang,
            )

    # Runs before every other handler, for every update (handler group -1).
    async def guard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None or chat.type != ChatType.PRIVATE:
            return
        verdict = self.flood.check(user.id)
        if verdict == "ok":
            return
        if verdict == "warn":
            lang = "en" if (user.language_code or "").startswith("en") else "id"
            await context.bot.send_message(chat.id, text("slow_down", lang))
        # A dropped press is not answered either: a flood must not cost one call per update.
        raise ApplicationHandlerStop

    async def message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or update.effective_user is None:
            return
        replied = message.reply_to_message
        incoming = Incoming(
            user=user_key(update),
            text=message.text or message.caption or "",
            attachments=_attachments(message),
            language_hint=update.effective_user.language_code,
            reply_to=str(replied.message_id) if replied else None,
            edited=update.edited_message is not None,
            message_id=str(message.message_id),
        )
        await self._send(update, context, await self.engine.handle(incoming))

    async def button(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery
    ) -> None:
        """A press in a private chat (the officials' presses: telegram.group)."""
        if update.effective_user is None:
            return
        await query.answer()
        incoming = Incoming(
            user=user_key(update),
            choice=query.data or "",
            language_hint=update.effective_user.language_code,
        )
        await self._send(update, context, await self.engine.handle(incoming), query)

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
            if (
                in_place
                and query is not None
                and await edit_in_place(query, pieces[0], keyboard(reply))
            ):
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


def user_key(update: Update) -> UserKey:
    chat = update.effective_chat
    user = update.effective_user
    return UserKey(CHANNEL, str(chat.id if chat else 0), str(user.id if user else 0))


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
