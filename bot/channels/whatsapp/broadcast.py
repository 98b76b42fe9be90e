"""Broadcasts on WhatsApp: inside the 24-hour window as normal messages (the poll's
choices as buttons), outside it as the approved marketing template
(WHATSAPP_TEMPLATE_BROADCAST, the text its one parameter, a poll's choices as numbers to
type), behind the answers in the number's throughput, and within Meta's messaging limit
(WHATSAPP_MESSAGING_LIMIT: how many people outside the window a business may reach in any
24 hours).

Meta's refusals: 131050 (they stopped marketing messages from us) unsubscribes them at
once; 131049 (too many marketing messages reached them lately, from anyone) tries again
the next day, never at once; 131047 (the window had closed after all) sends the template
instead. The same codes may come later in a delivery report (bot.broadcast.campaigns
`reported`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Awaitable, Callable

import httpx
from pywa_async.errors import WhatsAppError

from bot.broadcast.sender import (
    Delivered,
    LimitReached,
    NeedsTemplate,
    Outgoing,
    RetryAt,
    Unsubscribed,
)
from bot.channels.whatsapp.delivery import (
    OUTSIDE_WINDOW,
    RETRY_CODES,
    STOPPED_MARKETING,
    RateLimiter,
    Sender,
    is_temporary,
    reason,
)
from bot.channels.whatsapp.render import to_messages
from bot.channels.whatsapp.transport import LIST_BUTTON
from bot.clock import Clock, utc_now
from bot.delivery import PermanentFailure, TemporaryFailure

log = logging.getLogger(__name__)

TOO_MUCH_MARKETING = 131049
NEXT_DAY = 24 * 3600.0
# Templates are counted to the hour they went (rounded down): each holds its place in
# the 24 hours an hour longer, so the count never falls short.
LIMIT_WINDOW = dt.timedelta(hours=25)


class MessagingLimit:
    """People reached with a template in any 24 hours, at most `limit` (None: no limit).
    What was sent before a restart is read back (`sent_since`)."""

    def __init__(
        self,
        limit: int | None,
        sent_since: Callable[[dt.datetime], Awaitable[list[dt.datetime]]],
        clock: Clock = utc_now,
    ) -> None:
        self.limit = limit
        self.clock = clock
        self._sent_since = sent_since
        self._sent: deque[dt.datetime] | None = None

    async def wait(self) -> float | None:
        """Seconds until another may go; None: now."""
        if self.limit is None:
            return None
        now = self.clock()
        if self._sent is None:
            self._sent = deque(await self._sent_since(now - LIMIT_WINDOW))
        while self._sent and self._sent[0] + LIMIT_WINDOW <= now:
            self._sent.popleft()
        if len(self._sent) < self.limit:
            return None
        return max(60.0, (self._sent[0] + LIMIT_WINDOW - now).total_seconds())

    def used(self) -> None:
        if self._sent is not None:
            self._sent.append(self.clock())


class WhatsAppBroadcast:
    def __init__(
        self,
        send: Sender,
        limiter: RateLimiter,
        limit: MessagingLimit,
        forget_choices: Callable[[str], None] | None = None,
        rate: float = 60.0,
    ) -> None:
        self.sender = send
        self.limiter = limiter
        self.limit = limit
        self.forget_choices = forget_choices  # a typed number then answers the poll
        self.rate = rate

    async def pace(self) -> None:
        await self.limiter.wait(background=True)

    async def send(self, item: Outgoing) -> Delivered:
        recipient = item.user.user_id
        if item.in_window and not item.template:
            return await self._message(recipient, item)
        wait = await self.limit.wait()
        if wait is not None:
            raise LimitReached(wait, f"{self.limit.limit} orang per 24 jam")
        try:
            answer = await self.sender.broadcast(recipient, item.template_text, item.language)
        except (WhatsAppError, httpx.HTTPError) as error:
            raise _refusal(error) from None
        self.limit.used()
        if item.options and self.forget_choices is not None:
            self.forget_choices(recipient)  # "2" is for the poll now, not an older list
        return Delivered("template", _wamid(answer))

    async def _message(self, recipient: str, item: Outgoing) -> Delivered:
        answer: object = None
        try:
            for message in to_messages(item.reply, LIST_BUTTON):
                answer = await self.sender.message(recipient, message)
        except WhatsAppError as error:
            if error.code == OUTSIDE_WINDOW:
                raise NeedsTemplate(reason(error)) from None
            raise _refusal(error) from None
        except httpx.HTTPError as error:
            raise _refusal(error) from None
        return Delivered("message", _wamid(answer))


def _refusal(error: WhatsAppError | httpx.HTTPError) -> Exception:
    if isinstance(error, httpx.HTTPError):
        return TemporaryFailure(type(error).__name__)
    why = reason(error)
    if error.code == STOPPED_MARKETING:
        return Unsubscribed(why)
    if error.code == TOO_MUCH_MARKETING:
        return RetryAt(NEXT_DAY, why)
    if error.code in RETRY_CODES:
        return RetryAt(5.0, why)
    if is_temporary(error):
        return TemporaryFailure(why)
    log.warning("WhatsApp refused a broadcast: %s", why)
    return PermanentFailure(why)


def _wamid(answer: object) -> str | None:
    found = getattr(answer, "id", None)
    return found if isinstance(found, str) else None
