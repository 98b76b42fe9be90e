"""Attacks on the officials' queue and group (issue 9), each run through the real
Application, the fake Bot API over HTTP and a real database: a card that cannot be
posted, a flood from one account, internal talk that must stay internal, an old group's
message ids, a spoofed card, and presses that must or must not be answered."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.channels.flood import FLOOD_LIMIT, FloodGuard
from bot.config import Settings
from bot.crypto import generate_hash_key, generate_key
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from tests.conftest import run_main, sqlite_file
from tests.fake_telegram import FakeTelegram
from tests.report_script import OFFER, report_steps
from tests.test_telegram_reports import (
    CODE,
    OFFICIAL,
    OFFICIALS,
    REPORTER,
    STRANGER,
    Running,
    card_of,
    play,
    press,
    say,
    serving,
    shown,
)

FAST = {"OUTBOX_MAX_BACKOFF_SECONDS": "0.2"}
CARD_CODE = re.compile(r"Kode: (PRM-[A-Z0-9]{4}-[A-Z0-9]{4})")


HASH_KEY = generate_hash_key()


def environ(tg: FakeTelegram, folder: Path, key: str, **extra: str) -> dict[str, str]:
    return {
        **tg.bot_environ(),
        "DATABASE_PATH": str(folder / "bot.sqlite3"),
        "OFFICIALS_CHAT_ID": str(OFFICIALS),
        "OFFICIAL_USER_IDS": str(OFFICIAL),
        "REPORTS_ENCRYPTION_KEY": key,
        "REPORTS_HASH_KEY": HASH_KEY,
        **FAST,
        **extra,
    }


@asynccontextmanager
async def group_bot(
    folder: Path, kb: KnowledgeBase, matcher: Matcher, **extra: str
) -> AsyncIterator[Running]:
    """A fresh fake Telegram with the task force's group, and the bot serving it."""
    with FakeTelegram() as tg:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        async with running(tg, kb, matcher, environ(tg, folder, generate_key(), **extra)) as bot:
            yield bot


@asynccontextmanager
async def running(
    tg: FakeTelegram, kb: KnowledgeBase, matcher: Matcher, env: dict[str, str]
) -> AsyncIterator[Running]:
    async with serving(tg, Settings.from_environ(env), kb, matcher) as services:
        yield Running(tg, services)


async def file_report(
    bot: Running,
    user: int,
    offer: str = OFFER,
    urgent: bool = False,
    photos: int = 0,
) -> str:
    await play(bot, report_steps(photos, offer, urgent), user)
    await press(bot, "✅ Kirim", "Kode kasus", user)
    receipt = [m for m in bot.tg.history(user) if "Kode kasus" in m.get("text", "")][-1]
    found = CODE.search(receipt["text"])
    assert found
    return found.group()


def cards_accepted(tg: FakeTelegram) -> list[str]:
    """Codes of the cards Telegram accepted in the officials' chat, in order."""
    return _cards(tg, accepted=True)


def cards_refused(tg: FakeTelegram) -> list[str]:
    """Codes of the cards Telegram refused in the officials' chat, in order."""
    return _cards(tg, accepted=False)


def _cards(tg: FakeTelegram, accepted: bool) -> list[str]:
    return [
        found.group(1)
        for call in tg.calls_to("sendMessage")
        if (call.status == 200) == accepted and call.params.get("chat_id") == OFFICIALS
        if (found := CARD_CODE.search(shown({"text": call.params["text"]})))
    ]


def group(tg: FakeTelegram, contains: str) -> list[dict[str, object]]:
    return [m for m in tg.messages(OFFICIALS) if contains in shown(m)]


def official_says(tg: FakeTelegram, text: str, reply_to: int | None = None) -> None:
    tg.send_text(
        OFFICIAL, text, chat_id=OFFICIALS, chat_type="supergroup", reply_to_message_id=reply_to
    )


# --- finding 1: one card can block every later report --------------------------------------

# Blank lines made of spaces, then quotes: the old splitter cut a piece of blank lines only.
BLANK_LINES_OFFER = ("kerja kamboja\n\n" + " \n" * 700 + '"' * 600)[:2000]


