"""Reading screenshots: time per picture, and whether the bot keeps answering meanwhile.

    python -m benchmarks.ocr            (or: make bench; needs tesseract-ocr-ind)

1. Time to read a 1080-pixel chat screenshot (light and dark mode), Tesseract started
   with OMP_THREAD_LIMIT=1 by bot.ocr. Target: under 1 s (issue 10 measured 0.3-0.7 s).
2. While 8 screenshots queue up for the reader, the event loop answers text questions
   through the engine: the longest stall of the loop and the time per answer. Target: no
   stall over 50 ms, i.e. OCR never blocks the bot.
3. Memory: the peak resident memory of this process and its children (the reading
   process and its Tesseract), i.e. of a whole bot with its matcher loaded, while the
   engine reads pictures made to cost memory: a 75 KB PNG of 40 x 625,000 pixels (15.6 GB
   once scaled before issue 17), a 1080 x 23,000 scrolling screenshot and a 5000 x 5000
   photograph (25 megapixels, the most decoded). Target: under 1 GB.
"""

from __future__ import annotations

import asyncio
import io
import os
import statistics
import sys
import time

from PIL import Image

from bot import ocr
from bot.config import PROJECT_ROOT
from bot.engine import Engine
from bot.knowledge import load_knowledge
from bot.messages import Incoming, UserKey
from bot.sessions import MemorySessionStore
from tests.memory import PeakMemory
from tests.screenshots import CAN_DRAW, DUMAI_AD, chat_screenshot

ROUNDS = 5
QUEUED = 8


def _reading_times() -> None:
    for dark in (False, True):
        shot = chat_screenshot(DUMAI_AD, dark=dark)
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            ocr.read_image(shot)
            times.append(time.perf_counter() - start)
        mode = "dark" if dark else "light"
        print(
            f"  {mode:5} 1080 px: median {statistics.median(times):.2f} s, "
            f"max {max(times):.2f} s over {ROUNDS} readings"
        )


async def _responsiveness() -> None:
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    engine = Engine(kb, MemorySessionStore())
    shot = chat_screenshot(DUMAI_AD)
    stalls: list[float] = []
    answers: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.005)
            stalls.append(time.perf_counter() - start - 0.005)

    async def questions() -> None:
        user = UserKey("bench", "q", "q")
        while not done.is_set():
            start = time.perf_counter()
            await engine.handle(Incoming(user, text="paspor sy ditahan agen"))
            answers.append(time.perf_counter() - start)
            await asyncio.sleep(0.01)  # steady traffic, not a busy loop competing for the CPU

    async def read(number: int) -> None:
        await engine.reader.read(shot)

    tick = asyncio.create_task(ticker())
    ask = asyncio.create_task(questions())
    start = time.perf_counter()
    await asyncio.gather(*(read(n) for n in range(QUEUED)))
    elapsed = time.perf_counter() - start
    done.set()
    await asyncio.gather(tick, ask)
    print(
        f"  {QUEUED} screenshots read one at a time in {elapsed:.2f} s; meanwhile "
        f"{len(answers)} questions answered (median {statistics.median(answers) * 1000:.1f} ms), "
        f"longest event-loop stall {max(stalls) * 1000:.1f} ms"
    )


def _pictures() -> dict[str, bytes]:
    def png(image: Image.Image) -> bytes:
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()

    screens = [Image.open(io.BytesIO(chat_screenshot(DUMAI_AD))) for _ in range(40)]
    scrolling = Image.new("RGB", (1080, 23_000), (236, 229, 221))
    for number, screen in enumerate(screens):
        if (number + 1) * screen.height <= scrolling.height:
            scrolling.paste(screen, (0, number * screen.height))
    fractal = Image.effect_mandelbrot((5000, 5000), (-2.0, -1.5, 1.0, 1.5), 100)
    photo = io.BytesIO()
    fractal.convert("RGB").save(photo, "JPEG", quality=90)
    return {
        "40 x 625,000 PNG (not a screenshot)": png(Image.new("L", (40, 625_000), 255)),
        "1080 x 23,000 scrolling screenshot": png(scrolling),
        "5000 x 5000 photograph (JPEG)": photo.getvalue(),
    }


async def _memory() -> None:
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    engine = Engine(kb, MemorySessionStore())  # the matcher and its model, as in the bot
    await engine.handle(Incoming(UserKey("bench", "m", "m"), text="paspor sy ditahan agen"))
    for name, data in _pictures().items():
        start = time.perf_counter()
        with PeakMemory(os.getpid()) as memory:
            before = memory.peak
            try:
                read = await engine.reader.read(data)
                outcome = f"{len(read)} characters read"
            except ocr.OcrError as error:
                outcome = f"refused: {error.reason}"
        print(
            f"  {name} ({len(data) / 1024:,.0f} KB): {outcome} in "
            f"{time.perf_counter() - start:.1f} s; whole bot {before / 2**20:.0f} MiB before, "
            f"peak {memory.peak / 2**20:.0f} MiB"
        )


def main() -> int:
    if not ocr.available() or not CAN_DRAW:
        print("skipped: needs tesseract-ocr and tesseract-ocr-ind, and Pillow with FreeType")
        return 0
    print("OCR of chat screenshots")
    _reading_times()
    asyncio.run(_responsiveness())
    print("Memory of the whole bot while it reads pictures made to cost memory")
    asyncio.run(_memory())
    return 0


if __name__ == "__main__":
    sys.exit(main())
