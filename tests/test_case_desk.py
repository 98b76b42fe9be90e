"""The case desk II (issue 21) on Telegram: a reporter's reply always reaches the officials,
and a busy official sees what needs attention first. Each test replays what went wrong
that night through the real Application, the fake Bot API and a real database; a moved
clock stands in for the hours that pass."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.config import Settings
from bot.crypto import generate_key
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from tests.fake_telegram import FakeTelegram
from tests.report_script import OFFER, report_steps
from tests.test_officials_queue import environ, file_report, group, official_says
from tests.test_response_times import CHECK_SECONDS, Clock, set_status
from tests.test_telegram_reports import (
    CODE,
    OFFICIAL,
    OFFICIALS,
    REPORTER,
    Running,
    card_of,
    play,
    press,
    say,
    serving,
    shown,
)

COLLEAGUE = 9003
MENTION = f'href="tg://user?id={OFFICIAL}"'


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        fake.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        yield fake


@asynccontextmanager
async def desk(
    tg: FakeTelegram,
    folder: Path,
    kb: KnowledgeBase,
    matcher: Matcher,
    clock: Clock | None = None,
    key: str | None = None,
    **extra: str,
) -> AsyncIterator[Running]:
    """The bot with this test's officials on `clock`; `key`: the report key of an earlier
    run in `folder`, to start it again on the same database."""
    env = environ(
        tg,
        folder,
        key or generate_key(),
        **{
            "OFFICIAL_USER_IDS": f"{OFFICIAL},{COLLEAGUE}",
            "RESPONSE_CHECK_SECONDS": CHECK_SECONDS,
            **extra,
        },
    )
    async with serving(tg, Settings.from_environ(env), kb, matcher, clock or Clock()) as services:
        yield Running(tg, services)


async def balas(bot: Running, code: str, message: str) -> None:
    """An official writes to the reporter the explicit way: /balas, then ✅ Kirim."""
    official_says(bot.tg, f"/balas {code} {message}")
    await bot.tg.async_wait_for_message(OFFICIALS, contains="Pratinjau")
    bot.tg.press_button_with_text(OFFICIAL, "✅ Kirim", chat_id=OFFICIALS)
    await bot.tg.async_wait_for_message(REPORTER, contains=message)


def relayed(tg: FakeTelegram, text: str) -> list[dict[str, object]]:
    """The reporter's messages as the group received them."""
    return [m for m in group(tg, "pelapor") if text in shown(m)]


