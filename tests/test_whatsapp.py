"""The WhatsApp channel end to end: signed webhook posts in over real HTTP, the bot's real
pywa client out to a local fake Cloud API (tests/fake_whatsapp.py), a real SQLite file."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import runtime
from bot.channels.whatsapp.app import serve
from bot.channels.whatsapp.delivery import RateLimiter
from bot.channels.whatsapp.render import Message
from bot.channels.whatsapp.store import WhatsAppStore
from bot.channels.whatsapp.updates import InboxEntry
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.crypto import generate_hash_key, generate_key
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.runtime import Services
from bot.storage import Database
from tests.conftest import run_main, sqlite_file
from tests.fake_whatsapp import (
    FAKE_APP_SECRET,
    FAKE_TOKEN,
    FAKE_VERIFY_TOKEN,
    FakeWhatsApp,
    Sent,
    async_post_signed,
    base64_forms,
    button_press,
    get,
    list_press,
    new_wamid,
    post,
    signature,
    text_message,
    update,
)
from tests.report_script import CODE, SUBMIT, report_steps

USER = "6281298765432"  # a citizen's WhatsApp id (phone number)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Bot:
    fake: FakeWhatsApp
    url: str
    settings: Settings
    environ: dict[str, str]

    async def say(self, text: str, user: str = USER, **extra: str) -> int:
        return await async_post_signed(self.url, update(user, text_message(text), **extra))

    async def press(self, option_id: str, user: str = USER, as_list: bool = False) -> int:
        message = list_press(option_id) if as_list else button_press(option_id)
        return await async_post_signed(self.url, update(user, message))


async def wait_listening(port: int) -> None:
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.02)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError("the webhook server did not start")


@pytest.fixture
async def bot(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Bot]:
    runtime.configure_logging("DEBUG")  # as in production: chatty libraries held back
    caplog.set_level(logging.DEBUG)
    async with whatsapp_alone(tmp_path, kb, matcher) as (bot, _):
        yield bot


@asynccontextmanager
async def whatsapp_alone(
    tmp_path: Path,
    kb: KnowledgeBase,
    matcher: Matcher,
    clock: Clock = utc_now,
    **extra: str,
) -> AsyncIterator[tuple[Bot, Services]]:
    """The WhatsApp channel alone on a fake Cloud API (no officials' channel: the core
    outbox stays queued), until the block ends, on `clock`; `extra`: settings (the keys,
    say)."""
    with FakeWhatsApp() as fake:
        port = free_port()
        environ = {
            **fake.bot_environ(port),
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "REPORTS_ENCRYPTION_KEY": generate_key(),
            "REPORTS_HASH_KEY": generate_hash_key(),
            **extra,
        }
        settings = Settings.from_environ(environ)
        assert settings.whatsapp is not None
        stop = asyncio.Event()
        async with runtime.open_services(settings, kb, matcher, clock=clock) as services:
            task = asyncio.create_task(serve(settings.whatsapp, services, stop, backoff=0.05))
            await wait_listening(port)
            try:
                yield Bot(fake, f"http://127.0.0.1:{port}/whatsapp", settings, environ), services
            finally:
                stop.set()
                await task
        assert not fake.violations, fake.violations


async def test_verification_answers_the_challenge_only_with_the_right_token(bot: Bot) -> None:
    query = "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token="
    assert await asyncio.to_thread(get, bot.url + query + FAKE_VERIFY_TOKEN) == (
        200,
        b"1158201444",
    )
    status, body = await asyncio.to_thread(get, bot.url + query + "guess")
    assert status == 403 and b"1158201444" not in body


async def test_unsigned_and_forged_posts_are_refused_and_nothing_is_answered(bot: Bot) -> None:
    body = json.dumps(update(USER, text_message("halo"))).encode()
    assert (await asyncio.to_thread(post, bot.url, body))[0] == 401
    forged = {"X-Hub-Signature-256": signature(body, "not-the-app-secret")}
    assert (await asyncio.to_thread(post, bot.url, body, forged))[0] == 403
    # Signed for another body: a replayed signature does not cover a changed message.
    other = {"X-Hub-Signature-256": signature(b"{}", FAKE_APP_SECRET)}
    assert (await asyncio.to_thread(post, bot.url, body, other))[0] == 403
    await asyncio.sleep(0.3)
    assert bot.fake.sent == []


async def test_a_flood_of_unsigned_posts_writes_one_log_line_not_one_each(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(update(USER, text_message("halo"))).encode()
    forged = {"X-Hub-Signature-256": signature(body, "not-the-app-secret")}
    for number in range(60):
        status, _ = await asyncio.to_thread(post, bot.url, body, forged if number % 2 else None)
        assert status in (401, 403)
    refusals = [r for r in caplog.records if "bad signature" in r.getMessage()]
    assert len(refusals) == 1 and "refused 1 " in refusals[0].getMessage()
    await bot.say("halo")  # Meta's own posts are still served
    await bot.fake.async_wait_for(USER)


async def test_a_replayed_capture_older_than_the_remembered_wamids_is_not_answered(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """A signed post captured two weeks ago, posted again once its wamid is forgotten."""
    async with whatsapp_alone(tmp_path, kb, matcher) as (bot, services):
        sent = int(time.time()) - 15 * 86400
        old = update(USER, text_message("apa itu TPPO?"), timestamp=sent)
        assert await async_post_signed(bot.url, old) == 200  # Meta must not retry it
        await asyncio.sleep(0.5)
        assert bot.fake.sent == []
        assert await services.database.fetchall("SELECT * FROM wa_inbox") == []
        await bot.say("halo")  # a message of today is answered as ever
        await bot.fake.async_wait_for(USER)


async def test_no_wamid_or_exact_time_can_tie_a_number_to_a_case_or_question(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """Meta's wamid is base64 of data holding the sender's number; the inbox keeps only
    a keyed hash of it, and its times and the unanswered question's are rounded."""
    async with whatsapp_alone(tmp_path, kb, matcher) as (bot, services):
        wamid = new_wamid(USER)
        assert base64_forms(USER.encode())[0] in wamid.encode()  # as Meta's do
        question = update(USER, text_message("apakah pak budi santoso bisa dipercaya"), wamid=wamid)
        assert await async_post_signed(bot.url, question) == 200
        [*_, answer] = await bot.fake.async_wait_for(USER)
        assert await async_post_signed(bot.url, question) == 200  # Meta's re-delivery
        await asyncio.sleep(0.3)
        assert bot.fake.messages(USER)[-1] is answer  # ... still recognised: answered once
        rows = await services.database.fetchall(
            "SELECT wamid, received_at, handled_at FROM wa_inbox"
        )
        [(kept, received, handled)] = rows
        assert kept != wamid and all(f not in kept.encode() for f in base64_forms(USER.encode()))
        assert received.endswith(":00:00+00:00") and handled.endswith(":00:00+00:00")
        asked = await services.database.fetchall("SELECT question, asked_at FROM unanswered")
        assert asked and all(at.endswith("T00:00:00+00:00") for _, at in asked)


