"""Both channels in one process: a report filed on WhatsApp reaches the officials' Telegram
group, and an official's reply to its card reaches the reporter on WhatsApp, and back."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from telegram.ext import AIORateLimiter

from bot import housekeeping
from bot.channels.telegram.app import serve as serve_telegram
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.whatsapp.app import WhatsAppService
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.crypto import generate_hash_key, generate_key
from bot.delivery import Sent
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import Incoming, UserKey
from bot.runtime import Services, open_services
from tests.conftest import run_main, wait_until
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import (
    FakeWhatsApp,
    async_post_signed,
    image_message,
    text_message,
    update,
)
from tests.report_script import CODE, SUBMIT, report_steps
from tests.test_keys import environ
from tests.test_metadata import GPS, photo_jpeg
from tests.test_whatsapp import USER, Bot, free_port, press_label, wait_listening, whatsapp_alone

PHOTO = b"\xff\xd8\xff\xe0 a screenshot of the recruiter's chat "
OFFICIALS = -100200300
OFFICIAL = 9001


@dataclass
class Both:
    wa: Bot
    tg: FakeTelegram
    media_folder: Path
    services: Services
    whatsapp: WhatsAppService


@pytest.fixture
async def both(tmp_path: Path, kb: KnowledgeBase, matcher: Matcher) -> AsyncIterator[Both]:
    async with both_channels(tmp_path, kb, matcher) as running:
        yield running


@asynccontextmanager
async def both_channels(
    tmp_path: Path,
    kb: KnowledgeBase,
    matcher: Matcher,
    clock: Clock = utc_now,
    paced: bool = False,
    **extra: str,
) -> AsyncIterator[Both]:
    """WhatsApp and Telegram (the officials' group) in one process, as `python main.py`
    runs them, on `clock`; `paced`: with Telegram's real pacing (lifted by default, so
    tests run fast); `extra`: settings on top (the keys, say)."""
    with FakeTelegram() as tg, FakeWhatsApp() as fake:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        port = free_port()
        environ = {
            **tg.bot_environ(),
            **fake.bot_environ(port),
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "OFFICIALS_CHAT_ID": str(OFFICIALS),
            "OFFICIAL_USER_IDS": str(OFFICIAL),
            "REPORTS_ENCRYPTION_KEY": generate_key(),
            "REPORTS_HASH_KEY": generate_hash_key(),
            **extra,
        }
        settings = Settings.from_environ(environ)
        assert settings.whatsapp is not None
        async with open_services(settings, kb, matcher, clock=clock) as services:
            stop = asyncio.Event()
            whatsapp = WhatsAppService(settings.whatsapp, services, backoff=0.05)
            channel = TelegramChannel.for_services(
                services, settings, {"whatsapp": whatsapp.transport}
            )
            limiter = None if paced else AIORateLimiter(overall_max_rate=0, group_max_rate=0)
            tasks = [
                asyncio.create_task(whatsapp.run(stop)),
                asyncio.create_task(serve_telegram(settings, channel, stop, 1, limiter)),
            ]
            await wait_listening(port)
            await tg.async_wait_for_call("getUpdates")
            try:
                bot = Bot(fake, f"http://127.0.0.1:{port}/whatsapp", settings, environ)
                yield Both(bot, tg, tmp_path / "whatsapp-media", services, whatsapp)
            finally:
                stop.set()
                await asyncio.wait_for(asyncio.gather(*tasks), 15)
        assert not fake.violations, fake.violations


async def step(bot: Bot, kind: str, what: str, expected: str, user: str = USER) -> None:
    before = len(bot.fake.messages(user))
    if kind == "say":
        await bot.say(what, user)
    elif kind == "photo":
        media_id = bot.fake.add_media(PHOTO + f"{user}:{before}".encode())
        await async_post_signed(bot.url, update(user, image_message(media_id)))
    else:
        await press_label(bot, what, user)
    for _ in range(200):
        if any(expected in s.text for s in bot.fake.messages(user)[before:]):
            return
        await asyncio.sleep(0.025)
    shown = [s.text[:80] for s in bot.fake.messages(user)[before:]]
    raise AssertionError(f"no {expected!r} after {what!r}: {shown}")


async def file_report(both: Both, photos: int = 0) -> tuple[str, dict[str, object]]:
    """A whole report from WhatsApp: its code and its card in the officials' group."""
    for kind, what, expected in [*report_steps(photos=photos), SUBMIT]:
        await step(both.wa, kind, what, expected)
    code = CODE.search(" ".join(s.text for s in both.wa.fake.messages(USER)))
    assert code is not None
    [card] = await both.tg.async_wait_for_message(OFFICIALS, contains=f"Kode: {code.group()}")
    return code.group(), card


