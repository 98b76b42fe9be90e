"""Crash recovery: the real bot as a subprocess (`python main.py`), killed and restarted.

Each test runs the bot exactly as production does (a separate process, settings from the
environment, the SQLite file on disk) against the fake Bot API in this process, then kills
it with SIGKILL (no clean-up of any kind) or stops it with SIGTERM, and starts it again on
the same database. What must hold (bot/outbox.py, bot/reports.py):

* a reporter who saw a case code has a report whose card reaches the officials' chat;
* a message is sent again only if the process died after its request went out and before
  our COMMIT; one row is in flight at a time, so a crash adds at most one duplicate;
* a draft survives a restart at the step the user had reached.

The tests are blocking (no event loop in the test process), so they use the fake's
blocking wait helpers. A randomised test prints its seed; set CRASH_SEED to replay it.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import pytest

from bot.config import PROJECT_ROOT
from bot.crypto import generate_hash_key, generate_key
from tests.conftest import run_main
from tests.fake_telegram import FakeTelegram
from tests.report_script import CODE, OFFER, SUBMIT, Action, perform, report_steps

OFFICIALS = -100200300
OFFICIAL = 9001
START_TIMEOUT = 30.0  # from Popen to long polling (imports, knowledge base, database)
STEP_TIMEOUT = 15.0  # one answer of the bot
STOP_TIMEOUT = 15.0  # SIGTERM to exit
DELIVERY_TIMEOUT = 40.0  # back-off of the officials' chat included

EVIDENCE = 2  # photos per report: each becomes an outbox row after the card's
# While killing: how long the fake takes to accept a card or photo. Long enough that the
# work spreads over the rounds and a kill usually finds a request in flight.
DELIVERY_DELAY = 0.25


FIRST_STEPS = report_steps()[:6]  # up to "4/9": the restart test stops there


def last_steps(photos: int = EVIDENCE) -> list[Action]:
    """From step 4 to the summary, sending `photos` screenshots as evidence."""
    return report_steps(photos)[6:]


class Bots:
    """Starts `python main.py` against the fake; every process it started dies at the end."""

    def __init__(self, tg: FakeTelegram, folder: Path, key: str) -> None:
        self.tg = tg
        self.folder = folder
        self.database = folder / "bot.sqlite3"
        self.hash_key = generate_hash_key()
        environ = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
        environ.update(
            {
                **tg.bot_environ(),
                "TELEGRAM_WEBHOOK_URL": "",  # long polling, whatever a local .env says
                "DATABASE_PATH": str(self.database),
                "OFFICIALS_CHAT_ID": str(OFFICIALS),
                "OFFICIAL_USER_IDS": str(OFFICIAL),
                "REPORTS_ENCRYPTION_KEY": key,
                "REPORTS_HASH_KEY": self.hash_key,
                "KNOWLEDGE_DIR": str(PROJECT_ROOT / "knowledge"),
                "CASE_CODE_PREFIX": "PRM",
                "LOG_LEVEL": "INFO",
                "NO_PROXY": "127.0.0.1",
                "PTB_TIMEDELTA": "true",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.environ = environ
        self.processes: list[subprocess.Popen[bytes]] = []
        self._logs: list[IO[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        """Start the bot and return once it is about to long-poll (its outbox worker next)."""
        ready_before = len(self.tg.calls_to("deleteWebhook"))
        log = (self.folder / f"bot-{len(self.processes) + 1}.log").open("wb")
        self._logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "main.py"],
            cwd=PROJECT_ROOT,
            env=self.environ,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        deadline = time.monotonic() + START_TIMEOUT
        while len(self.tg.calls_to("deleteWebhook")) <= ready_before:
            if process.poll() is not None:
                raise AssertionError(f"the bot exited with {process.returncode}\n{self.logs()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start in {START_TIMEOUT}s\n{self.logs()}")
            time.sleep(0.02)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        assert process.wait(STOP_TIMEOUT) == -signal.SIGKILL

    def terminate(self, process: subprocess.Popen[bytes]) -> None:
        """SIGTERM, as systemd or docker stop sends it: the bot must stop cleanly."""
        process.send_signal(signal.SIGTERM)
        code = process.wait(STOP_TIMEOUT)
        assert code == 0, f"exit status {code} after SIGTERM\n{self.logs()}"

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_TIMEOUT)
        for log in self._logs:
            log.close()

    def logs(self, last: int = 4000) -> str:
        parts = []
        for path in sorted(self.folder.glob("bot-*.log")):
            parts.append(f"--- {path.name} ---\n{path.read_text(errors='replace')[-last:]}")
        return "\n".join(parts)

    def undelivered(self) -> int:
        """Outbox rows not sent yet (pending or failed), read straight from the file."""
        with contextlib.closing(sqlite3.connect(self.database, timeout=10)) as db:
            (count,) = db.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'").fetchone()
        return int(count)

    def wait_until_delivered(self, timeout: float = DELIVERY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while (left := self.undelivered()) > 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"{left} outbox row(s) still undelivered\n{self.logs()}")
            time.sleep(0.1)

    def outbox_command(self) -> str:
        """`python main.py outbox`, as an official would run it on the server."""
        result = run_main("outbox", env=self.environ)
        assert result.returncode == 0, result.stderr
        return result.stdout


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        fake.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        yield fake


@pytest.fixture
def bots(tg: FakeTelegram, tmp_path: Path) -> Iterator[Bots]:
    launcher = Bots(tg, tmp_path, generate_key())
    try:
        yield launcher
    finally:
        launcher.close()  # before the fake stops (fixture order)


# --- users --------------------------------------------------------------------------------


def _seen(tg: FakeTelegram, user: int, expect: str) -> int:
    return sum(expect in (m.get("text") or "") for m in tg.history(user))


def act(tg: FakeTelegram, users: Iterable[int], action: Action) -> None:
    """Every user does `action` at once; returns when each has the bot's answer to it."""
    expect = action[2]
    users = list(users)
    before = {user: _seen(tg, user, expect) for user in users}
    for user in users:
        perform(tg, user, action)
    tg.wait_for(
        lambda _: all(_seen(tg, user, expect) > before[user] for user in users),
        timeout=STEP_TIMEOUT,
    )


