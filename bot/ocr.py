"""Read the text of a screenshot (a job advert on Facebook, WhatsApp, TikTok) with Tesseract.

A picture comes from a stranger, and a small file can describe an enormous one: a 75 KB PNG
of 40 x 625,000 pixels, scaled to Tesseract's reading width, would need 15.6 GB. So:

- Only PNG, JPEG and WebP are opened (what phones and screenshot tools write), never
  Pillow's other decoders.
- The size the picture will be read at is computed from its header, before anything is
  decoded or resized. What no screenshot is (far taller than thirty phone screens at that
  width) is refused with its own message.
- A long scrolling screenshot is read in tiles of about one phone screen, each cut where a
  row is blank and scaled on its own: the whole is never held enlarged.
- Each reading runs in a process of its own (`python -m bot.ocr_child`) whose address
  space is limited (MEMORY_LIMIT); the Tesseract it starts inherits the limit. A picture
  that still exhausts it ends that process, never the bot.

pytesseract runs the `tesseract` program (Debian: tesseract-ocr, tesseract-ocr-ind): a
pure-Python wheel that installs where Tesseract is missing. Readings happen one at a time,
waited for in a worker thread, so the event loop keeps answering other chats meanwhile.
Without Tesseract `available()` is False and the bot asks for the text instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import cast

import pytesseract
from PIL import Image, ImageOps, ImageStat, UnidentifiedImageError

from bot.messages import Attachment

LANGUAGES = ("ind", "eng")  # Indonesian adverts quote English words ("admin", "customer service")
FORMATS = ("PNG", "JPEG", "WEBP")  # screenshots and phone pictures; nothing else is decoded
MAX_BYTES = 10 * 1024 * 1024  # Telegram sends photos far smaller; a bigger file is not a screenshot
MAX_PIXELS = 25_000_000  # decoded: about 5000 x 5000, 25 MB in grey
MIN_WIDTH = 1000  # narrower screenshots are enlarged: Tesseract reads small letters badly
MAX_WIDTH = 4000  # wider ones are reduced: letters stay readable, a tile stays small
TILE_HEIGHT = 2000  # rows read at once at the reading width: about one phone screen
MAX_TILES = 30  # a scrolling screenshot of up to 30 screens; taller is not a screenshot
BLANK_SEARCH = 0.15  # of a tile: how far up from its end a blank row to cut at is looked for
TILE_TIMEOUT = 30.0  # seconds per tile; measured 0.3-0.7 s for a 1080-pixel chat screenshot
READING_TIMEOUT = 120.0  # seconds for a whole reading, tiles and start-up included
# Address space of the reading process, and of each Tesseract it starts (measured: a
# 25-megapixel picture decodes in about 150 MB, Tesseract reads a tile in about 60 MB).
MEMORY_LIMIT = 512 * 1024 * 1024
MAX_WAITING = 8  # readings queued at once; more and the bot says it is busy


# Tesseract's OpenMP would spread one picture over every core and starve the bot; one thread
# per reading is also faster on small images. pytesseract starts the child with this
# process's environment, so the limit is set for the process when OCR is first imported.
os.environ["OMP_THREAD_LIMIT"] = "1"


class OcrError(Exception):
    """The picture could not be read; `reason` names which message the user gets."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # unavailable, unreadable, busy, empty, not_image, not_screenshot, too_large
        self.reason = reason


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
    """Reads pictures one at a time, each in a memory-limited process of its own."""

    def __init__(self, memory_limit: int = MEMORY_LIMIT) -> None:
        self.memory_limit = memory_limit
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocr")
        self._waiting = 0

    async def read(self, data: bytes) -> str:
        """The text in the picture, paragraphs separated by blank lines ("" when none)."""
        if not available():
            raise OcrError("unavailable")
        if not data or len(data) > MAX_BYTES:
            raise OcrError("unreadable")
        if self._waiting >= MAX_WAITING:
            raise OcrError("busy")
        self._waiting += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._worker, read_apart, data, self.memory_limit)
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


