"""A local fake of the Telegram Bot API for integration tests.

The real python-telegram-bot ``Application`` (or a bare ``Bot``) talks to this server over
real HTTP on ``127.0.0.1``, so handlers, retries, rate limiting and (de)serialisation are
exercised exactly as in production, while the test decides what users "say" and inspects
what the bot sent back.  Only the standard library is used; the server is an
``http.server.ThreadingHTTPServer`` running in a background thread, so long-polling
``getUpdates`` can hold a connection open while other requests are answered.

Typical use in an async test (``asyncio_mode = "auto"``)::

    from telegram.ext import ApplicationBuilder
    from tests.fake_telegram import FakeTelegram

    async def test_start_command() -> None:
        with FakeTelegram() as tg:
            app = (
                ApplicationBuilder()
                .token(tg.token)
                .base_url(tg.base_url)
                .base_file_url(tg.base_file_url)
                .build()
            )
            ...  # add handlers
            async with app:
                await app.start()
                await app.updater.start_polling(poll_interval=0.0, timeout=1)
                tg.send_text(1001, "/start")
                [reply] = await tg.async_wait_for_message(1001, contains="Selamat")
                assert reply["reply_markup"]["inline_keyboard"]
                await app.updater.stop()
                await app.stop()

Updates are delivered through ``getUpdates`` only (``setWebhook`` is recorded, and makes
``getUpdates`` answer 409 Conflict as Telegram does, but nothing is pushed to the URL).
Stop the ``Application`` *before* leaving the ``with FakeTelegram()`` block: stopping the
server closes every open connection and wakes pending long polls.

Injecting updates (each helper enqueues an update for ``getUpdates`` and returns it):
    ``send_text``, ``send_photo``, ``send_document``, ``send_voice``, ``send_sticker``,
    ``send_location``, ``send_contact``, ``press_button``, ``press_button_with_text``,
    ``edit_text``, ``add_bot_to_group``, ``remove_bot_from_group``, ``block_bot``,
    ``unblock_bot`` and the generic ``push_update``.  A user who sends a message is
    registered as a known chat automatically; for chats the bot writes to first (e.g. an
    admin chat) call ``add_chat``, or construct with ``auto_create_chats=True``.

Inspecting what the bot did:
    ``calls`` / ``calls_to(method)`` return :class:`Call` objects, which unpack as
    ``(method, params)`` and also carry ``files`` (multipart uploads), ``at``
    (``time.monotonic()`` on arrival), ``status`` and ``response``.  Parameters are decoded
    to JSON types (``chat_id`` is an ``int``, ``reply_markup`` a ``dict``).  ``messages(chat)``
    / ``last_message(chat)`` / ``history(chat)`` show the chat as it currently is (edits
    applied, deletions removed).  As in the real API a stored message only carries an
    *inline* keyboard; a ``ReplyKeyboardMarkup`` is visible in the recorded call's
    ``params["reply_markup"]``.  ``watch(callback)`` sees each call as it is answered.
    Wait helpers poll until something happened or fail with a summary of all recorded
    calls; inside ``async`` tests use the ``async_`` variants, since the blocking ones
    would freeze the event loop the bot runs on.

Injecting trouble:
    ``fail(method, chat_id=None, status=500, times=1, retry_after=None)`` queues error
    answers (429 carries ``parameters.retry_after``; ``times=None`` repeats until
    ``clear_failures()``; ``contains`` limits a rule to requests whose text holds a
    string), ``cycle_failures(chat_id, [403, 429, None, ...])`` makes every send to a chat
    take the next answer in turn (``None``: success), and ``delay(method, seconds)`` slows
    answers down.

Deliberately realistic rejections (HTTP 400 ``BadRequest`` / 403 ``Forbidden``, as the real
API does): unknown chats, empty or over-long texts/captions, malformed HTML with
``parse_mode="HTML"``, ``callback_data`` over 64 bytes, invalid bot commands, editing a
message without changing it ("message is not modified"), editing/deleting unknown
messages, sending to a chat that blocked/removed the bot, ``getFile`` above 20 MB, and
``getUpdates`` while a webhook is set.  Unknown methods answer 404 (python-telegram-bot
reports that as ``InvalidToken``); a wrong token answers 401.

Note: python-telegram-bot 22 emits ``PTBDeprecationWarning`` while *constructing*
``RetryAfter`` unless the environment has ``PTB_TIMEDELTA=true``; under
``filterwarnings = ["error"]`` every injected 429 would then surface as that warning
instead of ``RetryAfter`` (and ``AIORateLimiter`` would not retry).  Set the variable in
tests that use 429s, e.g. ``monkeypatch.setenv("PTB_TIMEDELTA", "true")``.

Note: httpx honours ``HTTP(S)_PROXY`` environment variables; if the test environment sets
them, make sure ``NO_PROXY`` includes ``127.0.0.1``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import html
import json
import logging
import re
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, TypedDict, TypeVar, Unpack
from urllib.parse import parse_qsl, unquote, urlsplit

JSON = dict[str, Any]
T = TypeVar("T")
_LOGGER = logging.getLogger(__name__)

BOT_ID = 999000
BOT_USERNAME = "migran_aman_test_bot"
BOT_FIRST_NAME = "Migran Aman"
FAKE_TOKEN = f"{BOT_ID}:AAFakeTokenForMigranAmanTests"

BOT_USER: JSON = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": BOT_FIRST_NAME,
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# Real Bot API limits that bots commonly trip over.
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024

# Form-encoded requests carry every value as a string; python-telegram-bot JSON-encodes
# everything except plain strings.  These parameters are always free text / identifiers,
# so they must never be JSON-decoded (a user text "123" must stay a string).
STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "inline_message_id",
        "language_code", "url", "secret_token", "ip_address", "title", "description",
        "short_description", "name", "action", "file_id", "emoji", "custom_title",
        "message_effect_id", "business_connection_id", "question", "explanation",
        "address", "first_name", "last_name", "phone_number", "vcard", "foursquare_id",
        "foursquare_type", "google_place_id", "google_place_type", "start_parameter",
        "payload", "provider_token", "currency", "photo", "document", "voice", "audio",
        "video", "animation", "video_note", "sticker", "thumbnail", "invite_link",
    }
)  # fmt: skip

# Fields of a message that are its *content* (copied by copyMessage / forwardMessage).
CONTENT_KEYS = (
    "text", "entities", "caption", "caption_entities", "photo", "document", "voice",
    "audio", "video", "animation", "video_note", "sticker", "location", "contact",
)  # fmt: skip

# Tags Telegram accepts with parse_mode=HTML.
ALLOWED_HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji",
    }
)  # fmt: skip

# Methods that only need to succeed; their parameters are still recorded.
TRUE_METHODS = (
    "logOut", "close", "setMyDescription", "setMyShortDescription", "setMyName",
    "setChatMenuButton", "setMyDefaultAdministratorRights", "pinChatMessage",
    "unpinChatMessage", "unpinAllChatMessages", "banChatMember", "unbanChatMember",
    "restrictChatMember", "setMessageReaction", "approveChatJoinRequest",
    "declineChatJoinRequest",
)  # fmt: skip

# sendX method -> message field holding the media.
MEDIA_METHODS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
    "sendVideoNote": "video_note",
    "sendSticker": "sticker",
}

BOT_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
HEADER_PARAM_RE = re.compile(r';\s*([\w\-*]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


# --------------------------------------------------------------------------------------
# Public value types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, e.g. the ``document`` of ``sendDocument``."""

    field_name: str
    filename: str | None
    content_type: str | None
    content: bytes


