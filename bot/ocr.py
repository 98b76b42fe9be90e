"""Read the text of a screenshot (a job advert on Facebook, WhatsApp, TikTok) with Tesseract.

pytesseract runs the `tesseract` program (Debian: tesseract-ocr, tesseract-ocr-ind) as a
child process: a pure-Python wheel that installs where Tesseract is missing, and a crash
or a pathological image kills a child, not the bot. Each reading waits for its process in
a worker thread, one at a time, so the event loop keeps answering other chats meanwhile.
Without Tesseract `available()` is False and the bot asks for the text instead.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import pytesseract
from PIL import Image, ImageOps, ImageStat, UnidentifiedImageError

from bot.messages import Attachment

LANGUAGES = ("ind", "eng")  # Indonesian adverts quote English words ("admin", "customer service")
MAX_BYTES = 10 * 1024 * 1024  # Telegram sends photos far smaller; a bigger file is not a screenshot
MAX_PIXELS = 25_000_000  # about 5000 x 5000: beyond that decoding alone costs too much memory
MIN_WIDTH = 1000  # narrower screenshots are enlarged: Tesseract reads small letters badly
TIMEOUT = 30.0  # seconds; measured 0.3-0.7 s for a 1080-pixel chat screenshot
MAX_WAITING = 8  # readings queued at once; more and the bot says it is busy


# Tesseract's OpenMP would spread one picture over every core and starve the bot; one thread
# per reading is also faster on small images. pytesseract starts the child with this
# process's environment, so the limit is set for the process when OCR is first imported.
os.environ["OMP_THREAD_LIMIT"] = "1"


class OcrError(Exception):
    """The picture could not be read; `reason` names which message the user gets."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # unavailable, unreadable, busy, empty, not_image


@cache
def available() -> bool:
    """Tesseract and its Indonesian data are installed (asked once per process)."""
    command = shutil.which(pytesseract.pytesseract.tesseract_cmd)
    if command is None:
        return False
    try:
        listed = subprocess.run(
            [command, "--list-langs"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return all(language in listed.stdout.split() for language in LANGUAGES)


class ImageReader:
    """Reads pictures one at a time in its own worker thread."""

    def __init__(self) -> None:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocr")
        self._waiting = 0

    async def read(self, data: bytes) -> str:
        """The text in the picture, paragraphs separated by blank lines ("" when none)."""
        if not available():
            raise OcrError("unavailable")
        if self._waiting >= MAX_WAITING:
            raise OcrError("busy")
        self._waiting += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._worker, read_image, data)
        finally:
            self._waiting -= 1

    async def read_attachments(self, attachments: Sequence[Attachment]) -> str:
        """The text of the first picture a message carries (the offer check, and the offer
        step of a report); OcrError when there is none or it cannot be read."""
        picture = next((a for a in attachments if a.read is not None), None)
        if picture is None or picture.read is None:
            photo = any(a.kind == "photo" for a in attachments)
            raise OcrError("unreadable" if photo else "not_image")
        if not available():  # say so before fetching a file nobody can read
            raise OcrError("unavailable")
        try:
            data = await picture.read()
        except OSError as error:  # the channel could not fetch the file
            raise OcrError("unreadable") from error
        read = await self.read(data)
        if not any(character.isalnum() for character in read):
            raise OcrError("empty")
        return read

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)


def read_image(data: bytes) -> str:
    """Blocking: decode, prepare and read one picture."""
    image = _prepare(data)
    try:
        raw = pytesseract.image_to_string(image, lang="+".join(LANGUAGES), timeout=TIMEOUT)
    except (RuntimeError, pytesseract.TesseractError) as error:  # timeout, a corrupt image
        raise OcrError("unreadable") from error
    except pytesseract.TesseractNotFoundError as error:  # uninstalled while running
        raise OcrError("unavailable") from error
    return tidy(raw)


def _prepare(data: bytes) -> Image.Image:
    if not data or len(data) > MAX_BYTES:
        raise OcrError("unreadable")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            if opened.width * opened.height > MAX_PIXELS:
                raise OcrError("unreadable")
            image = ImageOps.exif_transpose(opened).convert("L")
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise OcrError("unreadable") from error
    except Image.DecompressionBombWarning as error:
        raise OcrError("unreadable") from error
    # Dark mode: light letters on a dark screen read better inverted.
    if ImageStat.Stat(image).mean[0] < 110:
        image = ImageOps.invert(image)
    if image.width < MIN_WIDTH:
        factor = MIN_WIDTH / image.width
        size = (MIN_WIDTH, max(1, round(image.height * factor)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image


_SPACES = re.compile(r"[ \t]+")
_SENTENCE_END = re.compile(r"[.!?:;]$")
_LIST_ITEM = re.compile(r"^([-•*✓✔✅➡►>]|\d{1,2}[.)]\s)")


def tidy(raw: str) -> str:
    """Tesseract's lines joined back into sentences.

    A chat bubble wraps a sentence over several lines, and Tesseract often reads each as a
    paragraph of its own: "lewat / Dumai" must be one phrase again, for the check and for
    the user who corrects the reading. A line stays a line after a full stop or before a
    list item.
    """
    text = ""
    for line in (_SPACES.sub(" ", part).strip() for part in raw.splitlines()):
        if not line:
            continue
        if text:
            text += "\n" if _SENTENCE_END.search(text) or _LIST_ITEM.match(line) else " "
        text += line
    return text
