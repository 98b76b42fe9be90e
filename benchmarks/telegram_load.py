"""Telegram load test: how many updates a second the whole bot answers.

    python -m benchmarks.telegram_load [--users 200] [--messages-per-user 5] [--seconds 120]

The real python-telegram-bot Application (bot.channels.telegram.serve: long polling,
per-chat ordering, flood guard, the engine and the SQLite database) runs against the local
fake Bot API of tests/fake_telegram.py on 127.0.0.1. N simulated users each ask M realistic
questions (the knowledge base's example questions plus some off-topic ones), one at a time:
a user sends the next question as soon as the answer to the previous one arrives, so N
questions are always in flight. For every question it records the time from injecting the
update to the bot's sendMessage in that chat (each question yields exactly one sendMessage,
so the k-th sendMessage in a chat answers the k-th question).

In production Telegram is a remote server, so the fake runs in a process of its own
(benchmarks/fake_process.py, started with 'spawn'): its HTTP and JSON work does not compete
with the bot for this process's GIL. This process talks to it over a multiprocessing Pipe:
users inject their questions through it, and one poller asks every 2 ms for the new
sendMessage calls, each with the time.monotonic() at which it reached the fake (a
system-wide clock on Linux, checked at start-up, so it compares with this process's
readings), and wakes the users waiting for them. The poller's delay only postpones the
next question, not the recorded reply times.

The AIORateLimiter's overall and per-group limits are lifted (0 disables them; see
telegram/ext/_aioratelimiter.py): with them the bot would send at most 30 messages a second
and this would only measure Telegram's ceiling, not the bot's own capacity. Exit status 1
when a question gets no answer within --seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from telegram.ext import AIORateLimiter

from benchmarks.fake_process import FakeProcess
from bot.channels.telegram import FLOOD_LIMIT, TelegramChannel, serve
from bot.config import PROJECT_ROOT, Settings
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.runtime import open_services

TELEGRAM_CEILING = 30  # messages a second one bot may send (Bot API FAQ)
OFF_TOPIC = (
    "resep rendang padang yg enak gmn",
    "cuaca pariaman besok hujan gk min",
    "jadwal timnas main kapan",
    "cara bikin ktp baru yg hilang",
    "harga emas hari ini brp",
)


def questions_for(kb: KnowledgeBase, count: int, rng: random.Random) -> list[str]:
    """Mostly in-scope example questions, about one in six off-topic."""
    in_scope = [q for entry in kb.entries.values() for q in entry.questions]
    return [rng.choice(OFF_TOPIC if rng.random() < 1 / 6 else in_scope) for _ in range(count)]


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class ReplyWatcher:
    """Turns the fake's recorded sendMessage calls into reply times, per chat and in order."""

    def __init__(self, tg: FakeProcess) -> None:
        self.tg = tg
        self.seen = 0  # successful sendMessage calls already handled
        self.extra = 0  # sendMessage calls nobody waited for: a question got two messages
        self.waiting: dict[int, list[asyncio.Future[float]]] = {}

    def expect(self, chat_id: int) -> asyncio.Future[float]:
        future = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(chat_id, []).append(future)
        return future

    async def run(self) -> None:
        while True:
            sends = await self.tg.sends(self.seen)
            for chat_id, at in sends:
                pending = self.waiting.get(chat_id)
                if pending:  # one chat's replies come in order (PerChatUpdateProcessor)
                    pending.pop(0).set_result(at)  # when the request reached "Telegram"
                else:
                    self.extra += 1
            self.seen += len(sends)
            await asyncio.sleep(0.002)


async def user(
    tg: FakeProcess, watcher: ReplyWatcher, user_id: int, asks: list[str], waits: list[float]
) -> None:
    """One person: ask, wait for the answer, then ask the next question."""
    for question in asks:
        answered = watcher.expect(user_id)
        sent = time.monotonic()
        tg.send_text(user_id, question)
        waits.append(await answered - sent)


