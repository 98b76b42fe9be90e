"""A local fake of the WhatsApp Cloud API, and signed webhook posts, for integration tests.

The bot's real pywa client sends to this server over real HTTP on 127.0.0.1 (the bot's
WHATSAPP_API_URL points here); the test posts webhook updates to the bot's real webhook
server, signed as Meta signs them, and inspects what the bot sent back. Standard library
only, in a background thread, so blocking tests (a bot in a subprocess) and async tests
(a bot on the test's event loop, using the ``async_`` helpers) can both use it.

The fake checks what Meta checks and a test would otherwise miss: the bearer token, the
phone number id, and WhatsApp's limits (text 4,096; interactive body 1,024; at most 3
reply buttons of at most 20 characters; at most 10 list rows, title 24, description 72;
list button 20). A message breaking them is refused (400, code 100) and recorded in
``violations``. ``fail_next`` makes the next sends fail with Meta's error codes;
``refuse(to, code)`` makes every send to one person fail (131050: they stopped marketing
messages; 131049: too many marketing messages lately); ``close_window(to)`` refuses
anything but a template to someone who has not written for 24 hours (131047).
``status_update`` builds the delivery reports Meta posts about sent messages.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

FAKE_TOKEN = "EAAFakeWhatsAppToken0123456789"
FAKE_PHONE_ID = "106540352242922"
FAKE_APP_SECRET = "fake-app-secret-5f1c"
FAKE_VERIFY_TOKEN = "fake-verify-token-9b2e"
FAKE_NUMBER = "6281234567890"  # the business's display number

JSON = dict[str, Any]


@dataclass
class Sent:
    """One message the bot sent, as the Cloud API received it."""

    to: str
    body: JSON
    at: float = field(default_factory=time.monotonic)
    id: str = ""  # the wamid Meta answered with: a user quoting this message names it

    @property
    def kind(self) -> str:
        return str(self.body.get("type"))

    @property
    def text(self) -> str:
        if self.kind == "text":
            return str(self.body["text"]["body"])
        if self.kind == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        if self.kind == "template":  # its parameters: the template's text is Meta's
            components = self.body["template"].get("components", [])
            return " ".join(p["text"] for c in components for p in c.get("parameters", []))
        return ""

    @property
    def options(self) -> list[tuple[str, str]]:
        """(title, id) of each reply button or list row."""
        if self.kind != "interactive":
            return []
        action = self.body["interactive"]["action"]
        if "buttons" in action:
            return [(b["reply"]["title"], b["reply"]["id"]) for b in action["buttons"]]
        return [(r["title"], r["id"]) for s in action["sections"] for r in s["rows"]]


def limit_problems(body: JSON) -> list[str]:
    """What in a /messages request breaks WhatsApp's documented limits."""
    problems = []
    kind = body.get("type")
    if kind == "text":
        text = body.get("text", {}).get("body", "")
        if not text or len(text) > 4096:
            problems.append(f"text of {len(text)} characters")
    elif kind == "interactive":
        interactive = body.get("interactive", {})
        text = interactive.get("body", {}).get("text", "")
        if not text or len(text) > 1024:
            problems.append(f"interactive body of {len(text)} characters")
        action = interactive.get("action", {})
        if interactive.get("type") == "button":
            buttons = action.get("buttons", [])
            if not 1 <= len(buttons) <= 3:
                problems.append(f"{len(buttons)} reply buttons")
            titles = [b["reply"]["title"] for b in buttons]
            if len(set(titles)) < len(titles) or len({b["reply"]["id"] for b in buttons}) < len(
                buttons
            ):
                problems.append("reply buttons with the same title or id")
            for button in buttons:
                if (
                    not button["reply"]["title"].strip()
                    or len(button["reply"]["title"]) > 20
                    or len(button["reply"]["id"]) > 256
                ):
                    problems.append(f"button title {button['reply']['title']!r}")
        elif interactive.get("type") == "list":
            rows = [r for s in action.get("sections", []) for r in s.get("rows", [])]
            if not 1 <= len(rows) <= 10:
                problems.append(f"{len(rows)} list rows")
            if len(action.get("button", "")) > 20:
                problems.append("list button over 20 characters")
            if len({r["id"] for r in rows}) < len(rows):
                problems.append("list rows with the same id")
            for row in rows:
                if (
                    not row["title"].strip()
                    or len(row["title"]) > 24
                    or len(row.get("description", "")) > 72
                ):
                    problems.append(f"list row {row['title']!r}")
                if len(row["id"]) > 200:
                    problems.append("list row id over 200 characters")
        else:
            problems.append(f"interactive type {interactive.get('type')!r}")
    elif kind == "template":
        template = body.get("template", {})
        if not template.get("name") or not template.get("language", {}).get("code"):
            problems.append("template without a name or language")
    else:
        problems.append(f"message type {kind!r}")
    return problems