async def relay(tg: FakeTelegram, code: str, message: str) -> None:
    """An official writes to the reporter the explicit way: /balas, then ✅ Kirim."""
    tg.send_text(OFFICIAL, f"/balas {code} {message}", chat_id=OFFICIALS, chat_type="supergroup")
    await tg.async_wait_for_message(OFFICIALS, contains="Pratinjau")
    tg.press_button_with_text(OFFICIAL, "✅ Kirim", chat_id=OFFICIALS)


async def test_whatsapp_report_reaches_officials_and_their_reply_comes_back(both: Both) -> None:
    wa, tg = both.wa, both.tg
    code, card = await file_report(both)
    assert USER not in card["text"] and USER[2:] not in card["text"]  # anonymous report
    await relay(tg, code, "Terima kasih. Kapan Anda dihubungi perekrut?")
    before = len(wa.fake.messages(USER))
    [*_, relayed] = await wa.fake.async_wait_for(USER, before + 1)
    assert "Kapan Anda dihubungi perekrut?" in relayed.text and str(OFFICIAL) not in relayed.text
    assert relayed.kind == "interactive"  # with the button to answer
    await step(wa, "press", "Balas petugas", "")
    await wa.say("Kemarin sore lewat WhatsApp")
    [answer] = await tg.async_wait_for_message(OFFICIALS, contains="Kemarin sore")
    assert USER not in answer["text"]
    # A Telegram message never went to the WhatsApp reporter's number as a chat id.
    assert all(str(c.params.get("chat_id")) != USER for c in tg.calls)


async def test_with_the_window_closed_a_template_goes_out_and_the_reply_waits(both: Both) -> None:
    wa, tg = both.wa, both.tg
    code, _ = await file_report(both)
    wa.fake.fail_next(1, code=131047)  # the reporter last wrote more than 24 hours ago
    await relay(tg, code, "Mohon kirim foto kontraknya.")
    before = len(wa.fake.messages(USER))
    [template] = (await wa.fake.async_wait_for(USER, before + 1))[before:]
    assert template.kind == "template" and template.text == code
    assert template.body["template"]["name"] == "case_update"
    assert template.body["template"]["language"]["code"] == "id"
    await asyncio.sleep(0.3)
    assert not any("foto kontraknya" in s.text for s in wa.fake.messages(USER))
    await wa.say("halo, ada kabar?")  # writing again opens the window
    sent = await wa.fake.async_wait_for(USER, before + 3)
    await asyncio.sleep(0.3)
    relays = [s for s in wa.fake.messages(USER) if "foto kontraknya" in s.text]
    assert len(relays) == 1 and sent[before + 1] is relays[0]  # first, before the answer


async def test_case_news_gets_its_template_even_after_a_plain_reply_was_held(both: Both) -> None:
    # The window closes just as the bot answers a question: that answer waits, and says
    # nothing of a case. The officials' message that follows must still announce itself.
    wa, tg = both.wa, both.tg
    code, _ = await file_report(both)
    wa.fake.close_window(USER)
    await async_post_signed(wa.url, update(USER, text_message("apa itu visa kerja?")))

    async def held() -> bool:
        rows = await both.services.database.fetchall(
            "SELECT COUNT(*) FROM wa_outgoing WHERE status = 'held'"
        )
        return int(rows[0][0]) == 1

    await wait_until(held, "the answer held")
    before = len(wa.fake.messages(USER))
    await relay(tg, code, "Mohon kirim foto kontraknya.")
    [template] = (await wa.fake.async_wait_for(USER, before + 1))[before:]
    assert template.kind == "template" and template.text == code