async def test_the_mothers_own_words_reach_the_case_and_a_question_is_still_answered(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    clock = Clock()
    async with desk(tg, tmp_path, kb, matcher, clock) as bot:
        code = await file_report(bot, REPORTER)
        await balas(bot, code, "Apakah paspor anak Ibu masih dipegang agen?")
        # Typed, not quoted, after the official wrote: offered to the case, not answered
        # with the FAQ on held passports.
        await say(bot, "blm bu, paspor msh sama anak sy", f"untuk laporan {code}?")
        assert not relayed(tg, "paspor msh sama")  # nothing leaves before she says so
        await press(bot, "✅ Kirim ke petugas", "sudah diteruskan")
        [answer] = await tg.async_wait_for_message(OFFICIALS, contains="paspor msh sama")
        assert code in shown(answer) and str(REPORTER) not in shown(answer)
        # A real question: "❓ Ini pertanyaan" answers it instead.
        await say(bot, "gimana cara cek PT resmi?", f"untuk laporan {code}?")
        await press(bot, "❓ Ini pertanyaan", "SISKOP2MI")
        assert not relayed(tg, "cara cek PT")
        # Quoted (a swipe-reply to the official's message): straight to the case.
        official = next(m for m in tg.history(REPORTER) if "paspor anak Ibu" in str(m["text"]))
        tg.send_text(
            REPORTER, "iya pak sy ada di rumah", reply_to_message_id=official["message_id"]
        )
        await tg.async_wait_for_message(OFFICIALS, contains="sy ada di rumah")
        # Status in plain words: every case with the officials' messages, times in WIB.
        await say(bot, "/status", "Laporan Anda")
        status = str(tg.history(REPORTER)[-1]["text"])
        assert code in status and "paspor anak Ibu" in status and "WIB" in status
        # Eight days after the officials last wrote (on the bot's clock), her typed words
        # are questions again: the offer is for a conversation still going on.
        clock.ahead += dt.timedelta(days=8)
        before = len(tg.history(REPORTER))
        await say(bot, "gimana cara cek PT resmi?", "SISKOP2MI")
        offers = [m for m in tg.history(REPORTER)[before:] if "untuk laporan" in str(m["text"])]
        assert not offers


async def test_danger_words_from_a_reporter_with_an_open_case_reach_the_group_at_once(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with desk(tg, tmp_path, kb, matcher) as bot:
        code = await file_report(bot, REPORTER, urgent=True)
        await card_of(bot, code)
        # Nobody has written to her yet: danger words still reach the group, unasked.
        await say(bot, "teman sy dipukul lagi tadi malam", "110")
        [alarm] = await tg.async_wait_for_message(OFFICIALS, contains="dipukul lagi")
        assert "🚨 MENDESAK" in shown(alarm) and code in shown(alarm)
        assert "<blockquote>teman sy dipukul lagi tadi malam</blockquote>" in str(alarm["text"])
        assert MENTION in str(alarm["text"])  # the officials' phones ring
        # Her confirmation follows the group's alarm: wait for it rather than read the last.
        await tg.async_wait_for_message(REPORTER, contains="ditandai mendesak")
        # Also while the offer check waits for an advert: danger is never read as one.
        await say(bot, "/cek", "tawaran")
        await say(bot, "tolong teman sy dikurung lagi di mess", "110")
        [alarm] = await tg.async_wait_for_message(OFFICIALS, contains="dikurung lagi")
        assert "🚨 MENDESAK" in shown(alarm) and code in shown(alarm)
        # And a photo whose caption says it: the words and the picture reach the case.
        photos = len(tg.calls_to("sendPhoto"))
        tg.send_photo(
            REPORTER, caption="ini luka dia dipukul lagi, tolong", content=b"\xff\xd8 jpg"
        )
        [alarm] = await tg.async_wait_for_message(OFFICIALS, contains="luka dia dipukul")
        assert "🚨 MENDESAK" in shown(alarm) and code in shown(alarm)
        await tg.async_wait_for_call("sendPhoto", count=photos + 1)


async def test_kasus_puts_what_needs_attention_first_with_the_time_left(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    clock = Clock()
    async with desk(tg, tmp_path, kb, matcher, clock, RESPONSE_ACK_HOURS="1") as bot:
        late = await file_report(bot, 4101)  # nobody touches it: late after an hour
        urgent = await file_report(bot, 4102, urgent=True)
        unassigned = await file_report(bot, 4103)
        held = await file_report(bot, 4104)
        for code, label in ((urgent, "🙋 Saya tangani"), (held, "🙋 Saya tangani")):
            card = await card_of(bot, code)
            tg.press_button_with_text(OFFICIAL, label, OFFICIALS, card["message_id"])
            await tg.async_wait_for(lambda _, c=code: "🙋 Uji" in shown(group(tg, f"Kode: {c}")[0]))
        await set_status(bot, unassigned, "diterima")  # received, but nobody holds it
        clock.ahead = dt.timedelta(hours=2)
        official_says(tg, "/kasus")
        [listing] = await tg.async_wait_for_message(OFFICIALS, contains="Kasus terbuka")
        lines = shown(listing).splitlines()[1:]
        order = [found.group() for line in lines if (found := CODE.search(line))]
        assert order == [late, urgent, unassigned, held]
        assert "⏰ belum diterima, terlambat 1 jam" in lines[0]
        assert "⏳ sisa 21 jam untuk tindakan pertama" in lines[1]
        assert "risiko TINGGI (mendesak)" in lines[1] and "🙋 Uji" in lines[1]
        assert "🙋 belum ada" in lines[2] and "risiko tinggi" in lines[2]
        # Each case opens with one tap.
        buttons = [b["text"] for row in listing["reply_markup"]["inline_keyboard"] for b in row]  # type: ignore[index]
        assert buttons == [f"🔎 {code}" for code in order]
        tg.press_button_with_text(OFFICIAL, f"🔎 {held}", OFFICIALS, listing["message_id"])
        [detail] = await tg.async_wait_for_message(OFFICIALS, contains="Riwayat")
        assert held in shown(detail) and "Kontak pelapor" in shown(detail)
        assert "reply_markup" not in detail  # no second set of working buttons
        # /bantuan and /help list the officials' commands.
        for asked, count in (("/bantuan", 1), ("/help", 2)):
            official_says(tg, asked)
            listed = await tg.async_wait_for_message(
                OFFICIALS, contains="Perintah petugas", count=count
            )
            for command in ("/kasus", "/balas KODE pesan", "/statistik", "/ekspor"):
                assert command in shown(listed[-1])


async def test_a_takeover_asks_first_and_tells_the_previous_holder(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with desk(tg, tmp_path, kb, matcher) as bot:
        code = await file_report(bot, REPORTER)
        card = await card_of(bot, code)
        card_id = int(str(card["message_id"]))

        def card_text() -> str:
            return shown(next(m for m in tg.messages(OFFICIALS) if m["message_id"] == card_id))

        tg.send_text(OFFICIAL, "/kasus saya", OFFICIALS, "supergroup", "Rina")
        tg.send_text(COLLEAGUE, "/kasus saya", OFFICIALS, "supergroup", "Budi")
        await tg.async_wait_for_message(OFFICIALS, contains="yang Anda tangani.", count=2)
        tg.press_button_with_text(OFFICIAL, "🙋 Saya tangani", OFFICIALS, card_id)
        # Only 🙋: the card reads as received, as the reminders count it.
        await tg.async_wait_for(lambda _: "Status: 📥 Diterima · 🙋 Rina" in card_text())
        tg.press_button_with_text(COLLEAGUE, "🙋 Saya tangani", OFFICIALS, card_id)
        [question] = await tg.async_wait_for_message(OFFICIALS, contains="ambil alih?")
        assert "sudah dipegang Rina" in shown(question)
        await asyncio.sleep(0.3)
        assert "🙋 Rina" in card_text()  # nothing changed by the press alone
        tg.press_button_with_text(COLLEAGUE, "Ya, ambil alih", OFFICIALS, question["message_id"])
        [told] = await tg.async_wait_for_message(OFFICIALS, contains="diambil alih")
        assert "oleh Budi dari Rina" in shown(told) and MENTION in str(told["text"])
        await tg.async_wait_for(lambda _: "🙋 Budi" in card_text())
        ids = [m["message_id"] for m in tg.messages(OFFICIALS)]
        assert question["message_id"] not in ids  # the question went once answered
        # The history names people and gives WIB times.
        tg.send_text(COLLEAGUE, f"/kasus {code}", OFFICIALS, "supergroup", "Budi")
        [case] = await tg.async_wait_for_message(OFFICIALS, contains="Riwayat")
        history = shown(case).split("Riwayat:")[1]
        assert "Rina · 🙋 memegang kasus" in history and "Budi · 🙋 memegang kasus" in history
        assert "WIB" in history and str(OFFICIAL) not in history and str(COLLEAGUE) not in history


async def test_an_urgent_case_not_acknowledged_is_reminded_at_its_promised_time(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    clock, key = Clock(), generate_key()
    # The check runs hourly here: only the promised time itself can bring the reminder.
    hourly = {"RESPONSE_CHECK_SECONDS": "3600"}
    async with desk(tg, tmp_path, kb, matcher, clock, key, **hourly) as bot:
        code = await file_report(bot, REPORTER, urgent=True)
        card = await card_of(bot, code)
        assert MENTION in str(card["text"])  # the urgent card names the officials
        assert bot.services.reports is not None and bot.services.desk is not None
        report = await bot.services.reports.by_code(code)
        assert report is not None
        timings = await bot.services.desk.responses.timings([report])
        promised = timings[report.id].ack_by
    # The case was dated on the bot's one clock, so hours pass only by moving it: the bot
    # comes back 6 seconds before the two urgent hours end (the hourly check is then an
    # hour away).
    clock.move_to(promised - dt.timedelta(seconds=6))
    async with desk(tg, tmp_path, kb, matcher, clock, key, **hourly):
        assert not group(tg, "⏰ Pengingat")
        [reminder] = await tg.async_wait_for_message(OFFICIALS, contains="⏰ Pengingat", timeout=12)
        assert clock() >= promised  # at the promised time, not before
        assert code in shown(reminder) and "Belum diterima" in shown(reminder)
        assert MENTION in str(reminder["text"])  # named again
        [told] = await tg.async_wait_for_message(REPORTER, contains="belum merespons")
        assert code in str(told["text"]) and "110" in str(told["text"])


async def test_closing_with_a_reason_tells_the_reporter_once_in_plain_words(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with desk(tg, tmp_path, kb, matcher) as bot:
        code = await file_report(bot, REPORTER)
        card = await card_of(bot, code)
        before = len(tg.history(REPORTER))
        # From a new case straight to ✅ Selesai: one tap, then the reason.
        tg.press_button_with_text(OFFICIAL, "✅ Selesai", OFFICIALS, card["message_id"])
        [question] = await tg.async_wait_for_message(OFFICIALS, contains="apa alasannya")
        tg.press_button_with_text(
            OFFICIAL, "Orangnya sudah aman", OFFICIALS, question["message_id"]
        )
        [notice] = await tg.async_wait_for_message(REPORTER, contains="✅ Selesai")
        assert "sudah dalam keadaan aman" in str(notice["text"])
        await tg.async_wait_for(
            lambda _: "Status: ✅ Selesai" in shown(group(tg, f"Kode: {code}")[0])
        )
        await asyncio.sleep(0.5)
        assert len(tg.history(REPORTER)) == before + 1  # one notice, not one per step
        assert question["message_id"] not in [m["message_id"] for m in tg.messages(OFFICIALS)]
        # A typed reason, as a reply to the question, reaches the reporter as written.
        other = await file_report(bot, 4002)
        card = await card_of(bot, other)
        tg.press_button_with_text(OFFICIAL, "🚫 Tidak valid", OFFICIALS, card["message_id"])
        [question] = await tg.async_wait_for_message(OFFICIALS, contains="apa alasannya")
        official_says(tg, "Nomor itu milik agen resmi terdaftar.", reply_to=question["message_id"])
        [notice] = await tg.async_wait_for_message(4002, contains="🚫 Tidak valid")
        assert "Nomor itu milik agen resmi terdaftar." in str(notice["text"])


async def test_a_cards_first_screen_fits_a_phone_and_agrees_with_its_urgency(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with desk(tg, tmp_path, kb, matcher) as bot:
        # A long story, no evidence, someone locked up and beaten.
        story = "Anak saya dikurung dan dipukul di mess, gaji tidak dibayar. " * 30
        code = await file_report(bot, REPORTER, offer=story, urgent=True)
        card = shown(await card_of(bot, code))
        assert len(card) <= 600, card
        assert "MENDESAK" in card and "Risiko: TINGGI" in card and "sedang" not in card
        assert "Bukti" not in card  # no "0 berkas (menyusul di bawah)"
        assert "dikurung" not in card  # the story waits behind 🔎 Detail
        calm = await file_report(bot, 4002, photos=1)
        card = shown(await card_of(bot, calm))
        assert len(card) <= 600 and "📎 Bukti: 1 berkas (di bawah)" in card


async def test_a_quieter_group_one_reminder_message_and_the_how_to_once_a_day(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    clock = Clock()
    async with desk(tg, tmp_path, kb, matcher, clock) as bot:
        codes = [await file_report(bot, user) for user in (4101, 4102)]
        for code in codes:
            await card_of(bot, code)
        assert len(group(tg, "Cara kerja meja kasus")) == 1
        clock.ahead = dt.timedelta(hours=25)
        [reminder] = await tg.async_wait_for_message(OFFICIALS, contains="⏰ Pengingat")
        await asyncio.sleep(0.3)
        assert len(group(tg, "⏰ Pengingat")) == 1 and "2 kasus" in shown(reminder)
        assert all(code in shown(reminder) for code in codes)
        # The next day (on the bot's clock, whatever day the suite runs) it comes once more.
        await card_of(bot, await file_report(bot, 4103))
        await tg.async_wait_for(lambda _: len(group(tg, "Cara kerja meja kasus")) == 2)


async def test_forwarding_to_an_agency_and_a_repeated_recruiter_number(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    offer = "Kerja pabrik di Malaysia, hubungi Pak Darman 0812-3456-7890, berangkat lewat Dumai"
    async with desk(tg, tmp_path, kb, matcher) as bot:
        first = await file_report(bot, REPORTER, offer=offer)
        card = await card_of(bot, first)
        tg.press_button_with_text(OFFICIAL, "↪️ Teruskan", OFFICIALS, card["message_id"])
        [menu] = await tg.async_wait_for_message(OFFICIALS, contains="instansi mana")
        tg.press_button_with_text(OFFICIAL, "↪️ Polres Pariaman", OFFICIALS, menu["message_id"])
        [ask] = await tg.async_wait_for_message(OFFICIALS, contains="Catatan (siapa dihubungi")
        official_says(tg, "Diterima Bripka Andi, LP/123", reply_to=ask["message_id"])
        await tg.async_wait_for_message(OFFICIALS, contains="Catatan penerusan")
        await tg.async_wait_for(
            lambda _: "↪️ Diteruskan ke: Polres Pariaman" in shown(group(tg, f"Kode: {first}")[0])
        )
        # The same number, written another way, in a later report: the card says so.
        second = await file_report(bot, 4002, offer="Loker Malaysia dari wa +62 812 3456 7890")
        assert f"🔗 Mungkin terkait: {first}" in shown(await card_of(bot, second))
        official_says(tg, "/kasus")
        [listing] = await tg.async_wait_for_message(OFFICIALS, contains="Kasus terbuka")
        assert "↪️ Polres Pariaman" in next(
            line for line in shown(listing).splitlines() if first in line
        )
        official_says(tg, f"/kasus {first}")
        [case] = await tg.async_wait_for_message(OFFICIALS, contains="Riwayat")
        assert "Diterima Bripka Andi, LP/123" in shown(case)
        tg.send_text(OFFICIAL, "/start")
        await tg.async_wait_for_message(OFFICIAL, contains="Migran Aman")
        official_says(tg, "/ekspor")
        [upload] = await tg.async_wait_for_call("sendDocument")
        rows = csv.DictReader(io.StringIO(upload.files["document"].content.decode("utf-8-sig")))
        assert {row["kode"]: row["diteruskan ke"] for row in rows}[first] == "Polres Pariaman"
        # Named after the day on the bot's clock (a Wednesday in December 2026 here).
        assert upload.files["document"].filename == "kasus-tppo-20261202.csv"
    # Compared on keyed hashes: the number is nowhere in the database file in clear.
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("bot.sqlite3*"))
    for written in (b"81234567890", b"0812-3456-7890", b"812 3456 7890"):
        assert written not in stored


async def test_each_case_its_own_topic_in_a_forum_group(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    with FakeTelegram() as tg:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO", forum=True)
        async with desk(tg, tmp_path, kb, matcher, OFFICIALS_TOPICS="1") as bot:
            code = await file_report(bot, REPORTER, photos=1)
            card = await card_of(bot, code)
            [topic] = await tg.async_wait_for_call("createForumTopic")
            thread = topic.response["result"]["message_thread_id"]
            assert topic.params["name"] == code and card["message_thread_id"] == thread
            [photo] = await tg.async_wait_for_call("sendPhoto")
            assert photo.params["message_thread_id"] == thread  # the evidence goes there too
            # Written in the topic, replying to nothing: a note on this case.
            tg.send_text(
                OFFICIAL, "Sudah telepon keluarganya", OFFICIALS, "supergroup",
                message_thread_id=thread,
            )  # fmt: skip
            [note] = await tg.async_wait_for_message(OFFICIALS, contains="Disimpan sebagai catatan")
            assert code in shown(note) and note["message_thread_id"] == thread


async def test_lapor_under_a_risky_verdict_starts_the_report_with_the_checked_advert(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with desk(tg, tmp_path, kb, matcher) as bot:
        await say(bot, "/cek", "tawaran")
        await say(bot, OFFER, "TINGGI")
        await press(bot, "📣 Lapor", "Jawaban 1 sudah diisi")
        assert f"Tersimpan: «{OFFER}»" in str(tg.history(REPORTER)[-1]["text"])
        await press(bot, "➡️ Lanjut", "2/9")  # not asked for the advert again
        steps = report_steps(0)
        start = next(n for n, step in enumerate(steps) if step[2] == "3/9")
        await play(bot, steps[start:])
        await press(bot, "✅ Kirim", "Kode kasus")
        code = CODE.search(str(tg.history(REPORTER)[-1]["text"]))
        assert code and bot.services.reports
        report = await bot.services.reports.by_code(code.group())
        assert report is not None and report.answers["offer"] == OFFER
        assert report.destination == "Kamboja"