class FakeWhatsApp:
    def __init__(self, token: str = FAKE_TOKEN, phone_id: str = FAKE_PHONE_ID) -> None:
        self.token = token
        self.phone_id = phone_id
        self.sent: list[Sent] = []
        self.refused: list[tuple[int, JSON]] = []  # (status, error) of each failed send
        self.violations: list[str] = []
        self.delay = 0.0  # seconds before each answer
        self._failures: list[tuple[int, int]] = []  # (HTTP status, Meta code), next first
        self._fail_always: tuple[int, int] | None = None
        self._refused_to: dict[str, tuple[int, int]] = {}  # recipient -> (status, code)
        self._closed: set[str] = set()  # recipients outside the 24-hour window
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._ids = itertools.count(1)
        self.media: dict[str, tuple[bytes, str, int]] = {}  # id -> (content, type, told size)
        self.media_downloads = 0
        self.media_bytes_sent = 0  # of padded files (add_media(padding=...))
        self._paddings: dict[str, int] = {}

    # --- running ---------------------------------------------------------------------

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, answer = fake._answer(self.path, self.headers.get("Authorization"), body)
                self._reply(status, json.dumps(answer).encode(), "application/json")

            def do_GET(self) -> None:
                status, data, kind = fake._media(self.path, self.headers.get("Authorization"))
                padding = fake._padding(self.path) if status == 200 else 0
                if not padding:
                    self._reply(status, data, kind)
                    return
                # A file larger than Meta said: sent in chunks, counted, until the bot
                # stops reading.
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data) + padding))
                self.end_headers()
                chunk = bytes(64 * 1024)
                try:
                    self.wfile.write(data)
                    for _ in range(0, padding, len(chunk)):
                        self.wfile.write(chunk)
                        with fake._lock:
                            fake.media_bytes_sent += len(chunk)
                except OSError:  # the bot hung up
                    pass

            def _reply(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def bot_environ(self, webhook_port: int) -> dict[str, str]:
        """The WHATSAPP_* settings that make a bot use this fake."""
        return {
            "WHATSAPP_TOKEN": self.token,
            "WHATSAPP_PHONE_ID": self.phone_id,
            "WHATSAPP_APP_SECRET": FAKE_APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": FAKE_VERIFY_TOKEN,
            "WHATSAPP_API_URL": self.api_url,
            "WHATSAPP_WEBHOOK_LISTEN": "127.0.0.1",
            "WHATSAPP_WEBHOOK_PORT": str(webhook_port),
        }

    # --- trouble ---------------------------------------------------------------------

    def fail_next(self, count: int, code: int = 130429, status: int = 400) -> None:
        """The next `count` sends fail with Meta's error `code` (HTTP `status`)."""
        with self._lock:
            self._failures.extend([(status, code)] * count)

    def fail_always(self, code: int = 131000, status: int = 500) -> None:
        self._fail_always = (status, code)

    def refuse(self, to: str, code: int, status: int = 400) -> None:
        """Every send to `to` fails with Meta's `code` until `recover()`."""
        with self._lock:
            self._refused_to[to] = (status, code)

    def close_window(self, to: str) -> None:
        """`to` last wrote more than 24 hours ago: only templates reach them (else 131047)."""
        with self._lock:
            self._closed.add(to)

    def open_window(self, to: str) -> None:
        """`to` wrote: anything reaches them for 24 hours."""
        with self._lock:
            self._closed.discard(to)

    def recover(self) -> None:
        with self._lock:
            self._failures.clear()
            self._fail_always = None
            self._refused_to.clear()
            self._closed.clear()

    # --- the API -----------------------------------------------------------------------

    def _answer(self, path: str, authorization: str | None, raw: bytes) -> tuple[int, JSON]:
        if self.delay:
            time.sleep(self.delay)
        if authorization != f"Bearer {self.token}":
            return 401, _error(190, "Invalid OAuth access token")
        parts = path.strip("/").split("/")
        if len(parts) != 3 or not parts[0].startswith("v") or parts[2] != "messages":
            return 404, _error(100, f"Unknown path {path}")
        if parts[1] != self.phone_id:
            return 400, _error(100, "Unsupported post request: unknown phone number id")
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, _error(100, "Invalid JSON")
        to = str(body.get("to") or body.get("recipient") or "")
        with self._lock:
            failure = self._failures.pop(0) if self._failures else self._fail_always
            failure = failure or self._refused_to.get(to)
            if failure is None and to in self._closed and body.get("type") != "template":
                failure = (400, 131047)
        if failure is not None:
            status, code = failure
            error = _error(code, f"fake failure {code}")
            self.refused.append((status, error))
            return status, error
        problems = limit_problems(body)
        if not to:
            problems.append("no recipient")
        if problems:
            self.violations.extend(problems)
            return 400, _error(100, "Invalid parameter: " + "; ".join(problems))
        wamid = f"wamid.OUT{next(self._ids):08d}"
        with self._lock:
            self.sent.append(Sent(to, body, id=wamid))
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid}],
        }

    # --- media (what users send: fetched by the bot by id, then by URL) ------------------

    def add_media(
        self,
        content: bytes,
        mime_type: str = "image/jpeg",
        told_size: int | None = None,
        padding: int = 0,
    ) -> str:
        """Store a file a user sent; returns its media id. `told_size`: the size Meta
        reports for it (default: the real one); `padding`: that many zero bytes more are
        served after `content`, streamed (`media_bytes_sent` counts how many went out)."""
        media_id = str(900_000_000 + len(self.media))
        self.media[media_id] = (
            content,
            mime_type,
            len(content) if told_size is None else told_size,
        )
        if padding:
            self._paddings[media_id] = padding
        return media_id

    def _padding(self, path: str) -> int:
        parts = path.split("?", 1)[0].strip("/").split("/")
        return self._paddings.get(parts[-1], 0) if parts[0] == "media-file" else 0

    def _media(self, path: str, authorization: str | None) -> tuple[int, bytes, str]:
        if authorization != f"Bearer {self.token}":
            return (
                401,
                json.dumps(_error(190, "Invalid OAuth access token")).encode(),
                "application/json",
            )
        parts = path.split("?", 1)[0].strip("/").split("/")
        if len(parts) == 2 and parts[0] == "media-file" and parts[1] in self.media:
            content, mime_type, _ = self.media[parts[1]]
            self.media_downloads += 1
            return 200, content, mime_type
        if len(parts) == 2 and parts[0].startswith("v") and parts[1] in self.media:
            content, mime_type, size = self.media[parts[1]]
            info = {
                "url": f"{self.api_url}/media-file/{parts[1]}",
                "mime_type": mime_type,
                "sha256": hashlib.sha256(content).hexdigest(),
                "file_size": size,
                "id": parts[1],
                "messaging_product": "whatsapp",
            }
            return 200, json.dumps(info).encode(), "application/json"
        return 404, json.dumps(_error(100, "Unknown media")).encode(), "application/json"

    # --- looking -----------------------------------------------------------------------

    def messages(self, to: str) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.to == to]

    def wait_for(self, to: str, count: int = 1, timeout: float = 10.0) -> list[Sent]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages(to)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{len(self.messages(to))} message(s) to {to}, wanted {count}")

    async def async_wait_for(self, to: str, count: int = 1, timeout: float = 10.0) -> list[Sent]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages(to)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)
        raise AssertionError(f"{len(self.messages(to))} message(s) to {to}, wanted {count}")