async def test_a_question_is_answered_with_buttons_within_whatsapps_limits(bot: Bot) -> None:
    assert await bot.say("apa itu TPPO?") == 200
    [answer, *_] = await bot.fake.async_wait_for(USER)
    assert "TPPO" in answer.text or "perdagangan orang" in answer.text.casefold()
    assert answer.kind == "interactive" and answer.options  # limits: checked by the fake
    assert "<b>" not in answer.text and answer.text.startswith("*")  # WhatsApp bold title


async def test_the_menu_is_a_list_and_a_long_group_is_numbered_text(
    bot: Bot, kb: KnowledgeBase
) -> None:
    await bot.say("menu")
    [menu] = await bot.fake.async_wait_for(USER)
    assert menu.body["interactive"]["type"] == "list"
    group = max(kb.groups, key=lambda g: len(g.entry_ids))
    assert len(group.entry_ids) + 1 > 10  # more than a list holds
    await bot.press(f"group:{group.id}", as_list=True)
    [_, listing] = await bot.fake.async_wait_for(USER, 2)
    assert listing.kind == "text" and "\n2. " in listing.text
    second = kb.entries[group.entry_ids[1]]
    await bot.say("2")
    [*_, answer] = await bot.fake.async_wait_for(USER, 3)
    assert answer.text.startswith(f"*{second.title['id']}*")


async def test_a_reply_button_press_switches_the_language(bot: Bot) -> None:
    await bot.say("bahasa")
    [chooser] = await bot.fake.async_wait_for(USER)
    assert chooser.body["interactive"]["type"] == "button"
    assert ("English", "lang:en") in chooser.options
    await bot.press("lang:en")
    [_, confirmed] = await bot.fake.async_wait_for(USER, 2)
    await bot.say("apa itu TPPO")  # Indonesian words, but English was chosen
    [*_, answer] = await bot.fake.async_wait_for(USER, 3)
    assert "English" in confirmed.text
    assert "trafficking" in answer.text.casefold()


async def test_an_english_question_is_answered_in_english(bot: Bot) -> None:
    await bot.say("What is human trafficking and how do I recognise it?")
    [answer, *_] = await bot.fake.async_wait_for(USER)
    assert "trafficking" in answer.text.casefold()
    assert "perdagangan orang (tppo)" not in answer.text.casefold()


