"""Broadcast load test: a campaign to 10,000 subscribers while citizens keep asking.

    python -m benchmarks.broadcast_load [--telegram 8000] [--whatsapp 2000] [--users 50]
                                        [--every 2] [--seconds 60]

The bot runs here as `python main.py` runs it with both channels configured, with the
platforms' pacing ON: Telegram's AIORateLimiter at 30 messages a second for the whole bot
(TELEGRAM_MESSAGES_PER_SECOND) and broadcasts at most 25 of them, only in the room the
answers leave (bot/channels/telegram/broadcast.py); WhatsApp at 80 sends a second per
number, broadcasts at most 60 of them (WHATSAPP_BROADCAST_PER_SECOND), a day's messaging
limit of 10,000 people (a tier Meta grants after a few weeks of use; at the starting 250
the template part would take days, and the preview says so). Telegram's side (the fake Bot
API of tests/fake_telegram.py and the users) and Meta's (a fake Cloud API) run in
processes of their own, as they would on other machines.

Two phases, each --seconds long: first --users Telegram users each ask a question every
--every seconds with no campaign running; then a campaign to --telegram + --whatsapp
subscribers (half of WhatsApp's inside the 24-hour window, half reached with the
template) is approved and the same number of other users ask the same way meanwhile. It
reports how long the campaign took to reach everyone, how many broadcasts went out while
the users asked, and the time to answer (p50, p95) without and with the campaign.
Target: the p95 with a campaign within 1.5x the p95 without. Exit status 1 when a
question got no answer, or a subscriber no broadcast, or one got it twice.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

from benchmarks.telegram_load import questions_for
from benchmarks.telegram_side import Conversation, TelegramSide
from bot.broadcast.compose import Composition
from bot.broadcast.targets import Target
from bot.channels.telegram.app import serve
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.whatsapp.app import WhatsAppService
from bot.clock import hour_stamp, utc_now
from bot.config import PROJECT_ROOT, Settings
from bot.crypto import generate_hash_key, generate_key
from bot.knowledge import load_knowledge
from bot.messages import UserKey
from bot.runtime import Services, open_services

FIRST_SUBSCRIBER = 1_000_000  # Telegram subscribers' chat ids
FIRST_ASKER = 100_000  # the users asking questions, phase one; phase two after them
FIRST_NUMBER = 6281300000000  # WhatsApp subscribers
OFFICIALS_CHAT_ID = -100200300
OFFICIAL = 9001
PHONE_ID = "100200300400"
TARGET_RATIO = 1.5
PLACES = ("Pariaman Utara", "Pariaman Tengah", "Pariaman Selatan", "Pariaman Timur", None)


# --- Meta's side, in its own process: a Cloud API that takes every message ------------


def _meta(conn: Connection) -> None:
    asyncio.run(_meta_main(conn))


async def _meta_main(conn: Connection) -> None:
    from aiohttp import web

    counter = iter(range(10**9))
    sent: dict[str, int] = {}
    kinds: dict[str, int] = {}

    async def messages(request: web.Request) -> web.Response:
        body = await request.json()
        to = str(body.get("to"))
        sent[to] = sent.get(to, 0) + 1
        kind = str(body.get("type"))
        kinds[kind] = kinds.get(kind, 0) + 1
        wamid = f"wamid.BENCH{next(counter):010d}"
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid}],
            }
        )

    app = web.Application()
    app.router.add_post("/{version}/{phone}/messages", messages)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    conn.send(port)
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "counts":
            conn.send((dict(sent), dict(kinds)))
        else:
            break
    await runner.cleanup()


# --- the bot, here --------------------------------------------------------------------


async def subscribe_everyone(services: Services, telegram: int, whatsapp: int) -> None:
    assert services.broadcasts is not None
    people = services.broadcasts.subscribers
    rng = random.Random(20)
    for n in range(telegram):
        place = rng.choice(PLACES)
        region = "kota-pariaman" if place else None
        await people.subscribe(
            UserKey("telegram", str(FIRST_SUBSCRIBER + n), str(FIRST_SUBSCRIBER + n)),
            region,
            place,
            "id",
        )
    for n in range(whatsapp):
        number = str(FIRST_NUMBER + n)
        await people.subscribe(UserKey("whatsapp", number, number), "kota-pariaman", None, "id")
    # Half of WhatsApp's last wrote two days ago: the template reaches them.
    old = hour_stamp(utc_now() - dt.timedelta(days=2))
    await services.database.write(
        "UPDATE subscribers SET seen_at = ? WHERE channel = 'whatsapp' AND rowid % 2 = 0", (old,)
    )


async def start_campaign(services: Services) -> int:
    assert services.broadcasts is not None and services.group_desk is not None
    campaigns = services.broadcasts.campaigns
    made = Composition(
        "Hati-hati: lowongan admin online ke Kamboja lewat TikTok adalah penipuan. Cek dulu "
        "dengan /cek atau di kantor DPMPTSP-TK.",
        (Target("kota-pariaman"),),
        None,
        utc_now(),
        (),
    )
    campaign = await campaigns.create(OFFICIALS_CHAT_ID, None, made, str(OFFICIAL))
    await campaigns.approve(campaign.id, str(OFFICIAL), 1)
    services.broadcasts.sender.notify()
    return campaign.id


async def done(services: Services, campaign: int) -> bool:
    rows = await services.database.fetchall(
        "SELECT status FROM campaigns WHERE id = ?", (campaign,)
    )
    return bool(rows) and rows[0][0] == "done"


async def run(args: argparse.Namespace) -> int:
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    rng = random.Random(2026)
    rounds = max(1, round(args.seconds / args.every))
    context = multiprocessing.get_context("spawn")
    meta_conn, child = context.Pipe()
    meta = context.Process(target=_meta, args=(child,), daemon=True)
    meta.start()
    port = meta_conn.recv()
    with tempfile.TemporaryDirectory() as folder, TelegramSide() as tg:
        settings = Settings.from_environ(
            {
                "TELEGRAM_BOT_TOKEN": tg.token,
                "TELEGRAM_BASE_URL": tg.base_url,
                "TELEGRAM_BASE_FILE_URL": tg.base_file_url,
                "DATABASE_PATH": str(Path(folder) / "broadcast.sqlite3"),
                "REPORTS_ENCRYPTION_KEY": generate_key(),
                "REPORTS_HASH_KEY": generate_hash_key(),
                "OFFICIALS_CHAT_ID": str(OFFICIALS_CHAT_ID),
                "OFFICIAL_USER_IDS": str(OFFICIAL),
                "DIGEST_WEEKDAY": "off",
                "WHATSAPP_TOKEN": "bench-token",
                "WHATSAPP_PHONE_ID": PHONE_ID,
                "WHATSAPP_APP_SECRET": "bench-secret",
                "WHATSAPP_VERIFY_TOKEN": "bench-verify",
                "WHATSAPP_API_URL": f"http://127.0.0.1:{port}",
                "WHATSAPP_WEBHOOK_PORT": "0",
                "WHATSAPP_MESSAGING_LIMIT": "10000",
            }
        )
        assert settings.whatsapp is not None
        async with open_services(settings, kb) as services:
            await subscribe_everyone(services, args.telegram, args.whatsapp)
            stop = asyncio.Event()
            whatsapp = WhatsAppService(settings.whatsapp, services)
            channel = TelegramChannel.for_services(
                services, settings, {"whatsapp": whatsapp.transport}
            )
            tasks = [
                asyncio.create_task(whatsapp.run(stop)),
                # rate_limiter None: production's, 30 messages a second in all
                asyncio.create_task(serve(settings, channel, stop, poll_timeout=1)),
            ]
            try:
                await tg.wait_for_call("getUpdates", timeout=60)
                plan = {FIRST_ASKER + n: questions_for(kb, rounds, rng) for n in range(args.users)}
                print(f"phase 1: {args.users} users, a question every {args.every:g} s, "
                      f"{args.seconds:g} s, no campaign")  # fmt: skip
                quiet = await tg.ask_every(plan, args.every, 60)
                plan = {
                    FIRST_ASKER + 1000 + n: questions_for(kb, rounds, rng)
                    for n in range(args.users)
                }
                print(f"phase 2: the same while a campaign reaches {args.telegram:,} Telegram "
                      f"and {args.whatsapp:,} WhatsApp subscribers")  # fmt: skip
                started = time.monotonic()
                campaign = await start_campaign(services)
                asking = asyncio.create_task(tg.ask_every(plan, args.every, 60))
                finished: float | None = None
                during: tuple[int, float] | None = None  # (Telegram reached, seconds)
                while finished is None or during is None:
                    if finished is None and await done(services, campaign):
                        finished = time.monotonic() - started
                    if during is None and asking.done():
                        high = FIRST_SUBSCRIBER + args.telegram
                        reached_then, _ = await tg.reached(FIRST_SUBSCRIBER, high)
                        during = (reached_then, time.monotonic() - started)
                    if time.monotonic() - started > args.limit:
                        break
                    await asyncio.sleep(0.5)
                busy = await asking
                reached, messages = await tg.reached(
                    FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + args.telegram
                )
                meta_conn.send("counts")
                sent, kinds = meta_conn.recv()
                counts = await services.broadcasts.campaigns.counts(campaign)  # type: ignore[union-attr]
            finally:
                stop.set()
                await asyncio.wait_for(asyncio.gather(*tasks), 60)
    meta_conn.send("stop")
    meta.join(10)
    return report(
        args, quiet, busy, finished, during, reached, messages, sent, kinds, counts.templates
    )


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(
    args: argparse.Namespace,
    quiet: Conversation,
    busy: Conversation,
    finished: float | None,
    during: tuple[int, float] | None,
    reached: int,
    messages: int,
    sent: dict[str, int],
    kinds: dict[str, int],
    templates: int,
) -> int:
    failed = False
    subscribers = args.telegram + args.whatsapp
    if finished is None:
        print(f"FAILED: the campaign was not done within {args.limit:g} s")
        failed = True
    else:
        print(f"campaign       {subscribers:,} subscribers in {finished:.1f} s "
              f"({subscribers / finished:.0f} a second on average)")  # fmt: skip
    if during is not None:
        got, seconds = during
        print(f"  while asked  {got:,} Telegram broadcasts in the first {seconds:.0f} s "
              f"({got / seconds:.1f} a second beside the answers)")  # fmt: skip
    wa_reached = len(sent)
    wa_twice = sum(n - 1 for n in sent.values() if n > 1)
    print(f"  Telegram     {reached:,} of {args.telegram:,} reached, {messages - reached} twice")
    print(f"  WhatsApp     {wa_reached:,} of {args.whatsapp:,} reached ({templates:,} by the "
          f"marketing template), {wa_twice} twice; sends by type {kinds}")  # fmt: skip
    if reached < args.telegram or wa_reached < args.whatsapp or messages > reached or wa_twice:
        print("FAILED: a subscriber got no broadcast, or got it twice")
        failed = True
    for name, conversation in (("without", quiet), ("with", busy)):
        waits = sorted(conversation.waits)
        if conversation.unanswered or not waits:
            print(f"FAILED: {conversation.unanswered} question(s) {name} a campaign unanswered")
            failed = True
            continue
        print(f"answers {name:<8}{len(waits)} questions: p50 {statistics.median(waits) * 1000:.0f} ms, "
              f"p95 {percentile(waits, 0.95) * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms")  # fmt: skip
    if quiet.waits and busy.waits:
        ratio = percentile(sorted(busy.waits), 0.95) / percentile(sorted(quiet.waits), 0.95)
        met = "met" if ratio <= TARGET_RATIO else "NOT met"
        print(f"p95 with / without a campaign: {ratio:.2f} (target <= {TARGET_RATIO}: {met})")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.broadcast_load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--telegram", type=int, default=8000, help="Telegram subscribers")
    parser.add_argument("--whatsapp", type=int, default=2000, help="WhatsApp subscribers")
    parser.add_argument("--users", type=int, default=50, help="users asking meanwhile")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between questions")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument(
        "--limit", type=float, default=1800.0, help="seconds allowed for the campaign"
    )
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
