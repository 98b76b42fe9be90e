"""pywa's network layer on aiohttp, pointed at WHATSAPP_API_URL (see AiohttpTransport)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import aiohttp
import httpx

from bot.config import WhatsAppSettings

GRAPH_HOST = "graph.facebook.com"
REQUEST_TIMEOUT = 15.0  # seconds for one Cloud API call
CHUNK = 64 * 1024  # bytes of a response body read at a time


class AiohttpTransport(httpx.AsyncBaseTransport):
    """pywa's HTTP layer on aiohttp, and pointed at WHATSAPP_API_URL.

    pywa always addresses https://graph.facebook.com; those requests go to the configured
    Cloud API address instead (a local fake in tests), path and query kept. aiohttp rather than
    httpx's own transport: measured on the Telegram channel, httpx cost most of the CPU of
    a send (bot/channels/telegram/http.py), and each answer here is a send too.
    """

    def __init__(self, api_url: str, pool_size: int = 256) -> None:
        self._target = httpx.URL(api_url)
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size)
            )
        url = request.url
        if url.host == GRAPH_HOST:  # media downloads go to Meta's other hosts as they are
            url = url.copy_with(
                scheme=self._target.scheme,
                host=self._target.host,
                port=self._target.port,
                path=self._target.path.rstrip("/") + url.path,
            )
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        with _as_httpx_errors(request):
            response = await self._session.request(
                request.method,
                str(url),
                data=await request.aread(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
            )
        return httpx.Response(
            response.status,
            headers=list(response.headers.items()),
            stream=_Body(response, request),
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class _Body(httpx.AsyncByteStream):
    """aiohttp's response body as httpx reads it: chunk by chunk, so that a download (a
    reporter's file) can stop at its size cap instead of being read whole first."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request):
            async for chunk in self._response.content.iter_chunked(CHUNK):
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


@contextlib.contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    # "from None": aiohttp's messages may quote the URL; httpx errors mean "try again".
    try:
        yield
    except TimeoutError:
        raise httpx.TimeoutException("Cloud API request timed out", request=request) from None
    except aiohttp.ClientError as error:
        raise httpx.NetworkError(f"aiohttp: {type(error).__name__}", request=request) from None


def http_session(settings: WhatsAppSettings) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=AiohttpTransport(settings.api_url), timeout=REQUEST_TIMEOUT)
