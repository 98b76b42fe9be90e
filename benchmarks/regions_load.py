"""Reports over many regions: every card must reach its own region's group, once.

    python -m benchmarks.regions_load [--users 200] [--regions 20] [--photos 2] [--seconds 300]

Like benchmarks/reports_load.py (the real Application on the fake Bot API, the encrypted
database, the outbox worker), but with a generated REGIONS_FILE of N regions, each with its
own officials' group, case-code prefix and three kecamatan, plus a province group that gets
a read-only copy of every card. Reporter k files in region k mod N: half press the region's
button and then the kecamatan's, half type the kecamatan's name with a typo at the first
question (the rapidfuzz place finder under load).

Checked at the end, from the Bot API calls the fake received:
  * every receipted code has exactly one card, in its region's group, with its prefix;
  * every card's evidence went to that same group; the province got one copy per code;
  * lost (a code without its card) and duplicated (a card accepted twice) must be 0;
  * misrouted (a card or photo in another region's group) must be 0.
Exit status 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from telegram.ext import AIORateLimiter

from benchmarks import reports_load
from benchmarks.reports_load import FIRST_USER, Outcome, remaining, spread
from bot.channels.telegram.app import serve
from bot.channels.telegram.channel import TelegramChannel
from bot.config import PROJECT_ROOT, Settings
from bot.crypto import generate_hash_key, generate_key
from bot.knowledge import load_knowledge
from bot.runtime import Services, open_services
from tests.fake_telegram import Call, FakeTelegram
from tests.report_script import Action, report_steps

# Region names without digits: the place finder compares letters only.
WORDS = (
    "Alfa Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kilo Lima Mike November "
    "Oscar Papa Quebec Romeo Sierra Tango Uniform Victor Whiskey Xray Yankee Zulu"
).split()
SIDES = ("Hulu", "Hilir", "Tengah")
PROVINCE = -100_900_000
CARD = re.compile(r"Kode: ([A-Z]{2,5}-[A-Z0-9]{4}-[A-Z0-9]{4})")
EVIDENCE = re.compile(r"Bukti ([A-Z]{2,5}-[A-Z0-9]{4}-[A-Z0-9]{4})")
CODE = re.compile(r"\b[A-Z]{2,5}-[A-Z0-9]{4}-[A-Z0-9]{4}\b")


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    prefix: str
    chat: int
    places: tuple[str, ...]


def regions(count: int) -> list[Region]:
    made = []
    for number in range(count):
        word = WORDS[number % len(WORDS)] + ("" if number < len(WORDS) else "ka" * (number // 26))
        prefix = "R" + chr(65 + number // 26) + chr(65 + number % 26)
        places = tuple(f"{word} {side}" for side in SIDES)
        made.append(
            Region(f"r{number}", f"Kabupaten {word}", prefix, -100_800_000 - number, places)
        )
    return made


def regions_yaml(made: list[Region]) -> str:
    lines = [f"default_region: {made[0].id}", f"province_chat_id: {PROVINCE}", "regions:"]
    for region in made:
        lines += [
            f"  - id: {region.id}",
            f"    name: {region.name}",
            f"    code_prefix: {region.prefix}",
            f"    officials_chat_id: {region.chat}",
            "    official_user_ids: [9001]",
            f"    places: [{', '.join(region.places)}]",
        ]
    return "\n".join(lines) + "\n"


def steps_for(region: Region, number: int, photos: int) -> list[Action]:
    steps = report_steps(photos)
    where = next(i for i, step in enumerate(steps) if step[1] == "Pariaman Tengah")
    place = region.places[number % len(region.places)]
    steps[where - 1] = ("press", "Tidak tahu", "Pilih kota/kabupaten")
    if number % 2:
        typo = place[:-2] + place[-1]  # "Alfa Hilir" -> "Alfa Hilr"
        steps[where : where + 1] = [("say", f"di {typo}", "4/9")]
    else:
        steps[where : where + 1] = [
            ("press", region.name, f"{region.name}: Di mana"),
            ("press", place, "4/9"),
        ]
    return steps


class Watcher(reports_load.Watcher):
    """Also tells the groups apart: cards, photos and province copies per chat."""

    def __init__(self, tg: FakeTelegram, groups: set[int]) -> None:
        super().__init__(tg)
        self.groups = groups
        self.cards_in: dict[str, list[int]] = defaultdict(list)  # code -> chats it arrived in
        self.copies: Counter[str] = Counter()
        self.evidence_in: dict[str, list[int]] = defaultdict(list)

    def officials(self, call: Call, chat_id: object) -> bool:
        body = str(call.params.get("text") or call.params.get("caption") or "")
        if chat_id == PROVINCE:
            if found := CARD.search(body):
                self.copies[found.group(1)] += 1
            return True
        if chat_id not in self.groups:
            return False
        if call.method == "sendPhoto" and (found := EVIDENCE.search(body)):
            self.evidence_in[found.group(1)].append(chat_id)
        elif call.method == "sendMediaGroup":  # several photos as one album
            media = call.params.get("media") or []
            caption = str(media[0].get("caption") or "") if media else ""
            if found := EVIDENCE.search(caption):
                self.evidence_in[found.group(1)] += [chat_id] * len(media)
        elif call.method == "sendMessage" and (found := CARD.search(body)):
            self.cards_in[found.group(1)].append(chat_id)
            self.first_card_at.setdefault(found.group(1), call.at)
        return True


@dataclass
class Run:
    outcomes: list[tuple[Region, Outcome]] = field(default_factory=list)
    start: float = 0.0
    delivered: float = 0.0
    outbox_left: int = -1
    watcher: Watcher | None = None


async def wait_delivered(
    services: Services, watcher: Watcher, codes: set[str], deadline: float
) -> int:
    assert services.outbox is not None
    while True:
        left = len(await services.outbox.entries())
        if left == 0 and codes <= set(watcher.cards_in) and codes <= set(watcher.copies):
            return 0
        if time.monotonic() >= deadline:
            return left
        await asyncio.sleep(0.1)


async def load(users: int, count: int, photos: int, seconds: float) -> Run:
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    made = regions(count)
    unlimited = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    result = Run()
    with tempfile.TemporaryDirectory() as folder, FakeTelegram() as tg:
        for region in made:
            tg.add_chat(region.chat, "supergroup", title=region.name)
        tg.add_chat(PROVINCE, "supergroup", title="Provinsi")
        path = Path(folder) / "regions.yaml"
        path.write_text(regions_yaml(made), encoding="utf-8")
        settings = Settings.from_environ(
            {
                **tg.bot_environ(),
                "DATABASE_PATH": str(Path(folder) / "regions-load.sqlite3"),
                "REGIONS_FILE": str(path),
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
            watcher = result.watcher = Watcher(tg, {r.chat for r in made})
            watching = asyncio.create_task(watcher.run())
            people: list[asyncio.Task[None]] = []
            try:
                await tg.async_wait_for_call("getUpdates", timeout=30)
                result.start = time.monotonic()
                deadline = result.start + seconds
                for number in range(users):
                    region = made[number % count]
                    outcome = Outcome()
                    result.outcomes.append((region, outcome))
                    steps = steps_for(region, number // count, photos)
                    people.append(
                        asyncio.create_task(
                            reports_load.person(
                                tg, watcher, FIRST_USER + number, steps, outcome, CODE
                            )
                        )
                    )
                await asyncio.wait(people, timeout=remaining(deadline))
                codes = {o.code for _, o in result.outcomes if o.code}
                result.outbox_left = await wait_delivered(services, watcher, codes, deadline)
                result.delivered = time.monotonic()
                watcher.scan()
            finally:
                for task in (*people, watching):
                    task.cancel()
                stop.set()
                await asyncio.wait_for(bot, 30)
    return result


def report(users: int, count: int, photos: int, seconds: float) -> int:
    run = asyncio.run(load(users, count, photos, seconds))
    watcher = run.watcher
    assert watcher is not None
    done = [(region, o) for region, o in run.outcomes if o.code]
    failed = [o for _, o in run.outcomes if not o.code]
    lost = [o.code for _, o in done if o.code and not watcher.cards_in.get(o.code)]
    duplicated = sum(len(chats) - 1 for chats in watcher.cards_in.values() if len(chats) > 1)
    duplicated += sum(n - 1 for n in watcher.copies.values() if n > 1)
    misrouted = [
        o.code
        for region, o in done
        if o.code
        and (
            any(chat != region.chat for chat in watcher.cards_in.get(o.code, []))
            or any(chat != region.chat for chat in watcher.evidence_in.get(o.code, []))
            or not o.code.startswith(region.prefix + "-")
        )
    ]
    missing_copies = [o.code for _, o in done if o.code and watcher.copies[o.code] == 0]
    groups_used = len({chat for chats in watcher.cards_in.values() for chat in chats})
    last_receipt = max((o.receipt_at for _, o in done if o.receipt_at), default=run.start)
    flow_time = max(last_receipt - run.start, 1e-9)
    card_waits = [
        watcher.first_card_at[o.code] - o.receipt_at
        for _, o in done
        if o.code in watcher.first_card_at and o.receipt_at is not None
    ]
    photos_seen = sum(len(chats) for chats in watcher.evidence_in.values())
    steps = len(report_steps(photos)) + 2  # the region's question adds one step or two
    print(f"users            {users} at once over {count} regions (+ a province group), "
          f"{photos} screenshot(s) each, limit {seconds:g} s")  # fmt: skip
    print(f"reports          {len(done)} receipted, {len(failed)} without a receipt")
    until = "the outbox was empty" if run.outbox_left == 0 else "the time limit"
    print(f"time             {flow_time:.2f} s to the last receipt, "
          f"{run.delivered - run.start:.2f} s until {until}")  # fmt: skip
    print(f"throughput       {len(done) / flow_time:.1f} reports/s "
          f"(~{len(done) * steps / flow_time:.0f} updates/s)")  # fmt: skip
    print(f"submit->receipt  {spread([o.submit_wait for _, o in done if o.submit_wait])}")
    print(f"receipt->card    {spread(card_waits)}")
    print(f"groups           {groups_used} region groups got cards; "
          f"{sum(len(c) for c in watcher.cards_in.values())} cards, {photos_seen} photos, "
          f"{sum(watcher.copies.values())} province copies (expected {len(done)}, "
          f"{len(done) * photos}, {len(done)})")  # fmt: skip
    print(f"lost             {len(lost)}")
    print(f"duplicated       {duplicated}")
    print(f"misrouted        {len(misrouted)}")
    problems = []
    if failed:
        problems.append(
            f"{len(failed)} user(s) got no receipt: {dict(Counter(o.error for o in failed))}"
        )
    if lost:
        problems.append(f"{len(lost)} report(s) never reached their group: {lost[:5]}")
    if duplicated:
        problems.append(f"{duplicated} duplicated card(s)")
    if misrouted:
        problems.append(f"{len(misrouted)} report(s) in the wrong group: {misrouted[:5]}")
    if missing_copies:
        problems.append(f"{len(missing_copies)} report(s) without a province copy")
    if photos_seen != len(done) * photos:
        problems.append(f"{photos_seen} photos delivered, {len(done) * photos} expected")
    if run.outbox_left != 0:
        problems.append(f"outbox not empty at the end ({run.outbox_left} row(s) left)")
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.regions_load", description=__doc__)
    parser.add_argument("--users", type=int, default=200, help="simulated reporters (default 200)")
    parser.add_argument("--regions", type=int, default=20, help="regions (default 20, 2-676)")
    parser.add_argument("--photos", type=int, default=2, help="screenshots per report (0-20)")
    parser.add_argument("--seconds", type=float, default=300, help="time limit (default 300)")
    args = parser.parse_args()
    if args.users < 1 or not 2 <= args.regions <= 676:
        parser.error("--users must be at least 1 and --regions 2 to 676")
    if not 0 <= args.photos <= 20 or args.seconds <= 0:
        parser.error("--photos must be 0-20 and --seconds positive")
    os.environ["NO_PROXY"] = ",".join(filter(None, (os.environ.get("NO_PROXY"), "127.0.0.1")))
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # see tests/fake_telegram.py, "Note:"
    return report(args.users, args.regions, args.photos, args.seconds)


if __name__ == "__main__":
    sys.exit(main())
