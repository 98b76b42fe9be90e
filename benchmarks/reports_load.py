"""Report load test: many people complete a report at once; nothing may be lost or doubled.

    python -m benchmarks.reports_load [--users 200] [--photos 2] [--seconds 300]

The real python-telegram-bot Application (bot.channels.telegram.app.serve: long polling,
per-chat ordering, the report flow, the encrypted SQLite database and the outbox worker)
runs in this process against the fake Bot API of tests/fake_telegram.py on 127.0.0.1.
N simulated users start at the same moment and each completes the whole report flow of
tests/test_telegram_reports.py (nine steps, screenshots as evidence, the summary, then
"✅ Kirim"), answering each question as soon as it is asked.

Measured:
  * reports per second: receipts shown / time from the first /lapor to the last receipt;
  * submit -> receipt: from pressing "✅ Kirim" (the update is injected) until the
    receipt's sendMessage reaches the fake; the report and its outbox rows are committed
    before the receipt is sent, so this is the cost of one durable submit under load;
  * receipt -> card: until the case card reached the officials' chat (one outbox worker
    delivers every card and evidence photo, in order);
  * lost: receipted codes whose card never reached the officials' chat by the end;
    duplicated: cards accepted more than once. Both must be 0.

The AIORateLimiter's overall and per-group limits are lifted (0 disables them) so that
Telegram's pacing (30 messages a second, 20 a minute into one group) does not hide the
bot's own speed. The fake runs in this process (threads), so its work is counted against
the bot: the figures are a lower bound. Exit status 1 when a user got no receipt, a card
was lost or duplicated, or the outbox was not empty within --seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from telegram.ext import AIORateLimiter

from bot.channels.telegram.app import serve
from bot.channels.telegram.channel import TelegramChannel
from bot.config import PROJECT_ROOT, Settings
from bot.crypto import generate_hash_key, generate_key
from bot.knowledge import load_knowledge
from bot.runtime import Services, open_services
from tests.fake_telegram import Call, FakeTelegram
from tests.report_script import CODE, SUBMIT, Action, perform, report_steps

OFFICIALS = -100200300
OFFICIAL = 9001
FIRST_USER = 200_000
CARD = re.compile(r"Kode: (PRM-[A-Z0-9]{4}-[A-Z0-9]{4})")
STEP_TIMEOUT = 120.0  # one answer of the bot, however loaded


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    if not ordered:
        return "n/a"
    return (
        f"p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {percentile(ordered, 0.95) * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


class Watcher:
    """Reads the fake's recorded calls once each: answers to users and cards to officials."""

    def __init__(self, tg: FakeTelegram) -> None:
        self.tg = tg
        self.seen = 0
        self.waiting: dict[int, tuple[str, asyncio.Future[tuple[float, str]]]] = {}
        self.cards: Counter[str] = Counter()  # code -> cards accepted in the officials' chat
        self.first_card_at: dict[str, float] = {}
        self.evidence = 0

    def expect(self, chat_id: int, contains: str) -> asyncio.Future[tuple[float, str]]:
        """(arrival time, text) of the next bot message in the chat containing `contains`."""
        future: asyncio.Future[tuple[float, str]] = asyncio.get_running_loop().create_future()
        self.waiting[chat_id] = (contains, future)
        return future

    def scan(self) -> None:
        calls = self.tg.calls
        for call in calls[self.seen :]:
            if not call.ok:
                continue
            chat_id = call.params.get("chat_id")
            if self.officials(call, chat_id):
                continue
            if call.method == "sendMessage" and chat_id in self.waiting:
                contains, future = self.waiting[chat_id]
                if contains in call.params["text"]:
                    del self.waiting[chat_id]
                    if not future.done():
                        future.set_result((call.at, call.params["text"]))
        self.seen = len(calls)

    def officials(self, call: Call, chat_id: object) -> bool:
        """Counts a call to the officials' side; False: it went to a user."""
        if chat_id != OFFICIALS:
            return False
        if call.method == "sendPhoto":
            self.evidence += 1
        elif call.method == "sendMediaGroup":  # several photos as one album
            self.evidence += len(call.params.get("media") or [])
        elif call.method == "sendMessage" and (found := CARD.search(call.params["text"])):
            self.cards[found.group(1)] += 1
            self.first_card_at.setdefault(found.group(1), call.at)
        return True

    async def run(self) -> None:
        while True:
            self.scan()
            await asyncio.sleep(0.005)


@dataclass
class Outcome:
    code: str | None = None
    submit_wait: float | None = None  # "✅ Kirim" -> receipt
    receipt_at: float | None = None
    error: str | None = "not finished within --seconds"


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    start: float = 0.0
    users_done: float = 0.0
    delivered: float = 0.0
    outbox_left: int = -1
    watcher: Watcher | None = None


async def person(
    tg: FakeTelegram,
    watcher: Watcher,
    user_id: int,
    steps: list[Action],
    outcome: Outcome,
    code: re.Pattern[str] = CODE,
) -> None:
    """One reporter: answers each question as soon as it is asked, then submits; `code`:
    what a case code looks like in the receipt."""

    async def act(action: Action) -> tuple[float, str]:
        answer = watcher.expect(user_id, action[2])
        perform(tg, user_id, action)
        return await asyncio.wait_for(answer, STEP_TIMEOUT)

    try:
        for action in steps:
            await act(action)
        pressed = time.monotonic()
        at, receipt = await act(SUBMIT)
    except TimeoutError:
        outcome.error = "no answer within the step timeout"
        return
    found = code.search(receipt)
    if found is None:
        outcome.error = "receipt without a case code"
        return
    outcome.code, outcome.submit_wait, outcome.receipt_at = found.group(), at - pressed, at
    outcome.error = None


