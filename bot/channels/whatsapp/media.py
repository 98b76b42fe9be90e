"""Evidence sent on WhatsApp: fetched when the core keeps it, stored encrypted until delivered.

Meta's download links expire within minutes, so a photo, document or voice note the report
flow keeps (or one sent to the officials) is downloaded at once, while its message is
handled, and kept in a file of its own, encrypted with the report key, until it has been
uploaded to the officials' group; then the file is deleted. A file the flow does not keep
(the wrong step, the report's 20 files reached, the hourly cap of messages to officials) is
never downloaded: the core asks for it through `Attachment.keep`, here `MediaStore.keep`.

One account cannot fill the disk: a download stops at the size cap while it is read, each
account may store FILES_PER_HOUR files an hour, and all files together stay within the
budget (WHATSAPP_MEDIA_BUDGET_MB); the officials' group is told when it is nearly full. A
dropped draft's files go at once, a purged case's too, and every hour the files no draft
and no waiting delivery refers to are deleted. Encryption and decryption run in a thread.
The attachment's reference becomes ``wa-file:<name>`` (never a path from outside).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import httpx
from pywa_async.client import WhatsApp
from pywa_async.errors import WhatsAppError

from bot.crypto import Cipher
from bot.messages import FileNotKept

log = logging.getLogger(__name__)

PREFIX = "wa-file:"
FETCHED_KINDS = frozenset({"photo", "document", "voice", "audio", "video", "sticker"})
# A file nothing refers to any more (its report cancelled, its draft dropped by a crash in
# between) is deleted by the hourly sweep once it is this old: younger ones may belong to
# a message being handled right now.
UNREFERENCED_GRACE = 3600.0  # seconds
HOUR = 3600.0  # seconds: the window FILES_PER_HOUR is counted in
FILES_PER_HOUR = 40  # per account: two reports' worth of evidence
NEARLY_FULL = 0.8  # of the budget: the officials' group is told
NOTICE_EVERY = 6 * 3600.0  # seconds between two "nearly full" notices
CHUNK = 64 * 1024

Notice = Callable[[str], Awaitable[None]]


class MediaStore:
    def __init__(
        self,
        wa: WhatsApp,
        folder: Path,
        cipher: Cipher,
        max_bytes: int,
        budget: int,
        notice: Notice | None = None,
    ) -> None:
        self.wa = wa
        self.folder = folder
        self.cipher = cipher
        self.max_bytes = max_bytes  # one file
        self.budget = budget  # all files together, as stored (encrypted)
        self.notice = notice  # tells the officials' group the budget is nearly used up
        self._recent: dict[str, deque[float]] = {}  # account -> monotonic times of its files
        self._noticed = -NOTICE_EVERY
        self._pruned = time.monotonic()
        self._writing = threading.Lock()

    async def keep(self, account: str, media_id: str) -> str:
        """Download the file now (the core keeps it) and store it encrypted; returns the
        reference that stands for it from here on. FileNotKept says why not."""
        self._count(account)
        used = await asyncio.to_thread(self.used)
        if used >= self.budget:  # full: not even downloaded
            await self._tell_officials(used)
            raise FileNotKept("disk_full")
        data = await self._download(media_id)
        name, used = await asyncio.to_thread(self._store, data)
        if name is None or used > NEARLY_FULL * self.budget:
            await self._tell_officials(used)
        if name is None:
            raise FileNotKept("disk_full")
        return PREFIX + name

    def owns(self, ref: str) -> bool:
        return ref.startswith(PREFIX)

    def load(self, ref: str) -> bytes:
        """Blocking (decryption of up to the size cap): call it in a thread."""
        return self.cipher.decrypt_bytes(self._path(ref).read_bytes())

    def delete(self, ref: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(ref).unlink()

    def forget(self, refs: Iterable[str]) -> None:
        """Files of a case that no longer exists (purged) or of a dropped draft: deleted
        now, delivered or not."""
        for ref in refs:
            if self.owns(ref):
                self.delete(ref)

    def sweep(self, referenced: set[str]) -> int:
        """Delete the files nothing refers to (older than the grace period); how many."""
        if not self.folder.is_dir():
            return 0
        cutoff = time.time() - UNREFERENCED_GRACE
        swept = 0
        for path in self.folder.iterdir():
            unreferenced = PREFIX + path.name not in referenced
            if path.is_file() and unreferenced and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                swept += 1
        return swept

    def used(self) -> int:
        """Bytes the stored files take (blocking: a walk of the folder)."""
        if not self.folder.is_dir():
            return 0
        return sum(entry.stat().st_size for entry in os.scandir(self.folder) if entry.is_file())

    def _count(self, account: str) -> None:
        """The hourly cap per account, counted in memory (nothing about the sender stored)."""
        now = time.monotonic()
        recent = self._recent.setdefault(account, deque())
        while recent and now - recent[0] > HOUR:
            recent.popleft()
        if len(recent) >= FILES_PER_HOUR:
            raise FileNotKept("too_many")
        recent.append(now)
        # Forget accounts quiet for an hour, at most once a minute: a deque is emptied only
        # when its own account sends again, so many one-off senders would otherwise stay.
        if len(self._recent) > 10_000 and now - self._pruned > 60:
            self._pruned = now
            for quiet in [a for a, times in self._recent.items() if now - times[-1] > HOUR]:
                del self._recent[quiet]

    async def _download(self, media_id: str) -> bytes:
        """The file's bytes, read in chunks and abandoned as soon as it passes the cap,
        whatever size Meta announced."""
        limit = self.max_bytes // (1024 * 1024)
        data = bytearray()
        try:
            info = await self.wa.get_media_url(media_id)
            if info.file_size and info.file_size > self.max_bytes:
                raise FileNotKept("too_large", limit)
            async for chunk in self.wa.stream_media(info.url, chunk_size=CHUNK):
                data += chunk
                if len(data) > self.max_bytes:
                    raise FileNotKept("too_large", limit)
        except (WhatsAppError, httpx.HTTPError) as error:
            log.warning("could not fetch a WhatsApp media file: %s", type(error).__name__)
            raise FileNotKept("failed") from None
        return bytes(data)

    def _store(self, data: bytes) -> tuple[str | None, int]:
        """Blocking: encrypt and write, if it fits the budget (to a temporary name, then
        renamed: a crash never leaves half a file under a real name). The file's name, or
        None when it does not fit; and the bytes then used."""
        token = self.cipher.encrypt_bytes(data)
        with self._writing:  # one check-and-write at a time: the budget holds
            used = self.used()
            if used + len(token) > self.budget:
                return None, used
            self.folder.mkdir(parents=True, exist_ok=True)
            name = secrets.token_hex(16)
            partial = self.folder / f".{name}.part"
            partial.write_bytes(token)
            partial.replace(self.folder / name)
            return name, used + len(token)

    async def _tell_officials(self, used: int) -> None:
        if self.notice is None or time.monotonic() - self._noticed < NOTICE_EVERY:
            return
        self._noticed = time.monotonic()
        mb = 1024 * 1024
        await self.notice(
            f"💾 Penyimpanan bukti WhatsApp hampir penuh: {used // mb} MB dari {self.budget // mb} MB "
            "(WHATSAPP_MEDIA_BUDGET_MB). Bukti yang belum terkirim ke grup memakai tempat ini; "
            "bila penuh, pelapor tidak bisa mengirim file baru. Periksa antrean "
            "(python main.py outbox) atau naikkan batasnya."
        )

    def _path(self, ref: str) -> Path:
        name = ref.removeprefix(PREFIX)
        if not (len(name) == 32 and all(c in "0123456789abcdef" for c in name)):
            raise FileNotFoundError(ref)  # a reference we did not make
        return self.folder / name
