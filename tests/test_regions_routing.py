"""Several regions on one bot: the real Application, the fake Bot API, a real database.

The regions are made up for the test (no real kecamatan list is claimed): Kota Satu and
Kabupaten Dua, which share a kecamatan name, and a province group over both.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.clock import Clock
from bot.config import WEEKDAYS, Settings
from bot.crypto import generate_hash_key, generate_key
from bot.deadlines import WIB
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import UserKey
from tests.clocks import MovingClock
from tests.fake_telegram import FakeTelegram
from tests.report_script import report_steps
from tests.test_telegram_reports import Running, play, press, say, serving

GROUP_SATU, GROUP_DUA, PROVINCE = -100111, -100222, -100999
OFFICIAL_SATU, OFFICIAL_DUA, PROVINCE_OFFICIAL = 7001, 7002, 7009
REPORTER = 4101
REGIONS = f"""\
default_region: kota-satu
province_chat_id: {PROVINCE}
province_official_user_ids: [{PROVINCE_OFFICIAL}]
regions:
  - id: kota-satu
    name: Kota Satu
    code_prefix: SAT
    officials_chat_id: {GROUP_SATU}
    official_user_ids: [{OFFICIAL_SATU}]
    places: [Satu Utara, Satu Selatan, Sungai Sirah]
  - id: kabupaten-dua
    name: Kabupaten Dua
    code_prefix: DUA
    officials_chat_id: {GROUP_DUA}
    official_user_ids: [{OFFICIAL_DUA}]
    places: [Dua Hilir, Dua Hulu, Sungai Sirah]
    villages:
      Dua Hulu: [Padang Lua]
    office: Dinas Tenaga Kerja Kabupaten Dua (contoh)
