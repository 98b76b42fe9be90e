"""One WhatsApp account must not fill the disk (issue 17, finding 4). Through the real
WhatsApp channel and the fake Cloud API: a file is downloaded only when the report (or a
message to the officials) keeps it, a download stops at its size cap, a dropped draft's
files go at once, the files nothing refers to go within the hour, and all files together
stay within WHATSAPP_MEDIA_BUDGET_MB, with a word to the sender and to the officials."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from bot.channels.flood import FloodGuard
from bot.crypto import generate_hash_key, generate_key
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import UserKey
from tests.fake_whatsapp import async_post_signed, image_message, revoke_message, update
from tests.report_script import report_steps
from tests.test_whatsapp import USER
from tests.test_whatsapp_reports import (
    OFFICIALS,
    PHOTO,
    Both,
    both_channels,
    step,
)

# The script up to the evidence question (7/9), however many steps the questions before take.
_SCRIPT = report_steps(photos=0)
TO_EVIDENCE = _SCRIPT[: next(i for i, (_, _, shown) in enumerate(_SCRIPT) if shown == "7/9") + 1]


def stored(both: Both) -> list[Path]:
    folder = both.media_folder
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


async def photo(both: Both, content: bytes = PHOTO, **media: int) -> None:
    media_id = both.wa.fake.add_media(content, **media)
    await async_post_signed(both.wa.url, update(USER, image_message(media_id)))


async def answered(both: Both, before: int, expected: str) -> str:
    for _ in range(400):
        found = [s.text for s in both.wa.fake.messages(USER)[before:] if expected in s.text]
        if found:
            return found[0]
        await asyncio.sleep(0.025)
    raise AssertionError(f"no {expected!r}")


async def test_files_are_downloaded_only_where_the_report_keeps_them(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with both_channels(tmp_path, kb, matcher) as both:
        # 70 messages in a minute: the flood guard would silence the sender after 30 (as
        # many as "lapor" and 29 photos); here the files are the point, not the pace.
        both.whatsapp.processor.flood = FloodGuard(limit=1000)
        fake = both.wa.fake
        await step(both.wa, "say", "lapor", "Apa yang ingin Anda laporkan")
        for _ in range(29):  # the attack: photos at a question that keeps no file
            await photo(both)
        await step(both.wa, "press", "🧾 Tawaran kerja mencurigakan", "1/9")
        assert fake.media_downloads == 0 and stored(both) == []
        # A screenshot of the advert at the first question stays wanted: it is evidence.
        await step(both.wa, "photo", "", "Apa yang ditawarkan")  # (no text read from it)
        assert fake.media_downloads == 1 and len(stored(both)) == 1
        await step(both.wa, "say", "Lowongan admin di Kamboja gaji 15 juta", "Tersimpan")
        await step(both.wa, "press", "➡️ Lanjut", "2/9")
        for _ in range(5):  # "who made the offer?" takes words, not files
            await photo(both)
        for action in TO_EVIDENCE[4:]:  # on to the evidence question, 7/9
            await step(both.wa, *action)
        assert fake.media_downloads == 1
        for number in range(2, 21):
            await step(both.wa, "photo", "", f"Bukti tersimpan ({number})")
        before = len(fake.messages(USER))
        await photo(both)  # the 21st: over the report's cap, never fetched
        await answered(both, before, "batasnya")
        assert fake.media_downloads == 20 and len(stored(both)) == 20
        # Cancelling the report deletes its files at once, not weeks later.
        await step(both.wa, "say", "batal", "Hapus laporan ini")
        await step(both.wa, "say", "ya", "dibatalkan")
        assert stored(both) == []
        # A new report in the same hour: 20 more files, then the account's hourly cap.
        for action in TO_EVIDENCE:
            await step(both.wa, *action)
        for number in range(1, 21):
            await step(both.wa, "photo", "", f"Bukti tersimpan ({number})")
        await step(both.wa, "say", "batal", "Hapus laporan ini")
        await step(both.wa, "say", "ya", "dibatalkan")
        for action in TO_EVIDENCE:
            await step(both.wa, *action)
        before = len(fake.messages(USER))
        await photo(both)  # the 41st file within the hour
        await answered(both, before, "dalam satu jam terakhir")
        assert fake.media_downloads == 40 and stored(both) == []


async def test_a_download_stops_at_the_size_cap_whatever_size_meta_announced(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with both_channels(tmp_path, kb, matcher, WHATSAPP_MAX_MEDIA_MB="1") as both:
        for action in TO_EVIDENCE:
            await step(both.wa, *action)
        before = len(both.wa.fake.messages(USER))
        # Announced as 1 KB, served as 300 MB: reading stops soon after the first MB.
        await photo(both, told_size=1024, padding=300 * 1024 * 1024)
        said = await answered(both, before, "terlalu besar")
        assert "lebih dari 1 MB" in said
        assert both.wa.fake.media_bytes_sent < 50 * 1024 * 1024
        assert stored(both) == []


async def test_the_media_budget_holds_and_the_officials_are_told_before_it_is_full(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    budget = {"WHATSAPP_MEDIA_BUDGET_MB": "1", "WHATSAPP_MAX_MEDIA_MB": "1"}
    async with both_channels(tmp_path, kb, matcher, **budget) as both:
        for action in TO_EVIDENCE:
            await step(both.wa, *action)
        picture = os.urandom(350 * 1024)  # stored encrypted: about 470 KB each
        before = len(both.wa.fake.messages(USER))
        for _ in range(3):  # two fit in 1 MB, the third does not
            await photo(both, picture)
        await answered(both, before, "Bukti tersimpan (2)")
        said = await answered(both, before, "penyimpanan bukti sedang penuh")
        assert "kata-kata" in said
        assert sum(p.stat().st_size for p in stored(both)) <= 1024 * 1024
        [notice] = await both.tg.async_wait_for_message(OFFICIALS, contains="hampir penuh")
        assert "WHATSAPP_MEDIA_BUDGET_MB" in notice["text"] and USER not in notice["text"]


async def test_files_nothing_refers_to_are_deleted_within_the_hour(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    folder = tmp_path / "whatsapp-media"
    folder.mkdir()
    orphan = folder / ("ab" * 16)  # e.g. left by a crash between download and draft
    orphan.write_bytes(b"encrypted evidence of nobody")
    broken = folder / f".{'ef' * 16}.part"  # a crash in the middle of writing a download
    broken.write_bytes(b"half a file")
    two_hours_ago = time.time() - 7200
    for old in (orphan, broken):
        os.utime(old, (two_hours_ago, two_hours_ago))
    keys = {"REPORTS_ENCRYPTION_KEY": generate_key(), "REPORTS_HASH_KEY": generate_hash_key()}
    async with both_channels(tmp_path, kb, matcher, **keys) as both:
        for action in report_steps(photos=1)[:11]:  # one photo kept in a draft
            await step(both.wa, *action)
        [kept] = [p for p in stored(both) if p not in (orphan, broken)]
        os.utime(kept, (two_hours_ago, two_hours_ago))
        writing = folder / f".{'cd' * 16}.part"  # a download being written as the bot stops
        writing.write_bytes(b"being written")
        # Its time on the clock the sweep reads, as the others': TEST_MOMENT moves
        # time.time(), not the times the kernel gives files.
        just_now = time.time()
        os.utime(writing, (just_now, just_now))
    async with both_channels(tmp_path, kb, matcher, **keys):  # the hourly sweep runs at start
        for _ in range(200):
            if not orphan.exists() and not broken.exists():
                break
            await asyncio.sleep(0.025)
        assert not orphan.exists() and not broken.exists()  # their space counts again
        assert kept.exists()  # the draft still needs it
        assert writing.exists()  # too young to be anything's leftover


async def test_a_deleted_photo_leaves_the_draft_and_the_disk(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    # Issue 21's revoke over issue 17's files kept only when wanted: the draft holds the
    # stored file's reference, not Meta's media id the message came with.
    async with both_channels(tmp_path, kb, matcher) as both:
        for action in TO_EVIDENCE:  # on to the evidence question, 7/9
            await step(both.wa, *action)
        before = len(both.wa.fake.messages(USER))
        media_id = both.wa.fake.add_media(PHOTO)
        message = update(USER, image_message(media_id), wamid="wamid.PHOTO0001")
        await async_post_signed(both.wa.url, message)
        await answered(both, before, "Bukti tersimpan (1)")
        assert len(stored(both)) == 1
        await async_post_signed(both.wa.url, update(USER, revoke_message("wamid.PHOTO0001")))
        assert both.services.reports is not None
        user = UserKey("whatsapp", USER, USER)
        for _ in range(200):
            draft = await both.services.reports.get_draft(user)
            if draft is not None and not draft.answers.get("evidence"):
                break
            await asyncio.sleep(0.025)
        assert draft is not None and draft.answers.get("evidence") == []
        assert stored(both) == []  # gone at once, not at the next hourly sweep
