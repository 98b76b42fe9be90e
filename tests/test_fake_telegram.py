"""Tests of the fake Bot API server, driven by python-telegram-bot's real Bot/Application."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    BaseRateLimiter,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

try:  # `python -m pytest` puts the project root on sys.path ...
    from tests.fake_telegram import BOT_ID, BOT_USERNAME, Call, FakeTelegram
except ImportError:  # ... a bare `pytest` only puts tests/ there
    from fake_telegram import BOT_ID, BOT_USERNAME, Call, FakeTelegram  # type: ignore[no-redef,import-not-found]

USER = 1001
OTHER_USER = 1002
GROUP = -100123


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server
        assert server.internal_errors == []


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as real_bot:
        yield real_bot


@contextlib.asynccontextmanager
async def running_app(
    tg: FakeTelegram,
    *handlers: BaseHandler[Any, Any, Any],
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """A real polling Application against the fake; handler errors fail the test."""
    builder = (
        ApplicationBuilder().token(tg.token).base_url(tg.base_url).base_file_url(tg.base_file_url)
    )
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app = builder.build()
    errors: list[BaseException] = []

    async def record_error(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
        errors.append(context.error or RuntimeError("unknown handler error"))

    for handler in handlers:
        app.add_handler(handler)
    app.add_error_handler(record_error)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
    assert errors == []


def raw_post(url: str, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
    """POST without python-telegram-bot, to see status codes and bodies as sent."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


# ---- plain Bot -----------------------------------------------------------------------------


async def test_get_me_identifies_the_test_bot(bot: Bot, tg: FakeTelegram) -> None:
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username, me.first_name) == (
        BOT_ID,
        True,
        BOT_USERNAME,
        "Migran Aman",
    )
    assert tg.calls_to("getMe")


async def test_send_message_is_recorded_with_decoded_params(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_chat(USER)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="ya")]])

    first = await bot.send_message(USER, "Halo", reply_markup=keyboard)
    second = await bot.send_message(USER, "123")

    assert (first.message_id, second.message_id) == (1, 2)
    assert first.chat.id == USER and first.from_user is not None and first.from_user.id == BOT_ID
    assert first.text == "Halo" and first.reply_markup == keyboard
    method, params = tg.calls_to("sendMessage")[0]
    assert method == "sendMessage"
    assert params["chat_id"] == USER and params["text"] == "Halo"
    assert params["reply_markup"] == {"inline_keyboard": [[{"text": "Ya", "callback_data": "ya"}]]}
    assert tg.calls_to("sendMessage")[1].params["text"] == "123"  # stays a string
    assert [m["text"] for m in tg.messages(USER)] == ["Halo", "123"]


