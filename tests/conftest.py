"""Shared fixtures: the real knowledge base, and a chat that drives the engine like a person."""

from __future__ import annotations

import asyncio
import fcntl
import inspect
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.engine import Engine
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import Matcher
from bot.messages import Button, Incoming, Reply, UserKey
from bot.sessions import MemorySessionStore

# python-telegram-bot 22 warns when it builds RetryAfter unless this opts in to the
# timedelta API; with warnings as errors the warning would hide every 429 retry.
os.environ.setdefault("PTB_TIMEDELTA", "true")

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
SHARED_EVAL = PROJECT_ROOT.parent / "shared" / "eval"
# One topic-model cache for every start-up in the tests (in-process and `main.py` runs):
# only the first start after a knowledge change trains. It outlives the run on purpose;
# its files are named after what they were trained on, so a stale one is never read.
MODEL_CACHE = Path(tempfile.gettempdir()) / "migran-aman-tests" / "model-cache"
os.environ.setdefault("MODEL_CACHE_DIR", str(MODEL_CACHE))  # for bots the tests start

# TEST_MOMENT=2026-12-31T23:59:00+07:00 runs the suite as if it started then, in this
# process and every Python process it starts (tests/timetravel/sitecustomize.py): the
# tests must pass whatever the date and hour.
CLOCK_OFFSET = "MIGRAN_AMAN_TEST_CLOCK_OFFSET"
if os.environ.get("TEST_MOMENT") and CLOCK_OFFSET not in os.environ:
    import datetime as dt

    import time_machine

    moment = dt.datetime.fromisoformat(os.environ["TEST_MOMENT"])
    if moment.tzinfo is None:
        raise SystemExit("TEST_MOMENT needs its time zone, e.g. 2026-11-30T08:30:00+07:00")
    offset = (moment - dt.datetime.now(dt.UTC)).total_seconds()
    os.environ[CLOCK_OFFSET] = repr(offset)
    travel = PROJECT_ROOT / "tests" / "timetravel"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(travel), os.environ.get("PYTHONPATH")])
    )
    time_machine.travel(moment, tick=True).start()  # this process started before the path


async def wait_until(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Until `condition()` (or what it returns, awaited) is true."""
    for _ in range(int(timeout / 0.025)):
        result = condition()
        if await result if inspect.isawaitable(result) else result:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"no {what} within {timeout}s")


@contextmanager
def sqlite_file(path: Path | str) -> Iterator[sqlite3.Connection]:
    """The bot's database as someone with the file and no key reads it. `with
    sqlite3.connect(...)` commits but never closes: the connection is left for the garbage
    collector, and Python 3.13 reports that as a ResourceWarning in whichever test runs then."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            yield connection
    finally:
        connection.close()


def run_main(
    *args: str, env: Mapping[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`python main.py ARGS` as a user runs it in the project folder, output captured."""
    return subprocess.run(
        [sys.executable, "main.py", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**_clock_environ(), "MODEL_CACHE_DIR": str(MODEL_CACHE), **env},
        timeout=60,
    )


def _clock_environ() -> dict[str, str]:
    """What keeps a subprocess on the run's moment, for commands started with a minimal
    environment."""
    names = (CLOCK_OFFSET, "PYTHONPATH")
    return {name: os.environ[name] for name in names if name in os.environ}


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def matcher(kb: KnowledgeBase) -> Matcher:
    # One worker trains while the others wait for the file it writes: four fits at once on
    # two cores took longer than one fit and three reads, and four times the memory.
    MODEL_CACHE.mkdir(parents=True, exist_ok=True)
    with (MODEL_CACHE / ".training.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return Matcher(kb, cache_dir=MODEL_CACHE)


@pytest.fixture(scope="session", autouse=True)
def _model_in_cache(matcher: Matcher) -> None:
    """Each worker reads (or first trains) the topic model before its first test, so a bot
    process a test starts finds it in MODEL_CACHE: on a fresh machine the cache is cold,
    and training inside a test's start-up timeout, beside three other workers, can miss it."""


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the real knowledge base, for tests that break it."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


class Chat:
    """Talks to the engine as one user: `replies = await chat.say("halo")`."""

    def __init__(self, engine: Engine, user: UserKey) -> None:
        self.engine = engine
        self.user = user
        self.last: list[Reply] = []

    async def say(self, text: str, language_hint: str | None = None) -> list[Reply]:
        self.last = await self.engine.handle(
            Incoming(self.user, text=text, language_hint=language_hint)
        )
        return self.last

    async def press(self, label_part: str) -> list[Reply]:
        """Press the first button of the last replies whose label contains `label_part`."""
        button = self.button(label_part)
        self.last = await self.engine.handle(Incoming(self.user, choice=button.action))
        return self.last

    def button(self, label_part: str) -> Button:
        for reply in self.last:
            for row in reply.buttons:
                for button in row:
                    if label_part.casefold() in button.label.casefold():
                        return button
        labels = [b.label for r in self.last for row in r.buttons for b in row]
        raise AssertionError(f"no button with {label_part!r}; buttons: {labels}")


@pytest.fixture
def chat_factory(kb: KnowledgeBase, matcher: Matcher) -> Callable[[str], Chat]:
    engine = Engine(kb, MemorySessionStore(), matcher=matcher)
    return lambda user_id="1": Chat(engine, UserKey("test", user_id, user_id))


@pytest.fixture
def chat(chat_factory: Callable[[str], Chat]) -> Chat:
    return chat_factory("1")


@pytest.fixture
def engine(kb: KnowledgeBase, matcher: Matcher) -> Engine:
    return Engine(kb, MemorySessionStore(), matcher=matcher)
