"""`Reply` -> WhatsApp messages, within WhatsApp's limits and formatting.

WhatsApp has no HTML and no escape character: `*bold*`, `_italic_`, `~strike~` and
backticks format whatever text they wrap. Reply text is plain (it may repeat what a user
typed), so every marker in it that could open or close formatting is swapped for a
look-alike; only the title and the note get real formatting, added here.

Buttons: up to 3 short ones become reply buttons, up to 10 a list message (its rows
numbered: typing the number picks one), more a numbered text the user answers with a
number. A question's ⬅️ Kembali and ✖️ Batal are typed words named in the text rather
than buttons, where as buttons they would push a yes/no question into a list. Long text is
split at paragraph, line or word breaks, never cut. WhatsApp has no slash commands: the
core's "/status CODE" reads "*status CODE*", the words to type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.channels.splitting import split_text
from bot.flows.report import ACTION as FLOW_ACTION
from bot.messages import Button, Reply
from bot.texts import text

MAX_TEXT = 4096  # a text message
MAX_BODY = 1024  # the body of an interactive message
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_LIST_BUTTON = 20
MAX_ID = 200  # a list row id (a reply button id may be 256)

# Commands WhatsApp users type as plain words (bot/channels/whatsapp/updates.py).
_SLASH = re.compile(
    r"(?<![\w/])/(?P<word>lapor_hilang|lapor|report|status|batal|cancel|cek|check|menu|mulai"
    r"|start|bantuan|help|bahasa|language|privasi|privacy|berhenti_langganan|langganan"
    r"|subscribe|unsubscribe)\b"
    r"(?P<code> [A-Z]{2,5}-[A-Z0-9]{4}-[A-Z0-9]{4})?"
)
# A question's navigation buttons, typed as words instead when they would make a list.
TYPED_NAVIGATION = (f"{FLOW_ACTION}:back", f"{FLOW_ACTION}:cancel")
_NAVIGATION_LABELS = ("report_back_button", "report_change_last_button", "report_cancel_button")
# A marker at a word's edge formats; one inside a word (a_b, in URLs) does not.
_MARKER = re.compile(r"(?<![^\W_])[*_~`]|[*_~`](?![^\W_])")
_LOOKALIKE = {"*": "\u2217", "_": "\uff3f", "~": "\u223c", "`": "\u02cb"}


@dataclass(frozen=True)
class Option:
    title: str
    action: str
    description: str | None = None


@dataclass(frozen=True)
class Message:
    """One WhatsApp message. `kind`: "text"; "buttons" (reply buttons); "list" (a list
    message); "numbered" (a text whose numbered options the user answers by number)."""

    kind: str
    body: str
    options: tuple[Option, ...] = ()
    list_button: str = ""
    # A message about a case (an official's reply, a status change): outside the 24-hour
    # window a template naming the case goes out instead, in the reporter's language.
    case_code: str | None = None
    lang: str = "id"

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "body": self.body,
            "options": [[o.title, o.action, o.description] for o in self.options],
            "list_button": self.list_button,
            "case_code": self.case_code,
            "lang": self.lang,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Message:
        rows = data.get("options") or []
        assert isinstance(rows, list)
        return cls(
            kind=str(data["kind"]),
            body=str(data["body"]),
            options=tuple(Option(str(t), str(a), d if d else None) for t, a, d in rows),
            list_button=str(data.get("list_button") or ""),
            case_code=str(data["case_code"]) if data.get("case_code") else None,
            lang=str(data.get("lang") or "id"),
        )


def plain(value: str) -> str:
    """Text shown as typed: formatting markers at word edges become look-alikes."""
    return _MARKER.sub(lambda m: _LOOKALIKE[m.group()], value)


def typed_words(value: str) -> str:
    """ "/status PRM-7KQ3-XT9D" -> "*status PRM-7KQ3-XT9D*": what to type on WhatsApp."""

    def word(found: re.Match[str]) -> str:
        command = found["word"].replace("_", " ")  # "lapor hilang" is typed as two words
        return f"*{command}{found['code'] or ''}*"

    return _SLASH.sub(word, value)


def formatted(reply: Reply) -> str:
    parts = []
    if reply.title:
        parts.append(f"*{plain(reply.title).strip()}*")
    parts.append(typed_words(plain(reply.text)))
    if reply.note:
        parts.append(f"_{plain(reply.note).strip()}_")
    return "\n\n".join(part for part in parts if part)


def split(body: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters; an empty last piece only when there is no other."""
    pieces = split_text(body, limit)
    return pieces[:-1] if len(pieces) > 1 and not pieces[-1] else pieces


