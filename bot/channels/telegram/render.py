"""`Reply` -> Telegram: HTML (escaped, quotations as <blockquote>, split within
Telegram's length, which it counts in UTF-16), inline keyboards, and a menu edited in place.
"""

from __future__ import annotations

import html

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest

from bot.channels.splitting import split_text
from bot.messages import Reply
from bot.safe_text import QUOTE_END, QUOTE_START


def utf16_len(value: str) -> int:
    """Telegram counts UTF-16 code units: an emoji outside the BMP counts 2."""
    return len(value.encode("utf-16-le")) // 2


def _split_plain(body: str, limit: int) -> list[str]:
    """Pieces of at most `limit` visible characters. Telegram counts the text after
    parsing, so tags and escapes are free."""
    pieces = split_text(body, limit, utf16_len)
    # A piece of blank lines only is refused by Telegram ("message text is empty"): drop it.
    return [piece for piece in pieces if _visible(piece).strip()]


def _visible(piece: str) -> str:
    return piece.replace(QUOTE_START, "").replace(QUOTE_END, "")


def _html_pieces(pieces: list[str]) -> list[str]:
    """Escape each piece and turn quote fences into <blockquote>; a quotation cut by a
    piece break is closed at the end of one piece and reopened in the next."""
    out = []
    inside = False
    for piece in pieces:
        opened = QUOTE_START if inside else ""
        for char in piece:
            if char in (QUOTE_START, QUOTE_END):
                inside = char == QUOTE_START
        body = (opened + piece + (QUOTE_END if inside else "")).replace(QUOTE_START + QUOTE_END, "")
        escaped = html.escape(body)
        out.append(escaped.replace(QUOTE_START, "<blockquote>").replace(QUOTE_END, "</blockquote>"))
    return out


def to_html(reply: Reply, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """The reply as Telegram HTML messages, never an empty one; every text from users or
    files is escaped, and quoted user text is shown as a quotation."""
    head = f"<b>{html.escape(reply.title)}</b>\n\n" if reply.title else ""
    tail = f"\n\n<i>{html.escape(reply.note)}</i>" if reply.note else ""
    budget = limit - utf16_len(reply.title or "") - utf16_len(reply.note or "") - 4
    pieces = _html_pieces(_split_plain(reply.text, max(budget, 200)))
    if not pieces:
        pieces = [""] if head or tail else ["…"]
    pieces[0] = (head + pieces[0]).removesuffix("\n\n")
    pieces[-1] = (pieces[-1] + tail + _mentions(reply)).removeprefix("\n\n")
    return pieces


def _mentions(reply: Reply) -> str:
    """Officials named by id (a link Telegram turns into a mention that notifies them, even
    in a muted group); only ever numeric ids, so the link cannot carry anything else."""
    links = [
        f'<a href="tg://user?id={who}">{html.escape(name)}</a>'
        for who, name in reply.mentions
        if who.isdigit()
    ]
    return f"\n\n🔔 {', '.join(links)}" if links else ""


def keyboard_data(reply: Reply) -> dict[str, object] | None:
    """The inline keyboard as Bot API JSON, for raw calls (no python-telegram-bot objects)."""
    if not reply.buttons:
        return None
    rows = [[{"text": b.label, "callback_data": b.action} for b in row] for row in reply.buttons]
    return {"inline_keyboard": rows}


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
            for row in reply.buttons
        ]
    )


async def edit_in_place(
    query: CallbackQuery, body: str, markup: InlineKeyboardMarkup | None
) -> bool:
    """Edit the menu message in place; False when it cannot be edited (too old, gone)."""
    try:
        await query.edit_message_text(body, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:
        return "not modified" in str(error).casefold()
    return True
