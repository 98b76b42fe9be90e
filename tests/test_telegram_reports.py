"""Reports end to end: the real Application, the fake Bot API over HTTP, a real database."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram.ext import AIORateLimiter

from bot.channels.telegram.app import serve
from bot.channels.telegram.channel import TelegramChannel
from bot.clock import Clock
from bot.config import Settings
from bot.crypto import generate_hash_key, generate_key
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.runtime import Services, open_services
from tests.clocks import MovingClock
from tests.fake_telegram import FakeTelegram, visible_text
from tests.report_script import Action, report_steps

OFFICIALS = -100200300
OFFICIAL = 9001
STRANGER = 9002
REPORTER = 4001
CODE = re.compile(r"PRM-[A-Z0-9]{4}-[A-Z0-9]{4}")


@dataclass
class Running:
    tg: FakeTelegram
    services: Services


def settings_for(tg: FakeTelegram, tmp_path: Path, key: str) -> Settings:
    return Settings.from_environ(
        {
            **tg.bot_environ(),
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "OFFICIALS_CHAT_ID": str(OFFICIALS),
            "OFFICIAL_USER_IDS": f"{OFFICIAL}",
            "REPORTS_ENCRYPTION_KEY": key,
            "REPORTS_HASH_KEY": generate_hash_key(),
        }
    )


@pytest.fixture
def key() -> str:
    return generate_key()


@asynccontextmanager
async def serving(
    tg: FakeTelegram,
    settings: Settings,
    kb: KnowledgeBase,
    matcher: Matcher,
    clock: Clock | None = None,
) -> AsyncIterator[Services]:
    """The real Application polling the fake Bot API until the block ends, then stopped.
    Telegram's pacing is lifted so tests run fast; the outbox logic is the same. `clock`:
    the bot's one clock (bot.clock); by default a fixed Wednesday morning that runs on, so
    no test depends on the day it runs (tests move it instead of waiting)."""
    async with open_services(settings, kb, matcher, clock=clock or MovingClock()) as services:
        channel = TelegramChannel.for_services(services, settings)
        stop = asyncio.Event()
        limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
        polls = len(tg.calls_to("getUpdates"))  # the fake may have served an earlier bot
        task = asyncio.create_task(serve(settings, channel, stop, 1, limiter))
        await tg.async_wait_for_call("getUpdates", count=polls + 1)
        try:
            yield services
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)


@pytest.fixture
async def bot(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher, key: str
) -> AsyncIterator[Running]:
    with FakeTelegram() as tg:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        async with serving(tg, settings_for(tg, tmp_path, key), kb, matcher) as services:
            yield Running(tg, services)


async def say(bot: Running, text: str, expect: str, user: int = REPORTER) -> None:
    """Send a message and wait for the bot's message that contains `expect`."""
    before = len([m for m in bot.tg.history(user) if expect in m.get("text", "")])
    bot.tg.send_text(user, text)
    await bot.tg.async_wait_for(
        lambda _: len([m for m in bot.tg.history(user) if expect in m.get("text", "")]) > before
    )


async def press(bot: Running, label: str, expect: str, user: int = REPORTER) -> None:
    before = len([m for m in bot.tg.history(user) if expect in m.get("text", "")])
    bot.tg.press_button_with_text(user, label)
    await bot.tg.async_wait_for(
        lambda _: len([m for m in bot.tg.history(user) if expect in m.get("text", "")]) > before
    )


async def play(bot: Running, steps: list[Action], user: int = REPORTER) -> None:
    """A script of tests/report_script.py, each step waiting for the answer it expects."""
    for kind, what, expect in steps:
        if kind == "say":
            await say(bot, what, expect, user)
        elif kind == "press":
            await press(bot, what, expect, user)
        else:
            bot.tg.send_photo(user, content=b"\x89PNG fake screenshot")
            await bot.tg.async_wait_for_message(user, contains=expect)


async def report(bot: Running, contact: str | None = None, user: int = REPORTER) -> str:
    steps = report_steps(photos=2)
    if contact is not None:  # typed at the contact step instead of "Anonim"
        anonymous = steps.index(("press", "Anonim", "9/9"))
        steps[anonymous : anonymous + 1] = [("say", contact, "9/9")]  # kept, and on at once
    await play(bot, steps[:-1], user)
    await press(bot, "Ya, teruskan", "Periksa laporan", user)
    await press(bot, "✅ Kirim", "Kode kasus", user)
    [receipt] = await bot.tg.async_wait_for_message(user, contains="Kode kasus")
    found = CODE.search(receipt["text"])
    assert found
    return found.group()


async def card_of(bot: Running, code: str, timeout: float = 5.0) -> dict[str, object]:
    [card] = await bot.tg.async_wait_for_message(
        OFFICIALS, contains=f"Kode: {code}", timeout=timeout
    )
    return card


def shown(message: dict[str, object]) -> str:
    """What the officials read: the text without its HTML tags."""
    return visible_text(str(message.get("text") or message.get("caption") or ""), "HTML")