async def test_photos_from_whatsapp_reach_the_officials_and_leave_no_file_behind(
    both: Both,
) -> None:
    wa, tg = both.wa, both.tg
    await file_report(both, photos=2)
    [album] = await tg.async_wait_for_call("sendMediaGroup", timeout=5)  # two photos, one album
    assert album.params["chat_id"] == OFFICIALS
    uploaded = sorted(f.content for f in album.files.values())
    assert len(uploaded) == 2 and all(content.startswith(PHOTO) for content in uploaded)
    assert wa.fake.media_downloads == 2
    for _ in range(100):  # deleted once delivered
        if not any(both.media_folder.iterdir()):
            break
        await asyncio.sleep(0.02)
    assert not any(both.media_folder.iterdir())


async def test_gps_in_a_whatsapp_photo_or_document_never_reaches_the_officials(
    both: Both,
) -> None:
    wa, tg = both.wa, both.tg
    jpeg, scan = photo_jpeg()
    as_photo, as_document = wa.fake.add_media(jpeg), wa.fake.add_media(jpeg)
    document = {"type": "document", "document": {"id": as_document, "filename": "KTP_Siti.jpg"}}
    evidence = [update(USER, image_message(as_photo)), update(USER, document)]
    for kind, what, expected in [*report_steps(photos=0), SUBMIT]:
        if expected == "8/9":  # at the evidence question: a photo, then the same as a file
            for n, message in enumerate(evidence, 1):
                before = len(wa.fake.messages(USER))
                await async_post_signed(wa.url, message)
                await wa.fake.async_wait_for(USER, before + 1)
                assert f"Bukti tersimpan ({n})" in wa.fake.messages(USER)[-1].text
        await step(wa, kind, what, expected)
    uploads = []
    for _ in range(200):
        uploads = [f.content for c in tg.calls if c.files for f in c.files.values()]
        if len(uploads) >= 2:
            break
        await asyncio.sleep(0.025)
    assert len(uploads) == 2
    for content in uploads:
        assert GPS not in content and b"Exif" not in content
        assert content.endswith(scan)  # the picture itself, byte for byte
    assert all(b"KTP_Siti" not in str(c.params).encode() for c in tg.calls)


async def test_a_file_over_the_limit_gets_a_clear_message_and_the_report_goes_on(
    both: Both,
) -> None:
    wa = both.wa
    steps = report_steps(photos=0)
    evidence_step = next(n for n, (_, _, expected) in enumerate(steps) if expected == "7/9")
    for kind, what, expected in steps[: evidence_step + 1]:  # up to the evidence question
        await step(wa, kind, what, expected)
    too_big = wa.fake.add_media(b"video", "video/mp4", told_size=40 * 1024 * 1024)
    before = len(wa.fake.messages(USER))
    await async_post_signed(wa.url, update(USER, image_message(too_big)))
    [*_, warning] = await wa.fake.async_wait_for(USER, before + 1)
    assert "16 MB" in warning.text
    assert wa.fake.media_downloads == 0  # not even fetched
    await step(wa, "photo", "", "Bukti tersimpan (1)")


async def test_an_idle_whatsapp_draft_is_reminded_at_23_hours_inside_the_window(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    from bot import housekeeping

    settings = Settings.from_environ(
        {
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "REPORTS_ENCRYPTION_KEY": generate_key(),
            "REPORTS_HASH_KEY": generate_hash_key(),
        }
    )
    async with open_services(settings, kb, matcher) as services:
        on_whatsapp = UserKey("whatsapp", USER, USER)
        on_telegram = UserKey("telegram", "4242", "4242")
        for user in (on_whatsapp, on_telegram):
            await services.engine.handle(Incoming(user, text="/lapor"))
            await services.engine.handle(Incoming(user, text="Tawaran kerja ke Dubai"))
        hours_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=23.5)).isoformat()
        await services.database.write("UPDATE drafts SET updated_at = ?", (hours_ago,))
        await housekeeping.tidy(services.reports, services.engine.sessions, 365, lambda: None)
        assert services.outbox is not None
        reminded = []
        while (item := await services.outbox.next_due()) is not None:
            await services.outbox.mark_sent(item, Sent())
            reminded.append((item.role, item.recipient))
        assert reminded == [("reminder", on_whatsapp)]  # Telegram's comes at 24 hours


async def edits(tg: FakeTelegram, count: int) -> None:
    for _ in range(200):
        if len(tg.calls_to("editMessageText")) >= count:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"fewer than {count} edits in the officials' group")


async def quiet(wa: Bot, seconds: float = 0.4) -> list[str]:
    """What reached the reporter after waiting `seconds` for anything more to arrive."""
    await asyncio.sleep(seconds)
    return [s.text for s in wa.fake.messages(USER)]


