"""What every channel's delivery speaks: the outbox's rows (`Delivery`), what a send
returns (`Sent`), the `Transport` a channel provides, the errors that tell the outbox
whether to retry, and the router that sends each row the way its recipient came.

Officials work in one place (the Telegram group), while reporters write from Telegram or
WhatsApp: a reply or status update for a reporter must go back the way they came, and
never to another platform's user who happens to have the same number as an id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

from bot.crypto import EncryptionKeyError
from bot.messages import UserKey
from bot.metadata import Cleaned, uncleaned_note
from bot.reports import OFFICIALS


class DeliveryError(Exception):
    """Base of what a transport raises when a row could not be delivered."""


class RetryLater(DeliveryError):
    """The platform said 429 (too many): not before `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:g}s")
        self.seconds = seconds


class TemporaryFailure(DeliveryError):
    """Chat, server or network trouble: try again with back-off."""


class PermanentFailure(DeliveryError):
    """It will never work (bot blocked, message refused): give the row up."""


@dataclass(frozen=True)
class Delivery:
    id: int
    role: str
    report_id: int | None
    recipient: UserKey | None  # None: the officials' chat
    payload: dict[str, Any]
    attempts: int
    recipient_hash: str = OFFICIALS  # the chat's key for pausing it
    group: str | None = None  # recipient None: which region's group (None: the default's)


@dataclass(frozen=True)
class Sent:
    """Where the message landed: its chat and (first) message id, when there is one."""

    chat_id: int | None = None
    message_id: int | None = None


class Transport(Protocol):
    async def deliver(self, item: Delivery) -> Sent:
        """Send it; raise a DeliveryError when it did not go out."""


@runtime_checkable
class MediaSource(Protocol):
    """A channel whose evidence the officials' channel cannot fetch by itself (WhatsApp's
    files): it hands over the bytes, and forgets them once they are delivered."""

    def owns_media(self, ref: str) -> bool: ...

    def open_media(self, ref: str) -> Cleaned:
        """Blocking (decryption, cleaning): the file as the officials may get it."""

    def media_delivered(self, ref: str) -> None: ...


class ChannelRouter:
    def __init__(self, officials: Transport, channels: Mapping[str, Transport]) -> None:
        self.officials = officials
        self.channels = channels

    async def deliver(self, item: Delivery) -> Sent:
        if item.recipient is None:
            return await self._to_officials(item)
        transport = self.channels.get(item.recipient.channel)
        if transport is None:  # e.g. WhatsApp settings removed: kept until it runs again
            raise TemporaryFailure(f"the {item.recipient.channel} channel is not running")
        return await transport.deliver(item)

    async def _to_officials(self, item: Delivery) -> Sent:
        """Evidence held by another channel goes up as bytes, one file or a whole album."""
        single = item.payload.get("media")
        items = [single] if isinstance(single, dict) else item.payload.get("album") or []
        held = [(media, self._source_of(media)) for media in items if isinstance(media, dict)]
        if not any(source for _, source in held):
            return await self.officials.deliver(item)
        resolved, opened, uncleaned, lost = [], [], [], 0
        for media, source in held:
            if source is None:
                resolved.append(media)
                continue
            try:  # decryption and cleaning of up to 16 MB: off the event loop
                file = await asyncio.to_thread(source.open_media, media["ref"])
            except (FileNotFoundError, EncryptionKeyError):
                # Gone, or written with a key no longer configured: lost for good, and no
                # retry changes that (an unreadable file is kept, in case the key returns).
                # The album's other files go on; the group's queue never waits for it.
                lost += 1
                continue
            resolved.append({**media, "ref": file.data, "filename": "bukti" + file.extension})
            opened.append((media["ref"], source))
            if not file.cleaned:  # said beside the file, never silently passed on
                uncleaned.append((len(resolved), file.kind))
        if not resolved:
            raise PermanentFailure("the evidence file is gone or opens with none of the keys")
        # One file left of an album goes alone: Telegram's albums hold two to ten.
        payload = {k: v for k, v in item.payload.items() if k not in ("media", "album")}
        if len(resolved) == 1:
            payload["media"] = resolved[0]
        else:
            payload["album"] = resolved
        notes = [f"({lost} berkas tidak dapat dibuka di server)"] if lost else []
        notes += [uncleaned_note(kind, n if len(resolved) > 1 else None) for n, kind in uncleaned]
        if notes:
            payload["caption"] = "\n".join([str(payload.get("caption") or ""), *notes]).strip()
        sent = await self.officials.deliver(replace(item, payload=payload))
        for ref, source in opened:
            source.media_delivered(ref)
        return sent

    def _source_of(self, media: dict[str, object]) -> MediaSource | None:
        ref = media.get("ref")
        if not isinstance(ref, str):
            return None
        for transport in self.channels.values():
            if isinstance(transport, MediaSource) and transport.owns_media(ref):
                return transport
        return None
