"""The task force's picture of its cases (issue 12, points 3 and 4), through the real
Application, the fake Bot API over HTTP and a real database: /statistik as a PNG chart
for a chosen period, categories set with the card's buttons, who holds a case, and all
of it in /kasus, /kasus saya and the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import subprocess
import sys
from pathlib import Path

from bot.crypto import generate_key
from bot.deadlines import WIB
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import UserKey
from bot.reports import Draft
from bot.statistics import parse_period
from tests.conftest import sqlite_file
from tests.fake_telegram import FakeTelegram, visible_text
from tests.test_officials_queue import (
    environ,
    file_report,
    group,
    group_bot,
    official_says,
    running,
)
from tests.test_telegram_reports import OFFICIAL, OFFICIALS, REPORTER, STRANGER, card_of, shown

COLLEAGUE = 9003
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(data: bytes) -> None:
    """A whole PNG: signature, an IHDR of a picture a phone can show, the end chunk."""
    assert data[:8] == PNG_SIGNATURE
    assert data[8:16] == struct.pack(">I", 13) + b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert 400 <= width <= 2000 and 400 <= height <= 2000, (width, height)
    assert data[-8:-4] == b"IEND"
    assert len(data) > 10_000  # bars, labels and a legend, not a blank canvas


def caption_of(call: object) -> str:
    return visible_text(str(call.params["caption"]), "HTML")  # type: ignore[attr-defined]


async def test_statistik_is_a_png_chart_with_the_counts_and_a_period_can_be_chosen(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with group_bot(tmp_path, kb, matcher) as bot:
        tg = bot.tg
        official_says(tg, "/statistik")
        await tg.async_wait_for_message(OFFICIALS, contains="Tidak ada laporan dalam periode")
        urgent = await file_report(bot, REPORTER, urgent=True)
        calm = await file_report(bot, 4002)
        await card_of(bot, calm)

        official_says(tg, "/statistik")
        [photo] = await tg.async_wait_for_call("sendPhoto")
        assert photo.params["chat_id"] == OFFICIALS
        assert_png(photo.files["photo"].content)
        caption = caption_of(photo)
        assert "90 hari terakhir" in caption
        assert "Jumlah laporan: 2 (mendesak: 1)" in caption
        assert "🆕 Baru: 2" in caption
        assert "Pariaman Tengah: 2" in caption and "Kamboja: 2" in caption

        # One case late on 30 November WIB, the other a second later: 1 December WIB.
        with sqlite_file(tmp_path / "bot.sqlite3") as db:
            for code, at in (
                (urgent, "2026-11-30T16:59:59+00:00"),
                (calm, "2026-11-30T17:00:00+00:00"),
            ):
                db.execute("UPDATE reports SET created_at = ? WHERE code = ?", (at, code))
        official_says(tg, "/statistik 2026-11")
        [_, november] = await tg.async_wait_for_call("sendPhoto", count=2)
        assert_png(november.files["photo"].content)
        caption = caption_of(november)
        assert "November 2026" in caption and "Jumlah laporan: 1 (mendesak: 1)" in caption

        official_says(tg, "/statistik 2026-10")
        await tg.async_wait_for_message(OFFICIALS, contains="periode Oktober 2026")
        official_says(tg, "/statistik kemarin")
        await tg.async_wait_for_message(OFFICIALS, contains="/statistik 2026-11 (satu bulan)")
        assert len(tg.calls_to("sendPhoto")) == 2  # no chart of nothing


async def test_figures_too_long_for_a_caption_follow_the_chart_as_a_message(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with group_bot(tmp_path, kb, matcher) as bot:
        store = bot.services.reports
        assert store is not None
        for number in range(40):  # forty countries: more lines than a caption holds
            user = UserKey("telegram", str(5000 + number), str(5000 + number))
            await store.submit(
                Draft(user, f"draft-{number}", "summary", {"kind": "tawaran"}),
                urgent=False,
                risk="tinggi",
                area="Pariaman Utara",
                destination=f"Negara nomor {number:02d}",
                deliveries=lambda _: [],
            )
        official_says(bot.tg, "/statistik")
        [photo] = await bot.tg.async_wait_for_call("sendPhoto")
        assert_png(photo.files["photo"].content)
        caption = caption_of(photo)
        assert "Jumlah: 40 (mendesak: 0)" in caption and "Negara nomor 39" not in caption
        [full] = await bot.tg.async_wait_for_message(OFFICIALS, contains="Menurut negara tujuan")
        assert "Negara nomor 39: 1" in shown(full) and "Pariaman Utara: 40" in shown(full)


def test_periods_are_whole_wib_days_and_months() -> None:
    now = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # 09:00 WIB
    month = parse_period("2026-11", now)
    assert month is not None and month.label == "November 2026"
    assert month.holds("2026-11-30T16:59:59+00:00") and not month.holds("2026-11-30T17:00:00+00:00")
    assert month.holds("2026-10-31T17:00:00+00:00")  # 1 November, 00:00 WIB
    december = parse_period("2026-12", now)
    assert december is not None and december.end == dt.datetime(2027, 1, 1, tzinfo=WIB)
    week = parse_period("7", now)
    assert week is not None and week.start == dt.datetime(2026, 11, 25, tzinfo=WIB)
    assert parse_period("", now) == parse_period("90", now)
    for bad in ("0", "3661", "2026-13", "2026-0", "30 hari", "kemarin", "-5", "1e3"):
        assert parse_period(bad, now) is None, bad


def test_starting_the_bot_or_the_cli_does_not_load_matplotlib() -> None:
    """Half a second of import is paid by the first /statistik only."""
    modules = "main, bot.cli, bot.launch, bot.channels.telegram.app, bot.officials_chat, bot.charts"
    code = f"import sys, {modules}; print(sorted(m for m in sys.modules if 'matplotlib' in m))"
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert done.stdout.strip() == "[]"


async def test_categories_and_holder_show_in_card_lists_and_export_and_survive_a_restart(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    with FakeTelegram() as tg:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        env = environ(tg, tmp_path, generate_key(), OFFICIAL_USER_IDS=f"{OFFICIAL},{COLLEAGUE}")
        async with running(tg, kb, matcher, env) as bot:
            code = await file_report(bot, REPORTER)
            other = await file_report(bot, 4002)
            card_id = int((await card_of(bot, code))["message_id"])  # type: ignore[call-overload]
            await card_of(bot, other)

            def card_text() -> str:
                return shown(next(m for m in tg.messages(OFFICIALS) if m["message_id"] == card_id))

            # The official's Telegram name is kept when they take the case.
            tg.send_text(OFFICIAL, "/kasus saya", OFFICIALS, "supergroup", "Rina Wulandari")
            await tg.async_wait_for_message(OFFICIALS, contains="yang Anda tangani.")
            tg.press_button_with_text(OFFICIAL, "🙋 Saya tangani", OFFICIALS, card_id)
            await tg.async_wait_for(lambda _: "🙋 Rina Wulandari" in card_text())

            async def open_menu() -> int:
                before = len(group(tg, f"Kategori {code}"))
                tg.press_button_with_text(OFFICIAL, "🏷️ Kategori", OFFICIALS, card_id)
                found = await tg.async_wait_for_message(
                    OFFICIALS, contains=f"Kategori {code}", count=before + 1
                )
                return int(found[-1]["message_id"])

            # A menu is used once and then goes (a quieter group); a second category, a
            # second menu. An outdated menu's "set" is not a toggle.
            outdated = await open_menu()
            for label in ("▫️ Penipuan lowongan", "▫️ TPPO berat"):
                menu_id = await open_menu()
                tg.press_button_with_text(OFFICIAL, label, OFFICIALS, menu_id)
                await tg.async_wait_for(
                    lambda _, m=menu_id: m not in [x["message_id"] for x in tg.messages(OFFICIALS)]
                )
            await tg.async_wait_for(lambda _: "🏷️ Penipuan lowongan, TPPO berat" in card_text())
            tg.press_button_with_text(OFFICIAL, "▫️ Penipuan lowongan", OFFICIALS, outdated)
            await toast(tg, "Penipuan lowongan sudah terpasang.")
            await tg.async_wait_for(
                lambda _: outdated not in [x["message_id"] for x in tg.messages(OFFICIALS)]
            )
            # Forged data and strangers are refused.
            menu_id = await open_menu()
            tg.press_button(OFFICIAL, menu_id, f"kasus:{code}:tag+rahasia", OFFICIALS, strict=False)
            await toast(tg, "Tombol tidak dikenal.")
            tg.press_button(STRANGER, menu_id, f"kasus:{code}:tag+bukan", OFFICIALS, strict=False)
            tg.press_button_with_text(OFFICIAL, "✅ Penipuan lowongan", OFFICIALS, menu_id)
            await toast(tg, "Penipuan lowongan dilepas.")
            await tg.async_wait_for(lambda _: "🏷️ TPPO berat" in card_text())

        async with running(tg, kb, matcher, env) as bot:  # stored, not remembered
            official_says(tg, "/kasus")
            [listing] = await tg.async_wait_for_message(OFFICIALS, contains="Kasus terbuka")
            lines = {line.split(" · ")[0]: line for line in shown(listing).splitlines()[1:]}
            assert "🙋 Rina Wulandari" in lines[code] and "9001" not in lines[code]
            assert "🏷️ TPPO berat" in lines[code] and "Bukan kasus" not in lines[code]
            assert "🙋 belum ada" in lines[other] and "🏷️" not in lines[other]

            tg.send_text(OFFICIAL, "/kasus saya", OFFICIALS, "supergroup", "Rina Wulandari")
            [mine] = await tg.async_wait_for_message(OFFICIALS, contains="Kasus Anda tangani")
            assert code in shown(mine) and other not in shown(mine)
            tg.send_text(COLLEAGUE, "/kasus saya", OFFICIALS, "supergroup")
            await tg.async_wait_for_message(OFFICIALS, contains="yang Anda tangani.", count=2)

            official_says(tg, f"/kasus {code}")
            [case] = await tg.async_wait_for_message(OFFICIALS, contains="Riwayat")
            history = shown(case)
            assert "🏷️ TPPO berat" in history
            # Named, not numbered, by the name Telegram shows now (official_says writes as
            # "Uji"): "Uji · 🏷️ pasang Penipuan lowongan".
            assert "Uji · 🏷️ pasang Penipuan lowongan" in history
            assert "Uji · 🏷️ lepas Penipuan lowongan" in history
            assert history.count("🏷️ pasang") + history.count("🏷️ lepas") == 3
            assert str(OFFICIAL) not in history and "WIB" in history

            tg.send_text(OFFICIAL, "/start")  # exports go to the official's private chat
            await tg.async_wait_for_message(OFFICIAL, contains="Migran Aman")
            official_says(tg, "/ekspor")
            [upload] = await tg.async_wait_for_call("sendDocument")
            table = upload.files["document"].content.decode("utf-8-sig")
            rows = {row["kode"]: row for row in csv.DictReader(io.StringIO(table))}
            assert rows[code]["nama petugas"] == "Rina Wulandari"
            assert rows[code]["ditangani"] == str(OFFICIAL)
            assert rows[code]["kategori"] == "TPPO berat"
            assert rows[other]["nama petugas"] == "" and rows[other]["kategori"] == ""


async def toast(tg: FakeTelegram, text: str) -> None:
    await tg.async_wait_for(
        lambda calls: any(
            c.method == "answerCallbackQuery" and c.params.get("text") == text for c in calls
        )
    )
