"""The neutral message types between channel adapters and the core.

An adapter turns a platform update into an `Incoming` and each `Reply` into a
platform send; the core never sees a Telegram or WhatsApp object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UserKey:
    """Who wrote, per channel: a Telegram id and a WhatsApp number never collide."""

    channel: str
    chat_id: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.chat_id}:{self.user_id}"


@dataclass(frozen=True)
class Attachment:
    kind: str  # photo, document, voice, video, sticker, location, ...
    ref: str  # the channel's own handle for the file (e.g. Telegram file_id)
    # The bytes of a picture, fetched only when the core asks (the offer check reads
    # screenshots); None where the channel cannot fetch it. Raises OSError on failure.
    read: Callable[[], Awaitable[bytes]] | None = field(default=None, compare=False, repr=False)


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
