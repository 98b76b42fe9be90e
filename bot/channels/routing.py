"""Outbox rows to the channel of their recipient.

Officials work in one place (the Telegram group), while reporters write from Telegram or
WhatsApp: a reply or status update for a reporter must go back the way they came, and
never to another platform's user who happens to have the same number as an id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Protocol, runtime_checkable

from bot.outbox import Delivery, PermanentFailure, TemporaryFailure, Transport

log = logging.getLogger(__name__)


@runtime_checkable
class MediaSource(Protocol):
    """A channel whose evidence the officials' channel cannot fetch by itself (WhatsApp's
    files): it hands over the bytes, and forgets them once they are delivered."""

    def owns_media(self, ref: str) -> bool: ...

    def open_media(self, ref: str) -> bytes: ...

    def media_delivered(self, ref: str) -> None: ...


class ChannelRouter:
    def __init__(self, officials: Transport, channels: Mapping[str, Transport]) -> None:
        self.officials = officials
        self.channels = channels

    async def deliver(self, item: Delivery) -> int | None:
        if item.recipient is None:
            return await self._to_officials(item)
        transport = self.channels.get(item.recipient.channel)
        if transport is None:  # e.g. WhatsApp settings removed: kept until it runs again
            raise TemporaryFailure(f"the {item.recipient.channel} channel is not running")
        return await transport.deliver(item)

    async def _to_officials(self, item: Delivery) -> int | None:
        media = item.payload.get("media")
        ref = media.get("ref") if isinstance(media, dict) else None
        source = next(
            (
                t
                for t in self.channels.values()
                if isinstance(t, MediaSource) and isinstance(ref, str) and t.owns_media(ref)
            ),
            None,
        )
        if source is None or not isinstance(ref, str) or not isinstance(media, dict):
            return await self.officials.deliver(item)
        try:
            data = source.open_media(ref)
        except FileNotFoundError:
            raise PermanentFailure("the evidence file is gone") from None
        payload = {**item.payload, "media": {**media, "ref": data}}
        sent = await self.officials.deliver(replace(item, payload=payload))
        source.media_delivered(ref)
        return sent