def read_apart(data: bytes, memory_limit: int = MEMORY_LIMIT) -> str:
    """Blocking: `read_image` in a process of its own (bot.ocr_child), limited to
    `memory_limit` bytes of address space and READING_TIMEOUT seconds."""
    command = [sys.executable, "-m", "bot.ocr_child", str(memory_limit)]
    # Its own process group: a timeout ends the Tesseract it started too.
    with subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    ) as child:
        try:
            output, _ = child.communicate(data, timeout=READING_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            raise OcrError("unreadable") from None
    try:
        answer = json.loads(output)
    except ValueError:  # killed on the way: most likely by its memory limit
        raise OcrError("too_large") from None
    if "error" in answer:
        raise OcrError(str(answer["error"]))
    return str(answer["text"])


def read_image(data: bytes) -> str:
    """Blocking, in this process: decode, prepare and read one picture, tile by tile."""
    image, scale = _prepare(data)
    texts = []
    try:
        for tile in _tiles(image, scale):
            raw = pytesseract.image_to_string(tile, lang="+".join(LANGUAGES), timeout=TILE_TIMEOUT)
            texts.append(raw)
    except (RuntimeError, pytesseract.TesseractError) as error:  # timeout, a corrupt image
        raise OcrError("unreadable") from error
    except pytesseract.TesseractNotFoundError as error:  # uninstalled while running
        raise OcrError("unavailable") from error
    return tidy("\n".join(texts))


def reading_size(width: int, height: int) -> tuple[int, int]:
    """The size a picture is read at: MIN_WIDTH to MAX_WIDTH wide, its height alike; what
    no screenshot is (taller than MAX_TILES tiles at that width) is refused."""
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise OcrError("too_large")
    scale = min(max(1.0, MIN_WIDTH / width), MAX_WIDTH / width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if size[1] > MAX_TILES * TILE_HEIGHT:
        raise OcrError("not_screenshot")
    return size


def _prepare(data: bytes) -> tuple[Image.Image, float]:
    """The picture in grey, dark mode inverted, at its own size; and the scale to read at."""
    if not data or len(data) > MAX_BYTES:
        raise OcrError("unreadable")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = opened.size
            if opened.getexif().get(0x0112) in (5, 6, 7, 8):  # turned by a quarter
                width, height = height, width
            final_width, _ = reading_size(width, height)  # from the header: nothing decoded yet
            image = ImageOps.exif_transpose(opened).convert("L")
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise OcrError("unreadable") from error
    except Image.DecompressionBombWarning as error:
        raise OcrError("too_large") from error
    # Dark mode: light letters on a dark screen read better inverted.
    if ImageStat.Stat(image).mean[0] < 110:
        image = ImageOps.invert(image)
    return image, final_width / image.width


def _tiles(image: Image.Image, scale: float) -> Iterator[Image.Image]:
    """The picture in strips of about TILE_HEIGHT rows once scaled, each cut at the
    blankest row near its end (between lines, not through them), each scaled alone."""
    rows = max(1, round(TILE_HEIGHT / scale))  # a tile's height in the picture's own rows
    top = 0
    while top < image.height:
        bottom = min(image.height, top + rows)
        if bottom < image.height:
            bottom = _blank_row(image, bottom - round(rows * BLANK_SEARCH), bottom)
        strip = image.crop((0, top, image.width, bottom))
        if scale != 1.0:
            size = (round(image.width * scale), max(1, round((bottom - top) * scale)))
            strip = strip.resize(size, Image.Resampling.LANCZOS)
        yield strip
        top = bottom


def _blank_row(image: Image.Image, start: int, end: int) -> int:
    """The row in [start, end) whose lightest and darkest pixels differ least, the last
    one of equals (so a tile stays as tall as it can)."""
    best, best_range = end, 256
    for row in range(end - 1, max(start, 1) - 1, -1):
        low, high = cast(tuple[int, int], image.crop((0, row, image.width, row + 1)).getextrema())
        spread = high - low
        if spread < best_range:
            best, best_range = row, spread
            if spread == 0:
                break
    return best


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
