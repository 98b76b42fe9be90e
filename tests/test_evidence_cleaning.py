"""Evidence reaches the officials without hidden metadata, or with a warning beside it
(issue 17, finding 7). Through the real Application and the fake Bot API, and through the
WhatsApp channel and the fake Cloud API: a JPEG with a second picture appended (its own
GPS position), a HEIC, a PDF with its author, and a video the bot cannot clean."""

from __future__ import annotations

import asyncio

from bot.metadata import clean
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import async_post_signed, update
from tests.report_script import SUBMIT, report_steps
from tests.test_metadata import GPS, heic_with_exif, multi_picture_jpeg, pdf_with_metadata
from tests.test_privacy import OFFICIALS, REPORTER, Running, answer, bot, press, say
from tests.test_whatsapp import USER
from tests.test_whatsapp_reports import Both, both, step

__all__ = ["bot", "both"]  # the fixtures, used by name

VIDEO = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x10moov" + GPS


def uploads(tg: FakeTelegram) -> list[tuple[bytes, str]]:
    """(file content, caption) of every file the bot uploaded to the officials' group."""
    return [
        (f.content, str(c.params.get("caption", "")))
        for c in tg.calls
        if c.files and c.params.get("chat_id") == OFFICIALS
        for f in c.files.values()
    ]


async def test_telegram_documents_are_cleaned_or_flagged_for_the_officials(bot: Running) -> None:
    tg = bot.tg
    jpeg, scan = multi_picture_jpeg()
    documents = [
        ("IMG_2041.jpg", "image/jpeg", jpeg),
        ("kontrak Siti.pdf", "application/pdf", pdf_with_metadata()),
        ("rekaman.mp4", "video/mp4", VIDEO),
    ]
    await say(bot, "/lapor", "Apa yang ingin Anda laporkan")
    await press(bot, "🧾 Tawaran kerja mencurigakan", "1/9")
    await say(bot, "Lowongan admin di Kamboja, visa turis", "Tersimpan: «Lowongan")
    for label, expect in (("➡️ Lanjut", "2/9"), ("Tidak tahu", "3/9"), ("Pariaman Tengah", "4/9")):
        await press(bot, label, expect)
    await say(bot, "Kamboja", "Tersimpan: «Kamboja")
    for label, expect in (("➡️ Lanjut", "5/9"), ("Belum", "6/9"), ("Tidak", "7/9")):
        await press(bot, label, expect)
    for number, (name, mime, content) in enumerate(documents, 1):
        before = len(tg.history(REPORTER))
        tg.send_document(REPORTER, file_name=name, mime_type=mime, content=content)
        await answer(bot, f"Bukti tersimpan ({number})", before)
    for label, expect in (("Selesai", "8/9"), ("Anonim", "9/9"), ("Ya, teruskan", "Periksa")):
        await press(bot, label, expect)
    await press(bot, "✅ Kirim", "Kode kasus")
    await tg.async_wait_for_call("sendDocument", count=3, timeout=15)
    (picture, _), (pdf, _), (video, warning) = uploads(tg)
    assert GPS not in picture and picture.endswith(scan)  # the appended image is cut off
    assert GPS not in pdf and b"Siti" not in pdf and pdf.startswith(b"%PDF")
    assert video == VIDEO and "tidak bisa dibersihkan dari metadata" in warning
    assert all(
        name.encode() not in str(c.params).encode() for name, _, _ in documents for c in tg.calls
    )


async def test_whatsapp_files_are_cleaned_or_flagged_for_the_officials(both: Both) -> None:
    wa, tg = both.wa, both.tg
    heic, picture, _ = heic_with_exif()
    sent = [
        ("image/heic", heic, "foto.heic"),
        ("video/mp4", VIDEO, "rekaman.mp4"),
    ]
    for kind, what, expected in [*report_steps(photos=0), SUBMIT]:
        if expected == "8/9":  # at the evidence question: the files, as documents
            for number, (mime, content, name) in enumerate(sent, 1):
                media_id = wa.fake.add_media(content, mime_type=mime)
                document = {"id": media_id, "filename": name, "mime_type": mime}
                before = len(wa.fake.messages(USER))
                message = {"type": "document", "document": document}
                await async_post_signed(wa.url, update(USER, message))
                await wa.fake.async_wait_for(USER, before + 1)
                assert f"Bukti tersimpan ({number})" in wa.fake.messages(USER)[-1].text
        await step(wa, kind, what, expected)
    for _ in range(400):
        if len(uploads(tg)) >= 2:
            break
        await asyncio.sleep(0.025)
    (first, _), (second, warning) = uploads(tg)
    assert first == clean(heic).data and GPS not in first and picture in first
    assert second == VIDEO and "tidak bisa dibersihkan dari metadata" in warning
