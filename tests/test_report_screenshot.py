"""A screenshot sent at the report's offer step: kept as evidence and, with OCR, read."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot import ocr
from bot.messages import Attachment
from tests.screenshots import CAN_DRAW, DUMAI_AD, chat_screenshot
from tests.test_report_typing import answers, person, services  # noqa: F401
from tests.test_reports import Reporter


def _picture(data: bytes) -> Attachment:
    async def read() -> bytes:
        return data

    return Attachment("photo", "shot-9", read)


@pytest.mark.skipif(not (ocr.available() and CAN_DRAW), reason="needs Tesseract and FreeType")
async def test_screenshot_at_the_offer_step_is_read_and_kept(person: Reporter) -> None:  # noqa: F811
    await person.say("/lapor")
    await person.say("tawaran kerja")
    await person.say(attachments=(_picture(chat_screenshot(DUMAI_AD)),))
    stored = await answers(person)
    assert "lewat Dumai" in stored["offer"]
    assert stored["evidence"] == [["photo", "shot-9"]]
    assert "Tersimpan" in person.text


@pytest.mark.skipif(not ocr.available(), reason="needs Tesseract")
async def test_a_picture_without_words_is_kept_and_the_reporter_told_why_it_was_not_read(
    person: Reporter,  # noqa: F811
) -> None:
    blank = io.BytesIO()
    Image.new("RGB", (720, 1280), "white").save(blank, "PNG")
    await person.say("/lapor")
    await person.say("tawaran kerja")
    await person.say(attachments=(_picture(blank.getvalue()),))
    stored = await answers(person)
    assert stored["evidence"] == [["photo", "shot-9"]] and "offer" not in stored
    assert "tidak menemukan tulisan" in person.text  # and the question is asked again
    assert "1/9" in person.text
