"""Sending the outgoing queue through the Cloud API: paced, retried, nothing lost.

pywa (pywa_async) builds and sends the typed messages and turns Meta's error answers into
typed errors. Meta's throughput and per-user limits (130429, 131056) and server errors
(5xx) and network trouble are retried with backoff; any other refusal is final and its
reason is logged and kept on the row (never a phone number). A refusal because the person
stopped marketing messages from us (131050) also unsubscribes them from the broadcasts at
once (issue 20), whichever message met it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

import httpx
from pywa.types.callback import Button, Section, SectionList, SectionRow
from pywa.types.templates import BodyText, TemplateLanguage
from pywa_async.client import WhatsApp
from pywa_async.errors import WhatsAppError

from bot.channels.whatsapp.render import Message
from bot.channels.whatsapp.store import Outgoing, WhatsAppStore
from bot.channels.whatsapp.updates import CHANNEL
from bot.config import WhatsAppSettings
from bot.messages import UserKey

log = logging.getLogger(__name__)

MESSAGES_PER_SECOND = 80.0  # the Cloud API's default throughput per business number
RETRY_CODES = frozenset({130429, 131056})  # throughput; too many messages to one user
OUTSIDE_WINDOW = 131047  # more than 24 hours since the person last wrote: templates only
STOPPED_MARKETING = 131050  # they stopped marketing messages from us: never retried
MAX_BACKOFF = 300.0
IDLE_RETRY = 1.0  # seconds before looking again after the queue could not be read
_DIGITS = re.compile(r"\+?\d[\d ()-]{6,}\d")  # anything that may be a phone number


def client(settings: WhatsAppSettings, session: httpx.AsyncClient) -> WhatsApp:
    return WhatsApp(phone_id=settings.phone_id, token=settings.token.value, session=session)


class RateLimiter:
    """At most `rate` sends a second, spread evenly; None lifts the limit (benchmarks).

    A `background` send (a broadcast) goes only while fewer than `background_rate` sends
    left in the last second, so answers always find room and go first."""

    def __init__(
        self, rate: float | None = MESSAGES_PER_SECOND, background_rate: float | None = None
    ) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._background = background_rate or (rate * 0.75 if rate else None)
        self._next = 0.0
        self._lock = asyncio.Lock()
        self._recent: deque[float] = deque()

    async def wait(self, background: bool = False) -> None:
        while background and self._background and self._sent_lately() >= self._background:
            await asyncio.sleep(0.02)
        if self._interval:
            async with self._lock:
                moment = time.monotonic()
                if self._next > moment:
                    await asyncio.sleep(self._next - moment)
                self._next = max(moment, self._next) + self._interval
        if self._background:
            self._recent.append(time.monotonic())

    def _sent_lately(self) -> int:
        edge = time.monotonic() - 1.0
        while self._recent and self._recent[0] < edge:
            self._recent.popleft()
        return len(self._recent)


def reason(error: WhatsAppError) -> str:
    """Meta's code and message, with anything like a phone number masked."""
    return _DIGITS.sub("[nomor]", f"{error.code}: {error.message}"[:300])


def is_temporary(error: WhatsAppError) -> bool:
    status = error.status_code
    return (
        error.code in RETRY_CODES
        or (status is not None and status >= 500)
        or (error.code >= 500 and error.code < 600)
    )


class Sender(Protocol):
    async def message(self, recipient: str, message: Message) -> object: ...

    async def template(self, recipient: str, case_code: str, lang: str) -> object: ...

    async def broadcast(self, recipient: str, body: str, lang: str) -> object:
        """The marketing template of the awareness broadcasts, `body` its one parameter."""


