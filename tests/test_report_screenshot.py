"""A screenshot sent at the report's offer step: kept as evidence and, with OCR, read."""

from __future__ import annotations

import pytest

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