def _short(value: str, limit: int) -> str:
    """At most `limit` characters, cut at a word break (never mid-word) with "…"."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    if " " in cut and value[limit - 1] != " ":
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def to_messages(reply: Reply, list_button: str = "Pilih") -> list[Message]:
    """The reply as WhatsApp messages; any buttons travel with the last one."""
    body = formatted(reply) or "…"
    buttons = _unique(b for row in reply.buttons for b in row if len(b.action) <= MAX_ID)
    buttons, hint = _navigation_typed(buttons)
    if hint:
        body = f"{body}\n\n{hint}"
    if not buttons:
        return [Message("text", piece) for piece in split(body, MAX_TEXT)]
    if len(buttons) > MAX_LIST_ROWS:
        return _numbered(body, buttons)
    pieces = split(body, MAX_TEXT)
    if len(pieces[-1]) > MAX_BODY:
        pieces = pieces[:-1] + split(pieces[-1], MAX_BODY)
    head = [Message("text", piece) for piece in pieces[:-1]]
    last = pieces[-1]
    # Sent as measured: a label's outer spaces would count against the 20 characters.
    labels = [" ".join(b.label.split()) for b in buttons]
    fits = len(set(labels)) == len(labels)  # reply buttons need distinct titles
    fits = fits and all(0 < len(label) <= MAX_BUTTON_TITLE for label in labels)
    if len(buttons) <= MAX_REPLY_BUTTONS and fits:
        options = tuple(Option(label, b.action) for label, b in zip(labels, buttons, strict=True))
        return [*head, Message("buttons", last, options)]
    options = tuple(_row(number, b) for number, b in enumerate(buttons, 1))
    return [*head, Message("list", last, options, _short(list_button, MAX_LIST_BUTTON))]


def _navigation_typed(buttons: list[Button]) -> tuple[list[Button], str]:
    """A question's choices with ⬅️ Kembali / ✖️ Batal would be more than three buttons (a
    list, one more tap): the choices stay buttons and the text names the words to type."""
    navigation = [b for b in buttons if b.action in TYPED_NAVIGATION]
    choices = [b for b in buttons if b.action not in TYPED_NAVIGATION]
    if not navigation or len(buttons) <= MAX_REPLY_BUTTONS or len(choices) > MAX_REPLY_BUTTONS:
        return buttons, ""
    labels = [" ".join(b.label.split()) for b in choices]
    if not all(0 < len(label) <= MAX_BUTTON_TITLE for label in labels):
        return buttons, ""  # a list anyway: the navigation may as well stay in it
    english = {text(key, "en") for key in _NAVIGATION_LABELS}
    lang = "en" if any(b.label in english for b in navigation) else "id"
    # Right after the flow moved on by itself, the same press is ✏️ Ubah jawaban ("ubah").
    changing = any(b.label == text("report_change_last_button", lang) for b in navigation)
    hint = "whatsapp_typed_change" if changing else "whatsapp_typed_navigation"
    return choices, text(hint, lang)


def _unique(buttons: Iterable[Button]) -> list[Button]:
    """WhatsApp refuses two options with one id; the first of each stays."""
    seen: dict[str, Button] = {}
    for button in buttons:
        seen.setdefault(button.action, button)
    return list(seen.values())


def _row(number: int, button: Button) -> Option:
    """A list row, numbered so it can be picked by typing the number too."""
    label = " ".join(button.label.split()) or "…"
    title = f"{number}. {label}"
    if len(title) <= MAX_ROW_TITLE:
        return Option(title, button.action)
    # The whole label stays readable: a title cut at a word break, the full text below it.
    return Option(_short(title, MAX_ROW_TITLE), button.action, _short(label, MAX_ROW_DESCRIPTION))


def _numbered(body: str, buttons: list[Button]) -> list[Message]:
    """More choices than a list holds: numbered lines, answered by typing the number."""
    lines = "\n".join(f"{number}. {plain(b.label)}" for number, b in enumerate(buttons, 1))
    pieces = split(f"{body}\n\n{lines}", MAX_TEXT)
    options = tuple(Option(b.label, b.action) for b in buttons)
    messages = [Message("text", piece) for piece in pieces]
    messages[-1] = Message("numbered", pieces[-1], options)
    return messages


def offered(messages: list[Message]) -> tuple[Option, ...] | None:
    """The choices a user can answer with a number (a numbered text's lines, a list's
    numbered rows), from the last message with choices of any kind: () when that one has
    only reply buttons, which carry no numbers (a "1" then presses nothing from an older
    list); None when no message has any, so the earlier ones still hold."""
    for message in reversed(messages):
        if message.kind in ("numbered", "list"):
            return message.options
        if message.kind == "buttons":
            return ()
    return None