async def load(users: int, per_user: int, seconds: float) -> tuple[list[float], float, int, float]:
    """Run the bot, let the users talk; returns reply times, wall time, extra messages and
    the CPU seconds this process (the bot; the fake runs in its own process) used meanwhile."""
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    rng = random.Random(2026)
    unlimited = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    waits: list[float] = []
    with tempfile.TemporaryDirectory() as folder, FakeProcess() as tg:
        settings = Settings.from_environ(
            {
                "TELEGRAM_BOT_TOKEN": tg.token,
                "TELEGRAM_BASE_URL": tg.base_url,
                "TELEGRAM_BASE_FILE_URL": tg.base_file_url,
                "DATABASE_PATH": str(Path(folder) / "load.sqlite3"),
            }
        )
        async with open_services(settings, kb) as services:
            stop = asyncio.Event()
            channel = TelegramChannel(services.engine)
            bot = asyncio.create_task(
                serve(settings, channel, stop, poll_timeout=1, rate_limiter=unlimited)
            )
            watcher = ReplyWatcher(tg)
            watching = asyncio.create_task(watcher.run())
            people: list[asyncio.Task[None]] = []
            try:
                await tg.wait_for_call("getUpdates", timeout=30)
                start = time.monotonic()
                cpu_start = time.process_time()
                for n in range(users):
                    asks = questions_for(kb, per_user, rng)
                    people.append(asyncio.create_task(user(tg, watcher, 100_000 + n, asks, waits)))
                everyone = asyncio.gather(*people, return_exceptions=True)
                await asyncio.wait(
                    (everyone, watching), timeout=seconds, return_when=asyncio.FIRST_COMPLETED
                )
                wall = time.monotonic() - start
                cpu = time.process_time() - cpu_start
                if watching.done():  # the poller only ends by failing (e.g. the fake died)
                    watching.result()
            finally:
                for task in (*people, watching):
                    task.cancel()
                stop.set()
                await asyncio.wait_for(bot, 30)
    return sorted(waits), wall, watcher.extra, cpu


def report(users: int, per_user: int, seconds: float) -> int:
    total = users * per_user
    waits, wall, extra, cpu = asyncio.run(load(users, per_user, seconds))
    if len(waits) < total:
        print(f"FAILED: {total - len(waits)} of {total} messages got no reply within {seconds:g} s")
        return 1
    rate = total / wall
    print(f"updates        {total} ({users} users x {per_user} questions, one at a time each)")
    print(f"wall time      {wall:.2f} s")
    print(f"throughput     {rate:.1f} updates/s")
    print(
        f"time to reply  p50 {statistics.median(waits) * 1000:.1f} ms, "
        f"p95 {percentile(waits, 0.95) * 1000:.1f} ms, max {waits[-1] * 1000:.1f} ms"
    )
    print(
        f"               = {rate / TELEGRAM_CEILING:.1f}x Telegram's ~{TELEGRAM_CEILING} msg/s "
        "ceiling; target >= 10x"
    )
    # On this 2-core machine the fake Telegram competes with the bot for the CPU; the bot's
    # own CPU time per update says what one core gives when Telegram is remote.
    per_update = cpu / total
    print(
        f"bot CPU      {per_update * 1000:.2f} ms per update -> {1 / per_update:.0f} updates/s "
        f"per core = {1 / per_update / TELEGRAM_CEILING:.1f}x Telegram's ceiling"
    )
    if extra:
        print(f"WARNING: {extra} more sendMessage calls than questions; reply times may be off")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.telegram_load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=200, help="simulated users (default 200)")
    parser.add_argument(
        "--messages-per-user", type=int, default=5, help=f"questions each (1-{FLOOD_LIMIT})"
    )
    parser.add_argument(
        "--seconds", type=float, default=120, help="time allowed for all replies (default 120)"
    )
    args = parser.parse_args()
    if not 1 <= args.messages_per_user <= FLOOD_LIMIT:
        parser.error(f"--messages-per-user must be 1-{FLOOD_LIMIT}: the flood guard drops more")
    if args.users < 1:
        parser.error("--users must be at least 1")
    return report(args.users, args.messages_per_user, args.seconds)


if __name__ == "__main__":
    sys.exit(main())
