"""The weekly digest, the reminders, the receipt's dates and WhatsApp's stored times at
moments chosen on purpose: a Monday 08:30 WIB (the digest's own morning), a Friday evening
before a Monday holiday, and New Year's Eve. Through the real Application and the fake Bot
API (or Cloud API), on one clock (runtime.open_services(clock=...)) that dates the reports
as well as the deadlines; the expected dates are written out by hand, not computed with the
code under test."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.channels.whatsapp.store import WhatsAppStore
from bot.crypto import generate_key
from bot.deadlines import WIB
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from tests.clocks import MovingClock
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import async_post_signed, new_wamid, text_message, update
from tests.test_officials_queue import file_report, group
from tests.test_response_times import SETTLE, reminders, timed_bot
from tests.test_telegram_reports import OFFICIALS, shown
from tests.test_whatsapp import USER, whatsapp_alone

DIGEST = "Ringkasan mingguan"
REPORTER = 4801


@dataclass(frozen=True)
class Moment:
    start: dt.datetime  # WIB
    holidays: str  # RESPONSE_HOLIDAYS
    ack: str  # the receipt's acknowledgement deadline, as the reporter reads it
    act: str  # the receipt's last day for a first action
    digest_at_start: str | None  # the week a digest posted at once covers, if one is due
    ack_late: dt.datetime  # just past the acknowledgement deadline
    act_late: dt.datetime  # just past the end of the action's last day
    next_digest: dt.datetime  # the next Monday 08:00 WIB, and the week it covers
    next_week: str


def wib(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=WIB)


MOMENTS = {
    "monday-0830": Moment(
        start=wib(2026, 11, 30, 8, 30),
        holidays="",
        ack="Selasa, 1 Des 2026, pukul 08.30 WIB",
        act="Kamis, 3 Des 2026",  # Tuesday, Wednesday, Thursday
        digest_at_start="Senin, 23 Nov 2026, pukul 08.00 WIB s.d. Senin, 30 Nov 2026",
        ack_late=wib(2026, 12, 1, 8, 31),
        act_late=wib(2026, 12, 4, 0, 1),
        next_digest=wib(2026, 12, 7, 8, 0),
        next_week="Senin, 30 Nov 2026, pukul 08.00 WIB s.d. Senin, 7 Des 2026",
    ),
    "friday-evening-before-a-holiday": Moment(
        start=wib(2026, 12, 18, 19, 0),
        holidays="2026-12-21",  # the Monday after is a (configured) holiday
        ack="Sabtu, 19 Des 2026, pukul 19.00 WIB",  # hours count over the weekend
        act="Kamis, 24 Des 2026",  # Tuesday, Wednesday, Thursday: the weekend and Monday skipped
        digest_at_start=None,
        ack_late=wib(2026, 12, 19, 19, 1),
        act_late=wib(2026, 12, 25, 0, 1),
        next_digest=wib(2026, 12, 21, 8, 0),  # counts are posted on a holiday too
        next_week="Senin, 14 Des 2026, pukul 08.00 WIB s.d. Senin, 21 Des 2026",
    ),
    "new-years-eve": Moment(
        start=wib(2026, 12, 31, 23, 30),  # still 16:30 on the 31st in UTC
        holidays="2027-01-01",
        ack="Jumat, 1 Jan 2027, pukul 23.30 WIB",
        act="Rabu, 6 Jan 2027",  # New Year's Day and the weekend skipped: Mon, Tue, Wed
        digest_at_start=None,
        ack_late=wib(2027, 1, 1, 23, 31),
        act_late=wib(2027, 1, 7, 0, 1),
        next_digest=wib(2027, 1, 4, 8, 0),
        next_week="Senin, 28 Des 2026, pukul 08.00 WIB s.d. Senin, 4 Jan 2027",
    ),
}


@pytest.mark.parametrize("name", MOMENTS)
async def test_digest_reminders_and_receipt_dates_at_fixed_moments(
    name: str, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    moment = MOMENTS[name]
    clock = MovingClock(moment.start)
    settings = {
        "DIGEST_WEEKDAY": "senin",
        "DIGEST_TIME": "08:00",
        "RESPONSE_HOLIDAYS": moment.holidays,
        "RESPONSE_ACK_HOURS": "24",
        "RESPONSE_ACTION_WORKING_DAYS": "3",
    }
    with FakeTelegram() as tg:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        async with timed_bot(tg, tmp_path, kb, matcher, clock, generate_key(), **settings) as bot:
            if moment.digest_at_start:  # last week's, due half an hour ago
                [digest] = await tg.async_wait_for_message(OFFICIALS, contains=DIGEST)
                assert moment.digest_at_start in shown(digest)
                assert "Laporan baru: 0" in shown(digest)
            code = await file_report(bot, REPORTER)
            [receipt] = [m for m in tg.messages(REPORTER) if code in str(m.get("text"))][:1]
            assert moment.ack in shown(receipt) and moment.act in shown(receipt)

            # Then the days pass, each checkpoint in its order on the calendar.
            checkpoints = sorted(
                [
                    (moment.ack_late, "ack"),
                    (moment.act_late, "act"),
                    (moment.next_digest + dt.timedelta(seconds=30), "digest"),
                ]
            )
            for at, what in checkpoints:
                clock.move_to(at)
                if what == "ack":
                    await tg.async_wait_for(lambda _: reminders(tg, code, "Belum diterima"))
                    [reminder] = reminders(tg, code, "Belum diterima")
                    assert moment.ack in shown(reminder)
                elif what == "act":
                    await tg.async_wait_for(lambda _: reminders(tg, code, "Belum ada tindakan"))
                    [reminder] = reminders(tg, code, "Belum ada tindakan")
                    assert f"akhir hari {moment.act}" in shown(reminder)
                else:
                    await tg.async_wait_for(
                        lambda _: any(moment.next_week in shown(m) for m in group(tg, DIGEST))
                    )
                    [digest] = [m for m in group(tg, DIGEST) if moment.next_week in shown(m)]
                    assert "Laporan baru: 1 (mendesak: 0)" in shown(digest)
            await asyncio.sleep(SETTLE)  # several more checks: nothing is posted twice
            assert len(reminders(tg, code)) == 2
            assert len(group(tg, DIGEST)) == 1 + bool(moment.digest_at_start)


async def test_whatsapp_dates_its_rows_and_refuses_captures_on_the_bots_clock(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """New Year's Eve, 23:30 WIB (16:30 UTC, still the 31st): the inbox's hour, the day of
    an unanswered question, a session's hour, and the fortnight after which a signed
    capture is refused all count on the bot's clock, not on the day the suite runs. The
    posts carry the time Meta would give them on that clock."""
    clock = MovingClock(wib(2026, 12, 31, 23, 30))
    async with whatsapp_alone(tmp_path, kb, matcher, clock=clock) as (bot, services):
        now = int(clock().timestamp())
        wamid = new_wamid(USER)
        asked = text_message("apakah pak budi santoso bisa dipercaya")
        assert await async_post_signed(bot.url, update(USER, asked, wamid=wamid, timestamp=now))
        answered = len(await bot.fake.async_wait_for(USER))
        database = services.database
        hour, day = "2026-12-31T16:00:00+00:00", "2026-12-31T00:00:00+00:00"
        assert await database.fetchall("SELECT received_at, handled_at FROM wa_inbox") == [
            (hour, hour)
        ]
        assert await database.fetchall("SELECT asked_at FROM unanswered") == [(day,)]
        assert await database.fetchall("SELECT updated_at FROM sessions") == [(hour,)]

        # Signed two weeks before the bot's now: refused, whatever the machine's date.
        old = update(USER, text_message("apa itu TPPO?"), timestamp=now - 14 * 86400)
        assert await async_post_signed(bot.url, old) == 200  # Meta must not retry it
        # A fortnight later the wamid is forgotten, and its capture posted again is refused
        # by its own time: never answered twice.
        clock.move_to(wib(2027, 1, 15, 0, 0))
        await WhatsAppStore(database, clock=clock).purge()
        assert await database.fetchall("SELECT * FROM wa_inbox") == []
        again = update(USER, asked, wamid=wamid, timestamp=now)
        assert await async_post_signed(bot.url, again) == 200
        await asyncio.sleep(0.5)
        assert len(bot.fake.messages(USER)) == answered
        assert await database.fetchall("SELECT * FROM wa_inbox") == []
