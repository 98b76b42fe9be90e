"""The core outbox's rows for WhatsApp reporters (an official's message, a status change,
a reminder), handed to the WhatsApp channel's own queue, which paces and retries them."""

from __future__ import annotations

from dataclasses import replace

from bot.channels.whatsapp.delivery import Deliverer
from bot.channels.whatsapp.media import MediaStore
from bot.channels.whatsapp.preferences import UpdatePreferences
from bot.channels.whatsapp.render import to_messages
from bot.channels.whatsapp.store import WhatsAppStore
from bot.channels.whatsapp.updates import CHANNEL
from bot.delivery import Delivery, PermanentFailure, Sent
from bot.messages import UserKey, reply_from_dict
from bot.metadata import Cleaned, clean
from bot.reports import ReportStore
from bot.sessions import SessionStore

LIST_BUTTON = "Pilih / Choose"  # opens a list message; both languages, within 20 characters


class WhatsAppTransport:
    def __init__(
        self,
        store: WhatsAppStore,
        deliverer: Deliverer,
        sessions: SessionStore,
        reports: ReportStore | None,
        media: MediaStore | None = None,
        preferences: UpdatePreferences | None = None,
    ) -> None:
        self.store = store
        self.deliverer = deliverer
        self.sessions = sessions
        self.reports = reports
        self.media = media
        self.preferences = preferences

    # Evidence from WhatsApp reporters, for the officials' channel (bot.delivery.ChannelRouter).

    def owns_media(self, ref: str) -> bool:
        return self.media is not None and self.media.owns(ref)

    def open_media(self, ref: str) -> Cleaned:
        """Blocking: the file for the officials, without its metadata (a photo's GPS
        position), or marked as not cleaned."""
        assert self.media is not None
        return clean(self.media.load(ref))

    def media_delivered(self, ref: str) -> None:
        if self.media is not None:
            self.media.delete(ref)

    async def deliver(self, item: Delivery) -> Sent:
        if item.recipient is None or "reply" not in item.payload:
            raise PermanentFailure("only messages to WhatsApp reporters go this way")
        user_id = item.recipient.user_id
        if item.role == "reminder" and await self.updates_off(item.recipient):
            return Sent()  # a nudge to finish a draft is not case news: not kept either
        code = None
        if item.report_id is not None and self.reports is not None:
            report = await self.reports.by_id(item.report_id)
            code = report.code if report else None
        lang = (await self.sessions.get(item.recipient)).reply_language
        messages = [
            replace(m, case_code=code, lang=lang)
            for m in to_messages(reply_from_dict(item.payload["reply"]), LIST_BUTTON)
        ]
        await self.store.queue(user_id, messages, item.report_id)  # paused while updates are off
        self.deliverer.notify()
        return Sent()  # WhatsApp's message ids are not Telegram's: nothing to record

    async def updates_off(self, user: UserKey) -> bool:
        """Has this reporter (if on WhatsApp) turned case updates off? The officials' side
        asks too, to say a message is kept rather than sent."""
        if self.preferences is None or user.channel != CHANNEL:
            return False
        return await self.preferences.is_off(user)