def report(tg: FakeTelegram, users: Iterable[int], photos: int = EVIDENCE) -> dict[int, str]:
    """Each user completes a report (the flow of tests/test_telegram_reports.py's `report`),
    all users side by side; returns each user's case code, read from the receipt."""
    users = list(users)
    for action in (*FIRST_STEPS, *last_steps(photos), SUBMIT):
        act(tg, users, action)
    return {user: receipt_code(tg, user) for user in users}


def receipt_code(tg: FakeTelegram, user: int) -> str:
    [receipt] = tg.wait_for_message(user, contains="Kode kasus", timeout=STEP_TIMEOUT)
    found = CODE.search(receipt["text"])
    assert found, receipt["text"]
    return found.group()


# --- what reached the officials -----------------------------------------------------------


def cards_delivered(tg: FakeTelegram) -> Counter[str]:
    """Case code -> how many of its cards Telegram accepted in the officials' chat."""
    return Counter(
        found.group(1)
        for call in tg.calls_to("sendMessage")
        if call.status == 200 and call.params.get("chat_id") == OFFICIALS
        if (found := re.search(r"Kode: (PRM-[A-Z0-9]{4}-[A-Z0-9]{4})", call.params["text"]))
    )


def evidence_delivered(tg: FakeTelegram) -> Counter[str]:
    """Evidence caption ("Bukti <code> (1/1)", or "(1-2/2)" on an album of two) -> how
    many times it was accepted."""
    singles = [
        str(call.params.get("caption"))
        for call in tg.calls_to("sendPhoto")
        if call.status == 200 and call.params.get("chat_id") == OFFICIALS
    ]
    albums = [
        str(call.params["media"][0].get("caption"))
        for call in tg.calls_to("sendMediaGroup")
        if call.status == 200 and call.params.get("chat_id") == OFFICIALS
    ]
    return Counter(singles + albums)


def expected_evidence(codes: Iterable[str], photos: int = EVIDENCE) -> set[str]:
    """Photos of one report go as one album (up to ten), a single photo on its own."""
    span = "1" if photos == 1 else f"1-{photos}"
    return {f"Bukti {code} ({span}/{photos})" for code in codes}


def wait_for_cards(tg: FakeTelegram, codes: Iterable[str], bots: Bots) -> None:
    codes = set(codes)
    try:
        tg.wait_for(lambda _: codes <= set(cards_delivered(tg)), timeout=DELIVERY_TIMEOUT)
    except AssertionError as error:
        missing = codes - set(cards_delivered(tg))
        raise AssertionError(f"cards never delivered: {missing}\n{bots.logs()}") from error


# --- the tests ----------------------------------------------------------------------------


