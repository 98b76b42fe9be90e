"""The outbox's rows -> Bot API calls, and Bot API errors -> the outbox's retry rules
(bot.delivery): cards and their updates, messages to reporters, and evidence re-sent by
file id or, for documents, cleaned and uploaded again (bot.channels.telegram.files).

A 403 from a person's chat means they blocked the bot (or left Telegram): never retried,
and `blocked` unsubscribes them from the broadcasts at once (issue 20).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, InputFile, InputMediaPhoto, InputMediaVideo, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.channels.telegram.files import cleaned_document
from bot.channels.telegram.render import keyboard, to_html
from bot.delivery import Delivery, PermanentFailure, RetryLater, Sent, TemporaryFailure
from bot.messages import UserKey, reply_from_dict
from bot.regions import Regions, single_region
from bot.reports import COPY_ROLES, UNLINKED_ROLES, ReportStore

log = logging.getLogger(__name__)


class TelegramTransport:
    """Outbox rows -> Bot API calls, and Bot API errors -> the outbox's retry rules.
    `topics`: the officials' groups are forums, and each case's messages go to a topic of
    its own, made with its card."""

    def __init__(
        self,
        bot: Bot,
        regions: Regions | None,
        reports: ReportStore,
        topics: bool = False,
        blocked: Callable[[UserKey], Awaitable[object]] | None = None,
    ) -> None:
        self.bot = bot
        self.regions = regions or single_region(None, frozenset(), "PRM")
        self.reports = reports
        self.topics = topics
        self.blocked = blocked  # a person's chat said 403: they blocked the bot

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
            if self.blocked is not None:  # whatever the text: blocked, deactivated, kicked
                await self.blocked(item.recipient)
            raise PermanentFailure(f"forbidden: {error.message}") from None
        except BadRequest as error:
            raise PermanentFailure(f"bad request: {error.message}") from None
        except (TimedOut, NetworkError) as error:
            raise TemporaryFailure(type(error).__name__) from None
        except TelegramError as error:  # InvalidToken, Conflict, an unreadable answer: retry
            raise TemporaryFailure(f"{type(error).__name__}: {error.message}") from None

    async def _send(self, item: Delivery) -> Sent:
        if item.recipient is None:
            group_chat = self.regions.chat_of(item.group)  # the report's region's group
            if group_chat is None:
                raise TemporaryFailure("OFFICIALS_CHAT_ID is not set")
            chat_id = group_chat
        else:
            chat_id = int(item.recipient.chat_id)
        payload = item.payload
        card_id = await self._card_message_id(item, chat_id) if item.recipient is None else None
        if item.role in ("card_update", "copy_update") and card_id is not None:
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
        where: dict[str, Any] = {
            "reply_parameters": (
                ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
            )
        }
        if item.recipient is None and item.role not in (*COPY_ROLES, *UNLINKED_ROLES):
            where["message_thread_id"] = await self._topic(item, chat_id)
        if "album" in payload:
            return Sent(chat_id, await self._send_album(chat_id, payload, where))
        if "media" in payload:
            return Sent(chat_id, await self._send_media(chat_id, payload, where))
        reply = reply_from_dict(payload["reply"])
        first: int | None = None
        pieces = to_html(reply)
        for number, piece in enumerate(pieces, start=1):
            sent = await self.bot.send_message(
                chat_id,
                piece,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply) if number == len(pieces) else None,
                **where,
            )
            first = first or sent.message_id
        return Sent(chat_id, first)

    async def _topic(self, item: Delivery, chat_id: int) -> int | None:
        """The case's own forum topic: made with its card (its first message), then reused
        for its evidence, reminders and relayed messages. None: the group's general chat."""
        if not self.topics or item.report_id is None:
            return None
        report = await self.reports.by_id(item.report_id)
        if report is None:
            return None
        if report.topic_id is not None and report.card_chat_id == chat_id:
            return report.topic_id
        if item.role not in ("card", "card_update"):
            return None
        name = f"{'🚨 ' if report.urgent else ''}{report.code}"
        try:
            topic = await self.bot.create_forum_topic(chat_id, name)
        except BadRequest as error:  # not a forum, or the bot may not manage topics
            log.warning("no topic for a case (%s): it goes to the general chat", error.message)
            return None
        await self.reports.set_topic(report.id, chat_id, topic.message_thread_id)
        return topic.message_thread_id

    async def _send_album(
        self, chat_id: int, payload: dict[str, Any], where: dict[str, Any]
    ) -> int:
        """Photos and videos as one album: one message in the group instead of one each."""
        media: list[InputMediaPhoto | InputMediaVideo] = []
        for number, item in enumerate(payload["album"]):
            caption = payload.get("caption") if number == 0 else None
            kind = InputMediaVideo if item["kind"] == "video" else InputMediaPhoto
            media.append(kind(item["ref"], caption=caption))
        sent = await self.bot.send_media_group(chat_id, media, **where)
        return sent[0].message_id

    async def _send_media(
        self, chat_id: int, payload: dict[str, Any], where: dict[str, Any]
    ) -> int:
        kind, ref = payload["media"]["kind"], payload["media"]["ref"]
        caption = payload.get("caption")
        if isinstance(ref, bytes):  # from another channel, cleaned there (bot.delivery)
            ref = InputFile(ref, filename=payload["media"].get("filename") or "bukti")
        elif kind == "document":  # without EXIF and the original file name
            ref, note = await cleaned_document(self.bot, ref)
            caption = f"{caption}\n{note}" if caption and note else caption or note
        sender = _MEDIA_SENDERS.get(kind)
        if sender is None:  # location, contact: described in words
            text_body = f"{caption}: {kind} {ref}"
            sent = await self.bot.send_message(chat_id, text_body, **where)
        else:
            method, takes_caption = sender
            extra = {"caption": caption} if takes_caption else {}
            send = getattr(self.bot, method)
            sent = await send(chat_id, ref, **where, **extra)
        return sent.message_id

    async def _card_message_id(self, item: Delivery, chat_id: int) -> int | None:
        """The card's message id, only if it is in this chat (OFFICIALS_CHAT_ID may change)."""
        if item.report_id is None:
            return None
        if item.role in COPY_ROLES:  # the province's copy, not the card
            return await self.reports.copy_message_id(item.report_id, chat_id)
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


def _seconds(value: float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
