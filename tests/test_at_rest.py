"""What a stolen disk holds about the people who reported: nothing that names them.

Both channels run in one process against the fake Bot API and the fake Cloud API, with a
real SQLite file. After a full report on each channel, status changes, relayed messages
both ways (also a reporter's own words, quoted or typed), a template send, a reminder, a
subscription to the broadcasts with a poll's answer, and case updates stopped,
the reporter's Telegram id and WhatsApp number are searched for everywhere: every column of every table (as text, as an integer, in ASCII
and UTF-16), the database file, its write-ahead log, the evidence files and the log lines,
and the number also as base64 (WhatsApp's message ids are base64 of data holding it).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from bot import housekeeping, runtime
from bot.config import Settings
from bot.crypto import Cipher, Hasher, generate_hash_key, generate_key
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.runtime import Services, open_services
from bot.storage import MIGRATIONS, Database
from tests.conftest import sqlite_file, wait_until
from tests.fake_whatsapp import (
    async_post_signed,
    base64_forms,
    image_message,
    new_wamid,
    text_message,
    update,
)
from tests.report_script import CODE, OFFER, report_steps
from tests.test_telegram_reports import Running, play, press, say
from tests.test_whatsapp import USER
from tests.test_whatsapp_reports import OFFICIAL, OFFICIALS, Both, both, file_report, step

__all__ = ["both"]  # the fixture, shared with tests/test_whatsapp_reports.py

TELEGRAM_REPORTER = 7306154829  # long: a short id could turn up by chance in random bytes


def encodings(value: int) -> list[bytes]:
    """How an id may sit in a file: text in ASCII and UTF-16, an integer as SQLite writes
    it (big-endian, 6 or 8 bytes) or as other formats do, and inside base64."""
    digits = str(value)
    forms = [digits.encode(), digits.encode("utf-16-le"), digits.encode("utf-16-be")]
    forms += [value.to_bytes(6, "big"), value.to_bytes(8, "big"), value.to_bytes(8, "little")]
    return forms + base64_forms(digits.encode())


async def columns_holding(database: Database, value: int) -> list[str]:
    """table.column of every stored value equal to `value`, or holding it as text/bytes."""
    found = []
    tables = await database.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    for (table,) in tables:
        for column in await database.fetchall(f'PRAGMA table_info("{table}")'):
            name = column[1]
            for needle in [value, *encodings(value)]:
                test = (
                    "= ?"
                    if isinstance(needle, int)
                    else "IS NOT NULL AND instr(CAST(c AS BLOB), ?) > 0"
                )
                rows = await database.fetchall(
                    f'SELECT 1 FROM (SELECT "{name}" AS c FROM "{table}") WHERE c {test} LIMIT 1',
                    (needle,),
                )
                if rows:
                    found.append(f"{table}.{name}: {needle!r}")
    return found


def files_holding(folder: Path, value: int) -> list[str]:
    """Files under `folder` (the database, its journal files, evidence) holding `value`."""
    return [
        f"{path.relative_to(folder)}: {needle!r}"
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        for needle in encodings(value)
        if needle in path.read_bytes()
    ]


async def preview_and_send(both: Both, code: str, message: str) -> None:
    """An official writes to a reporter the explicit way: /balas, then ✅ Kirim."""
    tg = both.tg
    previews = len([m for m in tg.messages(OFFICIALS) if "Pratinjau" in m.get("text", "")])
    tg.send_text(OFFICIAL, f"/balas {code} {message}", chat_id=OFFICIALS, chat_type="supergroup")
    await tg.async_wait_for_message(OFFICIALS, contains="Pratinjau", count=previews + 1)
    tg.press_button_with_text(OFFICIAL, "✅ Kirim", chat_id=OFFICIALS)


async def all_delivered(services: Services) -> bool:
    rows = await services.database.fetchall(
        "SELECT (SELECT COUNT(*) FROM outbox WHERE status = 'pending') + "
        "(SELECT COUNT(*) FROM wa_outgoing WHERE status = 'pending')"
    )
    return int(rows[0][0]) == 0


async def test_no_table_file_or_log_line_holds_a_reporters_id_or_number(
    both: Both, caplog: pytest.LogCaptureFixture
) -> None:
    runtime.configure_logging("DEBUG")  # as in production, at its most talkative
    caplog.set_level(logging.DEBUG)
    wa, tg, services = both.wa, both.tg, both.services
    on_telegram = Running(tg, services)
    folder = both.media_folder.parent

    # A full report on each channel, each with a photo; one names the recruiter's number.
    offer = f"{OFFER}, hubungi Pak Anto 0812-7777-3333"
    await play(on_telegram, report_steps(photos=1, offer=offer), TELEGRAM_REPORTER)
    await press(on_telegram, "✅ Kirim", "Kode kasus", TELEGRAM_REPORTER)
    found = CODE.search(tg.messages(TELEGRAM_REPORTER)[-1]["text"])
    assert found
    telegram_code = found.group()
    whatsapp_code, _ = await file_report(both, photos=1)

    # Officials change both cases' status, and each reporter is told.
    for code in (telegram_code, whatsapp_code):
        [card] = await tg.async_wait_for_message(OFFICIALS, contains=f"Kode: {code}")
        tg.press_button(OFFICIAL, card["message_id"], f"kasus:{code}:diterima", OFFICIALS)
    await tg.async_wait_for_message(TELEGRAM_REPORTER, contains="sekarang: 📥 Diterima")
    await wait_until(lambda: any("Diterima" in s.text for s in wa.fake.messages(USER)), "notice")

    # An official writes to each reporter, and each answers.
    await preview_and_send(both, telegram_code, "Kapan Anda dihubungi perekrut?")
    await tg.async_wait_for_message(TELEGRAM_REPORTER, contains="Kapan Anda dihubungi")
    await press(on_telegram, "↩️ Balas petugas", "Tulis balasan", TELEGRAM_REPORTER)
    await say(on_telegram, "Kemarin sore", "diteruskan", TELEGRAM_REPORTER)
    # ... and in their own words (issue 21): quoting the official's message, or typed and
    # then sent with ✅ Kirim ke petugas.
    asked = next(m for m in tg.history(TELEGRAM_REPORTER) if "Kapan Anda" in str(m.get("text")))
    tg.send_text(TELEGRAM_REPORTER, "Lewat Facebook", reply_to_message_id=asked["message_id"])
    await tg.async_wait_for_message(OFFICIALS, contains="Lewat Facebook")
    await say(on_telegram, "agennya menelepon lagi tadi", "untuk laporan", TELEGRAM_REPORTER)
    await press(on_telegram, "✅ Kirim ke petugas", "sudah diteruskan", TELEGRAM_REPORTER)
    await tg.async_wait_for_message(OFFICIALS, contains="agennya menelepon lagi")
    before = len(wa.fake.messages(USER))
    await preview_and_send(both, whatsapp_code, "Kapan Anda dihubungi perekrut?")
    await wa.fake.async_wait_for(USER, before + 1)
    await step(wa, "press", "Balas petugas", "")
    await step(wa, "say", "Kemarin sore lewat WhatsApp", "diteruskan")
    await tg.async_wait_for_message(OFFICIALS, contains="Kemarin sore lewat WhatsApp")
    asked_wa = next(m for m in wa.fake.messages(USER) if "Kapan Anda" in m.text)
    await async_post_signed(wa.url, update(USER, text_message("Lewat Instagram", asked_wa.id)))
    await tg.async_wait_for_message(OFFICIALS, contains="Lewat Instagram")

    # 24 hours of silence on WhatsApp: the next message waits, and a template goes out.
    # (The window closes for this reporter alone: a failure for "the next send", whoever it
    # is to, could be taken by a send still in flight from the steps above.)
    wa.fake.close_window(USER)
    await preview_and_send(both, whatsapp_code, "Mohon kirim foto kontraknya.")
    await wait_until(
        lambda: any(s.kind == "template" for s in wa.fake.messages(USER)),
        "template",
    )
    wa.fake.open_window(USER)  # the reporter writes again
    await step(wa, "say", "halo, ada kabar?", "kontraknya")  # the held message comes first

    # Both start a second report and leave it (on WhatsApp with a screenshot, which stays
    # on disk with the draft); a day later each is reminded.
    await play(on_telegram, report_steps()[:3], TELEGRAM_REPORTER)
    await step(wa, "say", "lapor", "Apa yang ingin Anda laporkan")
    await step(wa, "press", "Tawaran kerja mencurigakan", "1/9")
    photo = wa.fake.add_media(b"\xff\xd8\xff\xe0 a screenshot of an advert")
    told = len(wa.fake.messages(USER))
    await async_post_signed(wa.url, update(USER, image_message(photo)))
    await wa.fake.async_wait_for(USER, told + 1)  # its answer: handled, the file kept
    a_day_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)).isoformat()
    await services.database.write("UPDATE drafts SET updated_at = ?", (a_day_ago,))
    told = len(wa.fake.messages(USER))
    assert services.reports is not None and services.outbox is not None
    await housekeeping.tidy(services.reports, services.engine.sessions, 365, services.outbox.notify)
    await tg.async_wait_for_message(TELEGRAM_REPORTER, "belum selesai")
    await wa.fake.async_wait_for(USER, told + 1)
    await wait_until(lambda: all_delivered(services), "empty queues")

    # Both subscribe to the broadcasts (issue 20), get one and answer its poll; then the
    # Telegram reporter stops case updates and the subscription with one word.
    await say(on_telegram, "/langganan", "kecamatan", TELEGRAM_REPORTER)
    await press(on_telegram, "Pariaman Utara", "sudah berlangganan", TELEGRAM_REPORTER)
    await step(wa, "say", "/langganan", "kecamatan")
    await step(wa, "say", "Pariaman Utara", "sudah berlangganan")
    tg.send_text(
        OFFICIAL, "/siaran Waspada calo.\npilihan:\n- Ya\n- Tidak", OFFICIALS, "supergroup"
    )
    await tg.async_wait_for_message(OFFICIALS, contains="Pratinjau siaran")
    tg.press_button_with_text(OFFICIAL, "✅ Kirim", chat_id=OFFICIALS)
    await tg.async_wait_for_message(TELEGRAM_REPORTER, contains="Waspada calo")
    await press(on_telegram, "Ya", "tercatat", TELEGRAM_REPORTER)
    await wait_until(lambda: any("Waspada" in s.text for s in wa.fake.messages(USER)), "news")
    await step(wa, "press", "Tidak", "tercatat")
    await say(on_telegram, "berhenti", "dimatikan", TELEGRAM_REPORTER)

    # Nothing names either reporter: not a column, not a byte on disk, not a log line;
    # issue 21's and 20's tables hold rows, so the search below covers them.
    for table in ("case_quotes", "report_marks", "official_names", "subscribers",
                  "campaign_recipients", "poll_answers", "updates_off"):  # fmt: skip
        assert await services.database.fetchall(f"SELECT 1 FROM {table}"), table
    assert any(both.media_folder.iterdir()) and list(folder.glob("*-wal"))
    for reporter in (TELEGRAM_REPORTER, int(USER)):
        assert await columns_holding(services.database, reporter) == []
        assert files_holding(folder, reporter) == []
        assert str(reporter) not in caplog.text
    # ... while the bot still knows whom to write to, from what it keeps encrypted.
    report = await services.reports.by_code(whatsapp_code)
    assert report is not None and report.reporter.user_id == USER


async def test_an_older_database_is_cleaned_of_chat_ids_and_message_ids_at_start(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """What the previous version left: a delivered notice's chat id, a wamid and exact
    times; the upgrade removes them from the tables and from every page of the file."""
    path = tmp_path / "bot.sqlite3"
    environ = {
        "DATABASE_PATH": str(path),
        "REPORTS_ENCRYPTION_KEY": generate_key(),
        "REPORTS_HASH_KEY": generate_hash_key(),
    }
    # The schema as it was before the migration that cleans them (later ones follow it).
    cleaning = next(
        n for n, steps in enumerate(MIGRATIONS) if any("sent_chat_id = NULL" in s for s in steps)
    )
    wamid = new_wamid(USER)
    with sqlite_file(path) as old:  # rows as the previous version wrote them
        for steps in MIGRATIONS[:cleaning]:
            for statement in steps:
                old.execute(statement)
        hasher = Hasher(environ["REPORTS_HASH_KEY"])  # written with these keys
        cipher = Cipher(environ["REPORTS_ENCRYPTION_KEY"], hasher)
        old.executemany(
            "INSERT INTO meta (name, value) VALUES (?, ?)",
            [("key_check", cipher.key_check()), ("hash_check", hasher.check())],
        )
        old.execute(
            "INSERT INTO outbox (role, recipient_hash, payload, status, sent_message_id, "
            "sent_chat_id, created_at) VALUES ('notice', 'ab12', x'00', 'sent', 5, ?, ?)",
            (TELEGRAM_REPORTER, "2025-03-04T10:32:15+00:00"),
        )
        old.execute(
            "INSERT INTO outbox (role, recipient_hash, payload, status, sent_message_id, "
            "sent_chat_id, created_at) VALUES ('card', 'officials', x'00', 'sent', 6, ?, ?)",
            (OFFICIALS, "2025-03-04T10:32:15+00:00"),
        )
        old.execute(
            "INSERT INTO wa_inbox (wamid, received_at, handled_at) VALUES (?, ?, ?)",
            (wamid, "2025-03-04T10:32:14+00:00", "2025-03-04T10:32:15+00:00"),
        )
        old.execute(
            "INSERT INTO unanswered (question, language, asked_at) VALUES ('x', 'id', ?)",
            ("2025-03-04T10:32:15+00:00",),
        )
        old.execute(f"PRAGMA user_version = {cleaning}")
    assert files_holding(tmp_path, TELEGRAM_REPORTER) and files_holding(tmp_path, int(USER))

    async with open_services(Settings.from_environ(environ), kb, matcher) as services:
        database = services.database
        assert await columns_holding(database, TELEGRAM_REPORTER) == []
        assert await columns_holding(database, int(USER)) == []
        kept = await database.fetchall("SELECT sent_chat_id FROM outbox ORDER BY id")
        assert [row[0] for row in kept] == [None, OFFICIALS]  # a group's id is kept
        inbox = await database.fetchall("SELECT wamid, received_at, handled_at FROM wa_inbox")
        assert inbox == [
            (services.engine.sessions.hasher.message_key(wamid),  # type: ignore[attr-defined]
             "2025-03-04T10:00:00+00:00", "2025-03-04T10:00:00+00:00")
        ]  # fmt: skip
        asked = await database.fetchall("SELECT asked_at FROM unanswered")
        assert asked == [("2025-03-04T00:00:00+00:00",)]
        assert files_holding(tmp_path, TELEGRAM_REPORTER) == []
        assert files_holding(tmp_path, int(USER)) == []
