"""The case desk II (issue 21) for a reporter on WhatsApp: her replies reach the officials'
Telegram group whether typed or quoted, status is asked in plain words, yes/no questions
are buttons, lists answer to their numbers, and a deleted message is never answered. Both
channels in one process against the fake Cloud API and the fake Bot API."""

from __future__ import annotations

import asyncio
import re

from bot.messages import UserKey
from tests.fake_whatsapp import async_post_signed, revoke_message, text_message, update
from tests.report_script import SUBMIT, report_steps
from tests.test_whatsapp import USER, Bot, press_label
from tests.test_whatsapp_reports import Both, both, file_report, relay, step

__all__ = ["both"]  # the fixture, used by name

# A slash command a WhatsApp user is told to type, which WhatsApp cannot send as one.
SLASH = re.compile(r"(?<![\w/])/(lapor|status|batal|cancel|cek|menu|start|bantuan)\b")


async def say(wa: Bot, text: str, quoting: str | None = None, wamid: str | None = None) -> None:
    await async_post_signed(wa.url, update(USER, text_message(text, quoting), wamid=wamid))


async def answered(wa: Bot, before: int, contains: str) -> str:
    """The first message to the user after `before` that contains `contains`."""
    for _ in range(400):
        for sent in wa.fake.messages(USER)[before:]:
            if contains in sent.text:
                return sent.text
        await asyncio.sleep(0.025)
    raise AssertionError(f"no {contains!r} in {[s.text for s in wa.fake.messages(USER)]}")


async def quiet(wa: Bot, before: int) -> list[str]:
    """What the user got after `before`, once nothing has come for half a second."""
    await asyncio.sleep(0.5)
    return [sent.text for sent in wa.fake.messages(USER)[before:]]


async def test_the_mothers_replies_typed_or_quoted_reach_the_group(both: Both) -> None:
    wa, tg = both.wa, both.tg
    code, _ = await file_report(both)
    before = len(wa.fake.messages(USER))
    await relay(tg, code, "Apakah paspor anak Ibu masih dipegang agen?")
    await answered(wa, before, "paspor anak Ibu")
    official = next(s for s in wa.fake.messages(USER) if "paspor anak Ibu" in s.text)
    # Typed in her own words: offered to the case (not the FAQ on held passports).
    before = len(wa.fake.messages(USER))
    await say(wa, "blm bu, paspor msh sama anak sy")
    offer = await answered(wa, before, f"untuk laporan {code}?")
    assert "paspor msh sama" in offer
    asked = wa.fake.messages(USER)[-1]
    assert asked.kind == "interactive" and asked.body["interactive"]["type"] == "button"
    await press_label(wa, "Kirim ke petugas")
    [answer] = await tg.async_wait_for_message(-100200300, contains="paspor msh sama")
    assert code in str(answer["text"]) and USER not in str(answer["text"])
    # Quoted (a swipe-reply to the official's message, Meta's context.id): straight there.
    before = len(wa.fake.messages(USER))
    await say(wa, "iya pak sy ada di rumah", quoting=official.id)
    await tg.async_wait_for_message(-100200300, contains="sy ada di rumah")
    assert "sudah diteruskan" in await answered(wa, before, "sudah diteruskan")


async def test_status_in_plain_words_and_never_a_slash_command(both: Both) -> None:
    wa, tg = both.wa, both.tg
    code, _ = await file_report(both)
    before = len(wa.fake.messages(USER))
    await relay(tg, code, "Kami sudah menghubungi BP3MI.")
    await answered(wa, before, "menghubungi BP3MI")
    before = len(wa.fake.messages(USER))
    await say(wa, "status")
    listing = await answered(wa, before, "Laporan Anda")
    assert code in listing and "menghubungi BP3MI" in listing and "WIB" in listing
    receipt = next(s.text for s in wa.fake.messages(USER) if "Kode kasus" in s.text)
    assert f"*status {code}*" in receipt  # the words to type
    said = [s.text for s in wa.fake.messages(USER)]
    assert not [text for text in said if SLASH.search(text)], [
        SLASH.search(text) for text in said if SLASH.search(text)
    ]


async def test_yes_no_questions_are_buttons_and_a_list_answers_to_its_numbers(
    both: Both,
) -> None:
    wa = both.wa
    steps = [*report_steps(photos=0), SUBMIT]
    for kind, what, expected in steps:
        if expected == "4/9":  # the kecamatan list: typed "2" picks its second row
            listed = wa.fake.messages(USER)[-1]
            assert listed.body["interactive"]["type"] == "list"
            assert listed.options[1][0].startswith("2. Pariaman Tengah")
            kind, what = "say", "2"
        await step(wa, kind, what, expected)
        if expected == "5/9":  # "has anyone left?": its answers as three reply buttons
            question = wa.fake.messages(USER)[-1]
            assert question.body["interactive"]["type"] == "button"
            assert [t for t, _ in question.options] == ["Ya, sudah", "Belum", "Tidak tahu"]
            # Named as words to type; right after a typed answer, ⬅️ is ✏️ "ubah" (issue 18).
            assert "*ubah*" in question.text and "*batal*" in question.text
    assert both.services.reports is not None
    [report] = await both.services.reports.of_reporter(UserKey("whatsapp", USER, USER))
    assert report.area == "Pariaman Tengah"


async def test_a_deleted_message_is_not_answered_and_leaves_the_draft(both: Both) -> None:
    wa = both.wa
    for kind, what, expected in report_steps(photos=0)[:2]:
        await step(wa, kind, what, expected)
    before = len(wa.fake.messages(USER))
    await say(wa, "Lowongan pabrik di Malaysia gaji 9 juta", wamid="wamid.KEPT0001")
    await answered(wa, before, "Tersimpan")
    before = len(wa.fake.messages(USER))
    await say(wa, "nomor agennya 0812-1111-2222 maaf salah kirim", wamid="wamid.GONE0002")
    await answered(wa, before, "salah kirim")
    # She deletes the second message: no answer, and it is out of the unsent report.
    before = len(wa.fake.messages(USER))
    await async_post_signed(wa.url, update(USER, revoke_message("wamid.GONE0002")))
    assert await quiet(wa, before) == []
    assert both.services.reports is not None
    draft = await both.services.reports.get_draft(UserKey("whatsapp", USER, USER))
    assert draft is not None and draft.answers["offer"] == "Lowongan pabrik di Malaysia gaji 9 juta"
