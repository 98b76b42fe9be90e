"""WhatsApp load test: how many messages a second the bot answers through its webhook.

    python -m benchmarks.whatsapp_load [--users 200] [--messages-per-user 10] [--seconds 120]

The bot's real WhatsApp channel (signed webhook, inbox commits, engine, SQLite, outgoing
queue, pywa sending) runs in this process. A fake Cloud API and N simulated users run in a
process of their own (spawned), as Meta and its users would on other machines, so this
process's CPU time is the bot's alone. Each user posts M questions as signed webhooks, one
at a time, the next as soon as the answer's last message (the one with buttons: every
answer has them) reaches the fake. The 80 messages/s pacing per number is lifted, so the
bot's own capacity is measured, not Meta's default ceiling.

Reported: throughput, webhook acknowledgement time (post to 200: the inbox commit) and
time to reply (post to the answer's last message). Target: >= 240 messages/s (3x the
Cloud API's default 80/s) with acknowledgement p95 < 50 ms. Exit status 1 when a question
gets no answer within --seconds.
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

from bot.channels.whatsapp.app import WhatsAppService
from bot.channels.whatsapp.delivery import MESSAGES_PER_SECOND, RateLimiter
from bot.channels.whatsapp.updates import typed_command
from bot.config import PROJECT_ROOT, Settings
from bot.crypto import generate_key
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.runtime import open_services

SECRET = "bench-app-secret"
TOKEN = "bench-token"
PHONE_ID = "100200300400"
FIRST_NUMBER = 6281200000000


@dataclass(frozen=True)
class Result:
    acks: list[float]
    waits: list[float]
    seconds: float
    unanswered: int
    cpu: float


def questions_for(kb: KnowledgeBase, count: int, rng: random.Random) -> list[str]:
    """Example questions of the knowledge base that are not command words."""
    pool = [q for e in kb.entries.values() for q in e.questions if typed_command(q) == q]
    return [rng.choice(pool) for _ in range(count)]


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- the Meta side, in its own process --------------------------------------------------


def _side(conn: Connection, plan: dict[str, list[str]], seconds: float) -> None:
    asyncio.run(_side_main(conn, plan, seconds))


async def _side_main(conn: Connection, plan: dict[str, list[str]], seconds: float) -> None:
    from aiohttp import ClientSession, TCPConnector, web

    answered: dict[str, asyncio.Event] = {user: asyncio.Event() for user in plan}
    counter = iter(range(10**9))

    async def messages(request: web.Request) -> web.Response:
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

    async def user(session: ClientSession, number: str, questions: list[str]) -> None:
        nonlocal unanswered
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
        await asyncio.gather(*(user(session, n, qs) for n, qs in plan.items()))
    elapsed = time.monotonic() - started
    conn.send(Result(acks, waits, elapsed, unanswered, time.process_time() - cpu_start))
    await runner.cleanup()


def _post(number: str, text: str, wamid: str) -> bytes:
    message = {
        "from": number,
        "id": wamid,
        "timestamp": "0",
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


async def load(users: int, per_user: int, seconds: float) -> tuple[Result, float]:
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    rng = random.Random(2026)
    plan = {str(FIRST_NUMBER + n): questions_for(kb, per_user, rng) for n in range(users)}
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    side = context.Process(target=_side, args=(child, plan, seconds), daemon=True)
    side.start()
    api_port = await asyncio.to_thread(parent.recv)
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        settings = Settings.from_environ(
            {
                "WHATSAPP_TOKEN": TOKEN,
                "WHATSAPP_PHONE_ID": PHONE_ID,
                "WHATSAPP_APP_SECRET": SECRET,
                "WHATSAPP_VERIFY_TOKEN": "bench",
                "WHATSAPP_API_URL": f"http://127.0.0.1:{api_port}",
                "WHATSAPP_WEBHOOK_PORT": str(port),
                "DATABASE_PATH": str(Path(folder) / "load.sqlite3"),
                "REPORTS_ENCRYPTION_KEY": generate_key(),
            }
        )
        assert settings.whatsapp is not None
        async with open_services(settings, kb) as services:
            stop = asyncio.Event()
            whatsapp = WhatsAppService(settings.whatsapp, services, limiter=RateLimiter(None))
            bot = asyncio.create_task(whatsapp.run(stop))
            try:
                await wait_listening(port)
                cpu_start = time.process_time()
                parent.send(f"http://127.0.0.1:{port}/whatsapp")
                result: Result = await asyncio.to_thread(parent.recv)
                cpu = time.process_time() - cpu_start
            finally:
                stop.set()
                await asyncio.wait_for(bot, 60)
    side.join(10)
    return result, cpu


def report(users: int, per_user: int, seconds: float) -> int:
    total = users * per_user
    result, cpu = asyncio.run(load(users, per_user, seconds))
    if result.unanswered:
        print(f"FAILED: {result.unanswered} of {total} messages got no reply within {seconds:g} s")
        return 1
    acks, waits = sorted(result.acks), sorted(result.waits)
    rate = total / result.seconds
    print(f"messages       {total} ({users} users x {per_user}, one at a time each)")
    print(f"wall time      {result.seconds:.2f} s")
    print(
        f"throughput     {rate:.1f} messages/s = {rate / MESSAGES_PER_SECOND:.1f}x the "
        f"Cloud API's {MESSAGES_PER_SECOND:.0f}/s per number; target >= 3x"
    )
    print(
        f"webhook ack    p50 {statistics.median(acks) * 1000:.1f} ms, "
        f"p95 {percentile(acks, 0.95) * 1000:.1f} ms (target < 50 ms), "
        f"max {acks[-1] * 1000:.1f} ms"
    )
    print(
        f"time to reply  p50 {statistics.median(waits) * 1000:.1f} ms, "
        f"p95 {percentile(waits, 0.95) * 1000:.1f} ms, max {waits[-1] * 1000:.1f} ms"
    )
    print(f"bot CPU        {cpu / total * 1000:.2f} ms per message")
    print(f"Meta side      {result.cpu / total * 1000:.2f} ms CPU per message (fake + users)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.whatsapp_load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--messages-per-user", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    if args.users < 1 or args.messages_per_user < 1:
        parser.error("--users and --messages-per-user must be at least 1")
    return report(args.users, args.messages_per_user, args.seconds)


if __name__ == "__main__":
    sys.exit(main())