async def test_a_reporter_turns_updates_off_and_gets_what_was_kept_when_turning_them_on(
    both: Both,
) -> None:
    wa, tg = both.wa, both.tg
    code, card = await file_report(both)
    wa.fake.fail_next(1, code=131047)  # the window had closed: a template, the message held
    before = len(wa.fake.messages(USER))
    await relay(tg, code, "Mohon kirim foto kontraknya.")
    [template] = (await wa.fake.async_wait_for(USER, before + 1))[before:]
    assert template.kind == "template"
    before += 1

    await wa.say("STOP")
    [off] = (await wa.fake.async_wait_for(USER, before + 1))[before:]
    assert "dimatikan" in off.text and "AKTIFKAN" in off.text and "tidak hilang" in off.text
    assert ("🔔 Aktifkan lagi", "updates:on") in off.options
    # While off: an official's message and a status change are kept, no template goes out.
    await relay(tg, code, "Apakah Anda aman sekarang?")
    await edits(tg, 2)  # the second preview became "sent"
    tg.press_button(OFFICIAL, int(card["message_id"]), f"kasus:{code}:diterima", chat_id=OFFICIALS)
    await edits(tg, 3)  # the card shows the new status
    await wa.say("apa itu TPPO?")  # writing about anything else does not release them
    await wa.fake.async_wait_for(USER, before + 2)
    shown = await quiet(wa)
    assert len(shown) == before + 2  # the answer only
    assert not any(k in t for t in shown for k in ("kontraknya", "aman sekarang", "Diterima"))
    assert [s.kind for s in wa.fake.messages(USER)].count("template") == 1

    await wa.press("updates:on")
    await wa.fake.async_wait_for(USER, before + 6)
    shown = await quiet(wa)
    news = shown[before + 2 :]
    assert len(news) == 4, news  # the three kept, in order, and the confirmation
    assert "kontraknya" in news[0] and "aman sekarang" in news[1] and "Diterima" in news[2]
    assert "aktif lagi" in news[3] and "3 pesan" in news[3] and "BERHENTI" in news[3]


async def test_messages_kept_while_updates_are_off_go_with_their_purged_case(
    both: Both,
) -> None:
    wa, tg, services = both.wa, both.tg, both.services
    code, card = await file_report(both)
    before = len(wa.fake.messages(USER))
    await wa.say("berhenti")
    await wa.fake.async_wait_for(USER, before + 1)
    await relay(tg, code, "Kami perlu nomor paspor Anda.")
    await edits(tg, 1)
    [preview] = tg.calls_to("editMessageText")  # the official learns it waits, not that it went
    assert "Disimpan untuk pelapor" in preview.params["text"]
    assert "mematikan pembaruan" in preview.params["text"]
    tg.press_button(OFFICIAL, int(card["message_id"]), f"kasus:{code}:diterima", chat_id=OFFICIALS)
    await edits(tg, 2)
    kept = "SELECT COUNT(*) FROM wa_outgoing WHERE status = 'paused'"
    for _ in range(200):  # the outbox hands them to WhatsApp's queue, which keeps them
        if (await services.database.fetchall(kept))[0][0] == 2:
            break
        await asyncio.sleep(0.025)
    assert (await services.database.fetchall(kept))[0][0] == 2

    # The case is closed and, past the retention period, purged: what was kept goes too.
    await services.database.write(
        "UPDATE reports SET status = 'selesai', closed_at = '2020-01-01T00:00:00+00:00'"
    )
    assert services.reports is not None
    await housekeeping.tidy(services.reports, services.engine.sessions, 365, lambda: None)
    assert await services.reports.by_code(code) is None
    assert (await services.database.fetchall(kept))[0][0] == 0
    before = len(wa.fake.messages(USER))
    await wa.press("updates:on")
    await wa.fake.async_wait_for(USER, before + 1)
    shown = await quiet(wa)
    assert len(shown) == before + 1 and "paspor" not in shown[-1]  # the confirmation only


