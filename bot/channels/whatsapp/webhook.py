"""The HTTP endpoint Meta posts to: `GET /whatsapp` (verification), `POST /whatsapp`.

Our own small aiohttp server rather than pywa's, which needs Flask or FastAPI and checks
duplicates by hashing bytes in memory: here a post is answered 200 only once its messages
are committed to the inbox (bot.channels.whatsapp.store), keyed by wamid.

A signed post can be captured and posted again: its messages are refused once they are
older than the inbox remembers wamids (ACCEPT_WITHIN), so a replay is never handled twice.
Refused posts are counted, and logged at most once a minute (bot.channels.throttled).

Meta's reports on our own messages (statuses) are handed to `reported` after the 200, not
kept: only the broadcasts read them (delivered counts, 131050 / 131049), and a report lost
to a crash costs a count, nothing more.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable

from aiohttp import web

from bot.channels.throttled import ThrottledWarning
from bot.channels.whatsapp.store import ACCEPT_WITHIN, WhatsAppStore
from bot.channels.whatsapp.updates import (
    SIGNATURE_HEADER,
    InboxEntry,
    StatusReport,
    entries,
    sent_at,
    signature_problem,
    status_reports,
)
from bot.config import WhatsAppSettings

log = logging.getLogger(__name__)

PATH = "/whatsapp"
MAX_BODY_BYTES = 1024 * 1024  # Meta's posts are a few kilobytes; media come by id


def application(
    settings: WhatsAppSettings,
    store: WhatsAppStore,
    submit: Callable[[InboxEntry], None],
    reported: Callable[[list[StatusReport]], None] | None = None,
) -> web.Application:
    forged = ThrottledWarning(log, "refused %d WhatsApp webhook post(s) so far: bad signature")
    wrong_token = ThrottledWarning(
        log, "refused %d WhatsApp webhook verification(s) so far: wrong token"
    )
    stale = ThrottledWarning(
        log, f"ignored %d WhatsApp message(s) so far: older than {ACCEPT_WITHIN.days} days"
    )

    async def verify(request: web.Request) -> web.Response:
        query = request.query
        token = query.get("hub.verify_token", "")
        expected = settings.verify_token.value
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(
            token.encode(), expected.encode()
        ):
            return web.Response(text=query.get("hub.challenge", ""))
        wrong_token.note()
        return web.Response(status=403)

    async def receive(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return web.Response(status=413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        problem = signature_problem(
            body, request.headers.get(SIGNATURE_HEADER), settings.app_secret.value
        )
        if problem is not None:
            forged.note()
            return web.Response(status=401 if problem == "missing" else 403)
        try:
            update = json.loads(body)
        except ValueError:
            log.warning("refused a WhatsApp webhook post: not JSON")
            return web.Response(status=400)
        oldest = store.clock() - ACCEPT_WITHIN  # the clock the wamids are forgotten by
        for entry in entries(update, settings.phone_id):
            moment = sent_at(entry)
            if moment is not None and moment < oldest:  # answered 200: Meta must not retry
                stale.note()
                continue
            if await store.accept(entry):
                submit(entry)
        if reported is not None:
            reports = status_reports(update, settings.phone_id)
            if reports:
                reported(reports)
        return web.Response(text="ok")

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_get(PATH, verify)
    app.router.add_post(PATH, receive)
    return app


async def start(
    settings: WhatsAppSettings,
    store: WhatsAppStore,
    submit: Callable[[InboxEntry], None],
    reported: Callable[[list[StatusReport]], None] | None = None,
) -> web.AppRunner:
    # No access log: the verification request's query holds the verify token.
    runner = web.AppRunner(application(settings, store, submit, reported), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.listen, settings.port).start()
    return runner
