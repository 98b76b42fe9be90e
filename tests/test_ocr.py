"""Screenshots of job adverts: read with Tesseract and checked like pasted text.

The screenshots are drawn with Pillow (tests/screenshots.py: a WhatsApp-like chat bubble),
so the tests know exactly what a perfect reading would be. Tests that need Tesseract skip, saying why, on a
machine without it; what the bot says there is tested too.
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from bot import ocr
from bot.channels import console
from bot.channels.telegram.app import serve
from bot.channels.telegram.channel import TelegramChannel
from bot.config import Settings
from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import Attachment, Incoming, UserKey
from bot.offers import FIRST_MESSAGE_LIMIT, check_offer
from bot.runtime import open_services
from tests.conftest import run_main
from tests.fake_telegram import FakeTelegram
from tests.screenshots import CAN_DRAW, DUMAI_AD, chat_screenshot

needs_tesseract = pytest.mark.skipif(
    not ocr.available(),
    reason="Tesseract with Indonesian is not installed "
    "(apt-get install tesseract-ocr tesseract-ocr-ind)",
)
needs_freetype = pytest.mark.skipif(
    not CAN_DRAW, reason="Pillow was built without FreeType: no fonts to draw"
)


def _picture(data: bytes) -> Attachment:
    async def read() -> bytes:
        return data

    return Attachment("photo", "shot-1", read)


def test_lines_wrapped_in_a_bubble_are_joined_back_into_sentences() -> None:
    raw = "Berangkat lewat\n\nDumai naik kapal.\nGaji 5 juta\n- Tanpa biaya\n\n"
    assert ocr.tidy(raw) == "Berangkat lewat Dumai naik kapal.\nGaji 5 juta\n- Tanpa biaya"


@needs_tesseract
@needs_freetype
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark-mode"])
def test_screenshot_of_a_dumai_ferry_advert_is_read_and_found_high_risk(
    kb: KnowledgeBase, dark: bool
) -> None:
    read = ocr.read_image(chat_screenshot(DUMAI_AD, dark=dark))
    assert "Dumai" in read and "paspor" in read
    result = check_offer(read, kb)
    found = {sign.id for sign in result.signs}
    assert {"jalur-belakang", "berangkat-cepat", "medsos-pribadi"} <= found
    assert "biaya-pendaftaran" not in found  # "Tidak dipungut biaya pendaftaran" reassures
    assert result.level == "tinggi"


@needs_tesseract
@needs_freetype
def test_screenshot_of_a_secrecy_and_passport_advert(kb: KnowledgeBase) -> None:
    advert = (
        "Dicari karyawan restoran di Malaysia. Paspor nanti dipegang majikan. "
        "Jangan bilang2 ke keluarga dulu ya, japri aja."
    )
    found = {s.id for s in check_offer(ocr.read_image(chat_screenshot(advert)), kb).signs}
    assert {"paspor-ditahan", "dirahasiakan"} <= found


def test_what_is_not_a_picture_is_refused_before_tesseract() -> None:
    with pytest.raises(ocr.OcrError) as refused:
        ocr.read_image(b"%PDF-1.4 not a picture")
    assert refused.value.reason == "unreadable"


@needs_tesseract
@needs_freetype
async def test_picture_after_cek_gets_the_verdict_and_the_text_read(engine: Engine) -> None:
    user = UserKey("test", "ocr", "ocr")
    await engine.handle(Incoming(user, text="/cek"))
    verdict, read = await engine.handle(
        Incoming(user, attachments=(_picture(chat_screenshot(DUMAI_AD)),))
    )
    assert verdict.text.startswith("🔎 Hasil cek tawaran dari gambar: risiko TINGGI")
    assert len(verdict.text) <= FIRST_MESSAGE_LIMIT
    assert "Teks yang saya baca" in read.text and "lewat Dumai" in read.text
    # The user corrects the reading and sends it: it is checked as text.
    [again] = await engine.handle(Incoming(user, text="Berangkat lewat Dumai naik kapal"))
    assert again.text.startswith("🔎 Hasil cek tawaran: risiko")


async def test_a_voice_note_after_cek_asks_for_text_or_a_screenshot(engine: Engine) -> None:
    user = UserKey("test", "ocr3", "ocr3")
    await engine.handle(Incoming(user, text="/cek"))
    [reply] = await engine.handle(Incoming(user, attachments=(Attachment("voice", "v-1"),)))
    assert "kirim teksnya atau screenshot" in reply.text
    # Still checking: the text sent next gets a verdict.
    [verdict] = await engine.handle(Incoming(user, text="Kerja di Malaysia lewat jalur belakang"))
    assert verdict.text.startswith("🔎 Hasil cek tawaran")


@needs_tesseract
async def test_a_broken_picture_is_answered_not_crashed(engine: Engine) -> None:
    user = UserKey("test", "ocr2", "ocr2")
    [reply] = await engine.handle(
        Incoming(user, text="/cek", attachments=(_picture(b"\x89PNG broken"),))
    )
    assert "tidak bisa saya baca" in reply.text


@needs_tesseract
@needs_freetype
async def test_console_reads_a_picture_path_after_cek(engine: Engine, tmp_path: Path) -> None:
    shot = tmp_path / "iklan.png"
    shot.write_bytes(chat_screenshot(DUMAI_AD))
    stdout = io.StringIO()
    await console.run(engine, stdin=io.StringIO(f"/cek\n'{shot}'\n"), stdout=stdout)
    output = stdout.getvalue()
    assert "risiko TINGGI" in output and "Teks yang saya baca" in output


def _without_tesseract(tmp_path: Path) -> dict[str, str]:
    """The environment of a machine where `tesseract` is not on the PATH."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    environ["PATH"] = str(tmp_path / "empty-bin")
    environ["DATABASE_PATH"] = str(tmp_path / "bot.sqlite3")
    return environ