async def test_blank_line_card_arrives_whole_and_its_buttons_work(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with group_bot(tmp_path, kb, matcher) as bot:
        tg = bot.tg
        code = await file_report(bot, REPORTER, offer=BLANK_LINES_OFFER)
        card = await card_of(bot, code)
        assert card.get("reply_markup"), "the card arrived without its buttons"
        bot.tg.press_button_with_text(OFFICIAL, "🙋 Saya tangani", chat_id=OFFICIALS)
        await bot.tg.async_wait_for(lambda _: "🙋 Uji" in shown(group(tg, f"Kode: {code}")[0]))
        later = await file_report(bot, 4002)
        await card_of(bot, later)
        assert bot.services.outbox
        assert not [e for e in await bot.services.outbox.entries() if e.status == "failed"]


async def test_card_refused_by_403_is_given_up_told_once_and_a_click_posts_it_afresh(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    with FakeTelegram() as tg:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        env = environ(tg, tmp_path, generate_key(), OUTBOX_MAX_TRIES="2")
        async with running(tg, kb, matcher, env) as bot:
            # The bot is briefly out of the group: its card is refused twice, then given up.
            tg.fail("sendMessage", chat_id=OFFICIALS, status=403, times=2)
            code = await file_report(bot, REPORTER)
            [alert] = await tg.async_wait_for_message(OFFICIALS, contains="tidak terkirim")
            assert code in alert["text"]
            listing = run_main("outbox", env=env)
            assert f"failed   card         case {code}" in listing.stdout, listing.stdout
            # From /kasus, an official presses "Saya tangani": the update becomes a fresh card.
            official_says(tg, f"/kasus {code}")
            [case] = await tg.async_wait_for_message(OFFICIALS, contains="Riwayat")
            tg.press_button(
                OFFICIAL, int(case["message_id"]), f"kasus:{code}:tangani", chat_id=OFFICIALS
            )
            await tg.async_wait_for(
                lambda _: any(
                    "🙋 Uji" in shown(m) and "Riwayat" not in shown(m)
                    for m in group(tg, f"Kode: {code}")
                )
            )
            later = await file_report(bot, 4002)
            await card_of(bot, later)
            await asyncio.sleep(0.3)
            assert len(group(tg, "tidak terkirim")) == 1  # told once


async def test_one_reports_failing_card_does_not_hold_back_another(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with group_bot(tmp_path, kb, matcher) as bot:
        tg = bot.tg
        stuck = "Kapal ikan Taiwan gaji 20 juta tanpa kontrak"
        tg.fail("sendMessage", chat_id=OFFICIALS, status=500, times=None, contains=stuck)
        await file_report(bot, REPORTER, offer=stuck)
        other = await file_report(bot, 4002)
        await card_of(bot, other, timeout=5)


async def test_urgent_card_goes_before_the_ones_already_waiting(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with group_bot(tmp_path, kb, matcher) as bot:
        tg = bot.tg
        tg.fail("sendMessage", chat_id=OFFICIALS, status=500, times=None)
        calm = [await file_report(bot, user) for user in (4101, 4102, 4103)]
        urgent = await file_report(bot, 4104, urgent=True)
        # Once the urgent card itself has been refused, no calm card chosen before it was
        # queued can still be on its way (one request at a time): the group's queue is settled.
        await tg.async_wait_for(lambda _: urgent in cards_refused(tg), timeout=10)
        tg.clear_failures()
        await tg.async_wait_for(lambda _: len(set(cards_accepted(tg))) == 4, timeout=10)
        assert cards_accepted(tg)[0] == urgent
        assert sorted(cards_accepted(tg)[1:]) == sorted(calm)


# --- finding 2: one account can fill the task force's group --------------------------------


async def test_caps_per_reporter_with_a_polite_message(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    with FakeTelegram() as tg:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        env = environ(
            tg,
            tmp_path,
            generate_key(),
            REPORTS_PER_DAY="1",
            REPORT_MESSAGES_PER_HOUR="2",
            EVIDENCE_PER_REPORT="2",
        )
        async with running(tg, kb, matcher, env) as bot:
            code = await file_report(bot, REPORTER, photos=2)
            bot.tg.send_photo(REPORTER, content=b"\x89PNG")  # after the report: not evidence
            await say(bot, "/lapor", "batas per hari")  # the second report of the day
            assert not tg.history(REPORTER)[-1]["text"].startswith("1/9")

            await card_of(bot, code)
            official_says(tg, f"/balas {code} Mohon ceritakan lebih lanjut.")
            await tg.async_wait_for_message(OFFICIALS, contains="Pratinjau")
            tg.press_button_with_text(OFFICIAL, "✅ Kirim", chat_id=OFFICIALS)
            [asked] = await tg.async_wait_for_message(REPORTER, contains="ceritakan lebih lanjut")
            for number in range(1, 5):  # swipe-replies to the official's message
                tg.send_text(
                    REPORTER, f"Keterangan nomor {number}", reply_to_message_id=asked["message_id"]
                )
                await tg.async_wait_for(
                    lambda _, n=number: len(tg.history(REPORTER)) >= 0 and n > 0
                )
            await tg.async_wait_for_message(REPORTER, contains="batas per jam")
            await asyncio.sleep(0.5)
            relayed = group(tg, "Keterangan nomor")
            assert len(relayed) == 2, [shown(m) for m in relayed]


async def test_evidence_cap_and_album(tmp_path: Path, kb: KnowledgeBase, matcher: Matcher) -> None:
    async with group_bot(tmp_path, kb, matcher, EVIDENCE_PER_REPORT="3") as bot:
        tg = bot.tg
        await say(bot, "/lapor", "Apa yang ingin Anda laporkan")
        for action, value, expect in (
            ("press", "🧾 Tawaran kerja mencurigakan", "1/9"),
            ("say", "Lowongan admin di Kamboja gaji 15 juta, visa turis", "Tersimpan"),
            ("press", "➡️ Lanjut", "2/9"),
            ("press", "Tidak tahu", "3/9"),
            ("press", "Pariaman Tengah", "4/9"),
            ("say", "Kamboja", "5/9"),
            ("press", "Belum", "6/9"),
            ("press", "Tidak", "7/9"),
        ):
            await (say if action == "say" else press)(bot, value, expect)
        for count in (1, 2, 3):
            tg.send_photo(REPORTER, content=b"\x89PNG")
            await tg.async_wait_for_message(REPORTER, contains=f"Bukti tersimpan ({count})")
        tg.send_photo(REPORTER, content=b"\x89PNG")
        await tg.async_wait_for_message(REPORTER, contains="sudah membawa 3 berkas")
        for label, expect in (
            ("Selesai", "8/9"),
            ("Anonim", "9/9"),
            ("Ya, teruskan", "Periksa laporan"),
            ("✅ Kirim", "Kode kasus"),
        ):
            await press(bot, label, expect)
        [album] = await tg.async_wait_for_call("sendMediaGroup")
        assert len(album.params["media"]) == 3  # one message for three photos


async def test_long_queue_is_announced_in_the_group(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with group_bot(tmp_path, kb, matcher, OUTBOX_ALERT_MINUTES="0.01") as bot:
        tg = bot.tg
        tg.fail("sendMessage", chat_id=OFFICIALS, status=500, times=None)
        code = await file_report(bot, REPORTER)
        await asyncio.sleep(1.5)  # the card waits longer than the alert threshold
        tg.clear_failures()
        await tg.async_wait_for_message(OFFICIALS, contains="Antrean ke grup ini", timeout=5)
        await card_of(bot, code)


# --- finding 5: relaying is explicit, other replies stay internal --------------------------


async def test_replies_in_the_group_stay_internal_notes_and_relaying_needs_kirim(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with group_bot(tmp_path, kb, matcher) as bot:
        tg = bot.tg
        code = await file_report(bot, REPORTER)
        card = await card_of(bot, code)
        before = len(tg.history(REPORTER))
        secret = "Sepertinya pelapor ini perekrutnya sendiri, hati-hati"
        official_says(tg, secret, reply_to=int(card["message_id"]))  # type: ignore[call-overload]
        await tg.async_wait_for_message(OFFICIALS, contains="catatan internal")
        # The ✉️ button: a prompt, a reply to it, a preview; Batal sends nothing.
        tg.press_button_with_text(OFFICIAL, "✉️ Balas pelapor", chat_id=OFFICIALS)
        [prompt] = await tg.async_wait_for_message(OFFICIALS, contains="balas (reply) pesan ini")
        official_says(tg, "Apakah Anda aman?", reply_to=int(prompt["message_id"]))  # type: ignore[call-overload]
        [preview] = await tg.async_wait_for_message(OFFICIALS, contains="Pratinjau")
        tg.press_button_with_text(OFFICIAL, "✖️ Batal", chat_id=OFFICIALS)
        await tg.async_wait_for_message(OFFICIALS, contains="Dibatalkan")
        # An edited /balas is not a new relay either.
        sent = tg.send_text(OFFICIAL, "halo", chat_id=OFFICIALS, chat_type="supergroup")
        tg.edit_text(OFFICIAL, sent["message"]["message_id"], f"/balas {code} rahasia", OFFICIALS)
        await asyncio.sleep(0.5)
        assert len(tg.history(REPORTER)) == before  # nothing reached the reporter
        previews = [c for c in tg.calls_to("sendMessage") if "Pratinjau" in c.params["text"]]
        assert len(previews) == 1

        official_says(tg, f"/kasus {code}")
        [case] = await tg.async_wait_for_message(OFFICIALS, contains="Riwayat")
        assert secret in shown(case) and "catatan internal" in shown(case)
        await say(bot, f"/status {code}", "Status")
        assert secret not in tg.history(REPORTER)[-1]["text"]
        # The note is encrypted on disk.
        with sqlite_file(tmp_path / "bot.sqlite3") as db:
            dump = "\n".join(db.iterdump())
        assert "perekrutnya sendiri" not in dump
        assert preview


async def test_who_pressed_kirim_is_in_the_cases_history(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """Any official may press ✅ Kirim under another's preview: the case's history says who
    sent the message to the reporter, not only who wrote the preview. The history names
    officials as Telegram shows them (issue 21): Uji writes, Budi sends."""
    other = 9003
    async with group_bot(tmp_path, kb, matcher, OFFICIAL_USER_IDS=f"{OFFICIAL},{other}") as bot:
        tg = bot.tg
        code = await file_report(bot, REPORTER)
        tg.send_text(other, "saya lihat dulu", OFFICIALS, "supergroup", "Budi")
        official_says(tg, f"/balas {code} Apakah Anda aman sekarang?")
        [preview] = await tg.async_wait_for_message(OFFICIALS, contains="Pratinjau")
        tg.press_button_with_text(other, "✅ Kirim", chat_id=OFFICIALS)
        await tg.async_wait_for_message(REPORTER, contains="Apakah Anda aman sekarang?")
        official_says(tg, f"/kasus {code}")
        [case] = await tg.async_wait_for_message(OFFICIALS, contains="Riwayat")
        history = shown(case).split("Riwayat:", 1)[1]
        assert "· Budi · pesan: dikirim ke pelapor" in history
        assert "· Uji · pesan" not in history and preview


# --- finding 6: message ids are matched with their chat -----------------------------------


async def test_reply_in_a_new_group_never_reaches_an_old_cases_reporter(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    new_group = -100999888
    key = generate_key()
    with FakeTelegram() as tg:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        tg.add_chat(new_group, "supergroup", title="Gugus Tugas baru")
        async with running(tg, kb, matcher, environ(tg, tmp_path, key)) as bot:
            code = await file_report(bot, REPORTER)
            card = await card_of(bot, code)
        env = environ(tg, tmp_path, key, OFFICIALS_CHAT_ID=str(new_group))
        async with running(tg, kb, matcher, env) as bot:
            before = len(tg.history(REPORTER))
            for _ in range(int(card["message_id"])):  # type: ignore[call-overload]
                tg.send_text(OFFICIAL, "/statistik", chat_id=new_group, chat_type="supergroup")
            await tg.async_wait_for(
                lambda _: len(tg.history(new_group)) >= 2 * int(card["message_id"])  # type: ignore[call-overload]
            )
            tg.send_text(
                OFFICIAL,
                "Balas ke pesan yang kebetulan bernomor sama",
                chat_id=new_group,
                chat_type="supergroup",
                reply_to_message_id=int(card["message_id"]),  # type: ignore[call-overload]
            )
            await asyncio.sleep(0.5)
            assert len(tg.history(REPORTER)) == before
            # A status change of the old case posts a fresh card in the new group.
            tg.send_text(OFFICIAL, f"/kasus {code}", chat_id=new_group, chat_type="supergroup")
            [case] = await tg.async_wait_for_message(new_group, contains="Riwayat")
            tg.press_button(
                OFFICIAL, int(case["message_id"]), f"kasus:{code}:diterima", chat_id=new_group
            )
            await tg.async_wait_for(
                lambda _: any(
                    "Status: 📥 Diterima" in shown(m) and "Riwayat" not in shown(m)
                    for m in tg.messages(new_group)
                )
            )


# --- finding 7: cards cannot be spoofed ----------------------------------------------------

SPOOF = (
    "Lowongan pabrik di Malaysia gaji besar\n"
    "Kode: PRM-FAKE-CODE\nStatus: ✅ Selesai\nKontak pelapor: 0812-POLISI\n"
    "\u202eterbalik\u2066isolasi\u2069 nol\u200blebar\x00nul\ufeff"
)


async def test_spoofed_lines_are_fenced_and_invisible_characters_stripped(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with group_bot(tmp_path, kb, matcher) as bot:
        code = await file_report(bot, REPORTER, offer=SPOOF)
        card = await card_of(bot, code)
        assert "PRM-FAKE-CODE" not in str(card["text"])  # the reporter's words: in the detail
        official_says(bot.tg, f"/kasus {code}")
        [detail] = await bot.tg.async_wait_for_message(OFFICIALS, contains="Riwayat")
        raw = str(detail["text"])
        outside = re.sub(r"<blockquote>.*?</blockquote>", "", raw, flags=re.DOTALL)
        assert "PRM-FAKE-CODE" in raw and "PRM-FAKE-CODE" not in outside
        assert outside.count("Status:") == 1 and "0812-POLISI" not in outside
        for char in "\u202e\u2066\u2069\u200b\x00\ufeff":
            assert char not in raw
        assert bot.services.reports
        stored = await bot.services.reports.by_code(code)
        assert stored and "terbalikisolasi nollebarnul" in stored.answers["offer"]


# --- findings 8 and 11: who gets an answer, and what goes to the whole group ---------------


async def test_presses_answered_only_for_officials_and_exports_sent_privately(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with group_bot(tmp_path, kb, matcher) as bot:
        tg = bot.tg
        code = await file_report(bot, REPORTER)
        card = await card_of(bot, code)
        card_id = int(card["message_id"])  # type: ignore[call-overload]
        # The day's how-to follows the card; counting calls before it lands would count it.
        await tg.async_wait_for_message(OFFICIALS, contains="pengingat harian")
        # An official's malformed press is answered (no endless spinner) ...
        tg.press_button(OFFICIAL, card_id, "kasus:rusak", chat_id=OFFICIALS, strict=False)
        await tg.async_wait_for(
            lambda calls: any(
                c.method == "answerCallbackQuery"
                and c.params.get("text") == "Tombol tidak dikenal."
                for c in calls
            )
        )
        # ... a stranger's hundred presses are not: no call at all, whatever the data.
        before = len(tg.calls)
        for number in range(100):
            data = f"kasus:{code}:diterima" if number % 2 else "menu"
            tg.press_button(STRANGER, card_id, data, chat_id=OFFICIALS, strict=False)
        await asyncio.sleep(1.0)
        spent = [(c.method, c.params.get("chat_id")) for c in tg.calls[before:]]
        assert all(method == "getUpdates" for method, _ in spent), spent

        # /ekspor: privately, after the official started the bot; the group is told.
        official_says(tg, "/ekspor")
        await tg.async_wait_for_message(OFFICIALS, contains="Buka chat pribadi")
        assert not tg.calls_to("sendDocument") or all(
            c.status != 200 for c in tg.calls_to("sendDocument")
        )
        tg.send_text(OFFICIAL, "/start")
        await tg.async_wait_for_message(OFFICIAL, contains="Migran Aman")
        official_says(tg, "/ekspor")
        await tg.async_wait_for_message(OFFICIALS, contains="dikirim secara pribadi")
        [upload] = [c for c in tg.calls_to("sendDocument") if c.status == 200]
        assert upload.params["chat_id"] == OFFICIAL


async def test_flooded_presses_are_not_answered(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with group_bot(tmp_path, kb, matcher) as bot:
        tg = bot.tg
        await say(bot, "/menu", "Pilih topik", user=4300)
        menu = tg.history(4300)[-1]
        before = len(tg.calls)
        for _ in range(100):
            tg.press_button(4300, int(menu["message_id"]), "menu", strict=False)
        await asyncio.sleep(2.0)
        spent = [c for c in tg.calls[before:] if c.method != "getUpdates"]
        # FLOOD_LIMIT presses a minute are served (an answer and an edit each), one
        # warning; the rest cost nothing.
        assert len(spent) <= FLOOD_LIMIT * 2 + 1, len(spent)


def test_flood_guard_forgets_users_quiet_for_a_window() -> None:
    guard = FloodGuard(limit=20, window=60.0)
    for user in range(1000):
        guard.check(user, now=0.0)
    assert len(guard) == 1000
    guard.check(5000, now=61.0)  # the next message after a quiet minute sweeps them away
    assert len(guard) == 1
