"""How Telegram updates come in, safely: long polling through a bot that survives updates
it cannot read, or our own webhook server that checks Telegram's secret in constant time.

Why not python-telegram-bot's own: its webhook server compares the secret with `!=` and
logs a wrong secret at DEBUG; its polling loop, given an update it cannot parse, logs the
whole update at CRITICAL, does not confirm it, and fetches the same update again at once,
forever (107 times in 4 s in a review), and its last confirming call at shutdown fails the
same way, so the bot cannot stop cleanly.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ExtBot

from bot.channels.throttled import ThrottledWarning

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1 << 20  # Telegram's updates are far smaller; anything bigger is not one


def unreadable_updates() -> ThrottledWarning:
    """Counts updates that could not be read; at most one warning a minute, counts only."""
    return ThrottledWarning(log, "%d update(s) could not be read and were skipped so far")


class TolerantBot(ExtBot[Any]):
    """An update the library cannot read becomes an empty update (its id only): no handler
    acts on it, and the poller confirms it like any other instead of fetching it forever."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        with self._unfrozen():  # the library freezes its objects after __init__
            self.unreadable = unreadable_updates()

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: Any = None,
        allowed_updates: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> tuple[Update, ...]:
        try:
            return await super().get_updates(offset, limit, timeout, allowed_updates, **kwargs)
        except TelegramError:
            raise
        except Exception:
            pass  # the library has logged it (its values redacted: bot.logredact)
        # The same batch again, without waiting: it is still unconfirmed.
        raw = await self.do_api_request(
            "getupdates",  # lower case: the library warns when its own method is called raw
            api_kwargs={"offset": offset, "limit": limit, "timeout": 0,
                        "allowed_updates": allowed_updates},
        )  # fmt: skip
        updates = []
        for item in raw if isinstance(raw, list) else []:
            try:
                updates.append(Update.de_json(item, self))
            except Exception:
                if isinstance(item, dict) and isinstance(item.get("update_id"), int):
                    updates.append(Update(update_id=item["update_id"]))
                self.unreadable.note()
        return tuple(updates)


class WebhookServer:
    """Receives Telegram's POSTs: a wrong or missing secret gets 403 and nothing else."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], secret: str) -> None:
        self.app = app
        self._secret = hashlib.sha256(secret.encode()).digest()
        self.unreadable = unreadable_updates()
        self._runner: Any = None

    def authentic(self, given: str | None) -> bool:
        # Hashed first so that the comparison takes the same time whatever the length.
        digest = hashlib.sha256((given or "").encode(errors="replace")).digest()
        return hmac.compare_digest(digest, self._secret)

    async def start(self, listen: str, port: int) -> None:
        from aiohttp import web  # only webhook mode needs the server half of aiohttp

        web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        # Any path: behind a reverse proxy the path may be rewritten; the secret decides.
        web_app.router.add_post("/{path:.*}", self._handle)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, listen, port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: Any) -> Any:
        from aiohttp import web

        if not self.authentic(request.headers.get(SECRET_HEADER)):
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), self.app.bot)
        except Exception:
            # Answered 200 all the same: Telegram would otherwise send it again and again.
            self.unreadable.note()
            return web.Response(status=200)
        await self.app.update_queue.put(update)
        return web.Response(status=200)


async def start_webhook(
    app: Application[Any, Any, Any, Any, Any, Any],
    url: str,
    secret: str,
    listen: str,
    port: int,
) -> WebhookServer:
    if not secret:  # bot.config refuses this too; never serve a webhook without one
        raise ValueError("a webhook needs a secret")
    server = WebhookServer(app, secret)
    await server.start(listen, port)
    await app.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
    return server


async def stop_polling_or_webhook(
    app: Application[Any, Any, Any, Any, Any, Any], server: WebhookServer | None
) -> None:
    if server is not None:
        await server.stop()
    elif app.updater is not None and app.updater.running:
        await app.updater.stop()