async def detail_of(bot: Running, code: str) -> str:
    """An official presses 🔎 Detail on the case's card: the reporter's answers and the
    history, as the group then reads them."""
    card = await card_of(bot, code)
    before = len([m for m in bot.tg.messages(OFFICIALS) if "Riwayat" in shown(m)])
    bot.tg.press_button(
        OFFICIAL, int(str(card["message_id"])), f"kasus:{code}:detail", chat_id=OFFICIALS
    )
    found = await bot.tg.async_wait_for_message(OFFICIALS, contains="Riwayat", count=before + 1)
    return shown(found[-1])


async def test_anonymous_report_reaches_officials_with_evidence(bot: Running) -> None:
    code = await report(bot)
    card = await card_of(bot, code)
    text = shown(card)
    assert "Pariaman Tengah → Kamboja" in text and "Bukti: 2 berkas" in text
    detail = await detail_of(bot, code)
    assert "Kontak pelapor: anonim" in detail and "Kamboja" in detail
    assert "⚠️" in detail  # warning signs found by the offer check, explained
    [album] = await bot.tg.async_wait_for_call("sendMediaGroup")  # two photos, one album
    assert album.params["chat_id"] == OFFICIALS and len(album.params["media"]) == 2
    assert album.params["media"][0]["caption"] == f"Bukti {code} (1-2/2)"
    assert album.params["reply_parameters"]["message_id"] == card["message_id"]
    assert not bot.tg.calls_to("sendPhoto")
    assert not bot.tg.calls_to("forwardMessage")  # copied by file id: no "forwarded from"
    assert str(REPORTER) not in text and str(REPORTER) not in detail


async def test_named_report_shows_only_what_the_reporter_shared(bot: Running) -> None:
    code = await report(bot, contact="Ani, 0812-0000-0000")
    assert "Ani, 0812-0000-0000" not in shown(await card_of(bot, code))  # not on the first screen
    assert "Kontak pelapor: Ani, 0812-0000-0000" in await detail_of(bot, code)


async def test_status_buttons_work_for_officials_and_are_refused_for_others(bot: Running) -> None:
    code = await report(bot)
    card = await card_of(bot, code)
    card_id = int(card["message_id"])  # type: ignore[call-overload]
    await bot.tg.async_wait_for_call("sendMediaGroup")  # the evidence album is out too
    await bot.tg.async_wait_for_message(OFFICIALS, contains="Cara kerja")  # and the how-to
    calls_before = len(bot.tg.calls)
    bot.tg.press_button(STRANGER, card_id, f"kasus:{code}:diterima", chat_id=OFFICIALS)
    await asyncio.sleep(0.5)
    # Not answered at all: a stranger's presses cost the bot no call (only getUpdates ran).
    assert {c.method for c in bot.tg.calls[calls_before:]} <= {"getUpdates"}
    assert bot.services.reports
    assert (await bot.services.reports.by_code(code)).status == "baru"  # type: ignore[union-attr]

    bot.tg.press_button(OFFICIAL, card_id, f"kasus:{code}:diterima", chat_id=OFFICIALS)
    await bot.tg.async_wait_for_message(REPORTER, contains="sekarang: 📥 Diterima")
    await bot.tg.async_wait_for_call("editMessageText")
    edited = bot.tg.last_message(OFFICIALS)
    card_now = next(m for m in bot.tg.messages(OFFICIALS) if m["message_id"] == card_id)
    assert "Status: 📥 Diterima" in card_now["text"] and edited
    bot.tg.press_button(OFFICIAL, card_id, f"kasus:{code}:tangani", chat_id=OFFICIALS)
    await bot.tg.async_wait_for(
        lambda _: (
            "🙋 Uji"  # the official's name as Telegram shows it, not a number
            in next(m for m in bot.tg.messages(OFFICIALS) if m["message_id"] == card_id)["text"]
        )
    )


async def test_relay_both_ways_without_revealing_identities(bot: Running) -> None:
    code = await report(bot)
    card = await card_of(bot, code)
    bot.tg.send_text(
        OFFICIAL,
        f"/balas {code} Terima kasih. Bisa kirim nomor HP perekrutnya?",
        chat_id=OFFICIALS,
        chat_type="supergroup",
    )
    await bot.tg.async_wait_for_message(OFFICIALS, contains="Pratinjau")
    assert not [m for m in bot.tg.history(REPORTER) if "perekrutnya?" in m.get("text", "")]
    bot.tg.press_button_with_text(OFFICIAL, "✅ Kirim", chat_id=OFFICIALS)
    [relayed] = await bot.tg.async_wait_for_message(REPORTER, contains="nomor HP perekrutnya")
    assert str(OFFICIAL) not in relayed["text"] and "Uji" not in relayed["text"]
    await bot.tg.async_wait_for_message(OFFICIALS, contains="✅ Dikirim ke pelapor")
    await press(bot, "↩️ Balas petugas", "Tulis balasan")
    await say(bot, "Nomornya 0812-9999-8888", "sudah diteruskan")
    [answer] = await bot.tg.async_wait_for_message(OFFICIALS, contains="0812-9999-8888")
    sent = [c for c in bot.tg.calls_to("sendMessage") if "0812-9999-8888" in c.params["text"]]
    assert sent[0].params["reply_parameters"]["message_id"] == card["message_id"]
    assert str(REPORTER) not in answer["text"]
    # A swipe-reply to the official's message works as well as the button.
    bot.tg.send_text(
        REPORTER, "Perekrutnya juga pakai akun FB", reply_to_message_id=relayed["message_id"]
    )
    await bot.tg.async_wait_for_message(OFFICIALS, contains="akun FB")


