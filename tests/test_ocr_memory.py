"""A picture made to exhaust memory, sent to the real bot (`python main.py` against the fake
Bot API): a 75 KB PNG of 40 x 625,000 pixels would need 15.6 GB once scaled to Tesseract's
reading width. The whole bot (its process and every process it started) is watched while
it handles the picture: it must stay under 1 GB, tell the sender what is wrong and keep
answering everyone else."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from bot import ocr
from bot.crypto import generate_key
from tests.fake_telegram import FakeTelegram
from tests.memory import PeakMemory
from tests.test_crash_recovery import Bots

LIMIT = 1024**3  # the whole bot's resident memory
SENDER, OTHER = 701, 702


def tall_narrow_png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (40, 625_000), 255).save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.fixture
def bots(tmp_path: Path) -> Iterator[tuple[FakeTelegram, Bots]]:
    with FakeTelegram() as tg:
        tg.add_chat(-100200300, "supergroup", title="Gugus Tugas TPPO")
        bots = Bots(tg, tmp_path, generate_key())
        try:
            yield tg, bots
        finally:
            bots.close()


@pytest.mark.skipif(not ocr.available(), reason="Tesseract with Indonesian is not installed")
def test_a_tiny_png_of_a_huge_picture_is_refused_and_the_bot_stays_small_and_answers(
    bots: tuple[FakeTelegram, Bots],
) -> None:
    tg, runner = bots
    picture = tall_narrow_png()
    assert len(picture) < 100_000
    bot = runner.start()
    tg.send_text(SENDER, "/cek")
    tg.wait_for_message(SENDER, contains="screenshot", timeout=15)
    with PeakMemory(bot.pid, kill_above=LIMIT) as watch:
        tg.send_document(SENDER, file_name="iklan.png", mime_type="image/png", content=picture)
        tg.send_text(OTHER, "paspor sy ditahan agen")  # someone else, meanwhile
        [answer] = tg.wait_for_message(OTHER, contains="paspor", timeout=30)
        [refusal] = tg.wait_for_message(SENDER, contains="tidak saya baca", timeout=60)
        time.sleep(0.5)  # a last look at the memory after the reading ended
    assert bot.poll() is None, f"the bot died (peak {watch.peak / 2**20:.0f} MiB)"
    assert watch.peak < LIMIT, f"peak {watch.peak / 2**20:.0f} MiB"
    assert "terlalu panjang dan sempit" in refusal["text"]
    # The bot goes on answering, the sender included.
    tg.send_text(SENDER, "kerja di malaysia lewat jalur belakang")
    tg.wait_for_message(SENDER, contains="Hasil cek tawaran", timeout=30)
    assert answer
