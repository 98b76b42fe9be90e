"""WhatsApp load test: how many messages a second the bot answers through its webhook,
with its Telegram channel running and answering in the same process.

    python -m benchmarks.whatsapp_load [--users 200] [--messages-per-user 10] [--ramp 1]
                                       [--telegram-users 30] [--telegram-unpaced]
                                       [--seconds 120]

The bot runs here as `python main.py` runs it with both channels configured: one engine,
one SQLite database, the WhatsApp channel (signed webhook, inbox commits, outgoing queue,
pywa sending) and the Telegram channel (python-telegram-bot's long polling, the report
outbox, housekeeping). Meta's side (a fake Cloud API and N simulated WhatsApp users) runs
in a process of its own, and so does Telegram's (the fake Bot API of tests/fake_telegram.py
and its users, benchmarks/telegram_side.py), as they would on other machines, so this
process's CPU time is the bot's alone.

Each WhatsApp user posts M questions as signed webhooks, one at a time, the next as soon as
the answer's last message (the one with buttons: every answer has them) reaches the fake;
their first messages are spread over --ramp seconds (people do not all press send in the
same millisecond; --ramp 0 sends them all at once). WhatsApp's pacing (80 messages/s per
number) is lifted, so the bot's own capacity is measured, not Meta's default ceiling.

Meanwhile --telegram-users Telegram users ask M questions each the same way, so both
channels share the one event loop and database. Telegram keeps its production pacing
(TELEGRAM_MESSAGES_PER_SECOND, about 30 answers a second, Telegram's own limit): people who
wait for each answer cannot make the Telegram channel do more work than that for long, so
this is Telegram at the most it can be in production. --telegram-unpaced lifts it too (as
benchmarks/telegram_load.py does), a stress test of both channels flat out.

Reported: WhatsApp throughput, webhook acknowledgement time (post to 200, which comes only
after the inbox commit) and time to reply (post to the answer's last message); Telegram's
throughput alongside. Targets: >= 240 WhatsApp messages/s (3x the Cloud API's default 80/s)
with acknowledgement p95 < 50 ms; the last line says whether both were met. Exit status 1
when a question gets no answer within --seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import multiprocessing
import random
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from telegram.ext import AIORateLimiter

from benchmarks.telegram_load import FIRST_USER_ID, OFFICIALS_CHAT_ID
from benchmarks.telegram_load import questions_for as telegram_questions
from benchmarks.telegram_side import Conversation, TelegramSide
from bot.channels.flood import FLOOD_LIMIT
from bot.channels.telegram.app import serve
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.whatsapp.app import WhatsAppService
from bot.channels.whatsapp.delivery import MESSAGES_PER_SECOND, RateLimiter
from bot.channels.whatsapp.updates import typed_command
from bot.config import PROJECT_ROOT, Settings
from bot.crypto import generate_hash_key, generate_key
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.runtime import open_services

SECRET = "bench-app-secret"
TOKEN = "bench-token"
PHONE_ID = "100200300400"
FIRST_NUMBER = 6281200000000
TARGET_RATE = 3 * MESSAGES_PER_SECOND  # WhatsApp messages answered a second
TARGET_ACK_P95 = 0.050  # seconds from a webhook post to its 200


@dataclass(frozen=True)
class Result:
    acks: list[float]
    waits: list[float]
    seconds: float
    unanswered: int
    cpu: float
    sends: int  # Cloud API /messages calls the bot made meanwhile


def questions_for(kb: KnowledgeBase, count: int, rng: random.Random) -> list[str]:
    """Example questions of the knowledge base that are not command words."""
    pool = [q for e in kb.entries.values() for q in e.questions if typed_command(q) == q]
    return [rng.choice(pool) for _ in range(count)]


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- the Meta side, in its own process --------------------------------------------------


def _side(conn: Connection, plan: dict[str, list[str]], seconds: float, ramp: float) -> None:
    asyncio.run(_side_main(conn, plan, seconds, ramp))


async def _side_main(
    conn: Connection, plan: dict[str, list[str]], seconds: float, ramp: float
) -> None:
    from aiohttp import ClientSession, TCPConnector, web

    answered: dict[str, asyncio.Event] = {user: asyncio.Event() for user in plan}
    counter = iter(range(10**9))
    sends = 0

    async def messages(request: web.Request) -> web.Response:
        nonlocal sends
        sends += 1
        body = await request.json()
        to = str(body.get("to") or body.get("recipient"))
        if body.get("type") == "interactive" and to in answered:
            answered[to].set()
        reply = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.OUT{next(counter)}"}],
        }
        return web.json_response(reply)

    app = web.Application()
    app.router.add_post("/{version}/{phone}/messages", messages)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    conn.send(port)
    webhook_url = await asyncio.to_thread(conn.recv)
    acks: list[float] = []
    waits: list[float] = []
    unanswered = 0

    async def user(session: ClientSession, number: str, questions: list[str], start: float) -> None:
        nonlocal unanswered
        await asyncio.sleep(start)
        for index, question in enumerate(questions):
            post = _post(number, question, f"wamid.{number}.{index}")
            signature = "sha256=" + hmac.new(SECRET.encode(), post, hashlib.sha256).hexdigest()
            answered[number].clear()
            started = time.monotonic()
            async with session.post(
                webhook_url,
                data=post,
                headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"},
            ) as response:
                await response.read()
                acks.append(time.monotonic() - started)
            try:
                await asyncio.wait_for(answered[number].wait(), deadline - time.monotonic())
            except TimeoutError:
                unanswered += len(questions) - index
                return
            waits.append(time.monotonic() - started)

    cpu_start = time.process_time()
    started = time.monotonic()
    deadline = started + seconds
    async with ClientSession(connector=TCPConnector(limit=0)) as session:
        await asyncio.gather(
            *(user(session, n, qs, ramp * k / len(plan)) for k, (n, qs) in enumerate(plan.items()))
        )
    elapsed = time.monotonic() - started
    conn.send(Result(acks, waits, elapsed, unanswered, time.process_time() - cpu_start, sends))
    await runner.cleanup()


def _post(number: str, text: str, wamid: str) -> bytes:
    message = {
        "from": number,
        "id": wamid,
        "timestamp": str(int(time.time())),  # sent now: an old message is refused (replay)
        "type": "text",
        "text": {"body": text},
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "628000", "phone_number_id": PHONE_ID},
        "contacts": [{"profile": {"name": "Warga"}, "wa_id": number}],
        "messages": [message],
    }
    update = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(update).encode()


# --- the bot, in this process -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_listening(port: int) -> None:
    for _ in range(500):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.02)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise RuntimeError("the webhook server did not start")


async def load(
    users: int,
    per_user: int,
    telegram_users: int,
    unpaced: bool,
    seconds: float,
    ramp: float,
) -> tuple[Result, Conversation | None, float]:
    """Run both channels and let both crowds talk; returns what the WhatsApp and the
    Telegram users saw and the CPU seconds this process (the bot alone) used meanwhile."""
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    rng = random.Random(2026)
    plan = {str(FIRST_NUMBER + n): questions_for(kb, per_user, rng) for n in range(users)}
    telegram_plan = {
        FIRST_USER_ID + n: telegram_questions(kb, per_user, rng) for n in range(telegram_users)
    }
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    side = context.Process(target=_side, args=(child, plan, seconds, ramp), daemon=True)
    side.start()
    api_port = await asyncio.to_thread(parent.recv)
    with tempfile.TemporaryDirectory() as folder, TelegramSide() as tg:
        port = free_port()
        # Configured as in production with both channels: reporting on, an officials' group.
        settings = Settings.from_environ(
            {
                "TELEGRAM_BOT_TOKEN": tg.token,
                "TELEGRAM_BASE_URL": tg.base_url,
                "TELEGRAM_BASE_FILE_URL": tg.base_file_url,
                "OFFICIALS_CHAT_ID": str(OFFICIALS_CHAT_ID),
                "WHATSAPP_TOKEN": TOKEN,
                "WHATSAPP_PHONE_ID": PHONE_ID,
                "WHATSAPP_APP_SECRET": SECRET,
                "WHATSAPP_VERIFY_TOKEN": "bench",
                "WHATSAPP_API_URL": f"http://127.0.0.1:{api_port}",
                "WHATSAPP_WEBHOOK_PORT": str(port),
                "DATABASE_PATH": str(Path(folder) / "load.sqlite3"),
                "REPORTS_ENCRYPTION_KEY": generate_key(),
                "REPORTS_HASH_KEY": generate_hash_key(),
            }
        )
        assert settings.whatsapp is not None
        async with open_services(settings, kb) as services:
            stop = asyncio.Event()
            # Wired as bot.launch wires the two channels, with both platforms' pacing lifted.
            whatsapp = WhatsAppService(settings.whatsapp, services, limiter=RateLimiter(None))
            channel = TelegramChannel.for_services(
                services, settings, {"whatsapp": whatsapp.transport}
            )
            # None: paced as configured (production's defaults).
            pacing = AIORateLimiter(overall_max_rate=0, group_max_rate=0) if unpaced else None
            bots = [
                asyncio.create_task(whatsapp.run(stop)),
                asyncio.create_task(
                    serve(settings, channel, stop, poll_timeout=1, rate_limiter=pacing)
                ),
            ]
            try:
                await wait_listening(port)
                await tg.wait_for_call("getUpdates", timeout=30)
                cpu_start = time.process_time()
                parent.send(f"http://127.0.0.1:{port}/whatsapp")
                telegram = tg.talk(telegram_plan, seconds) if telegram_plan else None
                result, conversation = await asyncio.gather(
                    asyncio.to_thread(parent.recv), telegram or _nothing()
                )
                cpu = time.process_time() - cpu_start
            finally:
                stop.set()
                await asyncio.wait_for(asyncio.gather(*bots), 60)
    side.join(10)
    return result, conversation, cpu


async def _nothing() -> None:
    return None


def report(
    users: int, per_user: int, telegram_users: int, unpaced: bool, seconds: float, ramp: float
) -> int:
    total = users * per_user
    result, conversation, cpu = asyncio.run(
        load(users, per_user, telegram_users, unpaced, seconds, ramp)
    )
    telegram_total = telegram_users * per_user
    missing = result.unanswered + (conversation.unanswered if conversation else 0)
    if missing:
        print(
            f"FAILED: {result.unanswered} of {total} WhatsApp and "
            f"{conversation.unanswered if conversation else 0} of {telegram_total} Telegram "
            f"messages got no reply within {seconds:g} s"
        )
        return 1
    acks, waits = sorted(result.acks), sorted(result.waits)
    rate = total / result.seconds
    ack_p95 = percentile(acks, 0.95)
    print(
        f"WhatsApp       {total} messages ({users} users x {per_user}, one at a time each, "
        f"first messages spread over {ramp:g} s)"
    )
    print(f"wall time      {result.seconds:.2f} s")
    print(
        f"throughput     {rate:.1f} messages/s = {rate / MESSAGES_PER_SECOND:.1f}x the "
        f"Cloud API's {MESSAGES_PER_SECOND:.0f}/s per number (target >= {TARGET_RATE:.0f}/s)"
    )
    print(
        f"webhook ack    p50 {statistics.median(acks) * 1000:.1f} ms, "
        f"p95 {ack_p95 * 1000:.1f} ms (target < {TARGET_ACK_P95 * 1000:.0f} ms), "
        f"max {acks[-1] * 1000:.1f} ms"
    )
    print(
        f"time to reply  p50 {statistics.median(waits) * 1000:.1f} ms, "
        f"p95 {percentile(waits, 0.95) * 1000:.1f} ms, max {waits[-1] * 1000:.1f} ms"
    )
    if conversation is not None:
        tg_waits = sorted(conversation.waits)
        tg_rate = telegram_total / conversation.seconds
        print(
            f"Telegram       {telegram_total} updates ({telegram_users} users x {per_user}, "
            f"{'unpaced' if unpaced else 'paced as in production'}) at the same time: "
            f"{tg_rate:.1f} updates/s over {conversation.seconds:.2f} s, "
            f"reply p50 {statistics.median(tg_waits) * 1000:.0f} ms, "
            f"p95 {percentile(tg_waits, 0.95) * 1000:.0f} ms"
        )
    else:
        print("Telegram       running (polling, outbox, housekeeping), no users talking")
    # Meta counts messages in and out against a number's 80/s: what one question costs.
    per_question = 1 + result.sends / total
    print(
        f"Cloud API      {result.sends / total:.2f} messages out per question: "
        f"{per_question:.2f} against the 80/s, so one number carries about "
        f"{MESSAGES_PER_SECOND / per_question:.0f} questions/s"
    )
    both = total + telegram_total
    print(f"bot CPU        {cpu / both * 1000:.2f} ms per message, both channels")
    print(f"Meta side      {result.cpu / total * 1000:.2f} ms CPU per message (fake + users)")
    met = rate >= TARGET_RATE and ack_p95 < TARGET_ACK_P95
    print(
        f"targets        {'MET' if met else 'NOT MET'}: throughput "
        f"{'yes' if rate >= TARGET_RATE else 'no'}, ack p95 "
        f"{'yes' if ack_p95 < TARGET_ACK_P95 else 'no'}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.whatsapp_load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--messages-per-user", type=int, default=10)
    parser.add_argument(
        "--telegram-users",
        type=int,
        default=30,
        help="Telegram users asking as many questions at the same time (0: none)",
    )
    parser.add_argument(
        "--telegram-unpaced",
        action="store_true",
        help="lift Telegram's pacing too (both channels flat out)",
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=1.0,
        help="seconds over which the WhatsApp users send their first message (0: all at once)",
    )
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    if args.users < 1 or args.telegram_users < 0 or args.ramp < 0:
        parser.error("--users must be at least 1, --telegram-users and --ramp at least 0")
    if not 1 <= args.messages_per_user <= FLOOD_LIMIT:
        parser.error(f"--messages-per-user must be 1-{FLOOD_LIMIT}: the flood guard drops more")
    return report(
        args.users,
        args.messages_per_user,
        args.telegram_users,
        args.telegram_unpaced,
        args.seconds,
        args.ramp,
    )


if __name__ == "__main__":
    sys.exit(main())