@needs_freetype
def test_without_tesseract_the_bot_asks_for_the_text(tmp_path: Path) -> None:
    shot = tmp_path / "iklan.png"
    shot.write_bytes(chat_screenshot("Lowongan kerja Malaysia"))
    env = _without_tesseract(tmp_path)
    result = run_main("chat", env=env, stdin=f"/cek\n{shot}\n")
    assert result.returncode == 0, result.stderr
    assert "belum bisa membaca gambar" in result.stdout
    check = run_main("check-offer", "--image", str(shot), env=env)
    assert check.returncode == 2
    assert "tesseract-ocr-ind" in check.stderr


# --- the real Telegram Application against the local fake Bot API ------------------------


@pytest.fixture
async def telegram(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> AsyncIterator[FakeTelegram]:
    with FakeTelegram() as tg:
        settings = Settings.from_environ(
            {**tg.bot_environ(), "DATABASE_PATH": str(tmp_path / "bot.sqlite3")}
        )
        async with open_services(settings, kb, matcher) as services:
            channel = TelegramChannel(services.engine)
            stop = asyncio.Event()
            task = asyncio.create_task(serve(settings, channel, stop, poll_timeout=1))
            await tg.async_wait_for_call("getUpdates")
            try:
                yield tg
            finally:
                stop.set()
                await asyncio.wait_for(task, 10)


@needs_tesseract
@needs_freetype
async def test_telegram_photo_after_cek_is_read_and_checked(telegram: FakeTelegram) -> None:
    telegram.send_text(601, "/cek")
    await telegram.async_wait_for_message(601, contains="screenshot")
    telegram.send_photo(601, content=chat_screenshot(DUMAI_AD), width=1080, height=900)
    [verdict] = await telegram.async_wait_for_message(601, contains="risiko TINGGI", timeout=20)
    [read] = await telegram.async_wait_for_message(601, contains="Teks yang saya baca")
    assert "Jalur belakang" in verdict["text"]
    assert "lewat Dumai" in read["text"]
    assert telegram.downloads  # the photo was fetched through getFile, not guessed


@needs_tesseract
@needs_freetype
async def test_telegram_photo_captioned_cek_is_checked(telegram: FakeTelegram) -> None:
    advert = "Kerja di Dubai berangkat pakai visa turis, paspor nanti dipegang agen."
    telegram.send_photo(602, caption="/cek", content=chat_screenshot(advert))
    [verdict] = await telegram.async_wait_for_message(602, contains="Hasil cek", timeout=20)
    assert "risiko TINGGI" in verdict["text"]


@needs_tesseract
@needs_freetype
async def test_telegram_screenshot_sent_as_a_file_is_read_too(telegram: FakeTelegram) -> None:
    telegram.send_text(603, "/cek")
    await telegram.async_wait_for_message(603, contains="screenshot")
    advert = "Dicari karyawan restoran di Malaysia. Jangan bilang2 ke keluarga ya, japri aja."
    telegram.send_document(
        603, file_name="Screenshot_2026.png", mime_type="image/png", content=chat_screenshot(advert)
    )
    [verdict] = await telegram.async_wait_for_message(603, contains="Hasil cek", timeout=20)
    assert "Diminta merahasiakan" in verdict["text"]


def test_a_picture_too_big_to_decode_is_refused_before_decoding() -> None:
    # A tiny file that would unpack to 30 million pixels: refused from its header alone.
    out = io.BytesIO()
    Image.new("1", (6000, 5000)).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    with pytest.raises(ocr.OcrError) as refused:
        ocr.read_image(out.getvalue())
    assert refused.value.reason == "too_large"


def test_the_reading_size_is_known_before_anything_is_decoded_or_scaled() -> None:
    assert ocr.reading_size(1080, 2400) == (1080, 2400)  # a phone screen, as it is
    assert ocr.reading_size(1080, 23_000) == (1080, 23_000)  # a scrolling screenshot
    assert ocr.reading_size(500, 10_000) == (1000, 20_000)  # small letters enlarged
    assert ocr.reading_size(8000, 3000) == (4000, 1500)  # a wide desktop, reduced
    for not_a_screenshot in ((40, 625_000), (300, 80_000)):  # 15.6 GB, 267 screens
        with pytest.raises(ocr.OcrError) as refused:
            ocr.reading_size(*not_a_screenshot)
        assert refused.value.reason == "not_screenshot"


def test_only_screenshot_formats_are_decoded() -> None:
    for kind in ("BMP", "TIFF", "GIF"):
        out = io.BytesIO()
        Image.new("L", (800, 600), 255).save(out, kind)
        with pytest.raises(ocr.OcrError) as refused:
            ocr.read_image(out.getvalue())
        assert refused.value.reason == "unreadable", kind


@needs_tesseract
@needs_freetype
def test_a_long_scrolling_screenshot_is_read_tile_by_tile_top_to_bottom(
    kb: KnowledgeBase,
) -> None:
    # Three screens of a chat, 720 pixels wide (read enlarged to 1000): several tiles.
    screens = [
        chat_screenshot("Lowongan kerja kebun sawit Malaysia gaji 5 juta", width=720),
        chat_screenshot("Berangkat lewat Dumai naik kapal ke Malaka", width=720),
        chat_screenshot("Paspor nanti dipegang agen, japri aja", width=720),
    ]
    parts = [Image.open(io.BytesIO(screen)) for screen in screens]
    tall = Image.new("RGB", (720, sum(p.height for p in parts) + 2400), (236, 229, 221))
    top = 0
    for part in parts:
        tall.paste(part, (0, top))
        top += part.height + 1200
    out = io.BytesIO()
    tall.save(out, "PNG")
    assert ocr.reading_size(*tall.size)[1] > 2 * ocr.TILE_HEIGHT
    read = ocr.read_image(out.getvalue())
    for words in ("kebun sawit", "lewat Dumai", "dipegang agen"):
        assert words in read, read
    assert read.index("kebun sawit") < read.index("lewat Dumai") < read.index("dipegang agen")