def _error(code: int, message: str) -> JSON:
    return {"error": {"message": message, "type": "OAuthException", "code": code}}


# --- webhook posts, as Meta sends them ------------------------------------------------

_wamids = itertools.count(1)


def new_wamid(wa_id: str = "6281200000000") -> str:
    """A message id as Meta makes them: base64 of data that holds the sender's number
    (`wa_id`) and a 20-character id of the message."""
    message = f"{next(_wamids):08X}{secrets.token_hex(6).upper()}"
    data = b"\x1c\x18" + bytes([len(wa_id)]) + wa_id.encode()
    data += b"\x15\x02\x00\x12\x18\x14" + message.encode() + b"\x00"
    return "wamid." + base64.b64encode(data).decode()


def base64_forms(data: bytes) -> list[bytes]:
    """The characters base64 always writes for `data` inside longer data, at each of its
    three alignments: how to find a number inside a wamid."""
    forms = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data)
        forms.append(encoded[-(-8 * shift // 6) : 8 * (shift + len(data)) // 6])
    return forms


def update(
    wa_id: str,
    message: JSON,
    phone_id: str = FAKE_PHONE_ID,
    user_id: str | None = None,
    wamid: str | None = None,
    timestamp: int | None = None,
) -> JSON:
    """A webhook post carrying one user's message (`message` without id/from/timestamp);
    `timestamp`: when the user sent it, in Unix seconds (default: now)."""
    contact: JSON = {"profile": {"name": "Warga"}, "wa_id": wa_id}
    if user_id:
        contact["user_id"] = user_id
    full = {
        "from": wa_id,
        "id": wamid or new_wamid(wa_id),
        "timestamp": str(int(time.time()) if timestamp is None else timestamp),
        **message,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": FAKE_NUMBER,
                                "phone_number_id": phone_id,
                            },
                            "contacts": [contact],
                            "messages": [full],
                        },
                    }
                ],
            }
        ],
    }