class Call(tuple[str, JSON]):
    """One recorded Bot API request.

    It *is* the pair ``(method, params)`` (so ``method, params = call`` works) and carries
    extra attributes: ``files`` (uploads by multipart field name), ``at`` (``time.monotonic()``
    when the request arrived), ``status`` (HTTP status answered) and ``response`` (the JSON
    body answered).  Calls are recorded once answered, so state changes are already visible.
    """

    files: dict[str, UploadedFile]
    at: float
    status: int
    response: JSON

    def __new__(
        cls,
        method: str,
        params: JSON,
        *,
        files: dict[str, UploadedFile] | None = None,
        at: float = 0.0,
        status: int = 200,
        response: JSON | None = None,
    ) -> Self:
        self = super().__new__(cls, (method, params))
        self.files = files or {}
        self.at = at
        self.status = status
        self.response = response or {}
        return self

    @property
    def method(self) -> str:
        return self[0]

    @property
    def params(self) -> JSON:
        return self[1]

    @property
    def ok(self) -> bool:
        return self.status == 200

    def describe(self) -> str:
        """One line for failure messages: status, method and shortened parameters."""
        shown = json.dumps(self.params, ensure_ascii=False, default=str)
        if len(shown) > 160:
            shown = shown[:157] + "..."
        files = f" files={sorted(self.files)}" if self.files else ""
        return f"[{self.status}] {self.method} {shown}{files}"


class MessageOptions(TypedDict, total=False):
    """Who writes where, shared by the ``send_*`` update helpers (all optional)."""

    chat_id: int | None  # defaults to the user's private chat (== user_id)
    chat_type: str  # "private" (default), "group" or "supergroup"
    first_name: str  # default "Uji"
    language_code: str | None  # default "id"
    reply_to_message_id: int | None
    username: str | None
    message_thread_id: int | None  # a forum topic; a message there "replies" to its start


class ApiError(Exception):
    """Raised by method handlers to answer with a Bot API error."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class _FailureRule:
    method: str  # lower-case
    chat_id: int | str | None
    status: int
    remaining: int | None  # None: until clear_failures()
    retry_after: int | None
    description: str
    contains: str | None = None  # only requests whose text or caption holds this

    def matches(self, method: str, params: JSON) -> bool:
        if self.method != method.lower():
            return False
        if self.contains is not None:
            shown = f"{params.get('text', '')}{params.get('caption', '')}{params.get('media', '')}"
            if self.contains not in shown:
                return False
        return self.chat_id is None or str(self.chat_id) == str(params.get("chat_id"))


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None
    declared_size: int | None = None  # lets tests simulate huge files cheaply

    @property
    def size(self) -> int:
        return self.declared_size if self.declared_size is not None else len(self.content)


@dataclass
class _ChatState:
    chat: JSON
    bot_status: str = "member"  # member | left | kicked
    next_message_id: int = 1
    messages: dict[int, JSON] = field(default_factory=dict)
    member_status: dict[int, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# Request parsing (pure functions)
# --------------------------------------------------------------------------------------


def parse_header(value: str) -> tuple[str, dict[str, str]]:
    """Split ``'multipart/form-data; boundary=x'`` into ``('multipart/form-data', {...})``."""
    main = value.split(";", 1)[0].strip().lower()
    params: dict[str, str] = {}
    for key, raw in HEADER_PARAM_RE.findall(value):
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"'):
            # httpx escapes '"' as %22 and '\' as '\\' inside quoted values.
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1]).replace("%22", '"')
        params[key.lower()] = raw
    return main, params


def decode_value(key: str, raw: str) -> Any:
    """Turn a form value back into the JSON value python-telegram-bot encoded."""
    if key in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # e.g. chat_id "@channelname"


def parse_multipart(body: bytes, boundary: str) -> tuple[JSON, dict[str, UploadedFile]]:
    params: JSON = {}
    files: dict[str, UploadedFile] = {}
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break  # closing delimiter
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = _parse_part_headers(head.decode("utf-8", "replace"))
        _, disposition = parse_header(headers.get("content-disposition", ""))
        name = disposition.get("name", "")
        if "filename" in disposition:
            files[name] = UploadedFile(
                field_name=name,
                filename=disposition["filename"],
                content_type=headers.get("content-type"),
                content=content,
            )
        else:
            params[name] = decode_value(name, content.decode("utf-8", "replace"))
    return params, files


def _parse_part_headers(head: str) -> dict[str, str]:
    headers = {}
    for line in head.split("\r\n"):
        key, sep, value = line.partition(":")
        if sep:
            headers[key.strip().lower()] = value.strip()
    return headers


def parse_request(
    content_type: str, body: bytes, query: str = ""
) -> tuple[JSON, dict[str, UploadedFile]]:
    """Decode query string plus a JSON, form-encoded or multipart body into params/files."""
    params: JSON = {key: decode_value(key, value) for key, value in parse_qsl(query)}
    if not body:
        return params, {}
    mime, options = parse_header(content_type)
    if mime == "application/json":
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ApiError(400, "Bad Request: JSON body must be an object")
        return {**params, **decoded}, {}
    if mime == "multipart/form-data":
        form, files = parse_multipart(body, options.get("boundary", ""))
        return {**params, **form}, files
    form_pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {**params, **{key: decode_value(key, value) for key, value in form_pairs}}, {}


def utf16_length(text: str) -> int:
    """Telegram measures entity offsets/lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------
# Validation that mirrors real Bot API rejections
# --------------------------------------------------------------------------------------


class _TelegramHtmlChecker(HTMLParser):
    """Checks text the way Telegram's parse_mode=HTML parser would reject it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)  # keep "&lt;" apart from a bare "<"
        self.open_tags: list[str] = []
        self.error: str | None = None
        self.plain: list[str] = []

    def _fail(self, message: str) -> None:
        self.error = self.error or message

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_HTML_TAGS:
            self._fail(f'Unsupported start tag "{tag}"')
        self.open_tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f'Unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            self._fail(f'Unexpected end tag "{tag}"')
            return
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:
            self._fail("Unsupported start tag (unescaped '<')")
        self.plain.append(data)

    def handle_entityref(self, name: str) -> None:
        self.plain.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.plain.append(html.unescape(f"&#{name};"))


def visible_text(text: str, parse_mode: str | None) -> str:
    """Return the text a user would see; raise ApiError where Telegram rejects the markup."""
    if (parse_mode or "").lower() != "html":
        return text  # Markdown is not validated; its markup is counted as text
    checker = _TelegramHtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.open_tags:
        checker._fail(f'Can\'t find end tag corresponding to start tag "{checker.open_tags[-1]}"')
    if checker.error:
        raise ApiError(400, f"Bad Request: can't parse entities: {checker.error}")
    return "".join(checker.plain)


def check_text(text: Any, parse_mode: str | None, *, limit: int, empty_error: str | None) -> None:
    if not isinstance(text, str):
        raise ApiError(400, "Bad Request: text must be a string")
    shown = visible_text(text, parse_mode)
    if empty_error and not shown.strip():
        raise ApiError(400, f"Bad Request: {empty_error}")
    if len(shown) > limit:
        kind = "message is too long" if limit == MAX_TEXT_LENGTH else "message caption is too long"
        raise ApiError(400, f"Bad Request: {kind}")


def check_reply_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def inline_markup(markup: Any) -> JSON | None:
    """Messages only ever echo *inline* keyboards; reply keyboards live on the client."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