async def test_unknown_chat_and_bad_html_are_rejected_like_telegram(
    bot: Bot, tg: FakeTelegram
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(4242, "Halo")

    tg.add_chat(USER)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "baris<br>baru", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")
    ok = await bot.send_message(USER, "<b>Aman</b> &lt;3", parse_mode="HTML")
    assert ok.text == "<b>Aman</b> &lt;3"


async def test_edit_message_text_changes_what_messages_shows(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_chat(USER)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Lanjut", callback_data="next")]])
    sent = await bot.send_message(USER, "Langkah 1", reply_markup=keyboard)

    edited = await bot.edit_message_text("Langkah 2", chat_id=USER, message_id=sent.message_id)

    assert isinstance(edited, type(sent)) and edited.text == "Langkah 2"
    [shown] = tg.messages(USER)
    assert shown["text"] == "Langkah 2"
    assert "reply_markup" not in shown  # editing without reply_markup drops the keyboard
    assert shown["edit_date"] >= shown["date"]
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("Langkah 2", chat_id=USER, message_id=sent.message_id)

    await bot.delete_message(USER, sent.message_id)
    assert tg.messages(USER) == [] and tg.last_message(USER) is None


async def test_send_document_upload_is_recorded_and_downloadable(
    bot: Bot, tg: FakeTelegram
) -> None:
    tg.add_chat(USER)
    content = bytes(range(256)) * 4 + b"\r\n--not-a-boundary\r\n"

    message = await bot.send_document(
        USER, document=content, filename="panduan.pdf", caption="Panduan"
    )

    call = tg.calls_to("sendDocument")[0]
    upload = call.files["document"]
    assert upload.content == content and upload.filename == "panduan.pdf"
    assert call.params == {"chat_id": USER, "caption": "Panduan"}
    assert message.document is not None and message.document.file_name == "panduan.pdf"
    assert message.caption == "Panduan"
    telegram_file = await bot.get_file(message.document.file_id)
    assert await telegram_file.download_as_bytearray() == bytearray(content)


async def test_user_photo_can_be_fetched_with_get_file(bot: Bot, tg: FakeTelegram) -> None:
    update = tg.send_photo(USER, caption="paspor", content=b"\xff\xd8 jpeg bytes")
    largest = update["message"]["photo"][-1]

    telegram_file = await bot.get_file(largest["file_id"])

    assert telegram_file.file_path is not None
    assert telegram_file.file_path.endswith(f"files/{largest['file_id']}")
    assert await telegram_file.download_as_bytearray() == bytearray(b"\xff\xd8 jpeg bytes")
    assert tg.downloads == [f"files/{largest['file_id']}"]


async def test_429_surfaces_as_retry_after(
    bot: Bot, tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as timedelta, no warning
    tg.add_chat(USER)
    tg.fail("sendMessage", status=429, retry_after=7)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "Halo")
    await bot.send_message(USER, "Halo lagi")

    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    failed, succeeded = tg.calls_to("sendMessage")
    assert failed.status == 429 and failed.response["parameters"] == {"retry_after": 7}
    assert succeeded.ok and succeeded.at >= failed.at
    assert [m["text"] for m in tg.messages(USER)] == ["Halo lagi"]


async def test_500_surfaces_as_network_error_only_for_the_chosen_chat(
    bot: Bot, tg: FakeTelegram
) -> None:
    tg.add_chat(USER)
    tg.add_chat(OTHER_USER)
    tg.fail("sendMessage", chat_id=USER, status=500, times=2)

    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(USER, "Halo")
    await bot.send_message(OTHER_USER, "tidak terpengaruh")
    await bot.send_message(USER, "akhirnya")

    assert [c.status for c in tg.calls_to("sendMessage")] == [500, 500, 200, 200]


async def test_endless_failures_last_until_cleared_and_delay_slows_answers(
    bot: Bot, tg: FakeTelegram
) -> None:
    tg.add_chat(USER)
    tg.fail("sendChatAction", status=403, times=None)
    for _ in range(3):
        with pytest.raises(Forbidden):
            await bot.send_chat_action(USER, "typing")
    tg.clear_failures()
    assert await bot.send_chat_action(USER, "typing")

    tg.delay("getMe", 0.3)
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.3
    tg.delay("getMe", 0)


async def test_a_watcher_sees_each_call_and_can_answer_it_at_once(
    bot: Bot, tg: FakeTelegram
) -> None:
    tg.add_chat(USER)
    seen: list[str] = []

    def user_answers(call: Call) -> None:  # a simulated user, as the load benchmark has
        seen.append(call.method)
        if call.method == "sendMessage":
            tg.send_text(USER, f"jawaban untuk {call.params['text']}")

    tg.watch(user_answers)
    await bot.send_message(USER, "Siapa nama Anda?")
    [update] = await bot.get_updates(timeout=1)

    assert seen == ["sendMessage", "getUpdates"]
    assert update.message is not None
    assert update.message.text == "jawaban untuk Siapa nama Anda?"


async def test_get_updates_long_polls_and_honours_offset(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_chat(USER)
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(seconds=0.3)) == ()
    assert time.monotonic() - started >= 0.3

    # A long poll must not hold up other requests, and must return as soon as an update comes.
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await bot.send_message(USER, "sementara itu")
    await asyncio.sleep(0.1)
    assert not poll.done()
    started = time.monotonic()
    first = tg.send_text(USER, "halo")
    [update] = await poll
    assert time.monotonic() - started < 1.0
    assert update.update_id == first["update_id"] and update.message is not None
    assert update.message.text == "halo"

    second = tg.send_text(USER, "lagi")
    assert second["update_id"] > first["update_id"]
    assert len(await bot.get_updates()) == 2  # not confirmed yet
    [only] = await bot.get_updates(offset=second["update_id"])
    assert only.update_id == second["update_id"]
    assert tg.pending_updates() == [second]
    assert await bot.get_updates(offset=second["update_id"] + 1) == ()


async def test_injected_updates_parse_as_ptb_updates(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_chat(USER)
    menu = await bot.send_message(
        USER,
        "Pilih",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Satu", callback_data="1")]]),
    )
    command = tg.send_text(USER, "/start kode", language_code="en")
    tg.send_photo(USER, caption="foto")
    tg.send_document(USER, file_name="kontrak.pdf")
    tg.send_voice(USER, duration=4)
    tg.send_sticker(USER)
    tg.send_location(USER, -6.9, 107.6)
    tg.send_contact(USER)
    tg.edit_text(USER, command["message"]["message_id"], "/start baru")
    tg.press_button_with_text(USER, "Satu")
    tg.add_bot_to_group(GROUP, by_user_id=USER, title="Komunitas", chat_type="supergroup")
    tg.send_text(USER, f"/lapor@{BOT_USERNAME}", chat_id=GROUP, chat_type="supergroup")

    updates = await bot.get_updates()

    ids = [u.update_id for u in updates]
    assert ids == sorted(ids) and len(ids) == 11
    start, photo, document, voice, sticker, location, contact = (u.message for u in updates[:7])
    assert start is not None and start.text == "/start kode"
    assert start.parse_entities() and start.from_user and start.from_user.language_code == "en"
    assert photo is not None and photo.photo[-1].width == 1280 and photo.caption == "foto"
    assert document is not None and document.document is not None
    assert document.document.file_name == "kontrak.pdf"
    assert voice is not None and voice.voice is not None
    assert sticker is not None and sticker.sticker is not None
    assert sticker.sticker.emoji == "👍"
    assert location is not None and location.location is not None
    assert location.location.latitude == -6.9
    assert contact is not None and contact.contact is not None
    assert contact.contact.user_id == USER
    edited, pressed, joined, group_command = updates[7:]
    assert edited.edited_message is not None and edited.edited_message.text == "/start baru"
    assert pressed.callback_query is not None and pressed.callback_query.data == "1"
    assert pressed.callback_query.message is not None
    assert pressed.callback_query.message.message_id == menu.message_id
    assert joined.my_chat_member is not None
    assert joined.my_chat_member.old_chat_member.status == "left"
    assert joined.my_chat_member.new_chat_member.status == "member"
    assert joined.my_chat_member.chat.title == "Komunitas"
    assert group_command.message is not None and group_command.message.chat.type == "supergroup"
    assert Update.de_json(tg.pending_updates()[0], bot) == updates[0]


async def test_group_membership_blocking_and_copies(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_bot_to_group(GROUP, by_user_id=USER)
    original = await bot.send_message(GROUP, "Info grup")
    tg.add_chat(USER)

    copied = await bot.copy_message(USER, from_chat_id=GROUP, message_id=original.message_id)
    album = await bot.send_media_group(
        USER, [InputMediaPhoto(b"foto-1"), InputMediaPhoto(b"foto-2")]
    )

    assert copied.message_id == 1
    assert [m.message_id for m in album] == [2, 3]
    assert album[0].media_group_id == album[1].media_group_id
    assert tg.messages(USER)[0]["text"] == "Info grup"
    member = await bot.get_chat_member(GROUP, BOT_ID)
    assert member.status == "member"
    assert (await bot.get_chat(GROUP)).type == "group"

    await bot.leave_chat(GROUP)
    with pytest.raises(Forbidden, match=r"(?i)not a member"):
        await bot.send_message(GROUP, "masih di sini?")
    tg.block_bot(USER)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(USER, "halo?")


async def test_commands_are_stored_per_scope_and_language(bot: Bot, tg: FakeTelegram) -> None:
    group_scope = BotCommandScopeAllGroupChats()
    await bot.set_my_commands([BotCommand("start", "Mulai")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands([BotCommand("lapor", "Lapor")], scope=group_scope)

    assert [c.description for c in await bot.get_my_commands()] == ["Mulai"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert [c.command for c in await bot.get_my_commands(scope=group_scope)] == ["lapor"]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Mulai", "huruf besar tidak boleh")])
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == ()


async def test_delay_beyond_client_timeout_is_a_timeout(bot: Bot, tg: FakeTelegram) -> None:
    tg.delay("getMe", 1.0)
    with pytest.raises(TimedOut):
        await bot.get_me(read_timeout=0.2)


# ---- real Application ------------------------------------------------------------------------


async def test_application_echo_handler_replies(tg: FakeTelegram) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text(f"Anda menulis: {update.effective_message.text}")

    async with running_app(tg, MessageHandler(filters.TEXT & ~filters.COMMAND, echo)):
        tg.send_text(USER, "Halo bot")
        [reply] = await tg.async_wait_for_message(USER, contains="Anda menulis")

    assert reply["text"] == "Anda menulis: Halo bot"
    assert reply["from"]["id"] == BOT_ID
    assert [c.params["text"] for c in tg.calls_to("sendMessage")] == ["Anda menulis: Halo bot"]
    assert tg.pending_updates() == []  # the updater confirmed what it processed


async def test_application_callback_button_reaches_handler(tg: FakeTelegram) -> None:
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        buttons = [[InlineKeyboardButton("Kerja di Malaysia", callback_data="negara:my")]]
        await update.effective_message.reply_text(
            "Pilih negara", reply_markup=InlineKeyboardMarkup(buttons)
        )

    async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer()
        await query.edit_message_text(f"Anda memilih {query.data}")

    async with running_app(
        tg, CommandHandler("menu", menu), CallbackQueryHandler(chosen, pattern="^negara:")
    ):
        tg.send_text(USER, "/menu")
        [shown] = await tg.async_wait_for_message(USER, contains="Pilih negara")
        tg.press_button(USER, shown["message_id"], "negara:my")
        await tg.async_wait_for_message(USER, contains="Anda memilih negara:my")
        await tg.async_wait_for_call("answerCallbackQuery")

    assert [m["text"] for m in tg.messages(USER)] == ["Anda memilih negara:my"]
    with pytest.raises(AssertionError, match="no button"):
        tg.press_button(USER, shown["message_id"], "negara:xx")


async def test_rate_limiter_waits_out_retry_after_before_resending(
    tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without it PTB 22 warns while *constructing* RetryAfter, which -W error turns into an
    # exception the rate limiter does not catch.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")

    async def greet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Selamat datang")

    tg.fail("sendMessage", chat_id=USER, status=429, retry_after=1)
    limiter = AIORateLimiter(max_retries=1)
    async with running_app(tg, CommandHandler("start", greet), rate_limiter=limiter):
        tg.send_text(USER, "/start")
        await tg.async_wait_for_message(USER, contains="Selamat datang", timeout=5)

    refused, accepted = tg.calls_to("sendMessage")
    assert (refused.status, accepted.status) == (429, 200)
    assert accepted.at - refused.at >= 1.0  # nothing was resent before retry_after passed


# ---- wire level and lifecycle -------------------------------------------------------------------


def test_raw_http_status_codes_and_body_formats(tg: FakeTelegram) -> None:
    tg.add_chat(USER)
    base = f"{tg.base_url}{tg.token}"

    assert raw_post(f"{tg.base_url}123:wrong/getMe", b"", "application/json")[0] == 401
    status, body = raw_post(f"{base}/sendPigeon", b"{}", "application/json")
    assert (status, body["description"]) == (404, "Not Found: method not found")
    status, body = raw_post(
        f"{base}/sendMessage",
        json.dumps({"chat_id": USER, "text": "lewat JSON"}).encode(),
        "application/json",
    )
    assert status == 200 and body["result"]["message_id"] == 1
    status, body = raw_post(
        f"{base}/sendMessage", b"chat_id=1001&text=true", "application/x-www-form-urlencoded"
    )
    assert status == 200 and body["result"]["text"] == "true"
    assert [c.method for c in tg.calls][-3:] == ["sendPigeon", "sendMessage", "sendMessage"]


def test_blocking_wait_reports_recorded_calls(tg: FakeTelegram) -> None:
    tg.add_chat(USER)
    raw_post(f"{tg.base_url}{tg.token}/getMe", b"", "application/json")
    assert tg.wait_for(lambda calls: any(c.method == "getMe" for c in calls), timeout=1)

    with pytest.raises(AssertionError, match=r"(?s)Timed out.*\[200\] getMe"):
        tg.wait_for_message(USER, contains="tidak ada", timeout=0.1)


async def test_blocking_wait_refuses_to_freeze_the_event_loop(tg: FakeTelegram) -> None:
    with pytest.raises(RuntimeError, match="async_wait"):
        tg.wait_for(lambda calls: True)


async def test_stop_wakes_long_polls_and_joins_every_thread() -> None:
    def server_threads() -> list[threading.Thread]:
        return [
            thread for thread in threading.enumerate() if thread.name.startswith("fake-telegram")
        ]

    tg = FakeTelegram().start()
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as real_bot:
        poll = asyncio.create_task(real_bot.get_updates(timeout=10))
        await tg.async_wait_for(lambda calls: bool(calls))  # getMe done; poll in flight
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await asyncio.to_thread(tg.stop)
        assert time.monotonic() - started < 2.0
        assert await poll == ()  # woken and answered with no updates
        assert server_threads() == []
