"""What a WhatsApp citizen can rely on beyond the conversation: case updates they can turn
off and on, a flood guard, their evidence gone with their case, and their phone number
nowhere in the database files."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import housekeeping, runtime
from bot.case_updates import OFF, ON, typed_switch
from bot.channels.flood import FLOOD_LIMIT
from bot.channels.whatsapp.preferences import UpdatePreferences
from bot.crypto import generate_hash_key, generate_key
from bot.evaluation import load_questions
from bot.keys import open_keys
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import UserKey
from bot.runtime import Services
from bot.storage import Database
from bot.texts import text
from tests.conftest import PROJECT_ROOT
from tests.report_script import CODE, SUBMIT, report_steps
from tests.test_whatsapp import USER, Bot, whatsapp_alone
from tests.test_whatsapp_reports import step

OTHER = "6285211112222"


@dataclass
class Running:
    bot: Bot
    services: Services


@pytest.fixture
async def running(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Running]:
    runtime.configure_logging("INFO")
    caplog.set_level(logging.INFO)
    async with whatsapp_alone(tmp_path, kb, matcher) as (bot, services):
        yield Running(bot, services)


async def answer_to(bot: Bot, what: str, user: str = USER) -> str:
    before = len(bot.fake.messages(user))
    await bot.say(what, user)
    sent = await bot.fake.async_wait_for(user, before + 1)
    return " ".join(s.text for s in sent[before:])


async def file_report(bot: Bot, photos: int) -> str:
    for kind, what, expected in [*report_steps(photos=photos), SUBMIT]:
        await step(bot, kind, what, expected)
    found = CODE.search(" ".join(s.text for s in bot.fake.messages(USER)))
    assert found is not None
    return found.group()


# --- case updates off and on ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("stop", (OFF, None)),
        ("STOP", (OFF, None)),
        ("Stop!!", (OFF, None)),
        ("stoppp", (OFF, None)),
        ("stop ya", (OFF, None)),
        ("berhenti", (OFF, "id")),
        ("Berhenti aja 🙏", (OFF, "id")),
        ("berhnti", (OFF, "id")),  # one letter missing
        ("brehenti", (OFF, "id")),  # two swapped
        ("berenti", (OFF, "id")),  # as it is spoken
        ("aktifkan", (ON, "id")),
        ("AKTIFKN", (ON, "id")),
        ("aktifkan lagi", (ON, "id")),
        ("resume", (ON, "en")),
    ],
)
def test_the_switch_words_are_understood_with_small_typos(
    typed: str, meant: tuple[str, str | None]
) -> None:
    assert typed_switch(typed) == meant


@pytest.mark.parametrize(
    "typed",
    [
        "stok",  # one letter from "stop", and a word of its own
        "step",
        "shop",
        "top",
        "mulai",  # the main menu
        "start",
        "lanjut",  # next step of a report
        "berhasil",
        "aktif",
        "bagaimana cara berhenti dari agen ilegal?",
        "stop trafficking",
        "majikan menyuruh saya berhenti kerja",
    ],
)
def test_other_words_and_questions_do_not_switch(typed: str) -> None:
    assert typed_switch(typed) is None


def test_no_real_question_switches_updates() -> None:
    paths = (PROJECT_ROOT / "tests" / "data" / "real-messages-validation.yaml",)
    paths += (PROJECT_ROOT / "knowledge" / "real-messages.yaml",)
    paths += (PROJECT_ROOT / "knowledge" / "written-questions.yaml",)
    questions = [q for path in paths for q in load_questions(path)]
    assert len(questions) > 1000
    assert [q.text for q in questions if typed_switch(q.text)] == []


async def test_stop_inside_a_report_still_means_cancel_the_report(running: Running) -> None:
    bot = running.bot
    for action in report_steps()[:3]:  # the report has begun and has an answer
        await step(bot, *action)
    await step(bot, "say", "stop", "Hapus laporan ini?")
    await step(bot, "press", text("report_drop_button", "id"), "dihapus")
    assert not any("dimatikan" in s.text for s in bot.fake.messages(USER))
    said = await answer_to(bot, "stop")  # with the report gone: updates off
    assert "dimatikan" in said


async def test_the_choice_survives_a_restart_and_a_new_hash_key(tmp_path: Path) -> None:
    path, key = tmp_path / "bot.sqlite3", generate_key()
    database = await Database.open(path)
    keys = await open_keys(database, key, generate_hash_key())
    assert keys.cipher is not None
    await UpdatePreferences(database, keys.cipher).turn_off(UserKey("whatsapp", USER, USER))
    await database.close()

    database = await Database.open(path)  # restarted, and the hash key was rotated
    try:
        keys = await open_keys(database, key, generate_hash_key(), rehash=True)
        assert keys.cipher is not None
        preferences = UpdatePreferences(database, keys.cipher)
        off = [await preferences.is_off(UserKey("whatsapp", who, who)) for who in (USER, OTHER)]
        assert off == [True, False]
        [(stored,)] = await database.fetchall("SELECT user FROM wa_updates_off")
        assert USER.encode() not in stored  # the number only encrypted
    finally:
        await database.close()


async def test_english_stop_is_confirmed_in_english(running: Running) -> None:
    bot = running.bot
    await answer_to(bot, "What is human trafficking?")
    said = await answer_to(bot, "stop")
    assert "Case updates are off" in said and "RESUME" in said
    said = await answer_to(bot, "resume")
    assert "on again" in said and "STOP" in said


# --- flood ----------------------------------------------------------------------------


async def test_a_flood_gets_one_warning_then_silence_and_others_are_served(
    running: Running,
) -> None:
    bot = running.bot
    await answer_to(bot, "halo", OTHER)
    per_message = len(bot.fake.messages(OTHER))  # the answer to "halo" may be several
    await asyncio.gather(*(bot.say("halo") for _ in range(FLOOD_LIMIT + 10)))
    # A short answer, so that it is one WhatsApp message with its sources.
    assert "Sumber" in await answer_to(bot, "apa itu tppo?", OTHER)
    for _ in range(400):
        if any("Pelan-pelan" in s.text for s in bot.fake.messages(USER)):
            break
        await asyncio.sleep(0.025)
    await asyncio.sleep(0.5)
    sent = bot.fake.messages(USER)
    assert sum("Pelan-pelan" in s.text for s in sent) == 1
    assert len(sent) == FLOOD_LIMIT * per_message + 1  # the allowed answers and one warning


# --- evidence and the phone number at rest --------------------------------------------


async def test_a_purged_case_takes_its_whatsapp_files_with_it(running: Running) -> None:
    bot, services = running.bot, running.services
    folder = bot.settings.database_path.parent / "whatsapp-media"
    code = await file_report(bot, photos=2)
    assert len(list(folder.iterdir())) == 2  # no officials' channel here: still waiting
    reports, sessions = services.reports, services.engine.sessions
    assert reports is not None
    await housekeeping.tidy(reports, sessions, 365, lambda: None)
    assert len(list(folder.iterdir())) == 2  # an open case keeps its evidence
    await services.database.write(
        "UPDATE reports SET status = 'selesai', closed_at = '2020-01-01T00:00:00+00:00'"
    )
    await housekeeping.tidy(reports, sessions, 365, lambda: None)
    assert await reports.by_code(code) is None
    assert list(folder.iterdir()) == []


async def test_no_phone_number_in_the_database_files_after_a_whatsapp_report(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    bot = running.bot
    code = await file_report(bot, photos=1)
    await answer_to(bot, f"status {code}")
    await answer_to(bot, "berhenti")
    await answer_to(bot, "aktifkan")
    rows = await running.services.database.fetchall("SELECT session_key FROM sessions")
    assert rows and all(len(str(key)) == 64 for (key,) in rows)  # HMAC-SHA256, hex
    path = bot.settings.database_path
    files = [path, path.with_name(path.name + "-wal"), *path.parent.glob("whatsapp-media/*")]
    stored = b"".join(f.read_bytes() for f in files if f.exists())
    assert len(stored) > 10_000
    for number in (USER, USER[2:], "+" + USER):
        assert number.encode() not in stored
        assert number.encode("utf-16-le") not in stored
        assert number not in caplog.text
