"""Webhook posts in: Meta's signature, the messages in a post, and each as an `Incoming`;
and Meta's reports on what we sent (delivered, failed and why), which only the broadcasts
read.

Only posts for our own phone number id are taken, and every field is read defensively: a
post is data from outside.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from bot.messages import Attachment, Incoming, UserKey

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"

# WhatsApp has no slash commands: these words typed alone act as the command.
TYPED_COMMANDS = frozenset(
    "menu mulai start lapor report batal cancel cek check status bantuan help "
    "bahasa language privasi privacy".split()
)
# A WhatsApp id (digits) or a business-scoped id ("ID.123…", parent "ID.ENT.123…"): anything
# else is not used as an address (the Cloud API client would take it for a group).
_USER_ID = re.compile(r"\d{5,20}|[A-Z]{2}\.(?:ENT\.)?\d{1,40}")
_CASE_CODE = re.compile(r"[A-Za-z]{2,5}-[A-Za-z0-9]")
_MEDIA_KINDS = {"image": "photo", "document": "document", "video": "video", "sticker": "sticker"}


def signature_problem(body: bytes, header: str | None, app_secret: str) -> str | None:
    """None when `header` is Meta's HMAC-SHA256 of the raw body; else "missing" or "wrong"."""
    if not header:
        return "missing"
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected.encode(), header.strip().encode()) else "wrong"


@dataclass(frozen=True)
class InboxEntry:
    wamid: str  # WhatsApp's unique message id: the same message re-delivered has the same one
    user_id: str  # business-scoped user id, else the WhatsApp id
    message: dict[str, Any]  # the message object as Meta sent it


def entries(update: object, phone_id: str) -> list[InboxEntry]:
    """The users' messages in a webhook post that are addressed to `phone_id`."""
    found: list[InboxEntry] = []
    for value in _values(update):
        metadata = value.get("metadata")
        if not isinstance(metadata, dict) or str(metadata.get("phone_number_id")) != phone_id:
            continue
        contacts = [c for c in value.get("contacts") or [] if isinstance(c, dict)]
        for message in value.get("messages") or []:
            if not isinstance(message, dict):
                continue
            wamid, user_id = message.get("id"), _user_id(message, contacts)
            if isinstance(wamid, str) and wamid and user_id:
                found.append(InboxEntry(wamid, user_id, message))
    return found


@dataclass(frozen=True)
class StatusReport:
    """Meta's report on a message we sent: "sent", "delivered", "read" or "failed" (with
    the first error's code)."""

    wamid: str
    status: str
    code: int | None = None


def status_reports(update: object, phone_id: str) -> list[StatusReport]:
    found: list[StatusReport] = []
    for value in _values(update):
        metadata = value.get("metadata")
        if not isinstance(metadata, dict) or str(metadata.get("phone_number_id")) != phone_id:
            continue
        for status in value.get("statuses") or []:
            if not isinstance(status, dict):
                continue
            wamid, what = status.get("id"), status.get("status")
            if not (isinstance(wamid, str) and wamid and isinstance(what, str)):
                continue
            errors = [e for e in status.get("errors") or [] if isinstance(e, dict)]
            code = errors[0].get("code") if errors else None
            found.append(StatusReport(wamid, what, code if isinstance(code, int) else None))
    return found


def sent_at(entry: InboxEntry) -> dt.datetime | None:
    """When the user sent the message, as Meta's `timestamp` (Unix seconds) says; None when
    it says nothing readable (Meta always sends it: only a post of Meta's own lacks it)."""
    stamp = entry.message.get("timestamp")
    if not isinstance(stamp, str | int) or not str(stamp).isdigit():
        return None
    try:
        return dt.datetime.fromtimestamp(int(stamp), dt.UTC)
    except (OverflowError, OSError, ValueError):  # a year past 9999: not a replay
        return None


def _values(update: object) -> list[dict[str, Any]]:
    if not isinstance(update, dict) or update.get("object") != "whatsapp_business_account":
        return []
    values = []
    for entry in update.get("entry") or []:
        for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if isinstance(value, dict):
                values.append(value)
    return values


def _user_id(message: dict[str, Any], contacts: list[dict[str, Any]]) -> str | None:
    """The business-scoped user id when Meta gives one (it stays when a user hides their
    number behind a username), else the WhatsApp id (the phone number)."""
    sender = message.get("from")
    candidates = [message.get("from_user_id")]
    for contact in contacts:
        if len(contacts) == 1 or contact.get("wa_id") == sender:
            candidates.append(contact.get("user_id"))
    candidates.append(sender)
    return next((str(c) for c in candidates if _USER_ID.fullmatch(str(c))), None)


def to_incoming(entry: InboxEntry) -> Incoming | None:
    """The message as the engine sees it; None for what needs no answer (a reaction)."""
    message = entry.message
    kind = message.get("type")
    user = UserKey(CHANNEL, entry.user_id, entry.user_id)
    context = message.get("context")
    reply_to = context.get("id") if isinstance(context, dict) else None
    reply_to = reply_to if isinstance(reply_to, str) else None
    content = message.get(kind) if isinstance(kind, str) else None
    content = content if isinstance(content, dict) else {}
    if kind == "revoke":  # the user deleted one of their messages: nothing to answer
        deleted = _str(content.get("original_message_id"))
        return Incoming(user, revoked=deleted) if deleted else None
    if kind == "text":
        body = typed_command(_str(content.get("body")))
        return Incoming(user, text=body, reply_to=reply_to, message_id=entry.wamid)
    if kind == "interactive":
        pressed = content.get("button_reply") or content.get("list_reply") or {}
        choice = _str(pressed.get("id")) if isinstance(pressed, dict) else ""
        return Incoming(user, choice=choice or "menu")
    if kind == "button":  # a quick-reply button of a template message
        return Incoming(user, text=typed_command(_str(content.get("text"))))
    if kind in ("reaction", "unsupported", "system", "ephemeral", "request_welcome"):
        return None
    attachment = _attachment(kind, content)
    caption = _str(content.get("caption"))
    return Incoming(
        user, text=caption, attachments=(attachment,), reply_to=reply_to, message_id=entry.wamid
    )


def _attachment(kind: object, content: dict[str, Any]) -> Attachment:
    if kind == "audio":
        return Attachment("voice" if content.get("voice") else "audio", _str(content.get("id")))
    if kind == "location":
        return Attachment("location", f"{content.get('latitude')},{content.get('longitude')}")
    if isinstance(kind, str) and kind in _MEDIA_KINDS:
        return Attachment(_MEDIA_KINDS[kind], _str(content.get("id")))
    return Attachment(str(kind or "unknown")[:20], "")


def typed_command(text: str) -> str:
    """ "lapor", "Menu", "status PRM-7KQ3-XT9D", "lapor hilang" -> the slash command;
    anything else as is."""
    words = text.split()
    if not words or words[0].startswith("/"):
        return text
    word = words[0].casefold()
    if [w.casefold() for w in words] == ["lapor", "hilang"]:
        return "/lapor_hilang"
    code = len(words) == 2 and word == "status" and _CASE_CODE.match(words[1]) is not None
    if word in TYPED_COMMANDS and (len(words) == 1 or code):
        return "/" + " ".join([word, *words[1:]])
    return text


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""
