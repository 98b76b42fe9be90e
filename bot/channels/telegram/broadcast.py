"""Broadcasts on Telegram: paced so that they never take an answer's place.

Telegram lets a bot send about 30 messages a second in all. python-telegram-bot's
AIORateLimiter keeps every call within that, first come first served; a broadcast then
waits for `pace()`, which lets it go only while the bot as a whole has sent fewer than
`rate` (25) messages in the last second, and at most `rate` broadcasts a second itself.
Answers, cards and notices therefore always find room, and when they are many the
campaign slows down instead of them.

A 403 to a subscriber's chat, whatever its text (blocked, deactivated, kicked), ends the
subscription at once (bot.broadcast.sender.Unsubscribed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter

from bot.broadcast.sender import Delivered, Outgoing, RetryAt, Unsubscribed
from bot.channels.telegram.render import keyboard_data, to_html
from bot.channels.telegram.updates import RAW_SEND_MESSAGE
from bot.delivery import PermanentFailure, TemporaryFailure

BROADCAST_PER_SECOND = 25.0  # of Telegram's ~30 a bot; the rest is the answers' room
WINDOW = 1.0  # seconds over which the bot's sends are counted
LOOK_AGAIN = 0.02  # seconds between looks while the bot is busy


class SharedRateLimiter(AIORateLimiter):
    """AIORateLimiter that also counts what the bot sent to any chat in the last second,
    so that broadcasts can stay out of the way."""

    def __init__(self, **limits: Any) -> None:
        super().__init__(**limits)
        self._recent: deque[float] = deque()

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if data.get("chat_id") is not None:
            self._recent.append(time.monotonic())
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )

    def sent_lately(self) -> int:
        """Messages sent (or waiting to be) in the last second."""
        edge = time.monotonic() - WINDOW
        while self._recent and self._recent[0] < edge:
            self._recent.popleft()
        return len(self._recent)


class TelegramBroadcast:
    def __init__(
        self,
        bot: Bot,
        sent_lately: Callable[[], int] | None = None,
        rate: float = BROADCAST_PER_SECOND,
    ) -> None:
        self.bot = bot
        self.rate = rate
        self._sent_lately = sent_lately  # None: only the broadcasts themselves are counted
        self._own: deque[float] = deque()
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def pace(self) -> None:
        async with self._lock:
            moment = time.monotonic()
            if self._next > moment:
                await asyncio.sleep(self._next - moment)
            while self._load() >= self.rate:  # the bot is busy: answers first
                await asyncio.sleep(LOOK_AGAIN)
            self._next = max(time.monotonic(), self._next) + 1.0 / self.rate
            self._own.append(time.monotonic())

    def _load(self) -> int:
        if self._sent_lately is not None:
            return self._sent_lately()
        edge = time.monotonic() - WINDOW
        while self._own and self._own[0] < edge:
            self._own.popleft()
        return len(self._own)

    async def send(self, item: Outgoing) -> Delivered:
        reply = item.reply
        pieces = to_html(reply)
        try:
            for number, piece in enumerate(pieces, start=1):
                fields: dict[str, object] = {
                    "chat_id": int(item.user.chat_id),
                    "text": piece,
                    "parse_mode": ParseMode.HTML,
                    "link_preview_options": {"is_disabled": True},
                }
                if number == len(pieces) and reply.buttons:
                    fields["reply_markup"] = keyboard_data(reply)
                await self.bot.do_api_request(RAW_SEND_MESSAGE, api_kwargs=fields)
        except Forbidden as error:
            raise Unsubscribed(f"forbidden: {error.message}") from None
        except RetryAfter as error:
            seconds = error.retry_after
            wait = seconds.total_seconds() if isinstance(seconds, dt.timedelta) else seconds
            raise RetryAt(float(wait), "rate limited") from None
        except BadRequest as error:  # the chat is gone, or the message was refused
            raise PermanentFailure(f"bad request: {error.message}") from None
        except NetworkError as error:  # TimedOut included
            raise TemporaryFailure(type(error).__name__) from None
        except TelegramError as error:
            raise TemporaryFailure(f"{type(error).__name__}: {error.message}") from None
        return Delivered()
