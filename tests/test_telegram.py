"""The real python-telegram-bot Application against the local fake Bot API, over HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.channels.flood import FLOOD_LIMIT, FloodGuard
from bot.channels.telegram.app import serve
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.render import to_html, utf16_len
from bot.config import PROJECT_ROOT, Settings
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import Reply
from bot.runtime import Services, open_services
from tests.conftest import run_main
from tests.fake_telegram import FakeTelegram, visible_text

OFFICIALS = -100777


@dataclass
class Running:
    tg: FakeTelegram
    services: Services
    channel: TelegramChannel


def settings_for(tg: FakeTelegram, tmp_path: Path) -> Settings:
    return Settings.from_environ(
        {
            **tg.bot_environ(),
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "OFFICIALS_CHAT_ID": str(OFFICIALS),
        }
    )


@pytest.fixture
async def bot(tmp_path: Path, kb: KnowledgeBase, matcher: Matcher) -> AsyncIterator[Running]:
    with FakeTelegram() as tg:
        settings = settings_for(tg, tmp_path)
        async with open_services(settings, kb, matcher) as services:
            channel = TelegramChannel(services.engine, officials_chat_id=OFFICIALS)
            stop = asyncio.Event()
            task = asyncio.create_task(serve(settings, channel, stop, poll_timeout=1))
            await tg.async_wait_for_call("getUpdates")
            try:
                yield Running(tg, services, channel)
            finally:
                stop.set()
                await asyncio.wait_for(task, 10)


def buttons(message: dict[str, object]) -> list[dict[str, str]]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_commands_are_registered_in_indonesian_and_english(bot: Running) -> None:
    calls = bot.tg.calls_to("setMyCommands")
    languages = {call.params.get("language_code") for call in calls}
    assert languages == {None, "en"}
    english = next(c for c in calls if c.params.get("language_code") == "en")
    assert any(cmd["command"] == "report" for cmd in english.params["commands"])


async def test_start_shows_welcome_and_menu(bot: Running) -> None:
    bot.tg.send_text(501, "/start")
    [message] = await bot.tg.async_wait_for_message(501, contains="Migran Aman")
    labels = [b["text"] for b in buttons(message)]
    assert "Migrasi aman" in labels and "Kenali TPPO" in labels


async def test_start_with_payload_jumps_to_topic(bot: Running) -> None:
    bot.tg.send_text(502, "/start topik_visa")
    [message] = await bot.tg.async_wait_for_message(502, contains="visa")
    assert message["text"].startswith("<b>Visa")


async def test_question_answered_with_source_and_buttons(bot: Running) -> None:
    bot.tg.send_text(503, "gimana cara kerja ke malaysia yg resmi")
    [message] = await bot.tg.async_wait_for_message(503, contains="Sumber")
    labels = [b["text"] for b in buttons(message)]
    assert any("Menu utama" in label for label in labels)
    assert any("👍" in label for label in labels)
    call = bot.tg.calls_to("sendMessage")[-1]
    assert call.params["parse_mode"] == "HTML" and "<b>" in call.params["text"]


async def test_menu_is_navigated_by_editing_in_place(bot: Running) -> None:
    bot.tg.send_text(504, "/menu")
    [menu] = await bot.tg.async_wait_for_message(504, contains="Pilih topik")
    bot.tg.press_button_with_text(504, "Kenali TPPO")
    await bot.tg.async_wait_for_call("editMessageText")
    edited = bot.tg.last_message(504)
    assert edited is not None and edited["message_id"] == menu["message_id"]
    assert "Apa itu TPPO" in [b["text"] for b in buttons(edited)]
    bot.tg.press_button_with_text(504, "Apa itu TPPO")
    await bot.tg.async_wait_for_message(504, contains="perdagangan orang", count=1)


async def test_feedback_is_stored_without_user(bot: Running) -> None:
    bot.tg.send_text(505, "paspor sy ditahan majikan")
    await bot.tg.async_wait_for_message(505, contains="Sumber")
    bot.tg.press_button_with_text(505, "👎 Tidak membantu")
    await bot.tg.async_wait_for_message(505, contains="Terima kasih")
    summary = await bot.services.usage.summary()
    assert summary.unhelpful == [("paspor-ditahan", 1, 0)]


async def test_unanswered_question_is_stored_normalised(bot: Running) -> None:
    bot.tg.send_text(506, "Resep RENDANG yg enak gmn?? wa sy 0812-3456-7890")
    await bot.tg.async_wait_for_message(506, contains="belum bisa menjawab")
    summary = await bot.services.usage.summary()
    assert summary.unanswered and "rendang" in summary.unanswered[0][0]
    assert "506" not in summary.unanswered[0][0]
    assert "3456" not in summary.unanswered[0][0] and "[nomor]" in summary.unanswered[0][0]


async def test_language_switch_is_remembered(bot: Running) -> None:
    bot.tg.send_text(507, "/bahasa")
    await bot.tg.async_wait_for_message(507, contains="Choose a language")
    bot.tg.press_button_with_text(507, "English")
    await bot.tg.async_wait_for_message(507, contains="answer in English")
    bot.tg.send_text(507, "syarat jadi tki apa saja")
    await bot.tg.async_wait_for_message(507, contains="Sources")


async def test_unknown_group_is_left_without_a_word(bot: Running) -> None:
    bot.tg.add_bot_to_group(-100555, by_user_id=508, title="Grup jual beli")
    await bot.tg.async_wait_for_call("leaveChat")
    assert bot.tg.calls_to("leaveChat")[0].params["chat_id"] == -100555
    assert not [c for c in bot.tg.calls_to("sendMessage") if c.params["chat_id"] == -100555]


async def test_html_injection_is_shown_as_plain_text(bot: Running) -> None:
    bot.tg.send_text(509, "/<b>lapor</b>")
    await bot.tg.async_wait_for_message(509, contains="tidak saya kenal")
    sent = bot.tg.calls_to("sendMessage")[-1].params["text"]
    assert "&lt;b&gt;" in sent and "<b>lapor" not in sent


async def test_very_long_message_is_answered(bot: Running) -> None:
    bot.tg.send_text(510, "paspor ditahan " + "x" * 10_000)
    await bot.tg.async_wait_for_message(510, contains="")
    assert not bot.tg.internal_errors


async def test_sticker_gets_text_only_hint(bot: Running) -> None:
    bot.tg.send_sticker(511)
    await bot.tg.async_wait_for_message(511, contains="hanya bisa membaca teks")


async def test_flood_from_one_user_does_not_starve_another(bot: Running) -> None:
    for number in range(FLOOD_LIMIT + 10):
        bot.tg.send_text(512, f"halo {number}")
    bot.tg.send_text(513, "paspor sy ditahan agen")
    await bot.tg.async_wait_for_message(513, contains="Sumber")
    await bot.tg.async_wait_for_message(512, contains="Pelan-pelan")
    await asyncio.sleep(0.3)
    flooder = [c for c in bot.tg.calls_to("sendMessage") if c.params["chat_id"] == 512]
    assert len(flooder) == FLOOD_LIMIT + 1  # the allowed answers, one warning, the rest dropped


def test_flood_guard_warns_once_then_drops_then_recovers() -> None:
    guard = FloodGuard(limit=3, window=60)
    verdicts = [guard.check(1, now=float(i)) for i in range(6)]
    assert verdicts == ["ok", "ok", "ok", "warn", "drop", "drop"]
    assert guard.check(1, now=200.0) == "ok"


def test_long_reply_is_split_at_paragraphs_within_telegram_limit() -> None:
    paragraph = "Kalimat 🙏 dengan emoji & tanda <kurung>. " * 40
    reply = Reply(text="\n\n".join([paragraph] * 10), title="Judul", note="Sumber: uji")
    pieces = to_html(reply)
    assert len(pieces) > 1
    # Telegram counts the text after parsing: "&lt;" is one character, tags none.
    assert all(utf16_len(visible_text(piece, "HTML")) <= 4096 for piece in pieces)
    assert pieces[0].startswith("<b>Judul</b>") and pieces[-1].endswith("<i>Sumber: uji</i>")
    assert "&lt;kurung&gt;" in pieces[0]


def _environ(tg: FakeTelegram, tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    environ.update(
        tg.bot_environ(), DATABASE_PATH=str(tmp_path / "bot.sqlite3"), NO_PROXY="127.0.0.1"
    )
    return environ


def test_main_runs_the_telegram_channel_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    with FakeTelegram() as tg:
        process = subprocess.Popen(
            [sys.executable, "main.py"],
            cwd=PROJECT_ROOT,
            env=_environ(tg, tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            tg.wait_for_call("deleteWebhook", timeout=30)  # polling starts right after
            tg.send_text(601, "nomor call center bp2mi brp")
            tg.wait_for_message(601, contains="0800-1000", timeout=15)
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 0, stderr
    assert "OFFICIALS_CHAT_ID is not set" in stderr
    assert tg.token not in stderr  # the token never reaches the logs
    assert "nomor call center" not in stderr  # nor what people write


def test_unanswered_command_lists_what_people_asked(tmp_path: Path) -> None:
    with FakeTelegram() as tg:
        environ = _environ(tg, tmp_path)
        process = subprocess.Popen(
            [sys.executable, "main.py"], cwd=PROJECT_ROOT, env=environ, stderr=subprocess.PIPE
        )
        try:
            tg.wait_for_call("deleteWebhook", timeout=30)  # polling starts right after
            tg.send_text(602, "resep rendang yang enak")
            tg.wait_for_message(602, contains="belum bisa", timeout=15)
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=30)
    result = run_main("unanswered", env=environ)
    assert result.returncode == 0, result.stderr
    assert "resep rendang yang enak" in result.stdout


async def test_edited_message_is_answered_as_the_corrected_question(bot: Running) -> None:
    sent = bot.tg.send_text(514, "resep rendang")
    await bot.tg.async_wait_for_message(514, contains="belum bisa menjawab")
    bot.tg.edit_text(514, sent["message"]["message_id"], "paspor sy ditahan agen")
    await bot.tg.async_wait_for_message(514, contains="Sumber")


async def test_location_outside_a_report_gets_the_text_only_hint(bot: Running) -> None:
    bot.tg.send_location(515)
    await bot.tg.async_wait_for_message(515, contains="hanya bisa membaca teks")


async def test_webhook_mode_accepts_updates_only_with_the_secret(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    import json
    import socket
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FakeTelegram() as tg:
        environ = {
            **tg.bot_environ(),
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.invalid/telegram",
            "TELEGRAM_WEBHOOK_SECRET": "s3cret-token",
            "TELEGRAM_WEBHOOK_PORT": str(port),
        }
        settings = Settings.from_environ(environ)
        async with open_services(settings, kb, matcher) as services:
            channel = TelegramChannel(services.engine)
            stop = asyncio.Event()
            task = asyncio.create_task(serve(settings, channel, stop))
            [registered] = await tg.async_wait_for_call("setWebhook")
            assert registered.params["secret_token"] == "s3cret-token"
            update = tg.send_text(701, "paspor sy ditahan agen")  # queued; we post it ourselves

            def post(secret: str) -> int:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/",
                    data=json.dumps(update).encode(),
                    headers={
                        "Content-Type": "application/json",
                        "X-Telegram-Bot-Api-Secret-Token": secret,
                    },
                )
                try:
                    with urllib.request.urlopen(request, timeout=5) as response:
                        return int(response.status)
                except urllib.error.HTTPError as error:
                    return error.code

            try:
                assert await asyncio.to_thread(post, "wrong") == 403
                assert await asyncio.to_thread(post, "s3cret-token") == 200
                await tg.async_wait_for_message(701, contains="Sumber")
            finally:
                stop.set()
                await asyncio.wait_for(task, 10)