def status_update(
    wamid: str, status: str, recipient: str, code: int | None = None, phone_id: str = FAKE_PHONE_ID
) -> JSON:
    """Meta's report on a message the bot sent: "sent", "delivered", "read", or "failed"
    with Meta's error `code` (131050, 131049, ...)."""
    report: JSON = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
    }
    if code is not None:
        report["errors"] = [{"code": code, "title": f"fake error {code}"}]
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": FAKE_NUMBER, "phone_number_id": phone_id},
        "statuses": [report],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }


def text_message(text: str, quoting: str | None = None) -> JSON:
    """A typed message; `quoting`: the wamid of the message it swipe-replies to."""
    message: JSON = {"type": "text", "text": {"body": text}}
    if quoting:
        message["context"] = {"from": FAKE_NUMBER, "id": quoting}
    return message


def revoke_message(original: str) -> JSON:
    """The user deleted their message `original` (Meta's "revoke" webhook)."""
    return {"type": "revoke", "revoke": {"original_message_id": original}}


def image_message(media_id: str, caption: str | None = None) -> JSON:
    image: JSON = {"id": media_id, "mime_type": "image/jpeg", "sha256": "x"}
    if caption:
        image["caption"] = caption
    return {"type": "image", "image": image}


def button_press(button_id: str, title: str = "") -> JSON:
    return {
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": title}},
    }


def list_press(row_id: str, title: str = "") -> JSON:
    return {
        "type": "interactive",
        "interactive": {"type": "list_reply", "list_reply": {"id": row_id, "title": title}},
    }


def signature(body: bytes, secret: str = FAKE_APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(
    url: str, body: bytes, headers: dict[str, str] | None = None, timeout: float = 10.0
) -> tuple[int, bytes]:
    """POST `body` as is; returns (status, answer). Blocking: use `async_post` in async tests."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post_signed(url: str, payload: JSON | bytes, secret: str = FAKE_APP_SECRET) -> int:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return post(url, body, {"X-Hub-Signature-256": signature(body, secret)})[0]


async def async_post_signed(url: str, payload: JSON | bytes, secret: str = FAKE_APP_SECRET) -> int:
    return await asyncio.to_thread(post_signed, url, payload, secret)


def get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
