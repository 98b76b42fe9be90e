"""The neutral message types between channel adapters and the core.

An adapter turns a platform update into an `Incoming` and each `Reply` into a
platform send; the core never sees a Telegram or WhatsApp object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class UserKey:
    """Who wrote, per channel: a Telegram id and a WhatsApp number never collide."""

    channel: str
    chat_id: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.chat_id}:{self.user_id}"


class FileNotKept(Exception):
    """A channel could not keep a file the core wanted. `reason` names what the sender is
    told (texts "media_<reason>": too_large, failed, disk_full, too_many); `limit`, in MB,
    goes with too_large."""

    def __init__(self, reason: str, limit: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.limit = limit


@dataclass(frozen=True)
class Attachment:
    kind: str  # photo, document, voice, video, sticker, location, ...
    ref: str  # the channel's own handle for the file (e.g. Telegram file_id)
    # The bytes of a picture, fetched only when the core asks (the offer check reads
    # screenshots); None where the channel cannot fetch it. Raises OSError on failure.
    read: Callable[[], Awaitable[bytes]] | None = field(default=None, compare=False, repr=False)
    # Makes the file the bot's own once the core decides to keep it (evidence, a message to
    # the officials) and returns the reference that stands for it from then on; raises
    # FileNotKept. None: `ref` already does (a Telegram file id). A channel that must store
    # files (WhatsApp: Meta's links expire) downloads here, so what nobody keeps is never
    # fetched.
    keep: Callable[[], Awaitable[str]] | None = field(default=None, compare=False, repr=False)


async def keep_files(
    attachments: Sequence[Attachment], room: int
) -> tuple[list[Attachment], list[FileNotKept]]:
    """The first `room` attachments made the bot's own (files only fetched now), and why
    any of those could not be kept; attachments beyond `room` are not even fetched."""
    kept: list[Attachment] = []
    refused: list[FileNotKept] = []
    for attachment in attachments[: max(0, room)]:
        if attachment.keep is None:
            kept.append(attachment)
            continue
        try:
            kept.append(replace(attachment, ref=await attachment.keep(), keep=None))
        except FileNotKept as error:
            refused.append(error)
    return kept, refused


@dataclass(frozen=True)
class Incoming:
    user: UserKey
    text: str = ""
    choice: str | None = None  # the action of a pressed button
    attachments: tuple[Attachment, ...] = ()
    language_hint: str | None = None  # the app's language, when the channel knows it
    reply_to: str | None = None  # the bot message this one answers (a swipe-reply), if any
    edited: bool = False  # a correction of an earlier message: answered, never relayed
    message_id: str | None = None  # the channel's id of this message, where it has one
    # The id of an earlier message of this user that they deleted (WhatsApp's "revoke"):
    # never answered; an answer it gave to an unsent report is taken out of the draft.
    revoked: str | None = None


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # e.g. "topic:visa", "menu", "lang:en"


@dataclass(frozen=True)
class Reply:
    text: str
    title: str | None = None  # shown bold above the text
    note: str | None = None  # small print below: source and review date
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)  # rows
    # Menu navigation: show this in place of the message whose button was pressed.
    replace_previous: bool = False
    # Officials to notify by name in their group, as (user id, name): Telegram mentions by
    # id notify even in a muted group. Never used in a message to a reporter.
    mentions: tuple[tuple[str, str], ...] = ()


def reply_to_dict(reply: Reply) -> dict[str, object]:
    """A reply as plain data, for the outbox (stored encrypted, sent later)."""
    return {
        "text": reply.text,
        "title": reply.title,
        "note": reply.note,
        "buttons": [[[b.label, b.action] for b in row] for row in reply.buttons],
        "mentions": [list(mention) for mention in reply.mentions],
    }


def reply_from_dict(data: dict[str, object]) -> Reply:
    rows = data.get("buttons") or []
    assert isinstance(rows, list)
    return Reply(
        text=str(data.get("text", "")),
        title=data.get("title") if isinstance(data.get("title"), str) else None,  # type: ignore[arg-type]
        note=data.get("note") if isinstance(data.get("note"), str) else None,  # type: ignore[arg-type]
        buttons=tuple(
            tuple(Button(str(label), str(action)) for label, action in row) for row in rows
        ),
        mentions=tuple((str(who), str(name)) for who, name in _list(data.get("mentions"))),
    )


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