async def test_rotate_key_takes_the_evidence_waiting_on_disk_along(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """Evidence not yet delivered is a file encrypted with the report key. rotate-key says
    the old key is no longer needed only once the files, too, open with the new one. A
    download still being written (`.<name>.part`, half a token) is not evidence yet: it is
    neither re-encrypted nor taken for a file no key opens."""
    old, new, hashed = generate_key(), generate_key(), generate_hash_key()
    keys = {"REPORTS_ENCRYPTION_KEY": old, "REPORTS_HASH_KEY": hashed}
    async with whatsapp_alone(tmp_path, kb, matcher, **keys) as (wa, _):  # no officials yet
        for kind, what, expected in [*report_steps(photos=2), SUBMIT]:
            await step(wa, kind, what, expected)
    folder = tmp_path / "whatsapp-media"
    evidence = sorted(folder.iterdir())
    assert len(evidence) == 2
    arrived = [path.stat().st_mtime_ns for path in evidence]
    writing = folder / f".{'cd' * 16}.part"
    half = Fernet(old.encode()).encrypt(b"a download")[:40]
    writing.write_bytes(half)

    env = environ(tmp_path, REPORTS_ENCRYPTION_KEY=f"{new},{old}", REPORTS_HASH_KEY=hashed)
    env["DATABASE_PATH"] = str(tmp_path / "bot.sqlite3")
    rotated = await asyncio.to_thread(run_main, "rotate-key", env=env)
    assert rotated.returncode == 0, rotated.stderr
    assert "2 evidence files" in rotated.stdout and "remove them" in rotated.stdout, rotated.stdout[
        -300:
    ]
    assert writing.read_bytes() == half  # left to the download writing it
    # Each keeps the time it arrived: the hourly sweep counts from then, not from the rotation.
    assert [path.stat().st_mtime_ns for path in evidence] == arrived
    assert sorted(folder.iterdir()) == sorted([*evidence, writing])  # no .rotating left

    keys["REPORTS_ENCRYPTION_KEY"] = new  # the old key removed, as rotate-key said
    async with both_channels(tmp_path, kb, matcher, **keys) as both:
        [album] = await both.tg.async_wait_for_call("sendMediaGroup", timeout=10)
        uploaded = [f.content for f in album.files.values()]
        assert len(uploaded) == 2 and all(content.startswith(PHOTO) for content in uploaded)


async def test_an_unreadable_evidence_file_fails_alone_and_the_group_waits_for_nothing(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """Evidence that opens with no configured key (written under a key since removed) is
    lost for good: its row is given up at once and said so, an album goes with the files
    that open, and nothing else in the group's queue waits for it."""
    keys = {"REPORTS_ENCRYPTION_KEY": generate_key(), "REPORTS_HASH_KEY": generate_hash_key()}
    folder = tmp_path / "whatsapp-media"
    unreadable = Fernet(Fernet.generate_key()).encrypt(b"under a key nobody has any more")
    async with whatsapp_alone(tmp_path, kb, matcher, **keys) as (wa, _):  # no officials yet
        codes = []
        for user, photos, lost in (("6281300000001", 1, 1), ("6281300000002", 2, 1), (USER, 2, 0)):
            before = set(folder.iterdir()) if folder.exists() else set()
            for kind, what, expected in [*report_steps(photos=photos), SUBMIT]:
                await step(wa, kind, what, expected, user)
            found = CODE.search(wa.fake.messages(user)[-1].text)
            assert found
            codes.append(found.group())
            for path in sorted(set(folder.iterdir()) - before)[:lost]:
                path.write_bytes(unreadable)
    async with both_channels(tmp_path, kb, matcher, **keys) as both:
        tg, outbox = both.tg, both.services.outbox
        assert outbox is not None
        [album] = await tg.async_wait_for_call("sendMediaGroup", timeout=5)  # the third's
        assert codes[2] in album.params["media"][0]["caption"]
        [photo] = tg.calls_to("sendPhoto")  # the second's album, one photo short, says so
        assert codes[1] in photo.params["caption"]
        assert "1 berkas tidak dapat dibuka" in photo.params["caption"]
        [told] = await tg.async_wait_for_message(OFFICIALS, contains="tidak terkirim")
        assert codes[0] in told["text"]  # the first's only file: given up, and said so
        failed = [e for e in await outbox.entries() if e.status == "failed"]
        assert [(e.role, e.report_code, e.attempts) for e in failed] == [("evidence", codes[0], 1)]
        assert sum(1 for path in folder.iterdir() if path.read_bytes() == unreadable) == 2
