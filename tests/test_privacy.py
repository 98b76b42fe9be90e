"""Attacks on reporters' anonymity and on the bot's inputs, run against the real bot.

The real Application talks to the local fake Bot API over HTTP, with a real SQLite file:
what an attacker who copies the data folder, reads the logs, posts to the webhook or
sends an unreadable update would get.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.channels.telegram.app import serve
from bot.channels.telegram.channel import TelegramChannel
from bot.config import ConfigError, Settings
from bot.crypto import generate_hash_key, generate_key
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.runtime import Services, open_services
from tests.fake_telegram import FakeTelegram
from tests.test_metadata import GPS, photo_jpeg
from tests.test_telegram_reports import serving

OFFICIALS = -100200300
# Long ids: a short one would turn up by chance inside the encrypted tokens' base64.
OFFICIAL = 8106472953
REPORTER = 7306154829
CODE = re.compile(r"PRM-[A-Z0-9]{4}-[A-Z0-9]{4}")
MARKER = "MRKQ7Z"  # in every free text the reporter and the official write


@dataclass
class Running:
    tg: FakeTelegram
    services: Services
    folder: Path
    settings: Settings


def settings_for(tg: FakeTelegram, folder: Path, **extra: str) -> Settings:
    return Settings.from_environ(
        {
            **tg.bot_environ(),
            "DATABASE_PATH": str(folder / "bot.sqlite3"),
            "OFFICIALS_CHAT_ID": str(OFFICIALS),
            "OFFICIAL_USER_IDS": str(OFFICIAL),
            "REPORTS_ENCRYPTION_KEY": generate_key(),
            "REPORTS_HASH_KEY": generate_hash_key(),
            **extra,
        }
    )


@pytest.fixture
async def bot(tmp_path: Path, kb: KnowledgeBase, matcher: Matcher) -> AsyncIterator[Running]:
    with FakeTelegram() as tg:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        settings = settings_for(tg, tmp_path)
        async with serving(tg, settings, kb, matcher) as services:
            yield Running(tg, services, tmp_path, settings)


async def say(bot: Running, text: str, expect: str, **options: object) -> dict[str, object]:
    before = len(bot.tg.history(REPORTER))
    bot.tg.send_text(REPORTER, text, first_name=f"Siti{MARKER}", **options)  # type: ignore[arg-type]
    return await answer(bot, expect, before)


async def press(bot: Running, label: str, expect: str) -> dict[str, object]:
    before = len(bot.tg.history(REPORTER))
    bot.tg.press_button_with_text(REPORTER, label)
    return await answer(bot, expect, before)


async def answer(bot: Running, expect: str, before: int) -> dict[str, object]:
    def found() -> dict[str, object] | None:
        new = bot.tg.history(REPORTER)[before:]
        return next((m for m in new if expect in m.get("text", "")), None)

    await bot.tg.async_wait_for(lambda _: found())
    message = found()
    assert message is not None
    return message


def raw_leaks(folder: Path, needles: list[str]) -> list[str]:
    """Which needles appear, as bytes, in the database file or its write-ahead log."""
    files = sorted(folder.glob("bot.sqlite3*"))
    assert any(f.name.endswith("-wal") for f in files)  # the newest writes are still there
    return [f"{f.name}: {n}" for f in files for n in needles if n.encode() in f.read_bytes()]


async def columns_holding(services: Services, value: str) -> set[str]:
    """table.column of every stored value (text or bytes) that contains `value` in clear."""
    found = set()
    tables = await services.database.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    for (table,) in tables:
        for column in await services.database.fetchall(f'PRAGMA table_info("{table}")'):
            name = column[1]
            rows = await services.database.fetchall(
                f'SELECT 1 FROM "{table}" WHERE instr(CAST("{name}" AS BLOB), ?) > 0',
                (value.encode(),),
            )
            if rows:
                found.add(f"{table}.{name}")
    return found


async def test_no_file_or_log_links_the_reporter_to_the_case(
    bot: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    for chatty in ("telegram", "aiosqlite"):  # whatever an earlier test set them to
        caplog.set_level("DEBUG", logger=chatty)
    tg, services = bot.tg, bot.services
    plain_key = f"telegram:{REPORTER}:{REPORTER}"
    needles = [
        str(REPORTER),
        str(OFFICIAL),
        MARKER,
        hashlib.sha256(plain_key.encode()).hexdigest(),  # a hash anyone could compute
    ]

    # A question, then a report: the draft exists while the reporter answers.
    await say(bot, f"gimana cara kerja ke malaysia {MARKER}", "")
    await say(bot, "/lapor", "Apa yang ingin Anda laporkan")
    await press(bot, "🧾 Tawaran kerja mencurigakan", "1/9")
    await say(bot, f"Lowongan admin di Kamboja {MARKER}, visa turis", "Tersimpan: «Lowongan")
    await press(bot, "➡️ Lanjut", "2/9")
    drafts = await services.database.fetchall("SELECT created_at, updated_at FROM drafts")
    assert drafts and all(s.endswith(":00:00+00:00") for row in drafts for s in row)
    await press(bot, "Tidak tahu", "3/9")
    await press(bot, "Pariaman Tengah", "4/9")
    await say(bot, f"Kamboja {MARKER}", "5/9")
    await press(bot, "Belum", "6/9")
    await press(bot, "Tidak", "7/9")
    tg.send_photo(REPORTER, content=b"\x89PNG screenshot")
    await tg.async_wait_for_message(REPORTER, contains="Bukti tersimpan (1)")
    await press(bot, "Selesai", "8/9")
    await press(bot, "Anonim", "9/9")
    await press(bot, "Ya, teruskan", "Periksa laporan")
    receipt = await press(bot, "✅ Kirim", "Kode kasus")
    found = CODE.search(str(receipt["text"]))
    assert found
    code = found.group()

    # An official takes the case and changes its status with the card's buttons.
    [card] = await tg.async_wait_for_message(OFFICIALS, contains=f"Kode: {code}")
    card_id = int(card["message_id"])
    tg.press_button(OFFICIAL, card_id, f"kasus:{code}:tangani", chat_id=OFFICIALS)
    tg.press_button(OFFICIAL, card_id, f"kasus:{code}:diterima", chat_id=OFFICIALS)
    await tg.async_wait_for_message(REPORTER, contains="sekarang: 📥 Diterima")
    # An official's message reaches the reporter (the desk's relay, whatever the group
    # command that triggers it), and the reporter answers with its button.
    report = await services.reports.by_code(code)  # type: ignore[union-attr]
    assert report is not None and services.desk is not None and services.outbox is not None
    await services.desk.to_reporter(
        report, f"Bisa kirim nomor perekrutnya? {MARKER}", str(OFFICIAL)
    )
    services.outbox.notify()
    await tg.async_wait_for_message(REPORTER, contains="nomor perekrutnya")
    await press(bot, "↩️ Balas petugas", "Tulis balasan")

    # Now the session says "the next message goes to this case": the riskiest moment.
    assert await columns_holding(services, code) == {"reports.code"}
    assert raw_leaks(bot.folder, needles) == []
    sessions = await services.database.fetchall("SELECT updated_at FROM sessions")
    assert sessions and all(str(s).endswith(":00:00+00:00") for (s,) in sessions)

    await say(bot, f"Nomornya 0812-{MARKER}", "sudah diteruskan")
    await tg.async_wait_for_message(OFFICIALS, contains=f"0812-{MARKER}")

    assert await columns_holding(services, code) == {"reports.code"}
    assert raw_leaks(bot.folder, needles) == []
    # The officials still see who did what, from the encrypted columns.
    assert (await services.reports.by_code(code)).assigned_to == str(OFFICIAL)  # type: ignore[union-attr]
    history = await services.reports.events(report)  # type: ignore[union-attr]
    assert (str(OFFICIAL), "status", "diterima") in [(a, k, v) for _, a, k, v in history]
    card_now = next(m for m in tg.messages(OFFICIALS) if m["message_id"] == card_id)
    assert "🙋 Uji" in card_now["text"] and str(OFFICIAL) not in card_now["text"]
    # Debug logging on, the library's included: still nothing to link anyone to anything.
    logged = caplog.text
    assert caplog.records and all(n not in logged for n in [*needles, code])


async def file_report(bot: Running, evidence: Callable[[], object]) -> str:
    """The shortest report, with the evidence that `evidence()` sends; returns its code."""
    await say(bot, "/lapor", "Apa yang ingin Anda laporkan")
    await press(bot, "🧾 Tawaran kerja mencurigakan", "1/9")
    await say(bot, "Lowongan admin di Kamboja, visa turis", "Tersimpan: «Lowongan")
    await press(bot, "➡️ Lanjut", "2/9")
    await press(bot, "Tidak tahu", "3/9")
    await press(bot, "Pariaman Tengah", "4/9")
    await say(bot, "Kamboja", "5/9")
    await press(bot, "Belum", "6/9")
    await press(bot, "Tidak", "7/9")
    evidence()
    await bot.tg.async_wait_for_message(REPORTER, contains="Bukti tersimpan (1)")
    await press(bot, "Selesai", "8/9")
    await press(bot, "Anonim", "9/9")
    await press(bot, "Ya, teruskan", "Periksa laporan")
    receipt = await press(bot, "✅ Kirim", "Kode kasus")
    found = CODE.search(str(receipt["text"]))
    assert found
    return found.group()


async def test_evidence_documents_reach_officials_without_gps_or_file_name(bot: Running) -> None:
    jpeg, image_data = photo_jpeg()
    assert GPS in jpeg
    code = await file_report(
        bot,
        lambda: bot.tg.send_document(
            REPORTER, file_name="KTP_Siti_Rahayu.jpg", mime_type="image/jpeg", content=jpeg
        ),
    )
    [upload] = await bot.tg.async_wait_for_call("sendDocument", timeout=10)
    assert upload.params["chat_id"] == OFFICIALS and code in upload.params["caption"]
    sent = upload.files["document"]
    assert GPS not in sent.content and sent.content.endswith(image_data)
    assert sent.filename == "bukti.jpg"


def unreadable_update(number: int) -> dict[str, object]:
    """A message python-telegram-bot cannot parse (its date is a name), full of personal data."""
    return {
        "message": {
            "message_id": number,
            "date": f"Siti{MARKER} Rahayu",
            "chat": {"id": REPORTER, "type": "private", "first_name": f"Siti{MARKER}"},
            "from": {"id": REPORTER, "is_bot": False, "first_name": f"Siti{MARKER}"},
            "text": f"rahasia {MARKER}",
        }
    }


async def test_unreadable_updates_are_skipped_once_unlogged_and_stop_nothing(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    with FakeTelegram() as tg:
        settings = settings_for(tg, tmp_path)
        async with open_services(settings, kb, matcher) as services:
            channel = TelegramChannel.for_services(services, settings)
            stop = asyncio.Event()
            task = asyncio.create_task(serve(settings, channel, stop, 1))
            await tg.async_wait_for_call("getUpdates")
            for number in range(107):
                tg.push_update(unreadable_update(number))
            tg.send_text(4002, "/start")  # someone behind the storm is still answered
            await tg.async_wait_for_message(4002, timeout=10)
            polls = len(tg.calls_to("getUpdates"))
            await asyncio.sleep(0.5)
            # Each bad update was confirmed once, not fetched again and again.
            assert tg.pending_updates() == []
            assert len(tg.calls_to("getUpdates")) - polls <= 2
            assert all(c.params["chat_id"] != REPORTER for c in tg.calls_to("sendMessage"))
            stop.set()
            await asyncio.wait_for(task, 10)  # a clean stop, the final confirming call included
    assert task.exception() is None
    assert "could not be read" in caplog.text
    assert MARKER not in caplog.text and str(REPORTER) not in caplog.text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_webhook_mode_needs_a_well_formed_secret(tmp_path: Path) -> None:
    base = {"DATABASE_PATH": str(tmp_path / "x.sqlite3")}
    url = {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram"}
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET is empty"):
        Settings.from_environ({**base, **url})
    for bad in ("has space", "ünïcode", "x" * 257, "semi;colon"):
        with pytest.raises(ConfigError, match="1 to 256"):
            Settings.from_environ({**base, **url, "TELEGRAM_WEBHOOK_SECRET": bad})
    ok = Settings.from_environ({**base, **url, "TELEGRAM_WEBHOOK_SECRET": "A-z_09" * 40})
    assert ok.webhook_secret


async def test_forged_webhook_posts_are_refused(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    port = free_port()
    secret = "s3cr3t_-Token"
    with FakeTelegram() as tg:
        settings = settings_for(
            tg,
            tmp_path,
            TELEGRAM_WEBHOOK_URL="https://bot.example.org/hook",
            TELEGRAM_WEBHOOK_SECRET=secret,
            TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
            TELEGRAM_WEBHOOK_PORT=str(port),
        )
        async with open_services(settings, kb, matcher) as services:
            channel = TelegramChannel.for_services(services, settings)
            stop = asyncio.Event()
            task = asyncio.create_task(serve(settings, channel, stop, 1))
            tg.add_chat(4003, "private")
            [registered] = await tg.async_wait_for_call("setWebhook")
            assert registered.params["secret_token"] == secret
            update = tg.push_update(
                {
                    "message": {
                        "message_id": 1,
                        "date": 1_700_000_000,
                        "chat": {"id": 4003, "type": "private", "first_name": "X"},
                        "from": {"id": 4003, "is_bot": False, "first_name": "X"},
                        "text": "/start",
                        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                    }
                }
            )
            url = f"http://127.0.0.1:{port}/hook"
            async with aiohttp.ClientSession() as http:
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "s3cr3t_-Tokem"}):
                    async with http.post(url, json=update, headers=headers) as response:
                        assert response.status == 403
                await asyncio.sleep(0.3)
                assert not tg.calls_to("sendMessage")  # the forgery did nothing
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 200
                await tg.async_wait_for_message(4003)  # Telegram's own post is served
                junk = unreadable_update(2) | {"update_id": 99}
                async with http.post(url, json=junk, headers=headers) as response:
                    assert response.status == 200  # confirmed, so Telegram stops resending it
            stop.set()
            await asyncio.wait_for(task, 10)
