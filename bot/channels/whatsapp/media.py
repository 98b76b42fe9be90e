"""Evidence sent on WhatsApp: fetched by media id at once, kept encrypted until delivered.

Meta's download links expire within minutes, so a photo, document or voice note in a report
is fetched when its message is handled and kept in a file of its own, encrypted with the
report key, until it has been uploaded to the officials' group; then the file is deleted.
The attachment's reference becomes ``wa-file:<name>`` (never a path from outside).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

import httpx
from pywa_async.client import WhatsApp
from pywa_async.errors import WhatsAppError

from bot.crypto import Cipher

log = logging.getLogger(__name__)

PREFIX = "wa-file:"
FETCHED_KINDS = frozenset({"photo", "document", "voice", "audio", "video", "sticker"})
# A file whose report was cancelled is swept after this; a purged case's files go at once.
KEEP_UNDELIVERED_DAYS = 30


class MediaTooLarge(Exception):
    pass


class MediaUnavailable(Exception):
    pass


class MediaStore:
    def __init__(self, wa: WhatsApp, folder: Path, cipher: Cipher, max_bytes: int) -> None:
        self.wa = wa
        self.folder = folder
        self.cipher = cipher
        self.max_bytes = max_bytes

    async def fetch(self, media_id: str) -> str:
        """Download the media now; returns the reference that stands for it from here on."""
        try:
            info = await self.wa.get_media_url(media_id)
            if info.file_size and info.file_size > self.max_bytes:
                raise MediaTooLarge
            data = await self.wa.get_media_bytes(info.url)
        except (WhatsAppError, httpx.HTTPError) as error:
            log.warning("could not fetch a WhatsApp media file: %s", type(error).__name__)
            raise MediaUnavailable from None
        if len(data) > self.max_bytes:
            raise MediaTooLarge
        self.folder.mkdir(parents=True, exist_ok=True)
        name = secrets.token_hex(16)
        (self.folder / name).write_bytes(self.cipher.encrypt_bytes(data))
        return PREFIX + name

    def owns(self, ref: str) -> bool:
        return ref.startswith(PREFIX)

    def load(self, ref: str) -> bytes:
        return self.cipher.decrypt_bytes(self._path(ref).read_bytes())

    def delete(self, ref: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(ref).unlink()

    def forget(self, refs: Iterable[str]) -> None:
        """Files of a case that no longer exists (purged): deleted now, delivered or not."""
        for ref in refs:
            if self.owns(ref):
                self.delete(ref)

    def sweep(self) -> None:
        """Files older than any delivery could still want (a cancelled report's evidence)."""
        if not self.folder.is_dir():
            return
        cutoff = time.time() - KEEP_UNDELIVERED_DAYS * 86400
        for path in self.folder.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)

    def _path(self, ref: str) -> Path:
        name = ref.removeprefix(PREFIX)
        if not (len(name) == 32 and all(c in "0123456789abcdef" for c in name)):
            raise FileNotFoundError(ref)  # a reference we did not make
        return self.folder / name
