"""The officials' group: its commands and notes, its case buttons, and membership.

Only the regions' groups (REGIONS_FILE, or OFFICIALS_CHAT_ID as one region) and the
province's are served, and in each only its officials, who see only their regions' cases
(the province's only look); the bot leaves any other group without a word.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from telegram import Bot, CallbackQuery, InputFile, Message, ReplyParameters, Update
from telegram.constants import ChatMemberStatus, ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot.channels.telegram.render import edit_in_place, keyboard, to_html
from bot.deadlines import WIB
from bot.messages import Reply
from bot.officials import Desk
from bot.officials_chat import BROADCAST_ACTION, GroupDesk, Post
from bot.regions import Regions, Scope
from bot.reports import ReportStore

log = logging.getLogger(__name__)


@dataclass
class OfficialsGroup:
    regions: Regions
    desk: Desk | None = None
    group_desk: GroupDesk | None = None
    reports: ReportStore | None = None

    async def message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        if chat.id not in self.regions.chats():
            await self._leave(context, chat.id)
            return
        message = update.effective_message
        user = update.effective_user
        scope = self.regions.scope_for(chat.id, user.id) if user is not None else None
        if message is None or user is None or scope is None:
            return  # strangers in the officials' group get nothing, not even a refusal
        if self.group_desk is None:
            return
        word = (message.text or "").split(maxsplit=1)[:1]
        if word and word[0].split("@", 1)[0].casefold() == "/ekspor":
            await self._export(context, message, user.id, scope)
            return
        # In a forum topic, a message that replies to nothing still "replies" to the topic's
        # first message: the case's own topic (bot.reports.set_topic) makes it a case note.
        replied = message.reply_to_message
        said = await self.group_desk.scoped(scope).text(
            str(user.id),
            chat.id,
            message.text or "",
            replied.message_id if replied else None,
            user.full_name,
        )
        thread = message.message_thread_id if message.is_topic_message else None
        for post in said.posts:
            await self._post(context.bot, chat.id, post, message.message_id, thread)
        if said.delete_replied and replied is not None:  # a prompt that has done its job
            await _delete(context.bot, chat.id, replied.message_id)

    async def _post(
        self, bot: Bot, chat_id: int, post: Post, reply_to: int | None, thread: int | None = None
    ) -> None:
        """A message for the officials' group; a prompt is remembered for the reply to it.
        `thread`: the forum topic it belongs in (a case's own, OFFICIALS_TOPICS)."""
        reply = post.reply
        parameters = (
            ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        )
        if post.chart is not None and await _send_chart(bot, chat_id, post, parameters):
            return
        pieces = to_html(reply)
        for number, piece in enumerate(pieces, start=1):
            sent = await bot.send_message(
                chat_id,
                piece,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply) if number == len(pieces) else None,
                reply_parameters=parameters,
                message_thread_id=thread,
            )
            if post.prompt_for is not None and self.reports is not None:
                await self.reports.remember_case_message(
                    chat_id, sent.message_id, post.prompt_for, post.prompt_kind
                )

    async def _export(
        self, context: ContextTypes.DEFAULT_TYPE, message: Message, official: int, scope: Scope
    ) -> None:
        """The CSV goes to the official's private chat, never to the whole group."""
        if self.desk is None:
            return
        data = await self.desk.scoped(scope.regions, scope.read_only).export_csv()
        # The day in Pariaman on the bot's one clock, not the server's zone and wall clock.
        stamp = self.desk.responses.now().astimezone(WIB).strftime("%Y%m%d")
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

    async def press(self, update: Update, query: CallbackQuery) -> None:
        """A button pressed in a group, or an officials' button pressed anywhere."""
        chat = update.effective_chat
        user = update.effective_user
        scope = self.regions.scope_for(chat.id, user.id) if chat and user else None
        data = query.data or ""
        # The province's officials only look, except at their own broadcasts' buttons.
        looking = (
            scope is not None and scope.read_only and not data.startswith(f"{BROADCAST_ACTION}:")
        )
        if scope is None or looking or self.group_desk is None:
            return  # not answered: a stranger's (or the province's) press costs no call
        if chat is None or user is None:
            return
        try:
            pressed = await self.group_desk.scoped(scope).press(
                str(user.id), data, user.full_name, chat.id
            )
        except Exception:
            # The official's button must not spin for ever; the error handler logs it.
            await query.answer("Gagal, coba lagi sebentar lagi.", show_alert=True)
            raise
        await query.answer(pressed.toast)
        pressed_on = query.message if isinstance(query.message, Message) else None
        if pressed.replace is not None:
            await edit_in_place(query, to_html(pressed.replace)[0], keyboard(pressed.replace))
        if pressed.delete and pressed_on is not None:  # a menu or question once used
            await _delete(query.get_bot(), chat.id, pressed_on.message_id)
        if pressed.post is not None:
            thread = (
                pressed_on.message_thread_id if pressed_on and pressed_on.is_topic_message else None
            )
            await self._post(query.get_bot(), chat.id, pressed.post, None, thread)

    async def membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type == ChatType.PRIVATE:
            return
        joined = change.new_chat_member.status in (
            ChatMemberStatus.MEMBER,
            ChatMemberStatus.ADMINISTRATOR,
        )
        if joined and change.chat.id not in self.regions.chats():
            await self._leave(context, change.chat.id)

    async def _leave(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
        """Leave without a word: the bot has no business in strangers' groups."""
        log.info("leaving a group that is not the officials' chat")
        with contextlib.suppress(BadRequest, Forbidden):  # already out
            await context.bot.leave_chat(chat_id)


async def _delete(bot: Bot, chat_id: int, message_id: int) -> None:
    """Remove a used prompt or menu; one that is already gone, or too old for a bot to
    delete (48 hours), simply stays."""
    with contextlib.suppress(BadRequest, Forbidden):
        await bot.delete_message(chat_id, message_id)


async def _send_chart(
    bot: Bot, chat_id: int, post: Post, parameters: ReplyParameters | None
) -> bool:
    """A post's chart as a photo. True: its whole text went as the caption; False: it did
    not fit (Telegram allows 1,024 characters), the caption is the short summary and the
    caller sends the text after it."""
    assert post.chart is not None
    whole = to_html(post.reply, MessageLimit.CAPTION_LENGTH)
    fits = len(whole) == 1
    caption = (
        whole[0] if fits else to_html(Reply(post.chart.caption), MessageLimit.CAPTION_LENGTH)[0]
    )
    await bot.send_photo(
        chat_id,
        InputFile(post.chart.png, filename="statistik.png"),
        caption=caption,
        parse_mode=ParseMode.HTML,
        reply_parameters=parameters,
    )
    return fits
