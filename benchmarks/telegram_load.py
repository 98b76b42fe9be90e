"""Telegram load test: how many updates a second the whole bot answers.

    python -m benchmarks.telegram_load [--users 200] [--messages-per-user 10] [--seconds 120]

The real python-telegram-bot Application (bot.channels.telegram.app.serve: long polling,
per-chat ordering, flood guard, the engine, the SQLite database, and the report outbox and
housekeeping, as configured in production) runs in this process
against the local fake Bot API of tests/fake_telegram.py on 127.0.0.1. The fake and N
simulated users run in a process of their own (benchmarks/telegram_side.py), as Telegram
and its users would on other machines, so this process holds only the bot. Each user asks
M realistic questions (the knowledge base's example questions plus some off-topic ones)
one at a time, the next as soon as the answer to the previous one arrives, so N questions
are always in flight. The time to reply runs from a question entering the fake to the
bot's sendMessage reaching it.

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

from benchmarks.telegram_side import Conversation, TelegramSide
from bot.channels.flood import FLOOD_LIMIT
from bot.channels.telegram.app import serve
from bot.channels.telegram.channel import TelegramChannel
from bot.config import PROJECT_ROOT, Settings
from bot.crypto import generate_hash_key, generate_key
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.runtime import open_services

TELEGRAM_CEILING = 30  # messages a second one bot may send (Bot API FAQ)
FIRST_USER_ID = 100_000
OFFICIALS_CHAT_ID = -100200300  # nobody reports here, so nothing is sent to it
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


async def load(users: int, per_user: int, seconds: float) -> tuple[Conversation, float]:
    """Run the bot and let the users talk; returns what they saw and the CPU seconds this
    process (the bot alone) used meanwhile."""
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    rng = random.Random(2026)
    plan = {FIRST_USER_ID + n: questions_for(kb, per_user, rng) for n in range(users)}
    unlimited = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    with tempfile.TemporaryDirectory() as folder, TelegramSide() as tg:
        # Configured as in production: reporting on, so its outbox and housekeeping run too.
        settings = Settings.from_environ(
            {
                "TELEGRAM_BOT_TOKEN": tg.token,
                "TELEGRAM_BASE_URL": tg.base_url,
                "TELEGRAM_BASE_FILE_URL": tg.base_file_url,
                "DATABASE_PATH": str(Path(folder) / "load.sqlite3"),
                "REPORTS_ENCRYPTION_KEY": generate_key(),
                "REPORTS_HASH_KEY": generate_hash_key(),
                "OFFICIALS_CHAT_ID": str(OFFICIALS_CHAT_ID),
            }
        )
        async with open_services(settings, kb) as services:
            stop = asyncio.Event()
            channel = TelegramChannel.for_services(services, settings)
            bot = asyncio.create_task(
                serve(settings, channel, stop, poll_timeout=1, rate_limiter=unlimited)
            )
            try:
                await tg.wait_for_call("getUpdates", timeout=30)
                cpu_start = time.process_time()
                conversation = await tg.talk(plan, seconds)
                cpu = time.process_time() - cpu_start
            finally:
                stop.set()
                await asyncio.wait_for(bot, 30)
    return conversation, cpu


def report(users: int, per_user: int, seconds: float) -> int:
    total = users * per_user
    conversation, cpu = asyncio.run(load(users, per_user, seconds))
    if conversation.unanswered:
        print(
            f"FAILED: {conversation.unanswered} of {total} messages got no reply within "
            f"{seconds:g} s"
        )
        return 1
    waits = sorted(conversation.waits)
    rate = total / conversation.seconds
    print(f"updates        {total} ({users} users x {per_user} questions, one at a time each)")
    print(f"wall time      {conversation.seconds:.2f} s")
    print(f"throughput     {rate:.1f} updates/s")
    print(
        f"time to reply  p50 {statistics.median(waits) * 1000:.1f} ms, "
        f"p95 {percentile(waits, 0.95) * 1000:.1f} ms, max {waits[-1] * 1000:.1f} ms"
    )
    print(
        f"               = {rate / TELEGRAM_CEILING:.1f}x Telegram's ~{TELEGRAM_CEILING} msg/s "
        "ceiling; target >= 10x"
    )
    # The bot's own CPU time per update says what one core gives it; the Telegram side's
    # shows what the fake and the users took from this 2-core machine meanwhile.
    per_update = cpu / total
    print(
        f"bot CPU        {per_update * 1000:.2f} ms per update -> {1 / per_update:.0f} "
        f"updates/s per core = {1 / per_update / TELEGRAM_CEILING:.1f}x Telegram's ceiling"
    )
    print(f"Telegram side  {conversation.cpu / total * 1000:.2f} ms CPU per update (fake + users)")
    if conversation.extra:
        print(
            f"WARNING: {conversation.extra} more sendMessage calls than questions; "
            "reply times may be off"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.telegram_load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=200, help="simulated users (default 200)")
    parser.add_argument(
        "--messages-per-user", type=int, default=10, help=f"questions each (1-{FLOOD_LIMIT})"
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