async def test_a_redelivered_message_is_answered_once_even_reserialised(bot: Bot) -> None:
    wamid = new_wamid()
    payload = update(USER, text_message("apa itu TPPO?"), wamid=wamid)
    assert await async_post_signed(bot.url, payload) == 200
    # Meta's retry: same wamid, different bytes (key order, spacing).
    again = json.dumps(payload, indent=2, sort_keys=True).encode()
    assert await async_post_signed(bot.url, again) == 200
    first = await bot.fake.async_wait_for(USER)
    await asyncio.sleep(0.5)
    assert len(bot.fake.messages(USER)) == len(first)


async def test_two_throughput_refusals_and_the_reply_still_arrives_once(bot: Bot) -> None:
    bot.fake.fail_next(2, code=130429)
    await bot.say("halo")
    [reply] = await bot.fake.async_wait_for(USER)
    await asyncio.sleep(0.3)
    assert len(bot.fake.refused) == 2 and bot.fake.messages(USER) == [reply]


async def test_a_final_refusal_is_logged_and_listed_with_metas_reason_and_no_number(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.fake.fail_next(1, code=131026, status=400)  # message undeliverable
    await bot.say("halo")
    await bot.say("apa itu TPPO?")  # later messages still go out
    await bot.fake.async_wait_for(USER)
    assert "131026" in caplog.text
    environ = {**os.environ, **bot.environ}
    listed = await asyncio.to_thread(run_main, "outbox", env=environ)
    assert "whatsapp" in listed.stdout and "failed" in listed.stdout
    assert "131026" in listed.stdout and USER not in listed.stdout


async def test_old_handled_wamids_and_sent_rows_are_forgotten(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "purge.sqlite3")
    try:
        store = WhatsAppStore(database)
        old, recent = InboxEntry("wamid.old", USER, {}), InboxEntry("wamid.new", USER, {})
        for entry in (old, recent):
            assert await store.accept(entry)
            await store.handled(entry.wamid, USER, [Message("text", "halo")])
        for row in await store.due():
            await store.sent(row)
        await database.write(
            "UPDATE wa_inbox SET handled_at = '2020-01-01' WHERE wamid = ?", (store.key(old.wamid),)
        )
        await database.write("UPDATE wa_outgoing SET sent_at = '2020-01-01' WHERE id = 1")
        await store.purge()
        assert await store.accept(old)  # forgotten: would count as new
        assert not await store.accept(recent)  # still remembered: a re-delivery
        rows = await database.fetchall("SELECT id FROM wa_outgoing")
        assert [r[0] for r in rows] == [2]
    finally:
        await database.close()


async def test_malformed_json_gets_400_and_the_bot_goes_on(bot: Bot) -> None:
    for junk in (b"{not json", b"\xff\xfe\x00", b"[]", b'{"object": 5}', b"null"):
        status = await async_post_signed(bot.url, junk)
        assert status in (400, 200)
    assert await async_post_signed(bot.url, b"{not json") == 400
    await asyncio.sleep(0.2)
    assert bot.fake.sent == []
    await bot.say("halo")
    await bot.fake.async_wait_for(USER)


async def test_an_update_for_another_number_is_ignored(bot: Bot) -> None:
    assert await bot.say("halo", phone_id="999999999") == 200
    await asyncio.sleep(0.3)
    assert bot.fake.sent == []


async def test_the_business_scoped_id_is_who_gets_the_answer(bot: Bot) -> None:
    bsuid = "ID.1234567890123456"
    await bot.say("halo", user_id=bsuid)
    [reply] = await bot.fake.async_wait_for(bsuid)
    assert reply.body.get("recipient") == bsuid and "to" not in reply.body


async def test_typed_formatting_is_not_echoed_as_formatting(bot: Bot) -> None:
    await bot.say("/*tebal*_miring_")  # an unknown command is echoed back
    [reply] = await bot.fake.async_wait_for(USER)
    assert "*tebal*" not in reply.text and "_miring_" not in reply.text


async def test_no_token_secret_or_phone_number_in_the_logs(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    query = f"?hub.mode=subscribe&hub.challenge=1&hub.verify_token={FAKE_VERIFY_TOKEN}"
    await asyncio.to_thread(get, bot.url + query)
    bot.fake.fail_next(1, code=131026)
    await bot.say("halo nomor saya 6281298765432")
    await async_post_signed(bot.url, b"{oops")
    await bot.say("apa itu TPPO?")
    await bot.fake.async_wait_for(USER)
    for secret in (FAKE_TOKEN, FAKE_APP_SECRET, FAKE_VERIFY_TOKEN, USER, USER[2:]):
        assert secret not in caplog.text


async def press_label(bot: Bot, label: str, user: str = USER) -> None:
    """Press the option whose label contains `label` in the latest message offering it."""
    for sent in reversed(bot.fake.messages(user)):
        for title, option_id in sent.options:
            row = next(
                (r for r in _rows(sent) if r.get("id") == option_id),
                {},
            )
            shown = f"{title} {row.get('description', '')}".casefold()
            if label.casefold() in shown:
                await bot.press(option_id, user, as_list=sent.body["interactive"]["type"] == "list")
                return
        numbered = [line for line in sent.text.splitlines() if line[:1].isdigit() and ". " in line]
        for line in numbered:
            if label.casefold() in line.casefold():
                await bot.say(line.split(".", 1)[0], user)
                return
    raise AssertionError(f"no option {label!r} offered")


def _rows(sent: Sent) -> list[dict[str, str]]:
    action = sent.body.get("interactive", {}).get("action", {})
    return [r for s in action.get("sections", []) for r in s.get("rows", [])]


async def test_a_report_filed_from_whatsapp_gets_a_case_code_and_a_status(bot: Bot) -> None:
    steps = report_steps(photos=0)
    steps[0] = ("say", "lapor", steps[0][2])  # a typed word: WhatsApp has no slash commands
    for kind, what, expected in [*steps, SUBMIT]:
        before = len(bot.fake.messages(USER))
        if kind == "say":
            await bot.say(what)
        else:
            await press_label(bot, what)
        sent = await bot.fake.async_wait_for(USER, before + 1)
        deadline = asyncio.get_running_loop().time() + 5
        while not any(expected in s.text for s in sent[before:]):
            assert asyncio.get_running_loop().time() < deadline, (expected, sent[before:])
            await asyncio.sleep(0.05)
            sent = bot.fake.messages(USER)
    code = CODE.search(" ".join(s.text for s in bot.fake.messages(USER)))
    assert code is not None
    before = len(bot.fake.messages(USER))
    await bot.say(f"status {code.group()}")
    [status] = (await bot.fake.async_wait_for(USER, before + 1))[before:]
    assert code.group() in status.text


async def test_sends_are_paced_under_the_per_number_rate_and_benchmarks_can_lift_it() -> None:
    paced, lifted = RateLimiter(rate=200.0), RateLimiter(rate=None)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(paced.wait() for _ in range(41)))
    assert loop.time() - started >= 0.19  # 40 intervals of 5 ms: never a burst
    started = loop.time()
    await asyncio.gather(*(lifted.wait() for _ in range(1000)))
    assert loop.time() - started < 0.19


async def test_an_oversized_post_is_refused_and_the_bot_goes_on(bot: Bot) -> None:
    huge = update(USER, text_message("x" * (2 * 1024 * 1024)))
    assert await async_post_signed(bot.url, huge) == 413
    await bot.say("halo")
    [reply] = await bot.fake.async_wait_for(USER)
    assert "x" * 100 not in reply.text


async def test_an_unusable_user_id_falls_back_to_the_whatsapp_id(bot: Bot) -> None:
    await bot.say("halo", user_id="not a usable id")
    [reply] = await bot.fake.async_wait_for(USER)
    assert reply.body.get("to") == USER and reply.body.get("recipient_type") == "individual"


async def test_waiting_messages_keep_no_number_or_text_in_the_clear(bot: Bot) -> None:
    bot.fake.fail_always(code=131000, status=500)  # answers wait in the queue
    secret_text = "perekrut bernama Sutan di Lubuk Alung"
    await bot.say(secret_text)
    database = bot.settings.database_path
    for _ in range(100):
        with sqlite_file(database) as db:
            if db.execute("SELECT COUNT(*) FROM wa_outgoing").fetchone()[0]:
                break
        await asyncio.sleep(0.05)
    with sqlite_file(database) as db:
        rows = [
            *db.execute("SELECT * FROM wa_inbox").fetchall(),
            *db.execute("SELECT * FROM wa_outgoing").fetchall(),
        ]
    assert rows
    dump = repr(rows)
    for clear in (USER, USER[2:], "Sutan", "Lubuk"):
        assert clear not in dump
    bot.fake.recover()
    await bot.fake.async_wait_for(USER)  # and still delivered once Meta recovers


async def test_typed_cek_then_an_offer_gets_the_offer_check(bot: Bot) -> None:
    await bot.say("cek")
    [prompt] = await bot.fake.async_wait_for(USER)
    assert "tawaran" in prompt.text.casefold()
    await bot.say(
        "Lowongan admin di Kamboja gaji 15 juta, visa turis, berangkat cepat, tanpa biaya"
    )
    [_, verdict, *_] = await bot.fake.async_wait_for(USER, 2)
    assert "TINGGI" in verdict.text  # a high-risk offer
    assert ("3. 📣 Lapor", "cmd:lapor") in verdict.options  # numbered: "3" picks it too