def test_sigkill_after_receipts_loses_no_report_and_sends_each_card_once(
    tg: FakeTelegram, bots: Bots
) -> None:
    tg.fail("sendMessage", chat_id=OFFICIALS, status=500, times=None)
    bot = bots.start()
    codes = report(tg, (5101, 5102, 5103))
    assert len(set(codes.values())) == 3
    bots.kill(bot)  # the users saw their codes; not one card got through
    assert not cards_delivered(tg)

    tg.clear_failures()
    bot = bots.start()
    wait_for_cards(tg, codes.values(), bots)
    bots.wait_until_delivered()  # the evidence photos follow their cards
    bots.terminate(bot)

    assert cards_delivered(tg) == Counter(codes.values())  # each exactly once, nothing else
    assert evidence_delivered(tg) == Counter(expected_evidence(codes.values()))
    assert "outbox empty" in bots.outbox_command()


def test_killed_at_random_moments_during_delivery_loses_nothing(
    tg: FakeTelegram, bots: Bots
) -> None:
    seed = int(os.environ.get("CRASH_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    # One photo each: 16 rows. The bot paces a group chat at 20 messages a minute
    # (AIORateLimiter), so rows beyond 20 left for the last run would cost it 3 s each.
    # Five kills here; tests/test_chaos.py and benchmarks/chaos.py kill under failures too.
    reports, photos, rounds = 8, 1, 5
    # 429 rather than 500 while queueing: retry_after keeps the first row due about every
    # second, where 500's growing back-off would leave it parked through the first rounds.
    tg.fail("sendMessage", chat_id=OFFICIALS, status=429, retry_after=1, times=None)
    bot = bots.start()
    codes = set(report(tg, range(5201, 5201 + reports), photos).values())
    assert len(codes) == reports
    bots.kill(bot)
    assert not cards_delivered(tg)
    queued = bots.undelivered()
    assert queued == reports * (1 + photos) + 1  # and the group's how-to of the day

    tg.clear_failures()
    tg.delay("sendMessage", DELIVERY_DELAY)
    tg.delay("sendPhoto", DELIVERY_DELAY)
    kills: list[tuple[float, int]] = []  # (seconds it ran, rows undelivered after the kill)
    for _ in range(rounds):
        bot = bots.start()
        pause = rng.uniform(0.05, 1.5)
        time.sleep(pause)
        bots.kill(bot)
        kills.append((round(pause, 2), bots.undelivered()))
    assert kills[-1][1] < queued, f"no delivery before the kills (seed {seed})"
    tg.delay("sendMessage", 0)
    tg.delay("sendPhoto", 0)
    bot = bots.start()
    bots.wait_until_delivered()
    bots.terminate(bot)

    cards = cards_delivered(tg)
    evidence = evidence_delivered(tg)
    card_duplicates = sum(n - 1 for n in cards.values())
    evidence_duplicates = sum(n - 1 for n in evidence.values())
    story = (
        f"seed {seed} (replay: CRASH_SEED={seed}); {len(kills)} kills (pause s, rows left): "
        f"{kills}; duplicated cards {card_duplicates}, duplicated evidence {evidence_duplicates}"
    )
    print(story)
    assert set(cards) == codes, f"lost cards {codes - set(cards)}; {story}\n{bots.logs()}"
    assert set(evidence) == expected_evidence(codes, photos), f"lost evidence; {story}"
    # One row is in flight at a time, so each kill can repeat at most one message.
    assert card_duplicates + evidence_duplicates <= len(kills), story
    assert "outbox empty" in bots.outbox_command(), story


def test_restart_in_the_middle_of_a_report_resumes_at_the_same_step(
    tg: FakeTelegram, bots: Bots
) -> None:
    user = 5301
    bot = bots.start()
    for action in FIRST_STEPS:  # three answers given; the bot now asks 4/9
        act(tg, [user], action)
    bots.terminate(bot)

    bots.start()
    for action in last_steps():  # the user simply answers the question still on screen
        act(tg, [user], action)
    summary = str(tg.wait_for_message(user, contains="Periksa laporan")[-1]["text"])
    for line in (
        f"Tawaran: {OFFER}",
        "Perekrut: tidak tahu",
        "Tempat: Pariaman Tengah",
        "Tujuan: Kamboja, admin",
        "Sudah berangkat: belum",
        "Bukti: 2 berkas",
    ):
        assert line in summary, summary
    for _, _, prompt in FIRST_STEPS:  # nothing answered twice: SIGTERM confirmed the updates
        assert _seen(tg, user, prompt) == 1, prompt
    act(tg, [user], SUBMIT)
    code = receipt_code(tg, user)
    wait_for_cards(tg, [code], bots)
    [card] = tg.wait_for_message(OFFICIALS, contains=f"Kode: {code}")
    assert "Pariaman Tengah → Kamboja" in card["text"] and "Bukti: 2 berkas" in card["text"]
