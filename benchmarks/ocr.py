"""Reading screenshots: time per picture, and whether the bot keeps answering meanwhile.

    python -m benchmarks.ocr            (or: make bench; needs tesseract-ocr-ind)

1. Time to read a 1080-pixel chat screenshot (light and dark mode), Tesseract started
   with OMP_THREAD_LIMIT=1 by bot.ocr. Target: under 1 s (issue 10 measured 0.3-0.7 s).
2. While 8 screenshots queue up for the reader, the event loop answers text questions
   through the engine: the longest stall of the loop and the time per answer. Target: no
   stall over 50 ms, i.e. OCR never blocks the bot.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from bot import ocr
from bot.config import PROJECT_ROOT
from bot.engine import Engine
from bot.knowledge import load_knowledge
from bot.messages import Incoming, UserKey
from bot.sessions import MemorySessionStore
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


def main() -> int:
    if not ocr.available() or not CAN_DRAW:
        print("skipped: needs tesseract-ocr and tesseract-ocr-ind, and Pillow with FreeType")
        return 0
    print("OCR of chat screenshots")
    _reading_times()
    asyncio.run(_responsiveness())
    return 0


if __name__ == "__main__":
    sys.exit(main())
