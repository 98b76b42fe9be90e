"""Promised response times (issue 12): reminders to the officials' group, late marks in
/kasus, the response-time columns of /ekspor, and the weekly digest. Through the real
Application, the fake Bot API and a real database; a moved clock stands in for the hours
and days that pass, and the check runs every 50 ms instead of every minute."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from cryptography.fernet import MultiFernet

from bot import deadlines
from bot.cards import STATUS_LABELS
from bot.closing import CLOSING, REASONS
from bot.config import WEEKDAYS, ConfigError, Settings
from bot.crypto import generate_key
from bot.digest import Schedule
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.response import RESPONSE_COLUMNS, ResponseTimes
from bot.runtime import Services
from tests.clocks import MovingClock as Clock
from tests.fake_telegram import FakeTelegram
from tests.report_script import OFFER
from tests.test_officials_queue import environ, file_report, group, official_says
from tests.test_telegram_reports import (
    CODE,
    OFFICIAL,
    OFFICIALS,
    Running,
    card_of,
    serving,
    shown,
)

CHECK_SECONDS = "0.05"
SETTLE = 0.3  # several checks' time: long enough for a wrong reminder to show up


@asynccontextmanager
async def timed_bot(
    tg: FakeTelegram,
    folder: Path,
    kb: KnowledgeBase,
    matcher: Matcher,
    clock: Clock,
    key: str,
    **extra: str,
) -> AsyncIterator[Running]:
    env = environ(tg, folder, key, RESPONSE_CHECK_SECONDS=CHECK_SECONDS, **extra)
    async with serving(tg, Settings.from_environ(env), kb, matcher, clock) as services:
        yield Running(tg, services)


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        fake.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        yield fake


def case_block(text: str, code: str) -> str | None:
    """One case's lines in a reminder (several cases due together share one message)."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.removeprefix("🚨 MENDESAK ").startswith(f"{code}:"):
            block = [line]
            for rest in lines[number + 1 :]:
                if not rest.startswith("  "):
                    break
                block.append(rest)
            return "\n".join(block)
    return None


def reminders(tg: FakeTelegram, code: str, contains: str = "") -> list[dict[str, object]]:
    """The reminders naming the case `code`, with `contains` in that case's lines."""
    found = []
    for message in group(tg, "⏰ Pengingat"):
        block = case_block(shown(message), code)
        if block is not None and contains in block:
            found.append(message)
    return found


async def set_status(bot: Running, code: str, status: str) -> None:
    """An official presses a status button on the case's card (closing: and the first
    reason offered); waits for the new card."""
    card = await card_of(bot, code)
    bot.tg.press_button(
        OFFICIAL, int(str(card["message_id"])), f"kasus:{code}:{status}", chat_id=OFFICIALS
    )
    if status in CLOSING:
        [question] = await bot.tg.async_wait_for_message(OFFICIALS, contains="apa alasannya")
        reason = REASONS[status][0].id
        bot.tg.press_button(
            OFFICIAL, int(str(question["message_id"])), f"kasus:{code}:tutup:{status}:{reason}",
            chat_id=OFFICIALS,
        )  # fmt: skip
    await bot.tg.async_wait_for(
        lambda _: f"Status: {STATUS_LABELS[status]}" in shown(group(bot.tg, f"Kode: {code}")[0])
    )


async def kasus_lines(bot: Running) -> dict[str, str]:
    """/kasus in the group: each open case's line, by case code."""
    before = len(group(bot.tg, "Kasus terbuka"))
    official_says(bot.tg, "/kasus")
    found = await bot.tg.async_wait_for_message(OFFICIALS, "Kasus terbuka", count=before + 1)
    lines = shown(found[-1]).splitlines()[1:]
    return {match.group(): line for line in lines if (match := CODE.search(line))}