def command_entities(text: str) -> list[JSON]:
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_length(command)}]


def default_chat_type(chat_id: int) -> str:
    """Telegram ids: users are positive, supergroups/channels -100..., basic groups negative."""
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def with_caption(content: JSON, caption: str | None) -> JSON:
    return content if caption is None else {**content, "caption": caption}


def callback_buttons(message: JSON) -> list[JSON]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def chat_member(user: JSON, status: str) -> JSON:
    """A ChatMember dict with the fields python-telegram-bot requires for ``status``."""
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        rights = (
            "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
            "can_manage_video_chats", "can_restrict_members", "can_promote_members",
            "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
            "can_delete_stories",
        )  # fmt: skip
        member.update({right: right not in ("can_be_edited", "is_anonymous") for right in rights})
    elif status == "kicked":
        member["until_date"] = 0
    return member


# --------------------------------------------------------------------------------------
# HTTP layer
# --------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    """Serves each connection in its own thread and can end them all on shutdown.

    ThreadingHTTPServer does not join daemon threads, and a thread serving an idle
    keep-alive connection blocks reading the next request forever, so connections and
    their threads are tracked here.
    """

    request_queue_size = 128  # a small backlog makes concurrent connects wait ~1 s (SYN retry)

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self._tracking = threading.Condition()
        self._connections: set[socket.socket] = set()
        self._connection_threads: list[threading.Thread] = []
        self._requests_in_flight = 0
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="fake-telegram-connection",
            daemon=True,  # never keep the interpreter alive; stop() joins them anyway
        )
        with self._tracking:
            self._connections.add(request)
            alive = [t for t in self._connection_threads if t.is_alive()]
            self._connection_threads = [*alive, thread]
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        with self._tracking:
            self._connections.discard(request)
        super().shutdown_request(request)

    @contextlib.contextmanager
    def request_in_flight(self) -> Iterator[None]:
        with self._tracking:
            self._requests_in_flight += 1
        try:
            yield
        finally:
            with self._tracking:
                self._requests_in_flight -= 1
                self._tracking.notify_all()

    def close_all(self, timeout: float) -> list[threading.Thread]:
        """End every connection; returns threads that failed to finish within ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._tracking:
            # Let requests being answered (e.g. long polls just woken by stop()) finish, so
            # clients get a clean answer instead of a connection reset.
            self._tracking.wait_for(lambda: self._requests_in_flight == 0, timeout)
            connections = list(self._connections)
            threads = list(self._connection_threads)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [thread for thread in threads if thread.is_alive()]

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = traceback.format_exc()
        # Clients hanging up mid-response (or our own shutdown) are not bugs of the fake.
        if "ConnectionError" in error or "BrokenPipe" in error or "ConnectionReset" in error:
            return
        self.fake._record_internal_error(error)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    disable_nagle_algorithm = True  # avoid 40 ms delayed-ACK stalls on small responses
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        with self.server.request_in_flight():
            body = self._read_body()
            status, content_type, payload = self.server.fake._handle_http(
                self.path, self.headers.get("Content-Type", ""), body
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            if self.server.fake.stopping:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(payload)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # skip trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # CRLF after each chunk

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; use FakeTelegram.calls instead


def _json_response(status: int, body: JSON) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(body, ensure_ascii=False).encode()


def _error_body(status: int, description: str, parameters: JSON | None = None) -> JSON:
    body: JSON = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


# --------------------------------------------------------------------------------------
# The fake itself
# --------------------------------------------------------------------------------------

Handler = Callable[[JSON, dict[str, UploadedFile]], Any]


class FakeTelegram:
    """A fake Telegram Bot API server; see the module docstring for an overview."""

    def __init__(self, token: str = FAKE_TOKEN, *, auto_create_chats: bool = False) -> None:
        self.token = token
        self.auto_create_chats = auto_create_chats
        # One re-entrant lock guards all state; the condition wakes long-polling getUpdates.
        self._lock = threading.RLock()
        self._updates_changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

        self._calls: list[Call] = []
        self._downloads: list[str] = []
        self._internal_errors: list[str] = []
        self._failures: list[_FailureRule] = []
        self._cycle: tuple[int, list[int | None], int] | None = None
        self._cycle_position = 0
        self._delays: dict[str, float] = {}
        self._watchers: list[Callable[[Call], None]] = []

        self._pending_updates: list[JSON] = []
        self._next_update_id = 1
        self._chats: dict[int, _ChatState] = {}
        self._users: dict[int, JSON] = {}
        self._files: dict[str, _StoredFile] = {}
        self._next_file_number = 1
        self._open_callback_queries: set[str] = set()
        self._next_callback_number = 1
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._webhook: JSON = {}

        self._methods, self._method_names = self._build_method_table()

    # ---- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("FakeTelegram already started")
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-telegram-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake long polls, close connections and join every thread."""
        if self._server is None:
            return
        with self._lock:
            self._stopping.set()  # also interrupts injected delays
            self._updates_changed.notify_all()  # wakes long-polling getUpdates
        self._server.shutdown()  # no new connections from here on
        stuck = self._server.close_all(timeout=5.0)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None
        if stuck:
            raise RuntimeError(f"FakeTelegram: {len(stuck)} connection thread(s) did not stop")

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeTelegram is not running; call start() or use `with`")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``; PTB appends ``<token>/<method>``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def bot_environ(self) -> dict[str, str]:
        """The bot's settings (environment variables) that point it at this server.

        The weekly digest is off: on the wall clock it falls due every Monday 08:00 WIB, and
        its extra message in the group would change what a test sees on that one day of the
        week. The digest's own tests switch it on at a moment of their clock."""
        return {
            "TELEGRAM_BOT_TOKEN": self.token,
            "TELEGRAM_BASE_URL": self.base_url,
            "TELEGRAM_BASE_FILE_URL": self.base_file_url,
            "DIGEST_WEEKDAY": "off",
        }

    # ---- inspection --------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Snapshot of every answered request, in the order they were answered."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def watch(self, watcher: Callable[[Call], None]) -> None:
        """Call ``watcher(call)`` after each answered request, before the answer is sent.

        It runs in the connection's thread, so it may inject updates (a simulated user
        answering at once) but must be quick and thread-safe; an exception breaks that
        request and is recorded in ``internal_errors``.
        """
        with self._lock:
            self._watchers.append(watcher)

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    @property
    def downloads(self) -> list[str]:
        """File paths downloaded from ``base_file_url``."""
        with self._lock:
            return list(self._downloads)

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs inside the fake (answered with HTTP 500). Should stay empty."""
        with self._lock:
            return list(self._internal_errors)

    def messages(self, chat_id: int) -> list[JSON]:
        """The bot's messages now in the chat, oldest first, with edits applied."""
        return [m for m in self.history(chat_id) if m.get("from", {}).get("id") == BOT_ID]

    def history(self, chat_id: int) -> list[JSON]:
        """All messages now in the chat (users' and the bot's), oldest first."""
        with self._lock:
            state = self._chats.get(chat_id)
            if state is None:
                return []
            return copy.deepcopy([state.messages[key] for key in sorted(state.messages)])

    def last_message(self, chat_id: int) -> JSON | None:
        """The bot's newest message in the chat, or None."""
        messages = self.messages(chat_id)
        return messages[-1] if messages else None

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot via getUpdates' offset."""
        with self._lock:
            return copy.deepcopy(self._pending_updates)

    def file_content(self, file_id: str) -> bytes:
        with self._lock:
            return self._file(file_id).content

    # ---- waiting -----------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[list[Call]], Any], timeout: float = 5.0) -> list[Call]:
        """Block until ``predicate(calls)`` is truthy; returns that calls snapshot.

        Do not use inside ``async`` tests (it would block the bot's event loop); use
        :meth:`async_wait_for` there.
        """
        return self._poll_blocking(lambda: self._check_calls(predicate), timeout, predicate)

    async def async_wait_for(
        self, predicate: Callable[[list[Call]], Any], timeout: float = 5.0
    ) -> list[Call]:
        return await self._poll_async(lambda: self._check_calls(predicate), timeout, predicate)

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``method`` was called ``count`` times; returns those calls."""
        check = self._call_counter(method, count)
        return self._poll_blocking(check, timeout, f"{count} call(s) to {method}")

    async def async_wait_for_call(
        self, method: str, count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        check = self._call_counter(method, count)
        return await self._poll_async(check, timeout, f"{count} call(s) to {method}")

    def wait_for_message(
        self, chat_id: int, contains: str | None = None, count: int = 1, timeout: float = 5.0
    ) -> list[JSON]:
        """Block until the chat holds ``count`` bot messages (whose text or caption contains
        ``contains``, if given); returns the matching messages."""
        check = self._message_counter(chat_id, contains, count)
        return self._poll_blocking(check, timeout, self._message_goal(chat_id, contains, count))

    async def async_wait_for_message(
        self, chat_id: int, contains: str | None = None, count: int = 1, timeout: float = 5.0
    ) -> list[JSON]:
        check = self._message_counter(chat_id, contains, count)
        return await self._poll_async(check, timeout, self._message_goal(chat_id, contains, count))

    def _check_calls(self, predicate: Callable[[list[Call]], Any]) -> list[Call] | None:
        calls = self.calls
        return calls if predicate(calls) else None

    def _call_counter(self, method: str, count: int) -> Callable[[], list[Call] | None]:
        def check() -> list[Call] | None:
            matching = self.calls_to(method)
            return matching if len(matching) >= count else None

        return check

    def _message_counter(
        self, chat_id: int, contains: str | None, count: int
    ) -> Callable[[], list[JSON] | None]:
        def check() -> list[JSON] | None:
            matching = [
                message
                for message in self.messages(chat_id)
                if contains is None
                or contains in (message.get("text") or message.get("caption") or "")
            ]
            return matching if len(matching) >= count else None

        return check

    def _message_goal(self, chat_id: int, contains: str | None, count: int) -> str:
        what = f" containing {contains!r}" if contains is not None else ""
        return f"{count} bot message(s){what} in chat {chat_id}"

    def _poll_blocking(self, check: Callable[[], T | None], timeout: float, goal: object) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError(
                "blocking wait inside an event loop would freeze the bot; use async_wait_*"
            )
        deadline = time.monotonic() + timeout
        while (result := check()) is None:
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_report(goal, timeout))
            time.sleep(0.01)
        return result

    async def _poll_async(self, check: Callable[[], T | None], timeout: float, goal: object) -> T:
        deadline = time.monotonic() + timeout
        while (result := check()) is None:
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_report(goal, timeout))
            await asyncio.sleep(0.01)
        return result

    def _timeout_report(self, goal: object, timeout: float) -> str:
        name = getattr(goal, "__name__", None) or str(goal)
        calls = self.calls
        lines = [
            f"Timed out after {timeout}s waiting for {name}.",
            f"Recorded calls ({len(calls)}):",
        ]
        lines += [f"  {index}. {call.describe()}" for index, call in enumerate(calls, 1)]
        with self._lock:
            chats = sorted(self._chats)
        for chat_id in chats:
            texts = [m.get("text") or m.get("caption") or "<media>" for m in self.messages(chat_id)]
            if texts:
                lines.append(f"Bot messages in chat {chat_id}: {texts!r}")
        if self.internal_errors:
            lines.append("Internal errors of the fake:\n" + "\n".join(self.internal_errors))
        return "\n".join(lines)

    # ---- failure injection ---------------------------------------------------------------

    def fail(
        self,
        method: str,
        chat_id: int | str | None = None,
        status: int = 500,
        times: int | None = 1,
        retry_after: int | None = None,
        description: str | None = None,
        contains: str | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with an error (``None``: until
        :meth:`clear_failures`).  Rules are consumed in the order they were added.
        ``contains``: only requests whose text or caption contains this string."""
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._lock:
            self._failures.append(
                _FailureRule(
                    method=method.lower(),
                    chat_id=chat_id,
                    status=status,
                    remaining=times,
                    retry_after=retry_after if status == 429 else None,
                    description=description or self._default_description(status, retry_after),
                    contains=contains,
                )
            )

    def cycle_failures(
        self, chat_id: int, statuses: list[int | None], retry_after: int = 1
    ) -> None:
        """Every send or edit to ``chat_id`` takes the next answer of ``statuses`` in turn
        (``None``: success), round and round until :meth:`clear_failures`: a chat that keeps
        alternating between errors and success."""
        with self._lock:
            self._cycle = (chat_id, list(statuses), retry_after)
            self._cycle_position = 0

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()
            self._cycle = None

    def delay(self, method: str, seconds: float) -> None:
        """Wait ``seconds`` before answering ``method`` (0 removes the delay)."""
        with self._lock:
            if seconds > 0:
                self._delays[method.lower()] = seconds
            else:
                self._delays.pop(method.lower(), None)

    @staticmethod
    def _default_description(status: int, retry_after: int | None) -> str:
        return {
            400: "Bad Request: injected failure",
            403: "Forbidden: bot was blocked by the user",
            429: f"Too Many Requests: retry after {retry_after}",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }.get(status, f"Injected error {status}")

    def _take_failure(self, method: str, params: JSON) -> _FailureRule | None:
        with self._lock:
            cycle = self._cycle
            sending = method.lower().startswith(("send", "edit", "copy"))
            if cycle is not None and sending and str(params.get("chat_id")) == str(cycle[0]):
                status = cycle[1][self._cycle_position % len(cycle[1])]
                self._cycle_position += 1
                if status is not None:
                    retry_after = cycle[2] if status == 429 else None
                    description = self._default_description(status, retry_after)
                    return _FailureRule(method, cycle[0], status, 1, retry_after, description)
            for rule in self._failures:
                if rule.matches(method, params):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._failures.remove(rule)
                    return rule
        return None

    # ---- chats, users and files ---------------------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        *,
        title: str | None = None,
        first_name: str = "Uji",
        username: str | None = None,
        forum: bool = False,
    ) -> JSON:
        """Make a chat known so the bot may write to it; the type defaults from the id sign.
        `forum`: a supergroup with topics switched on (createForumTopic works there)."""
        if chat_type is None:
            chat_type = default_chat_type(chat_id)
        chat: JSON = {"id": chat_id, "type": chat_type}
        if forum:
            chat["is_forum"] = True
        if chat_type == "private":
            chat["first_name"] = first_name
        else:
            chat["title"] = title or "Grup Uji"
        if username:
            chat["username"] = username
        with self._lock:
            state = self._chats.get(chat_id)
            if state is None:
                self._chats[chat_id] = _ChatState(chat=chat)
            else:
                state.chat = chat
            return copy.deepcopy(chat)

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember reports for a user ("creator", "administrator", "member", ...)."""
        with self._lock:
            self._chat_state(chat_id).member_status[user_id] = status

    def add_file(
        self,
        content: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        file_size: int | None = None,
    ) -> str:
        """Register downloadable bytes; returns the new file_id."""
        with self._lock:
            return self._store_file(content, file_name, mime_type, file_size).file_id

    def _store_file(
        self,
        content: bytes,
        file_name: str | None,
        mime_type: str | None,
        file_size: int | None = None,
    ) -> _StoredFile:
        number = self._next_file_number
        self._next_file_number += 1
        stored = _StoredFile(
            file_id=f"fake-file-{number}",
            file_unique_id=f"fake-unique-{number}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            declared_size=file_size,
        )
        self._files[stored.file_id] = stored
        return stored

    def _file(self, file_id: str) -> _StoredFile:
        # Unknown ids (e.g. from hand-written updates) get placeholder bytes rather than an
        # error, so tests do not need to register every file they mention.
        if file_id not in self._files:
            self._files[file_id] = _StoredFile(
                file_id=file_id,
                file_unique_id=f"unique-{file_id}",
                content=f"fake-telegram-file:{file_id}".encode(),
            )
        return self._files[file_id]

    def _chat_state(self, chat_ref: Any) -> _ChatState:
        chat_id = self._resolve_chat_id(chat_ref)
        state = self._chats.get(chat_id) if chat_id is not None else None
        if state is None:
            if not (self.auto_create_chats and isinstance(chat_id, int)):
                raise ApiError(400, "Bad Request: chat not found")
            self.add_chat(chat_id)
            state = self._chats[chat_id]
        return state

    def _resolve_chat_id(self, chat_ref: Any) -> int | None:
        if isinstance(chat_ref, int):
            return chat_ref
        text = str(chat_ref)
        if text.lstrip("-").isdigit():
            return int(text)
        for chat_id, state in self._chats.items():
            if text.startswith("@") and state.chat.get("username") == text[1:]:
                return chat_id
        return None

    def _writable_chat(self, chat_ref: Any) -> _ChatState:
        state = self._chat_state(chat_ref)
        private = state.chat["type"] == "private"
        if state.bot_status == "kicked":
            where = (
                "bot was blocked by the user" if private else "bot was kicked from the group chat"
            )
            raise ApiError(403, f"Forbidden: {where}")
        if state.bot_status == "left":
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        return state

    def _user(
        self, user_id: int, first_name: str, language_code: str | None, username: str | None
    ) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    # ---- update injection ----------------------------------------------------------------

    def push_update(self, update: JSON) -> JSON:
        """Enqueue a raw update (an ``update_id`` is assigned when missing); returns it."""
        with self._lock:
            # update_id first, like Telegram, so printed updates are easy to read
            update = {"update_id": self._next_update_id, **copy.deepcopy(update)}
            self._next_update_id = max(self._next_update_id, int(update["update_id"])) + 1
            self._pending_updates.append(update)
            self._updates_changed.notify_all()
            return copy.deepcopy(update)

    def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Uji",
        language_code: str | None = "id",
        reply_to_message_id: int | None = None,
        *,
        username: str | None = None,
        message_thread_id: int | None = None,
    ) -> JSON:
        """A user writes ``text``; a leading ``/command`` gets a bot_command entity."""
        content: JSON = {"text": text}
        if entities := command_entities(text):
            content["entities"] = entities
        options = MessageOptions(
            chat_id=chat_id,
            chat_type=chat_type,
            first_name=first_name,
            language_code=language_code,
            reply_to_message_id=reply_to_message_id,
            username=username,
            message_thread_id=message_thread_id,
        )
        return self._user_message(user_id, content, options)

    def send_photo(
        self,
        user_id: int,
        caption: str | None = None,
        *,
        content: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        width: int = 1280,
        height: int = 960,
        file_size: int | None = None,
        **options: Unpack[MessageOptions],
    ) -> JSON:
        """A user sends a photo (two sizes, the largest last, like Telegram)."""
        with self._lock:
            small = self._store_file(content, None, "image/jpeg", file_size)
            full = self._store_file(content, None, "image/jpeg", file_size)
        photo = [
            {
                **self._file_fields(small),
                "width": max(1, width // 10),
                "height": max(1, height // 10),
            },
            {**self._file_fields(full), "width": width, "height": height},
        ]
        return self._user_message(user_id, with_caption({"photo": photo}, caption), options)

    def send_document(
        self,
        user_id: int,
        file_name: str = "dokumen.pdf",
        mime_type: str = "application/pdf",
        content: bytes = b"%PDF-1.4 fake document",
        caption: str | None = None,
        *,
        file_size: int | None = None,
        **options: Unpack[MessageOptions],
    ) -> JSON:
        with self._lock:
            stored = self._store_file(content, file_name, mime_type, file_size)
        document = self._media_object("document", stored, {})
        return self._user_message(user_id, with_caption({"document": document}, caption), options)

    def send_voice(
        self,
        user_id: int,
        duration: int = 3,
        content: bytes = b"OggS fake voice",
        *,
        file_size: int | None = None,
        **options: Unpack[MessageOptions],
    ) -> JSON:
        with self._lock:
            stored = self._store_file(content, None, "audio/ogg", file_size)
        voice = self._media_object("voice", stored, {"duration": duration})
        return self._user_message(user_id, {"voice": voice}, options)

    def send_sticker(
        self, user_id: int, emoji: str = "👍", **options: Unpack[MessageOptions]
    ) -> JSON:
        with self._lock:
            stored = self._store_file(b"RIFF fake webp", None, "image/webp")
        sticker = {**self._media_object("sticker", stored, {}), "emoji": emoji}
        return self._user_message(user_id, {"sticker": sticker}, options)

    def send_location(
        self,
        user_id: int,
        latitude: float = -6.2,
        longitude: float = 106.816666,
        **options: Unpack[MessageOptions],
    ) -> JSON:
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(user_id, {"location": location}, options)

    def send_contact(
        self,
        user_id: int,
        phone_number: str = "+6281200000000",
        *,
        contact_first_name: str = "Uji",
        **options: Unpack[MessageOptions],
    ) -> JSON:
        """A user shares a contact (their own by default, as with a request_contact button)."""
        contact = {
            "phone_number": phone_number,
            "first_name": contact_first_name,
            "user_id": user_id,
        }
        return self._user_message(user_id, {"contact": contact}, options)

    def _user_message(self, user_id: int, content: JSON, options: MessageOptions) -> JSON:
        chat_id = options.get("chat_id")
        chat_id = user_id if chat_id is None else chat_id
        chat_type = options.get("chat_type", "private")
        first_name = options.get("first_name", "Uji")
        username = options.get("username")
        with self._lock:
            user = self._user(user_id, first_name, options.get("language_code", "id"), username)
            state = self._chats.get(chat_id)
            if state is None:
                chat_username = username if chat_type == "private" else None
                self.add_chat(chat_id, chat_type, first_name=first_name, username=chat_username)
                state = self._chats[chat_id]
            if state.chat["type"] == "private" and state.bot_status == "kicked":
                self.unblock_bot(user_id)  # writing to a blocked bot restarts it, as in Telegram
            reply_to = options.get("reply_to_message_id")
            thread = options.get("message_thread_id")
            if thread is not None:  # as Telegram does: in a topic, a reply to its first message
                content = {**content, "message_thread_id": thread, "is_topic_message": True}
                reply_to = thread if reply_to is None else reply_to
            if reply_to is not None:
                content = {**content, "reply_to_message": self._reply_copy(state, reply_to)}
            message = self._new_message(state, user, content)
            return self.push_update({"message": message})

    def press_button(
        self,
        user_id: int,
        message_id: int,
        data: str,
        chat_id: int | None = None,
        *,
        strict: bool = True,
    ) -> JSON:
        """The user taps an inline button with ``callback_data == data`` under a bot message.

        With ``strict`` (default) the message must carry such a button, which catches typos
        in tests; pass ``strict=False`` to simulate stale or forged callback data.
        """
        chat_id = user_id if chat_id is None else chat_id
        with self._lock:
            message = self._stored_message(chat_id, message_id)
            buttons = callback_buttons(message)
            if strict and not any(button.get("callback_data") == data for button in buttons):
                offered = [button.get("callback_data") for button in buttons]
                raise AssertionError(
                    f"message {message_id} in chat {chat_id} has no button with callback_data "
                    f"{data!r}; buttons offer {offered!r} (use strict=False for forged data)"
                )
            user = self._users.get(user_id) or self._user(user_id, "Uji", "id", None)
            query_id = str(4_000_000 + self._next_callback_number)
            self._next_callback_number += 1
            self._open_callback_queries.add(query_id)
            query: JSON = {
                "id": query_id,
                "from": user,
                "chat_instance": f"instance-{chat_id}",
                "data": data,
                "message": copy.deepcopy(message),
            }
            return self.push_update({"callback_query": query})

    def press_button_with_text(
        self, user_id: int, text: str, chat_id: int | None = None, message_id: int | None = None
    ) -> JSON:
        """Tap the button labelled ``text`` on ``message_id`` (default: newest bot message
        in the chat that has such a button) -- handy when callback_data is opaque."""
        chat_id = user_id if chat_id is None else chat_id
        candidates = self.messages(chat_id)
        if message_id is not None:
            candidates = [m for m in candidates if m["message_id"] == message_id]
        for message in reversed(candidates):
            for button in callback_buttons(message):
                if button.get("text") == text and "callback_data" in button:
                    return self.press_button(
                        user_id, message["message_id"], button["callback_data"], chat_id
                    )
        labels = [[b.get("text") for b in callback_buttons(m)] for m in candidates]
        raise AssertionError(
            f"no callback button labelled {text!r} in chat {chat_id}; labels: {labels!r}"
        )

    def edit_text(
        self, user_id: int, message_id: int, new_text: str, chat_id: int | None = None
    ) -> JSON:
        """The user edits one of their own text messages (an ``edited_message`` update)."""
        chat_id = user_id if chat_id is None else chat_id
        with self._lock:
            message = self._stored_message(chat_id, message_id)
            if message.get("from", {}).get("id") != user_id:
                raise AssertionError(
                    f"message {message_id} in chat {chat_id} was not sent by user {user_id}"
                )
            message["text"] = new_text
            message.pop("entities", None)
            if entities := command_entities(new_text):
                message["entities"] = entities
            message["edit_date"] = int(time.time())
            return self.push_update({"edited_message": copy.deepcopy(message)})

    def add_bot_to_group(
        self, chat_id: int, by_user_id: int, title: str = "Grup Uji", chat_type: str = "group"
    ) -> JSON:
        """``by_user_id`` adds the bot to a group: my_chat_member left -> member."""
        with self._lock:
            self.add_chat(chat_id, chat_type, title=title)
            return self._bot_status_change(chat_id, by_user_id, "member", old_status="left")

    def remove_bot_from_group(self, chat_id: int, by_user_id: int) -> JSON:
        """``by_user_id`` removes the bot: my_chat_member member -> kicked."""
        with self._lock:
            return self._bot_status_change(chat_id, by_user_id, "kicked")

    def block_bot(self, user_id: int) -> JSON:
        """The user blocks the bot; later sends to them fail with 403 Forbidden."""
        with self._lock:
            if user_id not in self._chats:
                self.add_chat(user_id, "private")
            return self._bot_status_change(user_id, user_id, "kicked")

    def unblock_bot(self, user_id: int) -> JSON:
        """The user restarts a blocked bot: my_chat_member kicked -> member."""
        with self._lock:
            return self._bot_status_change(user_id, user_id, "member")

    def _bot_status_change(
        self, chat_id: int, by_user_id: int, new_status: str, old_status: str | None = None
    ) -> JSON:
        state = self._chats.get(chat_id)
        if state is None:
            raise AssertionError(f"unknown chat {chat_id}; add it with add_chat() first")
        old_status = old_status or state.bot_status
        state.bot_status = new_status
        user = self._users.get(by_user_id) or self._user(by_user_id, "Uji", "id", None)
        change = {
            "chat": copy.deepcopy(state.chat),
            "from": user,
            "date": int(time.time()),
            "old_chat_member": chat_member(BOT_USER, old_status),
            "new_chat_member": chat_member(BOT_USER, new_status),
        }
        return self.push_update({"my_chat_member": change})

    # ---- message store -------------------------------------------------------------------

    def _new_message(self, state: _ChatState, sender: JSON, content: JSON) -> JSON:
        message_id = state.next_message_id
        state.next_message_id += 1
        message: JSON = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": copy.deepcopy(state.chat),
            "from": copy.deepcopy(sender),
            **copy.deepcopy(content),
        }
        state.messages[message_id] = message
        return copy.deepcopy(message)

    def _stored_message(self, chat_id: int, message_id: int) -> JSON:
        """The live stored dict for test-side helpers (callers hold the lock and may mutate)."""
        state = self._chats.get(chat_id)
        message = state.messages.get(message_id) if state is not None else None
        if message is None:
            raise AssertionError(f"no message {message_id} in chat {chat_id}")
        return message

    def _reply_copy(self, state: _ChatState, message_id: int) -> JSON:
        original = state.messages.get(message_id)
        if original is None:
            raise ApiError(400, "Bad Request: message to be replied not found")
        reply = copy.deepcopy(original)
        reply.pop("reply_to_message", None)  # Telegram never nests replies
        return reply

    def _bot_message(self, state: _ChatState, content: JSON, params: JSON) -> JSON:
        """Store a message the bot sends, honouring reply and keyboard parameters."""
        check_reply_markup(params.get("reply_markup"))
        reply_to = self._reply_target(params)
        if reply_to is not None:
            try:
                content = {**content, "reply_to_message": self._reply_copy(state, reply_to)}
            except ApiError:
                if not self._allows_missing_reply(params):
                    raise
        if markup := inline_markup(params.get("reply_markup")):
            content = {**content, "reply_markup": markup}
        if params.get("message_thread_id") is not None:
            thread = params["message_thread_id"]
            if not state.chat.get("is_forum") or thread not in state.messages:
                raise ApiError(400, "Bad Request: message thread not found")
            content = {**content, "message_thread_id": thread, "is_topic_message": True}
        return self._new_message(state, BOT_USER, content)

    @staticmethod
    def _reply_target(params: JSON) -> int | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            return int(reply["message_id"])
        if params.get("reply_to_message_id") is not None:
            return int(params["reply_to_message_id"])
        return None

    @staticmethod
    def _allows_missing_reply(params: JSON) -> bool:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and reply.get("allow_sending_without_reply"):
            return True
        return bool(params.get("allow_sending_without_reply"))

    # ---- HTTP entry points (called from handler threads) ----------------------------------

    def _handle_http(self, path: str, content_type: str, body: bytes) -> tuple[int, str, bytes]:
        url = urlsplit(path)
        url_path = unquote(url.path)  # PTB percent-encodes file URLs, including the token's ":"
        if url_path.startswith("/file/bot"):
            return self._serve_download(url_path.removeprefix("/file/bot"))
        if url_path.startswith("/bot"):
            token, _, method = url_path.removeprefix("/bot").partition("/")
            return self._serve_method(token, method, content_type, body, url.query)
        return _json_response(404, _error_body(404, "Not Found"))

    def _serve_download(self, rest: str) -> tuple[int, str, bytes]:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return _json_response(401, _error_body(401, "Unauthorized"))
        with self._lock:
            self._downloads.append(file_path)
            if not file_path.startswith("files/"):
                return _json_response(404, _error_body(404, "Not Found"))
            content = self._file(file_path.removeprefix("files/")).content
        return 200, "application/octet-stream", content

    def _serve_method(
        self, token: str, method: str, content_type: str, body: bytes, query: str
    ) -> tuple[int, str, bytes]:
        arrived = time.monotonic()
        files: dict[str, UploadedFile] = {}
        params: JSON = {}
        try:
            params, files = parse_request(content_type, body, query)
            status, response = self._answer(token, method, params, files)
        except ApiError as error:
            status, response = (
                error.status,
                _error_body(error.status, error.description, error.parameters),
            )
        except Exception:  # a bug in the fake: answer 500, keep serving, make it visible
            _LOGGER.exception("FakeTelegram failed to answer %s", method)
            self._record_internal_error(traceback.format_exc())
            status, response = (
                500,
                _error_body(500, "Internal fake server error (see FakeTelegram.internal_errors)"),
            )
        name = self._method_names.get(method.lower(), method)
        call = Call(name, params, files=files, at=arrived, status=status, response=response)
        with self._lock:
            self._calls.append(call)
            watchers = list(self._watchers)
        for watcher in watchers:
            watcher(call)
        return _json_response(status, response)

    def _answer(
        self, token: str, method: str, params: JSON, files: dict[str, UploadedFile]
    ) -> tuple[int, JSON]:
        if token != self.token:
            return 401, _error_body(401, "Unauthorized")
        with self._lock:
            delay = self._delays.get(method.lower(), 0.0)
        if delay:
            self._stopping.wait(delay)  # interruptible, so stop() is never held up
        if rule := self._take_failure(method, params):
            parameters = {"retry_after": rule.retry_after} if rule.retry_after is not None else None
            return rule.status, _error_body(rule.status, rule.description, parameters)
        handler = self._methods.get(method.lower())
        if handler is None:
            return 404, _error_body(404, "Not Found: method not found")
        with self._lock:
            result = handler(params, files)
        return 200, {"ok": True, "result": result}

    def _record_internal_error(self, error: str) -> None:
        with self._lock:
            self._internal_errors.append(error)

    # ---- Bot API methods ---------------------------------------------------------------------

    def _build_method_table(self) -> tuple[dict[str, Handler], dict[str, str]]:
        handlers: dict[str, Handler] = {
            "getMe": lambda params, files: copy.deepcopy(BOT_USER),
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "createForumTopic": self._create_forum_topic,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "sendMediaGroup": self._send_media_group,
            "sendLocation": self._send_location,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "leaveChat": self._leave_chat,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getFile": self._get_file,
            "getMyName": lambda params, files: {"name": BOT_FIRST_NAME},
            "getMyDescription": lambda params, files: {"description": ""},
            "getMyShortDescription": lambda params, files: {"short_description": ""},
            "getChatMenuButton": lambda params, files: {"type": "default"},
        }
        for method, kind in MEDIA_METHODS.items():
            handlers[method] = self._media_sender(kind)
        for method in TRUE_METHODS:
            handlers[method] = lambda params, files: True
        # Telegram matches method names case-insensitively; calls keep the canonical name.
        return (
            {name.lower(): handler for name, handler in handlers.items()},
            {name.lower(): name for name in handlers},
        )

    def _get_updates(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        if self._webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            )
        self._confirm_updates(params.get("offset"))
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        # Long poll: the condition releases the lock while waiting for push_update/stop.
        while not self._pending_updates and not self._stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._updates_changed.wait(remaining)
        return copy.deepcopy(self._pending_updates[:limit])

    def _confirm_updates(self, offset: Any) -> None:
        if offset is None:
            return
        offset = int(offset)
        if offset < 0:  # "the last -offset updates"
            self._pending_updates = self._pending_updates[offset:]
        else:
            self._pending_updates = [u for u in self._pending_updates if u["update_id"] >= offset]

    def _set_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        if params.get("drop_pending_updates"):
            self._pending_updates.clear()
        self._webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token")}
        return True

    def _delete_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        if params.get("drop_pending_updates"):
            self._pending_updates.clear()
        self._webhook = {}
        return True

    def _get_webhook_info(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending_updates),
        }

    @staticmethod
    def _commands_key(params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    def _set_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100 BotCommand")
        for command in commands:
            description = str(command.get("description", ""))
            if not BOT_COMMAND_RE.match(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = copy.deepcopy(commands)
        return True

    def _get_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _send_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        state = self._writable_chat(params.get("chat_id"))
        text = params.get("text", "")
        check_text(
            text,
            params.get("parse_mode"),
            limit=MAX_TEXT_LENGTH,
            empty_error="message text is empty",
        )
        return self._bot_message(state, {"text": text}, params)

    def _send_location(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        state = self._writable_chat(params.get("chat_id"))
        location = {"latitude": params.get("latitude"), "longitude": params.get("longitude")}
        return self._bot_message(state, {"location": location}, params)

    def _editable_message(self, params: JSON) -> JSON:
        state = self._chat_state(params.get("chat_id"))
        message = state.messages.get(int(params.get("message_id") or 0))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != BOT_ID:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _apply_edit(self, message: JSON, changes: JSON, params: JSON) -> JSON:
        """Edit in place; omitting reply_markup removes the inline keyboard, as in Telegram."""
        check_reply_markup(params.get("reply_markup"))
        new_markup = inline_markup(params.get("reply_markup"))
        unchanged = all(message.get(key) == value for key, value in changes.items())
        if unchanged and message.get("reply_markup") == new_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message.update(changes)
        if new_markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = new_markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _edit_message_text(self, params: JSON, files: dict[str, UploadedFile]) -> JSON | bool:
        text = params.get("text", "")
        check_text(
            text,
            params.get("parse_mode"),
            limit=MAX_TEXT_LENGTH,
            empty_error="message text is empty",
        )
        if params.get("inline_message_id"):
            return True
        message = self._editable_message(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        return self._apply_edit(message, {"text": text}, params)

    def _edit_message_caption(self, params: JSON, files: dict[str, UploadedFile]) -> JSON | bool:
        caption = params.get("caption", "")
        check_text(caption, params.get("parse_mode"), limit=MAX_CAPTION_LENGTH, empty_error=None)
        if params.get("inline_message_id"):
            return True
        return self._apply_edit(self._editable_message(params), {"caption": caption}, params)

    def _edit_message_reply_markup(
        self, params: JSON, files: dict[str, UploadedFile]
    ) -> JSON | bool:
        if params.get("inline_message_id"):
            return True
        return self._apply_edit(self._editable_message(params), {}, params)

    def _create_forum_topic(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        """A topic in a forum supergroup: its id is the id of the service message opening it."""
        state = self._writable_chat(params.get("chat_id"))
        if not state.chat.get("is_forum"):
            raise ApiError(400, "Bad Request: the chat is not a forum")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise ApiError(400, "Bad Request: invalid forum topic name specified")
        topic = {"name": name, "icon_color": 7322096}
        opening = self._new_message(state, BOT_USER, {"forum_topic_created": topic})
        thread = opening["message_id"]
        state.messages[thread].update(message_thread_id=thread, is_topic_message=True)
        return {"message_thread_id": thread, **topic}

    def _delete_message(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        state = self._chat_state(params.get("chat_id"))
        if state.messages.pop(int(params.get("message_id") or 0), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _delete_messages(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        state = self._chat_state(params.get("chat_id"))
        for message_id in params.get("message_ids") or []:
            state.messages.pop(int(message_id), None)
        return True

    def _answer_callback_query(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._open_callback_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_callback_queries.discard(query_id)
        return True

    def _send_chat_action(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self._writable_chat(params.get("chat_id"))
        return True

    def _media_sender(self, kind: str) -> Handler:
        def send(params: JSON, files: dict[str, UploadedFile]) -> JSON:
            state = self._writable_chat(params.get("chat_id"))
            content = self._media_content(kind, params.get(kind), files, params)
            return self._bot_message(state, content, params)

        return send

    def _media_content(
        self, kind: str, value: Any, files: dict[str, UploadedFile], params: JSON
    ) -> JSON:
        """Message fields for one piece of media plus its optional caption."""
        stored = self._resolve_upload(kind, value, files)
        content: JSON = {kind: self._media_object(kind, stored, params)}
        if (caption := params.get("caption")) is not None:
            check_text(
                caption, params.get("parse_mode"), limit=MAX_CAPTION_LENGTH, empty_error=None
            )
            content["caption"] = caption
        return content

    def _resolve_upload(self, kind: str, value: Any, files: dict[str, UploadedFile]) -> _StoredFile:
        """Find the file a send method refers to: an upload, an attach:// part, or a file_id/URL."""
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        else:
            upload = files.get(kind) if value is None else None
        if upload is not None:
            return self._store_file(upload.content, upload.filename, upload.content_type)
        if not isinstance(value, str) or not value:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if value.startswith(("http://", "https://")):
            return self._store_file(
                f"fake download of {value}".encode(), value.rsplit("/", 1)[-1], None
            )
        return self._file(value)

    @staticmethod
    def _file_fields(stored: _StoredFile) -> JSON:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }

    def _media_object(self, kind: str, stored: _StoredFile, params: JSON) -> Any:
        """The JSON Telegram returns for a file of the given kind."""
        fields = self._file_fields(stored)
        width, height = int(params.get("width") or 1280), int(params.get("height") or 720)
        duration = int(params.get("duration") or 1)
        if kind == "photo":
            return [
                {**fields, "width": 90, "height": 90},
                {**fields, "width": width, "height": height},
            ]
        if kind in ("document", "animation", "audio"):
            named = {**fields, "file_name": stored.file_name, "mime_type": stored.mime_type}
            named = {key: value for key, value in named.items() if value is not None}
            if kind == "document":
                return named
            if kind == "audio":
                return {**named, "duration": duration}
            return {**named, "width": width, "height": height, "duration": duration}
        if kind == "voice":
            return {**fields, "duration": duration, "mime_type": stored.mime_type or "audio/ogg"}
        if kind == "video":
            return {**fields, "width": width, "height": height, "duration": duration}
        if kind == "video_note":
            return {**fields, "length": int(params.get("length") or 240), "duration": duration}
        if kind == "sticker":
            return {
                **fields, "type": "regular", "width": 512, "height": 512,
                "is_animated": False, "is_video": False,
            }  # fmt: skip
        raise ApiError(400, f"Bad Request: unsupported media kind {kind}")

    def _send_media_group(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        state = self._writable_chat(params.get("chat_id"))
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: media must include 2-10 items")
        group_id = f"group-{time.monotonic_ns()}"
        sent = []
        for item in media:
            kind = item.get("type", "photo")
            content = self._media_content(kind, item.get("media"), files, item)
            sent.append(self._bot_message(state, {**content, "media_group_id": group_id}, params))
        return sent

    def _source_message(self, params: JSON, what: str) -> JSON:
        source_chat = self._chat_state(params.get("from_chat_id"))
        original = source_chat.messages.get(int(params.get("message_id") or 0))
        if original is None:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        return original

    def _copy_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        original = self._source_message(params, "copy")
        target = self._writable_chat(params.get("chat_id"))
        content = {key: copy.deepcopy(original[key]) for key in CONTENT_KEYS if key in original}
        if "caption" in params:
            content["caption"] = params["caption"]
        copied = self._bot_message(target, content, params)
        return {"message_id": copied["message_id"]}

    def _forward_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        original = self._source_message(params, "forward")
        target = self._writable_chat(params.get("chat_id"))
        content = {key: copy.deepcopy(original[key]) for key in CONTENT_KEYS if key in original}
        content["forward_origin"] = {
            "type": "user",
            "date": original["date"],
            "sender_user": copy.deepcopy(original.get("from", BOT_USER)),
        }
        return self._new_message(target, BOT_USER, content)

    def _leave_chat(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        state = self._chat_state(params.get("chat_id"))
        if state.chat["type"] == "private":
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        state.bot_status = "left"
        return True

    def _get_chat(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        state = self._chat_state(params.get("chat_id"))
        gift_types = (
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
            "gifts_from_channels",
        )
        return {
            **copy.deepcopy(state.chat),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gift_types, False),
        }

    def _get_chat_member(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        state = self._chat_state(params.get("chat_id"))
        user_id = int(params.get("user_id") or 0)
        if user_id == BOT_ID:
            return chat_member(BOT_USER, state.bot_status)
        user = self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "Uji"}
        return chat_member(user, state.member_status.get(user_id, "member"))

    def _get_file(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        stored = self._file(str(params.get("file_id")))
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        return {**self._file_fields(stored), "file_path": f"files/{stored.file_id}"}