async def test_status_for_own_code_and_refused_for_someone_elses(bot: Running) -> None:
    code = await report(bot)
    await say(bot, f"/status {code}", "Status: 🆕 Baru")
    await say(bot, f"/status {code}", "tidak ditemukan", user=4002)
    assert "Kamboja" not in bot.tg.last_message(4002)["text"]  # type: ignore[index]


async def test_officials_commands_allowed_and_refused(bot: Running) -> None:
    code = await report(bot)
    await card_of(bot, code)
    for command, expected in (("/kasus", code), ("/statistik", "Menurut kecamatan")):
        bot.tg.send_text(OFFICIAL, command, chat_id=OFFICIALS, chat_type="supergroup")
        await bot.tg.async_wait_for_message(OFFICIALS, contains=expected)
    bot.tg.send_text(OFFICIAL, f"/kasus {code}", chat_id=OFFICIALS, chat_type="supergroup")
    await bot.tg.async_wait_for_message(OFFICIALS, contains="Riwayat")
    bot.tg.send_text(OFFICIAL, "/start")  # the official has a private chat with the bot
    await bot.tg.async_wait_for_message(OFFICIAL, contains="Migran Aman")
    bot.tg.send_text(OFFICIAL, "/ekspor", chat_id=OFFICIALS, chat_type="supergroup")
    [upload] = await bot.tg.async_wait_for_call("sendDocument")
    assert upload.params["chat_id"] == OFFICIAL  # privately, never to the whole group
    await bot.tg.async_wait_for_message(OFFICIALS, contains="secara pribadi")
    rows = list(csv.reader(io.StringIO(upload.files["document"].content.decode("utf-8-sig"))))
    assert rows[0][0] == "kode" and rows[1][0] == code

    sent_before = len(bot.tg.calls_to("sendMessage")) + len(bot.tg.calls_to("sendDocument"))
    bot.tg.send_text(STRANGER, "/ekspor", chat_id=OFFICIALS, chat_type="supergroup")
    bot.tg.send_text(STRANGER, "/kasus", chat_id=OFFICIALS, chat_type="supergroup")
    bot.tg.send_text(OFFICIAL, "/ekspor")  # the right person in the wrong chat
    await bot.tg.async_wait_for_message(OFFICIAL, contains="tidak saya kenal")
    await asyncio.sleep(0.3)
    sent_after = len(bot.tg.calls_to("sendMessage")) + len(bot.tg.calls_to("sendDocument"))
    assert sent_after == sent_before + 1  # only the "unknown command" reply in private


async def test_officials_chat_failing_then_rate_limited_delivers_each_card_once(
    bot: Running,
) -> None:
    bot.tg.fail("sendMessage", chat_id=OFFICIALS, status=500, times=3)
    bot.tg.fail("sendMessage", chat_id=OFFICIALS, status=429, times=1, retry_after=2)
    codes = [await report(bot, user=user) for user in (4101, 4102)]
    for code in codes:
        await card_of(bot, code, timeout=40)  # back-off 1 + 2 + 4 s, then retry_after
    cards = [
        c for c in bot.tg.calls_to("sendMessage")
        if c.params["chat_id"] == OFFICIALS and "Kode: " in c.params["text"]
    ]  # fmt: skip
    accepted = [c for c in cards if c.status == 200]
    assert sorted(CODE.search(c.params["text"]).group() for c in accepted) == sorted(codes)  # type: ignore[union-attr]
    limited = next(c for c in cards if c.status == 429)
    after = [c for c in cards if c.at > limited.at]
    assert after and min(c.at for c in after) - limited.at >= 2.0  # nothing before retry_after
    assert bot.services.outbox
    for _ in range(200):  # the evidence photos follow their card
        if not await bot.services.outbox.entries():
            break
        await asyncio.sleep(0.1)
    assert await bot.services.outbox.entries() == []  # nothing pending or failed


async def test_unexpected_telegram_error_does_not_stop_deliveries(bot: Running) -> None:
    bot.tg.fail("sendMessage", chat_id=OFFICIALS, status=409, times=1, description="Conflict")
    code = await report(bot)
    await card_of(bot, code, timeout=20)  # retried after back-off instead of a dead worker