async def test_a_late_case_gets_one_reminder_per_deadline_even_across_a_restart(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    clock, key = Clock(), generate_key()
    async with timed_bot(tg, tmp_path, kb, matcher, clock, key) as bot:
        code = await file_report(bot, 4101)
        card = await card_of(bot, code)
        await asyncio.sleep(SETTLE)
        assert not reminders(tg, code)  # within its 24 hours
        clock.ahead = dt.timedelta(hours=25)
        [reminder] = await tg.async_wait_for_message(OFFICIALS, contains="⏰ Pengingat")
        assert code in shown(reminder) and "Belum diterima" in shown(reminder)
        assert "Belum ada tindakan" not in shown(reminder)  # 3 working days are not over
        assert reminder["reply_to_message"]["message_id"] == card["message_id"]  # type: ignore[index]
        assert "⏰ belum diterima, terlambat 1 jam" in (await kasus_lines(bot))[code]
        await asyncio.sleep(SETTLE)
        assert len(reminders(tg, code)) == 1
    async with timed_bot(tg, tmp_path, kb, matcher, clock, key) as bot:
        # Past the first-action deadline too (3 working days end at most 6 days after the
        # report): that one is reminded now, the acknowledgement's is never repeated.
        clock.ahead = dt.timedelta(days=7)
        await tg.async_wait_for(lambda _: reminders(tg, code, "Belum ada tindakan"))
        await asyncio.sleep(SETTLE)
        assert len(reminders(tg, code, "Belum diterima")) == 1
        assert len(reminders(tg, code)) == 2
        assert "⏰ belum ada tindakan, terlambat" in (await kasus_lines(bot))[code]


async def test_the_minutely_reminder_check_decrypts_only_cases_falling_due(
    tg: FakeTelegram,
    tmp_path: Path,
    kb: KnowledgeBase,
    matcher: Matcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deadlines need a case's plain columns only: the check that runs every minute opens
    no encrypted value (thousands of open cases decrypted each minute held up the bot).
    Only a case whose reminder falls due is opened, once, to tell its reporter the
    promised time passed (issue 21); the next minute's check opens nothing again."""
    clock = Clock()
    env = environ(tg, tmp_path, generate_key(), RESPONSE_CHECK_SECONDS="3600")
    async with serving(tg, Settings.from_environ(env), kb, matcher, clock) as services:
        bot = Running(tg, services)
        codes = [await file_report(bot, user) for user in (4301, 4302, 4303)]
        for code in codes:
            await card_of(bot, code)
        # Counting starts once nothing else is left to send: the outbox decrypts what it
        # delivers (a slow machine may still be sending the group's messages of the day).
        await _nothing_pending(services)
        clock.ahead = dt.timedelta(hours=25)
        opened: list[bytes] = []
        decrypt = MultiFernet.decrypt

        def counted(self: MultiFernet, token: bytes | str, ttl: int | None = None) -> bytes:
            opened.append(token if isinstance(token, bytes) else token.encode())
            return decrypt(self, token, ttl)

        monkeypatch.setattr(MultiFernet, "decrypt", counted)
        assert services.watch is not None
        assert await services.watch.check() == 3
        # A few values of each reminded case (its reporter, answers, their language), once.
        assert 0 < len(opened) <= 3 * 4
        opened.clear()
        clock.ahead += dt.timedelta(minutes=1)
        assert await services.watch.check() == 0
        monkeypatch.undo()
        assert opened == []
        services.outbox.notify()  # type: ignore[union-attr]
        for code in codes:
            await tg.async_wait_for(lambda _, code=code: reminders(tg, code))


async def _nothing_pending(services: Services, timeout: float = 10) -> None:
    query = "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"
    for _ in range(int(timeout / 0.05)):
        if (await services.database.fetchall(query))[0][0] == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox still had rows to send after {timeout} s")


async def test_an_urgent_case_is_late_after_two_hours_a_calm_one_is_not(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    clock = Clock()
    async with timed_bot(tg, tmp_path, kb, matcher, clock, generate_key()) as bot:
        calm = await file_report(bot, 4201)
        urgent = await file_report(bot, 4202, urgent=True)
        # The reporter is promised what the officials are held to: hours, not days.
        stored = await bot.services.reports.by_code(urgent)  # type: ignore[union-attr]
        assert stored is not None
        created = dt.datetime.fromisoformat(stored.created_at)
        [receipt] = [m for m in tg.messages(4202) if urgent in str(m.get("text"))][:1]
        for hours in (2, 24):
            promised = deadlines.format_moment(created + dt.timedelta(hours=hours), "id")
            assert promised in shown(receipt)
        clock.ahead = dt.timedelta(hours=2, minutes=10)
        [reminder] = await tg.async_wait_for_message(OFFICIALS, contains="⏰ Pengingat")
        assert urgent in shown(reminder) and "MENDESAK" in shown(reminder)
        lines = await kasus_lines(bot)
        assert "⏰ belum diterima, terlambat 10 menit" in lines[urgent]
        assert "⏰" not in lines[calm]
        await asyncio.sleep(SETTLE)
        assert not reminders(tg, calm)
        # 24 hours: the urgent case's first action is late; the calm one is only not
        # acknowledged (it has working days to act).
        clock.ahead = dt.timedelta(hours=24, minutes=10)
        await tg.async_wait_for(lambda _: reminders(tg, urgent, "Belum ada tindakan"))
        await tg.async_wait_for(lambda _: reminders(tg, calm, "Belum diterima"))
        await asyncio.sleep(SETTLE)
        assert not reminders(tg, calm, "Belum ada tindakan")
        assert len(reminders(tg, urgent)) == 2


async def test_acknowledged_or_answered_cases_are_not_reminded_and_the_csv_says_so(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    clock = Clock()
    async with timed_bot(tg, tmp_path, kb, matcher, clock, generate_key()) as bot:
        received = await file_report(bot, 4301)
        taken = await file_report(bot, 4302)
        answered = await file_report(bot, 4303)
        waiting = await file_report(bot, 4304)
        await set_status(bot, received, "diterima")
        tg.press_button_with_text(
            OFFICIAL, "🙋 Saya tangani", OFFICIALS, (await card_of(bot, taken))["message_id"]
        )
        await tg.async_wait_for(lambda _: "🙋 Uji" in shown(group(tg, f"Kode: {taken}")[0]))
        official_says(tg, f"/balas {answered} Terima kasih, kami sedang memeriksa.")
        await tg.async_wait_for_message(OFFICIALS, contains="Pratinjau")
        tg.press_button_with_text(OFFICIAL, "✅ Kirim", chat_id=OFFICIALS)
        await tg.async_wait_for_message(4303, contains="sedang memeriksa")

        clock.ahead = dt.timedelta(hours=25)
        await tg.async_wait_for(lambda _: reminders(tg, waiting, "Belum diterima"))
        await asyncio.sleep(SETTLE)
        assert not [c for c in (received, taken, answered) if reminders(tg, c)]

        tg.send_text(OFFICIAL, "/start")  # the export goes to the official's private chat
        await tg.async_wait_for_message(OFFICIAL, contains="Migran Aman")
        official_says(tg, "/ekspor")
        [upload] = await tg.async_wait_for_call("sendDocument")
        header, *rows = csv.reader(
            io.StringIO(upload.files["document"].content.decode("utf-8-sig"))
        )
        assert header[-len(RESPONSE_COLUMNS) :] == list(RESPONSE_COLUMNS)
        by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
        assert by_code[received]["diterima pada"] and not by_code[received]["tindakan pertama pada"]
        assert float(by_code[received]["jam sampai diterima"]) < 0.1
        assert by_code[received]["terlambat"] == "tidak"
        assert by_code[taken]["diterima pada"] and by_code[taken]["terlambat"] == "tidak"
        assert by_code[answered]["tindakan pertama pada"]  # the message to the reporter
        assert float(by_code[answered]["jam sampai tindakan pertama"]) < 0.1
        assert by_code[waiting]["diterima pada"] == "" and by_code[waiting]["terlambat"] == "ya"

        # A week on: only acting counts now. Diterima or 🙋 alone is late; the answered case
        # never is.
        clock.ahead = dt.timedelta(days=7)
        for late in (received, taken, waiting):
            await tg.async_wait_for(lambda _, code=late: reminders(tg, code, "Belum ada tindakan"))
        await asyncio.sleep(SETTLE)
        assert not reminders(tg, answered)
        assert len(reminders(tg, received)) == 1 and len(reminders(tg, taken)) == 1


async def test_weekly_digest_at_its_time_once_with_the_weeks_numbers_and_nobody_named(
    tg: FakeTelegram, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    clock, key = Clock(), generate_key()
    # The digest is due three days from now (the week then holds every report filed here).
    slot = (clock() + dt.timedelta(days=3)).astimezone(deadlines.WIB).replace(second=0)
    slot = slot.replace(microsecond=0)
    when = {"DIGEST_WEEKDAY": WEEKDAYS[slot.weekday()][1], "DIGEST_TIME": f"{slot:%H:%M}"}
    async with timed_bot(tg, tmp_path, kb, matcher, clock, key, **when) as bot:
        urgent = await file_report(bot, 4401, urgent=True)
        acted = await file_report(bot, 4402)
        closed = await file_report(bot, 4403)
        waiting = await file_report(bot, 4404)
        for code, steps in ((acted, 2), (closed, 3)):
            for status in ("diterima", "ditindaklanjuti", "selesai")[:steps]:
                await set_status(bot, code, status)
        clock.move_to(slot - dt.timedelta(minutes=1))
        await asyncio.sleep(SETTLE)
        assert not group(tg, "Ringkasan mingguan")  # not before its time
        clock.move_to(slot + dt.timedelta(seconds=30))
        [digest] = await tg.async_wait_for_message(OFFICIALS, contains="Ringkasan mingguan")
        text = shown(digest)
        for line in (
            "Laporan baru: 4 (mendesak: 1)",
            "Masih terbuka: 3",
            "Terlambat (terbuka, lewat batas waktu): 2",  # the urgent and the waiting case
            "Ditutup minggu ini: 1",
            "Median sampai diterima: 0,0 jam (2 kasus)",
            "Median sampai ditutup: 0,0 jam (1 kasus)",
            "  Pariaman Tengah: 4",
            "  Kamboja: 4",
        ):
            assert line in text.splitlines(), (line, text)
        stored = await bot.services.reports.by_code(waiting)  # type: ignore[union-attr]
        assert stored is not None and stored.answers["signs"]
        titles = {sign.id: sign.title["id"] for sign in kb.warning_signs}
        for sign in stored.answers["signs"]:
            assert f"  {titles[sign]}: 4" in text.splitlines()
        # Nothing that points at a person or a case.
        assert not CODE.search(text) and OFFER[:20] not in text and str(OFFICIAL) not in text
        assert all(str(user) not in text for user in (4401, 4402, 4403, 4404))
        assert urgent and acted and closed
    async with timed_bot(tg, tmp_path, kb, matcher, clock, key, **when) as bot:
        # After a restart within the digest's day: a new urgent case is reminded two hours
        # on (so the check ran), and the digest is not posted again.
        later = await file_report(bot, 4405, urgent=True)
        clock.ahead += dt.timedelta(hours=2, minutes=10)
        await tg.async_wait_for(lambda _: reminders(tg, later))
        await asyncio.sleep(SETTLE)
        assert len(group(tg, "Ringkasan mingguan")) == 1


def test_urgent_and_working_day_deadlines() -> None:
    friday_evening = dt.datetime(2026, 12, 4, 19, 0, tzinfo=deadlines.WIB)
    times = ResponseTimes(ack_hours=24, action_working_days=3)
    ack, act = times.deadlines(friday_evening, urgent=False)
    assert ack == friday_evening + dt.timedelta(hours=24)
    # Monday, Tuesday, Wednesday: due by the end of Wednesday.
    assert act == dt.datetime(2026, 12, 10, 0, 0, tzinfo=deadlines.WIB)
    ack, act = times.deadlines(friday_evening, urgent=True)
    assert (ack, act) == (
        friday_evening + dt.timedelta(hours=2),
        friday_evening + dt.timedelta(hours=24),
    )
    holiday = ResponseTimes(holidays=frozenset({dt.date(2026, 12, 8)}))
    assert holiday.deadlines(friday_evening, urgent=False)[1].date() == dt.date(2026, 12, 11)


def test_digest_schedule_and_its_settings() -> None:
    monday_eight = Schedule(0, dt.time(8, 0))
    tuesday = dt.datetime(2026, 12, 1, 10, 0, tzinfo=deadlines.WIB)
    assert monday_eight.latest(tuesday) == dt.datetime(2026, 11, 30, 8, 0, tzinfo=deadlines.WIB)
    just_before = dt.datetime(2026, 11, 30, 7, 59, tzinfo=deadlines.WIB)
    assert monday_eight.latest(just_before).date() == dt.date(2026, 11, 23)
    base = {"DIGEST_WEEKDAY": "Kamis", "DIGEST_TIME": "17:30"}
    settings = Settings.from_environ(base)
    assert (settings.digest_weekday, settings.digest_time) == (3, dt.time(17, 30))
    assert Settings.from_environ({"DIGEST_WEEKDAY": "off"}).digest_weekday is None
    default = Settings.from_environ({})
    assert (default.digest_weekday, default.digest_time) == (0, dt.time(8, 0))
    for bad in ({"DIGEST_WEEKDAY": "someday"}, {"DIGEST_TIME": "8"}, {"DIGEST_TIME": "25:00"}):
        with pytest.raises(ConfigError, match="DIGEST_"):
            Settings.from_environ(bad)