"""


@asynccontextmanager
async def regions_bot(
    tmp_path: Path,
    kb: KnowledgeBase,
    matcher: Matcher,
    clock: Clock | None = None,
    **extra: str,
) -> AsyncIterator[Running]:
    path = tmp_path / "regions.yaml"
    path.write_text(REGIONS, encoding="utf-8")
    with FakeTelegram() as tg:
        for chat, title in ((GROUP_SATU, "Satu"), (GROUP_DUA, "Dua"), (PROVINCE, "Provinsi")):
            tg.add_chat(chat, "supergroup", title=title)
        settings = Settings.from_environ(
            {
                **tg.bot_environ(),
                "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
                "REGIONS_FILE": str(path),
                "REPORTS_ENCRYPTION_KEY": generate_key(),
                "REPORTS_HASH_KEY": generate_hash_key(),
                **extra,
            }
        )
        async with serving(tg, settings, kb, matcher, clock) as services:
            yield Running(tg, services)


def in_dua_hulu() -> list[tuple[str, str, str]]:
    """The common report, placed by buttons: Kabupaten Dua, then Dua Hulu."""
    steps = report_steps(photos=1)
    where = next(i for i, step in enumerate(steps) if step[1] == "Pariaman Tengah")
    steps[where - 1] = ("press", "Tidak tahu", "Pilih kota/kabupaten")
    steps[where : where + 1] = [
        ("press", "Kabupaten Dua", "Kabupaten Dua: Di mana"),
        ("press", "Dua Hulu", "4/9"),
    ]
    return steps


async def group_says(bot: Running, user: int, chat: int, command: str, expect: str) -> str:
    before = len(bot.tg.messages(chat))
    bot.tg.send_text(user, command, chat_id=chat, chat_type="supergroup")
    await bot.tg.async_wait_for(
        lambda _: any(expect in m.get("text", "") for m in bot.tg.messages(chat)[before:])
    )
    return next(m["text"] for m in bot.tg.messages(chat)[before:] if expect in m.get("text", ""))


async def test_a_report_from_region_b_reaches_only_b_and_a_cannot_see_or_act_on_it(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with regions_bot(tmp_path, kb, matcher) as bot:
        tg, reports = bot.tg, bot.services.reports
        assert reports
        await play(bot, in_dua_hulu(), REPORTER)
        await press(bot, "✅ Kirim", "Kode kasus", REPORTER)
        receipt = tg.messages(REPORTER)[-1]["text"]
        assert "ditunjuk Pemerintah Kabupaten Dua" in receipt
        assert "Kabupaten Dua (contoh)" in receipt
        assert "Kota Pariaman" not in receipt
        code = next(w for w in receipt.split() if w.startswith("DUA-"))

        [card] = await tg.async_wait_for_message(GROUP_DUA, contains=f"Kode: {code}")
        assert card.get("reply_markup") and "Wilayah: Kabupaten Dua" in card["text"]
        await tg.async_wait_for(lambda _: len(tg.calls_to("sendPhoto")) >= 1)
        [copy] = await tg.async_wait_for_message(PROVINCE, contains=f"Kode: {code}")
        assert "reply_markup" not in copy and "Kontak pelapor" not in copy["text"]
        await asyncio.sleep(0.3)  # anything else bound for the groups has gone out by now
        photos = [c.params["chat_id"] for c in tg.calls_to("sendPhoto")]
        assert photos == [GROUP_DUA]  # the evidence went to B's group only
        assert not [m for m in tg.messages(GROUP_SATU) if code in m.get("text", "")]

        # Region A's official, in A's group: B's case does not exist for them.
        listing = await group_says(bot, OFFICIAL_SATU, GROUP_SATU, "/kasus", "kasus")
        assert code not in listing
        shown = await group_says(bot, OFFICIAL_SATU, GROUP_SATU, f"/kasus {code}", "tidak")
        assert "Kasus tidak ditemukan" in shown
        await group_says(bot, OFFICIAL_SATU, GROUP_SATU, f"/balas {code} halo", "Tulis: /balas")
        anchor = tg.messages(GROUP_SATU)[-1]["message_id"]
        answered = len(tg.calls_to("answerCallbackQuery"))
        tg.press_button(
            OFFICIAL_SATU, anchor, f"kasus:{code}:diterima", chat_id=GROUP_SATU, strict=False
        )
        [*_, toast] = await tg.async_wait_for_call("answerCallbackQuery", count=answered + 1)
        assert toast.params.get("text") == "Kasus tidak ditemukan."
        # ... and in B's group, where they are no official, they get nothing at all.
        tg.press_button(OFFICIAL_SATU, card["message_id"], f"kasus:{code}:diterima", GROUP_DUA)
        bot.tg.send_text(OFFICIAL_SATU, "/ekspor", chat_id=GROUP_SATU, chat_type="supergroup")
        [upload] = await tg.async_wait_for_call("sendDocument")
        assert upload.params["chat_id"] == OFFICIAL_SATU
        assert code not in upload.files["document"].content.decode("utf-8-sig")
        report = await reports.by_code(code)
        assert report and report.status == "baru" and report.region == "kabupaten-dua"
        assert not [m for m in tg.messages(REPORTER) if "halo" in m.get("text", "")]

        # The province looks across regions but cannot act.
        listing = await group_says(bot, PROVINCE_OFFICIAL, PROVINCE, "/kasus", code)
        full = await group_says(bot, PROVINCE_OFFICIAL, PROVINCE, f"/kasus {code}", "Salinan")
        assert "reply_markup" not in tg.messages(PROVINCE)[-1] and code in full
        tg.press_button(
            PROVINCE_OFFICIAL, copy["message_id"], f"kasus:{code}:diterima", PROVINCE, strict=False
        )
        # Its statistics count by city/regency; a region's own count by kecamatan only.
        bot.tg.send_text(PROVINCE_OFFICIAL, "/statistik", chat_id=PROVINCE, chat_type="supergroup")
        [*_, chart] = await tg.async_wait_for_call("sendPhoto", count=2)
        assert chart.params["chat_id"] == PROVINCE
        assert "Menurut kota/kabupaten:\n  Kabupaten Dua: 1" in chart.params["caption"]
        bot.tg.send_text(OFFICIAL_DUA, "/statistik", chat_id=GROUP_DUA, chat_type="supergroup")
        [*_, chart] = await tg.async_wait_for_call("sendPhoto", count=3)
        assert chart.params["chat_id"] == GROUP_DUA
        caption = chart.params["caption"]
        assert "kota/kabupaten" not in caption and "Menurut kecamatan:\n  Dua Hulu: 1" in caption

        # B's official acts; the reporter hears it from B, with B's office.
        tg.press_button(OFFICIAL_DUA, card["message_id"], f"kasus:{code}:diterima", GROUP_DUA)
        [notice] = await tg.async_wait_for_message(REPORTER, contains="sekarang: 📥 Diterima")
        # The province's copy follows the card, still without buttons or contact.
        await tg.async_wait_for(
            lambda _: any(
                c.params["chat_id"] == PROVINCE
                and c.params["message_id"] == copy["message_id"]
                and "📥 Diterima" in c.params["text"]
                for c in tg.calls_to("editMessageText")
            )
        )
        [edited] = [c for c in tg.calls_to("editMessageText") if c.params["chat_id"] == PROVINCE]
        assert "reply_markup" not in edited.params and "Kontak pelapor" not in edited.params["text"]
        assert "Kabupaten Dua" in notice["text"] and "Kota Pariaman" not in notice["text"]
        report = await reports.by_code(code)
        assert report and report.status == "diterima"
        events = await reports.events(report)
        assert [actor for _, actor, kind, _ in events if kind == "status"][1:] == [
            str(OFFICIAL_DUA)
        ]
        bot.tg.send_text(OFFICIAL_DUA, "/ekspor", chat_id=GROUP_DUA, chat_type="supergroup")
        [*_, upload] = await tg.async_wait_for_call("sendDocument", count=2)
        rows = list(csv.reader(io.StringIO(upload.files["document"].content.decode("utf-8-sig"))))
        assert [row[0] for row in rows[1:]] == [code]


async def test_typed_places_with_typos_shared_names_outside_and_unknown_text(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with regions_bot(tmp_path, kb, matcher) as bot:
        reports = bot.services.reports
        assert reports
        start = report_steps()[:4]

        async def place(user: int, typed: list[tuple[str, str]]) -> str:
            await play(bot, start, user)
            await press(bot, "Tidak tahu", "Pilih kota/kabupaten", user)
            for words, expect in typed:
                await say(bot, words, expect, user)
            return bot.tg.messages(user)[-1]["text"]

        # A village of Dua Hulu typed with a typo at the city/regency question.
        await place(5001, [("di padang lau", "4/9")])
        # A kecamatan two regions share: which one?
        await place(5002, [("sungai sirah", "lebih dari satu daerah")])
        await press(bot, "Sungai Sirah — Kabupaten Dua", "4/9", 5002)
        # The regency's name, then its kecamatan misspelt.
        await place(5003, [("kab dua", "Di kecamatan mana di Kabupaten Dua"), ("dua hilr", "4/9")])
        # Outside every region, and a place nobody listed: both go to the default region.
        await place(5004, [("di luar daerah", "4/9")])
        shown = await place(5005, [("dekat pasar ikan", "4/9")])  # kept as typed, and on
        assert "Tersimpan: «dekat pasar ikan»" in shown

        expected = {
            5001: ("kabupaten-dua", "Dua Hulu", "Padang Lua (Dua Hulu), Kabupaten Dua"),
            5002: ("kabupaten-dua", "Sungai Sirah", "Sungai Sirah, Kabupaten Dua"),
            5003: ("kabupaten-dua", "Dua Hilir", "Dua Hilir, Kabupaten Dua"),
            5004: ("kota-satu", "luar daerah", "Di luar daerah ini"),
            5005: ("kota-satu", "lainnya", "dekat pasar ikan"),
        }
        for user, (region, area, location) in expected.items():
            await play(bot, report_steps()[6:], user)
            await press(bot, "✅ Kirim", "Kode kasus", user)
            [report] = await reports.of_reporter(UserKey("telegram", str(user), str(user)))
            assert (report.region, report.area) == (region, area), user
            assert report.answers["location"] == location
            assert report.code.startswith("DUA-" if region == "kabupaten-dua" else "SAT-")


async def test_reminders_and_digests_go_to_the_cases_own_region_and_the_province(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    clock = MovingClock()
    # The digest is due two days from now, so the report below falls in its week.
    due = (clock() + dt.timedelta(days=2)).astimezone(WIB)
    schedule = {
        "DIGEST_WEEKDAY": WEEKDAYS[due.weekday()][0],
        "DIGEST_TIME": due.strftime("%H:%M"),
        "RESPONSE_CHECK_SECONDS": "0.05",
    }
    async with regions_bot(tmp_path, kb, matcher, clock, **schedule) as bot:
        tg = bot.tg
        await play(bot, in_dua_hulu(), REPORTER)
        await press(bot, "✅ Kirim", "Kode kasus", REPORTER)
        receipt = tg.messages(REPORTER)[-1]["text"]
        code = next(w for w in receipt.split() if w.startswith("DUA-"))
        await tg.async_wait_for_message(GROUP_DUA, contains=f"Kode: {code}")

        clock.ahead = dt.timedelta(hours=25)  # past the 24 hours to acknowledge
        [reminder] = await tg.async_wait_for_message(GROUP_DUA, contains="⏰ Pengingat")
        assert code in reminder["text"]

        clock.ahead = dt.timedelta(days=2, minutes=1)
        title = "Ringkasan mingguan"
        [dua] = await tg.async_wait_for_message(GROUP_DUA, contains=title)
        [satu] = await tg.async_wait_for_message(GROUP_SATU, contains=title)
        [province] = await tg.async_wait_for_message(PROVINCE, contains=title)
        assert "Laporan baru: 1" in dua["text"] and "Dua Hulu: 1" in dua["text"]
        assert "Laporan baru: 0" in satu["text"]
        assert "menurut kota/kabupaten:\n  Kabupaten Dua: 1" in province["text"]
        await asyncio.sleep(0.3)  # several more checks: nothing is posted twice
        assert not [m for m in tg.messages(GROUP_SATU) if "⏰" in m.get("text", "")]
        for chat in (GROUP_DUA, GROUP_SATU, PROVINCE):
            assert len([m for m in tg.messages(chat) if title in m.get("text", "")]) == 1
        assert code not in province["text"] + dua["text"]  # counts only, no case named


async def test_a_long_queue_is_announced_in_the_group_it_is_waiting_for(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with regions_bot(tmp_path, kb, matcher, OUTBOX_ALERT_MINUTES="0.01") as bot:
        tg = bot.tg
        tg.fail("sendMessage", chat_id=GROUP_DUA, status=500, times=None)
        await play(bot, in_dua_hulu(), REPORTER)
        await press(bot, "✅ Kirim", "Kode kasus", REPORTER)
        await asyncio.sleep(1.5)  # B's card waits longer than the alert threshold
        tg.clear_failures()
        await tg.async_wait_for_message(GROUP_DUA, contains="Antrean ke grup ini", timeout=5)
        await tg.async_wait_for_message(GROUP_DUA, contains="Kode: DUA-")
        # A's queue was fine: not its news. (The province's copy waits behind B's card, so
        # the province may rightly hear of its own wait.)
        assert not [m for m in tg.messages(GROUP_SATU) if "Antrean" in m.get("text", "")]


async def test_the_province_sees_only_what_its_copy_shows_wherever_it_looks(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """The province's copy leaves out the reporter's contact, the evidence and the case's
    thread; /kasus CODE, /kasus, /statistik and /ekspor in its group leave them out too."""
    contact, note = "Siti Rahayu 0812-3456-7890", "rekaman suara perekrut ada di HP adik"
    internal, to_reporter, from_reporter = "Perekrut ini dikenal polres", "Kapan?", "Kemarin"
    private = (contact, "0812-3456-7890", note, internal, to_reporter, from_reporter)
    async with regions_bot(tmp_path, kb, matcher) as bot:
        tg = bot.tg
        steps = in_dua_hulu()
        evidence = next(n for n, step in enumerate(steps) if step[0] == "photo")
        steps.insert(evidence + 1, ("say", note, "Catatan bukti tersimpan"))
        at = steps.index(("press", "Anonim", "9/9"))
        steps[at : at + 1] = [("say", contact, "Tersimpan"), ("press", "➡️ Lanjut", "9/9")]
        await play(bot, steps, REPORTER)
        await press(bot, "✅ Kirim", "Kode kasus", REPORTER)
        code = next(w for w in tg.messages(REPORTER)[-1]["text"].split() if w.startswith("DUA-"))
        [card] = await tg.async_wait_for_message(GROUP_DUA, contains=f"Kode: {code}")
        assert contact not in card["text"]  # a short card: the answers are behind 🔎 Detail
        # The region's officials note, write to the reporter, and get an answer.
        tg.send_text(
            OFFICIAL_DUA, internal, chat_id=GROUP_DUA, chat_type="supergroup",
            reply_to_message_id=card["message_id"],
        )  # fmt: skip
        await tg.async_wait_for_message(GROUP_DUA, contains="catatan internal")
        await group_says(bot, OFFICIAL_DUA, GROUP_DUA, f"/balas {code} {to_reporter}", "Pratinjau")
        tg.press_button_with_text(OFFICIAL_DUA, "✅ Kirim", chat_id=GROUP_DUA)
        await tg.async_wait_for_message(REPORTER, contains=to_reporter)
        await press(bot, "↩️ Balas petugas", "Tulis balasan", REPORTER)
        await say(bot, from_reporter, "diteruskan", REPORTER)
        await tg.async_wait_for_message(GROUP_DUA, contains=f"Balasan pelapor untuk {code}")
        full = await group_says(bot, OFFICIAL_DUA, GROUP_DUA, f"/kasus {code}", "Riwayat")
        assert all(value in full for value in private)

        # The province, wherever it looks: the copy's fields, nothing of the above.
        seen = [
            await group_says(bot, PROVINCE_OFFICIAL, PROVINCE, f"/kasus {code}", code),
            await group_says(bot, PROVINCE_OFFICIAL, PROVINCE, "/kasus", code),
        ]
        assert "Salinan" in seen[0] and "Tawaran" in seen[0] and "Kontak pelapor" not in seen[0]
        uploads = len(tg.calls_to("sendDocument"))
        tg.send_text(PROVINCE_OFFICIAL, "/ekspor", chat_id=PROVINCE, chat_type="supergroup")
        [*_, upload] = await tg.async_wait_for_call("sendDocument", count=uploads + 1)
        assert upload.params["chat_id"] == PROVINCE_OFFICIAL  # privately, as a region's
        exported = upload.files["document"].content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(exported)))
        assert rows[1][0] == code and "kontak" not in rows[0] and "catatan bukti" not in rows[0]
        photos = len(tg.calls_to("sendPhoto"))
        tg.send_text(PROVINCE_OFFICIAL, "/statistik", chat_id=PROVINCE, chat_type="supergroup")
        [*_, chart] = await tg.async_wait_for_call("sendPhoto", count=photos + 1)
        seen += [exported, chart.params["caption"]]
        seen += [m.get("text", "") for m in tg.messages(PROVINCE)]
        leaks = [(value, shown) for shown in seen for value in private if value in shown]
        assert leaks == []