def remaining(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


async def wait_delivered(
    services: Services, watcher: Watcher, codes: set[str], deadline: float
) -> int:
    """Until every receipted code has its card and the outbox is empty; rows left at the end."""
    assert services.outbox is not None
    while True:
        left = len(await services.outbox.entries())
        if left == 0 and codes <= set(watcher.cards):
            return 0
        if time.monotonic() >= deadline:
            return left
        await asyncio.sleep(0.1)


async def load(users: int, photos: int, seconds: float) -> Run:
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    unlimited = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    result = Run()
    with tempfile.TemporaryDirectory() as folder, FakeTelegram() as tg:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        settings = Settings.from_environ(
            {
                **tg.bot_environ(),
                "DATABASE_PATH": str(Path(folder) / "reports-load.sqlite3"),
                "OFFICIALS_CHAT_ID": str(OFFICIALS),
                "OFFICIAL_USER_IDS": str(OFFICIAL),
                "REPORTS_ENCRYPTION_KEY": generate_key(),
                "REPORTS_HASH_KEY": generate_hash_key(),
            }
        )
        async with open_services(settings, kb) as services:
            stop = asyncio.Event()
            channel = TelegramChannel.for_services(services, settings)
            bot = asyncio.create_task(
                serve(settings, channel, stop, poll_timeout=1, rate_limiter=unlimited)
            )
            watcher = result.watcher = Watcher(tg)
            watching = asyncio.create_task(watcher.run())
            people: list[asyncio.Task[None]] = []
            try:
                await tg.async_wait_for_call("getUpdates", timeout=30)
                result.start = time.monotonic()
                deadline = result.start + seconds
                for number in range(users):
                    outcome = Outcome()
                    result.outcomes.append(outcome)
                    people.append(
                        asyncio.create_task(
                            person(tg, watcher, FIRST_USER + number, report_steps(photos), outcome)
                        )
                    )
                await asyncio.wait(people, timeout=remaining(deadline))
                result.users_done = time.monotonic()
                codes = {o.code for o in result.outcomes if o.code}
                result.outbox_left = await wait_delivered(services, watcher, codes, deadline)
                result.delivered = time.monotonic()
                watcher.scan()
            finally:
                for task in (*people, watching):
                    task.cancel()
                stop.set()
                await asyncio.wait_for(bot, 30)
    return result


def report(users: int, photos: int, seconds: float) -> int:
    run = asyncio.run(load(users, photos, seconds))
    watcher = run.watcher
    assert watcher is not None
    done = [o for o in run.outcomes if o.code]
    failed = [o for o in run.outcomes if not o.code]
    codes = [o.code for o in done if o.code]
    lost = [code for code in codes if watcher.cards[code] == 0]
    duplicated = sum(count - 1 for count in watcher.cards.values() if count > 1)
    strangers = set(watcher.cards) - set(codes)  # cards for codes nobody was shown
    last_receipt = max((o.receipt_at for o in done if o.receipt_at), default=run.start)
    flow_time = max(last_receipt - run.start, 1e-9)
    card_waits = [
        watcher.first_card_at[o.code] - o.receipt_at
        for o in done
        if o.code in watcher.first_card_at and o.receipt_at is not None
    ]
    print(f"users            {users} at once, {photos} screenshot(s) each, limit {seconds:g} s")
    print(f"reports          {len(done)} receipted, {len(failed)} without a receipt")
    until = "the outbox was empty" if run.outbox_left == 0 else "the time limit"
    print(f"time             {flow_time:.2f} s to the last receipt, "
          f"{run.delivered - run.start:.2f} s until {until}")  # fmt: skip
    print(f"throughput       {len(done) / flow_time:.1f} reports/s "
          f"({len(done) * (len(report_steps(photos)) + 1) / flow_time:.0f} updates/s)")  # fmt: skip
    print(f"submit->receipt  {spread([o.submit_wait for o in done if o.submit_wait is not None])}")
    print(f"receipt->card    {spread(card_waits)}")
    print(f"officials' chat  {sum(watcher.cards.values())} cards, {watcher.evidence} evidence photos"
          f" (expected {len(codes)} and {len(codes) * photos})")  # fmt: skip
    print(f"lost             {len(lost)}")
    print(f"duplicated       {duplicated}")
    problems = []
    if failed:
        reasons = Counter(o.error for o in failed)
        problems.append(f"{len(failed)} user(s) got no receipt: {dict(reasons)}")
    if lost:
        problems.append(f"{len(lost)} receipted report(s) never reached the officials: {lost[:5]}")
    if duplicated:
        problems.append(f"{duplicated} duplicated card(s)")
    if strangers:
        problems.append(f"cards for codes no user was given: {sorted(strangers)[:5]}")
    if run.outbox_left != 0:
        problems.append(f"outbox not empty at the end ({run.outbox_left} row(s) left)")
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reports_load", description=__doc__)
    parser.add_argument("--users", type=int, default=200, help="simulated reporters (default 200)")
    parser.add_argument(
        "--photos", type=int, default=2, help="screenshots per report (0-20, default 2)"
    )
    parser.add_argument("--seconds", type=float, default=300, help="time limit (default 300)")
    args = parser.parse_args()
    if args.users < 1:
        parser.error("--users must be at least 1")
    if not 0 <= args.photos <= 20:
        parser.error("--photos must be 0-20 (the flow keeps at most 20)")
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    # Only 127.0.0.1 is contacted: keep any configured HTTP proxy away from the fake.
    os.environ["NO_PROXY"] = ",".join(filter(None, (os.environ.get("NO_PROXY"), "127.0.0.1")))
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # see tests/fake_telegram.py, "Note:"
    return report(args.users, args.photos, args.seconds)


if __name__ == "__main__":
    sys.exit(main())