class Deliverer:
    """Runs the queue: `notify()` after queueing, `run(stop)` until `stop` is set."""

    def __init__(
        self,
        store: WhatsAppStore,
        send: Sender,
        limiter: RateLimiter | None = None,
        backoff: float = 1.0,
        stopped: Callable[[UserKey], Awaitable[object]] | None = None,
    ) -> None:
        self.store = store
        self.send = send
        self.limiter = limiter or RateLimiter()
        self.backoff = backoff
        self.stopped = stopped  # 131050: unsubscribes them from the broadcasts
        self._wake = asyncio.Event()

    def notify(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            try:
                due = await self.store.due()
                if due:
                    await asyncio.gather(*(self._deliver(row) for row in due))
                    continue
                next_at = await self.store.next_due_at()
            except Exception as error:  # e.g. a locked database: look again soon, never stop
                log.error("WhatsApp delivery: could not read the queue: %s", type(error).__name__)
                next_at = time.time() + IDLE_RETRY
            timeout = 60.0 if next_at is None else max(0.0, next_at - time.time())
            waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for waiting in waits:
                waiting.cancel()

    async def _deliver(self, row: Outgoing) -> None:
        await self.limiter.wait()
        try:
            answer = await self.send.message(row.recipient, row.message)
        except WhatsAppError as error:
            if error.code == OUTSIDE_WINDOW:
                await self._outside_window(row, reason(error))
            elif is_temporary(error):
                await self.store.retry(row.id, self._delay(row.attempts), reason(error))
            else:
                log.warning("WhatsApp refused message #%d: %s", row.id, reason(error))
                await self.store.failed(row.id, reason(error))
                await self._refused(row.recipient, error)
            return
        except httpx.HTTPError as error:  # no answer at all: try again
            await self.store.retry(row.id, self._delay(row.attempts), type(error).__name__)
            return
        except Exception as error:  # e.g. pywa refusing a recipient id: never retried
            log.error("WhatsApp message #%d cannot be sent: %s", row.id, type(error).__name__)
            await self.store.failed(row.id, type(error).__name__)
            return
        sent_id = getattr(answer, "id", None)  # pywa's SentMessage: Meta's wamid
        await self.store.sent(row, sent_id if isinstance(sent_id, str) else None)

    async def _outside_window(self, row: Outgoing, why: str) -> None:
        """Hold the message until the person writes again; the first time, tell them with
        the approved template that there is news on their case."""
        first = await self.store.hold(row.id, why)
        if not first or row.message.case_code is None:
            return
        await self.limiter.wait()
        try:
            await self.send.template(row.recipient, row.message.case_code, row.message.lang)
        except httpx.HTTPError as error:
            log.warning("WhatsApp case-update template not sent: %s", type(error).__name__)
        except WhatsAppError as error:
            log.warning("WhatsApp case-update template not sent: %s", reason(error))
            await self._refused(row.recipient, error)

    async def _refused(self, recipient: str, error: WhatsAppError) -> None:
        """131050 (e.g. Meta counted a template as marketing): they no longer want our
        marketing messages, so no broadcast either, at once and without retrying."""
        if error.code == STOPPED_MARKETING and self.stopped is not None:
            await self.stopped(UserKey(CHANNEL, recipient, recipient))

    def _delay(self, attempts: int) -> float:
        return float(min(self.backoff * 2**attempts, MAX_BACKOFF))


class PywaSender:
    """Typed messages and templates through pywa."""

    def __init__(self, wa: WhatsApp, template_name: str, broadcast_name: str = "") -> None:
        self.wa = wa
        self.template_name = template_name
        self.broadcast_name = broadcast_name

    async def message(self, recipient: str, message: Message) -> object:
        wa = self.wa
        if message.kind == "buttons":
            buttons = [Button(title=o.title, callback_data=o.action) for o in message.options]
            return await wa.send_message(to=recipient, text=message.body, buttons=buttons)
        if message.kind == "list":
            rows = [
                SectionRow(title=o.title, callback_data=o.action, description=o.description)
                for o in message.options
            ]
            section_list = SectionList(
                button_title=message.list_button,
                sections=[Section(title=message.list_button, rows=rows)],
            )
            return await wa.send_message(to=recipient, text=message.body, buttons=section_list)
        return await wa.send_message(to=recipient, text=message.body)

    async def template(self, recipient: str, case_code: str, lang: str) -> object:
        return await self._template(recipient, self.template_name, case_code, lang)

    async def broadcast(self, recipient: str, body: str, lang: str) -> object:
        return await self._template(recipient, self.broadcast_name, body, lang)

    async def _template(self, recipient: str, name: str, parameter: str, lang: str) -> object:
        language = TemplateLanguage.ENGLISH if lang == "en" else TemplateLanguage.INDONESIAN
        return await self.wa.send_template(
            to=recipient,
            name=name,
            language=language,
            # Called on the class as pywa documents; its annotation only covers the bound call.
            params=[BodyText.params(parameter)],  # type: ignore[arg-type]
        )
