"""The real bot as a subprocess (`python main.py`) with WhatsApp configured: killed with
SIGKILL right after Meta got its 200, and Telegram and WhatsApp served by one process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.crypto import generate_hash_key, generate_key
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import (
    FAKE_APP_SECRET,
    FAKE_TOKEN,
    FAKE_VERIFY_TOKEN,
    FakeWhatsApp,
    post_signed,
    text_message,
    update,
)

START_TIMEOUT = 30.0
USER = "6281355501234"
OTHER = "6281355509876"
QUESTION = "apa itu TPPO?"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Bot:
    """`python main.py` on one database; every process it started dies at the end."""

    def __init__(self, folder: Path, environ: dict[str, str], port: int) -> None:
        self.folder = folder
        self.environ = environ
        self.port = port
        self.url = f"http://127.0.0.1:{port}/whatsapp"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = self.folder / f"bot-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "main.py"],
                cwd=PROJECT_ROOT,
                env=self.environ,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        self.processes.append(process)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert process.poll() is None, self.log_text()
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return process
            time.sleep(0.05)
        raise AssertionError("the bot did not start: " + self.log_text())

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in self.logs if p.exists())

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def fake() -> Iterator[FakeWhatsApp]:
    with FakeWhatsApp() as server:
        yield server


def make_bot(tmp_path: Path, fake: FakeWhatsApp, extra: dict[str, str] | None = None) -> Bot:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    environ.update(
        {
            **fake.bot_environ(port),
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "REPORTS_ENCRYPTION_KEY": generate_key(),
            "REPORTS_HASH_KEY": generate_hash_key(),
            "KNOWLEDGE_DIR": str(PROJECT_ROOT / "knowledge"),
            "LOG_LEVEL": "DEBUG",  # even at DEBUG: no secret, no number
            **(extra or {}),
        }
    )
    return Bot(tmp_path, environ, port)


def settle(fake: FakeWhatsApp, to: str, seconds: float = 1.0) -> int:
    """How many messages `to` has once nothing new came for `seconds`."""
    count, quiet_since = len(fake.messages(to)), time.monotonic()
    while time.monotonic() - quiet_since < seconds:
        time.sleep(0.05)
        if len(fake.messages(to)) != count:
            count, quiet_since = len(fake.messages(to)), time.monotonic()
    return count


def test_sigkill_right_after_the_200_while_sends_fail_and_the_answer_comes_once(
    tmp_path: Path, fake: FakeWhatsApp
) -> None:
    bot = make_bot(tmp_path, fake)
    try:
        first = bot.start()
        fake.fail_always(code=131000, status=500)  # Meta is having trouble
        assert post_signed(bot.url, update(USER, text_message(QUESTION))) == 200
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert fake.sent == []
        fake.recover()
        bot.start()
        fake.wait_for(USER, timeout=20)
        answered = settle(fake, USER)
        # What one delivery of that answer is: the same question from someone else.
        assert post_signed(bot.url, update(OTHER, text_message(QUESTION))) == 200
        fake.wait_for(OTHER)
        assert answered == settle(fake, OTHER)
    finally:
        bot.stop_all()
    logs = bot.log_text()
    assert "WhatsApp channel started" in logs
    for secret in (FAKE_TOKEN, FAKE_APP_SECRET, FAKE_VERIFY_TOKEN, USER, USER[2:], OTHER):
        assert secret not in logs


def test_telegram_and_whatsapp_are_served_by_one_process(
    tmp_path: Path, fake: FakeWhatsApp
) -> None:
    with FakeTelegram() as tg:
        bot = make_bot(tmp_path, fake, {**tg.bot_environ(), "TELEGRAM_WEBHOOK_URL": ""})
        try:
            bot.start()
            assert post_signed(bot.url, update(USER, text_message(QUESTION))) == 200
            tg.send_text(4242, QUESTION)
            [on_telegram] = tg.wait_for_message(4242, timeout=20)
            [on_whatsapp, *_] = fake.wait_for(USER)
            assert "TPPO" in on_telegram["text"] and "TPPO" in on_whatsapp.text
        finally:
            bot.stop_all()
    assert len(bot.processes) == 1
