"""Awareness broadcasts (issue 20) on both channels in one process: citizens subscribe and
unsubscribe in every way, officials compose, approve and follow a campaign in their group,
and the campaign reaches its subscribers once, paced, through the fake Bot API and the fake
Cloud API, on a clock the test moves."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from bot.broadcast.sender import BUSY_RETRY, CLAIMED_RETRY, REST
from bot.clock import stamp
from bot.deadlines import WIB
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import UserKey
from tests.clocks import MovingClock
from tests.fake_telegram import FakeTelegram, visible_text
from tests.fake_whatsapp import async_post_signed, status_update
from tests.report_script import CODE, SUBMIT, report_steps
from tests.test_whatsapp import USER as WA_USER
from tests.test_whatsapp import press_label
from tests.test_whatsapp_reports import (
    OFFICIAL,
    OFFICIALS,
    Both,
    both_channels,
    file_report,
    relay,
)

COLLEAGUE = 9003
WA_OTHER = "6285211112222"  # outside WhatsApp's 24-hour window at the campaign
WA_STOPPED = "6285233334444"  # stopped marketing messages from the business (131050)
NORTH = "Pariaman Utara"


@asynccontextmanager
async def running(
    tmp_path: Path,
    kb: KnowledgeBase,
    matcher: Matcher,
    clock: MovingClock,
    paced: bool = False,
    **extra: str,
) -> AsyncIterator[Both]:
    """Both channels with two officials; `paced`: Telegram's real pacing."""
    async with both_channels(
        tmp_path, kb, matcher, clock, paced, OFFICIAL_USER_IDS=f"{OFFICIAL},{COLLEAGUE}", **extra
    ) as both:
        yield both


def texts(tg: FakeTelegram, chat: int) -> list[str]:
    return [
        visible_text(str(m.get("text") or m.get("caption") or ""), "HTML") for m in tg.history(chat)
    ]


async def tg_say(both: Both, user: int, typed: str, expect: str, lang: str = "id") -> str:
    before = len(texts(both.tg, user))
    both.tg.send_text(user, typed, language_code=lang)
    return await tg_answer(both, user, expect, before)


async def tg_press(both: Both, user: int, label: str, expect: str) -> str:
    before = len(texts(both.tg, user))
    both.tg.press_button_with_text(user, label)
    return await tg_answer(both, user, expect, before)


async def tg_answer(both: Both, user: int, expect: str, before: int) -> str:
    def found(_: object) -> str | None:
        return next((t for t in texts(both.tg, user)[before:] if expect in t), None)

    await both.tg.async_wait_for(found)
    answer = found(None)
    assert answer is not None
    return answer


async def official(both: Both, typed: str, expect: str, who: int = OFFICIAL) -> dict[str, object]:
    before = len(texts(both.tg, OFFICIALS))
    both.tg.send_text(who, typed, OFFICIALS, "supergroup", "Rina" if who == OFFICIAL else "Budi")
    await tg_answer(both, OFFICIALS, expect, before)
    return next(m for m in reversed(both.tg.history(OFFICIALS)) if expect in texts_of(m))


def texts_of(message: dict[str, object]) -> str:
    return visible_text(str(message.get("text") or message.get("caption") or ""), "HTML")


async def wa_say(both: Both, user: str, typed: str, expect: str) -> str:
    before = len(both.wa.fake.messages(user))
    await both.wa.say(typed, user)
    return await wa_answer(both, user, expect, before)


async def wa_answer(both: Both, user: str, expect: str, before: int) -> str:
    for _ in range(400):
        found = [s.text for s in both.wa.fake.messages(user)[before:] if expect in s.text]
        if found:
            return found[-1]
        await asyncio.sleep(0.025)
    shown = [s.text[:80] for s in both.wa.fake.messages(user)[before:]]
    raise AssertionError(f"no {expect!r} for {user}: {shown}")


async def until(check: Callable[[], object], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.025)):
        if check():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("timed out")


def broadcasts_to(tg: FakeTelegram, chat: int) -> list[str]:
    return [t for t in texts(tg, chat) if t.startswith("📢")]


async def subscribers(both: Both) -> int:
    rows = await both.services.database.fetchall("SELECT COUNT(*) FROM subscribers")
    return int(rows[0][0])


async def test_citizens_subscribe_and_unsubscribe_every_way(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with running(tmp_path, kb, matcher, MovingClock()) as both:
        # /langganan: what they will get, in two lines, then the place question (one
        # region here: its kecamatan at once).
        asked = await tg_say(both, 5001, "/langganan", "Di kecamatan mana")
        assert "beberapa pesan sebulan" in asked and "peringatan lowongan palsu" in asked
        assert "sudah berlangganan" not in asked
        done = await tg_press(both, 5001, NORTH, "Anda sudah berlangganan")
        assert NORTH in done
        # Typed, with "lewati" at the place: the default region's and the province's.
        await tg_say(both, 5002, "langganan", "Di kecamatan mana")
        done = await tg_say(both, 5002, "lewati", "Anda sudah berlangganan")
        assert "Kota Pariaman dan seluruh provinsi" in done
        # The menu's 🔔 button, and a kecamatan's seat typed with a typo.
        await tg_say(both, 5003, "/menu", "Pilih topik")
        await tg_press(both, 5003, "🔔 Info & peringatan", "Di kecamatan mana")
        assert NORTH in await tg_say(both, 5003, "naras", "Anda sudah berlangganan")
        # In English, by the English command: "You are subscribed".
        await tg_say(both, 5004, "/subscribe", "Which kecamatan", lang="en")
        await tg_press(both, 5004, "Skip", "You are subscribed")
        # On WhatsApp, typed, and the kecamatan from the list.
        await wa_say(both, WA_USER, "langganan", "Di kecamatan mana")
        await press_label(both.wa, NORTH)
        await wa_answer(both, WA_USER, "Anda sudah berlangganan", 0)
        assert await subscribers(both) == 5

        # 🔔 under an answer about warning signs, in place of its last related topic.
        both.tg.send_text(5005, "apa saja tanda lowongan kerja palsu?")
        [answer] = await both.tg.async_wait_for_message(5005, contains="Sumber")
        rows = [[b["text"] for b in row] for row in answer["reply_markup"]["inline_keyboard"]]  # type: ignore[index]
        entry = kb.entries["tanda-bahaya"]
        related = [kb.entries[t].title["id"] for t in entry.related[:3]]
        assert ["🔔 Info & peringatan"] in rows
        assert [related[0]] in rows and [related[-1]] not in rows  # the least relevant gave way
        assert rows.index(["🔔 Info & peringatan"]) == rows.index([related[1]]) + 1

        # Unsubscribing, each way: the record is deleted, not flagged.
        await tg_say(both, 5001, "/berhenti_langganan", "dihentikan")
        await tg_say(both, 5002, "berhenti langganan", "dihentikan")
        await tg_say(both, 5003, "stop info", "dihentikan")
        await tg_say(both, 5004, "unsubscribe", "has ended", lang="en")
        assert await subscribers(both) == 1
        # A bare "stop" outside a report: case updates paused AND unsubscribed, both said.
        said = await wa_say(both, WA_USER, "stop", "dimatikan")
        assert "info & peringatan dihentikan" in said and "AKTIFKAN" in said
        assert "langganan" in said  # how to subscribe again ("ketik *langganan*")
        assert await subscribers(both) == 0
        rows = await both.services.database.fetchall("SELECT COUNT(*) FROM subscribers")
        assert rows[0][0] == 0
        # "aktifkan" brings the case updates back, not the subscription.
        await wa_say(both, WA_USER, "aktifkan", "aktif lagi")
        assert await subscribers(both) == 0
        # On Telegram too.
        await tg_say(both, 5001, "langganan", "kecamatan")
        await tg_say(both, 5001, "lewati", "sudah berlangganan")
        said = await tg_say(both, 5001, "berhenti", "dimatikan")
        assert "dihentikan" in said and "/langganan" in said
        off = await both.services.database.fetchall("SELECT COUNT(*) FROM updates_off")
        assert off[0][0] == 1 and await subscribers(both) == 0
        # Blocking the bot ends the subscription at once.
        await tg_say(both, 5002, "/langganan", "kecamatan")
        await tg_say(both, 5002, "lewati", "sudah berlangganan")
        both.tg.block_bot(5002)
        for _ in range(200):
            if not await subscribers(both):
                break
            await asyncio.sleep(0.025)
        assert await subscribers(both) == 0


async def subscribe(both: Both, user: UserKey, area: str | None = NORTH) -> None:
    """A subscriber of Kota Pariaman's `area` (None: they skipped the place question), in
    their own language (Indonesian)."""
    assert both.services.broadcasts is not None
    region = None if area is None else "kota-pariaman"
    await both.services.broadcasts.subscribers.subscribe(user, region, area, "id")


def tg_user(number: int) -> UserKey:
    return UserKey("telegram", str(number), str(number))


def wa_user(number: str) -> UserKey:
    return UserKey("whatsapp", number, number)


async def test_a_poll_reaches_its_region_once_paced_and_counts_the_answers(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    clock = MovingClock()
    async with running(tmp_path, kb, matcher, clock, BROADCAST_APPROVERS="2") as both:
        tg, wa = both.tg, both.wa.fake
        for number in (5001, 5004, 5005):
            tg.add_chat(number, "private")
            await subscribe(both, tg_user(number))
        tg.add_chat(5002, "private")
        await subscribe(both, tg_user(5002), "Pariaman Selatan")  # another kecamatan
        tg.add_chat(5003, "private")
        await subscribe(both, tg_user(5003), None)  # skipped the place: not a kecamatan's
        for number in (WA_USER, WA_OTHER, WA_STOPPED):
            await subscribe(both, wa_user(number))
        clock.ahead += dt.timedelta(days=2)  # WhatsApp's windows have closed...
        await wa_say(both, WA_USER, "halo", "Migran Aman")  # ...except where they wrote
        wa.close_window(WA_OTHER)
        wa.refuse(WA_STOPPED, 131050)
        tg.fail(
            "sendMessage",
            chat_id=5004,
            status=403,
            times=None,
            description="Forbidden: user is deactivated",
        )
        await tg_say(both, 5005, "/lapor", "Apa yang ingin Anda laporkan")  # writing a report

        preview = await official(
            both,
            "/siaran Hati-hati: lowongan admin online ke Kamboja lewat TikTok itu penipuan.\n"
            f"wilayah: {NORTH}\npilihan:\n- Pernah lihat\n- Belum pernah",
            "Pratinjau siaran",
        )
        shown = texts_of(preview)
        assert "Penerima: 6 (Telegram 3 · WhatsApp 3)" in shown
        assert f"Kota Pariaman: {NORTH} 6" in shown
        assert "Perkiraan waktu Telegram" in shown and "lewat template pemasaran" in shown
        assert "Perlu ✅ Kirim dari 2 petugas" in shown
        campaign = int(shown.split("#", 1)[1].split()[0])
        kirim = f"siaran:{campaign}:kirim"
        tg.press_button(
            9002, int(str(preview["message_id"])), kirim, chat_id=OFFICIALS
        )  # a stranger
        tg.press_button(OFFICIAL, int(str(preview["message_id"])), kirim, chat_id=OFFICIALS)
        await tg.async_wait_for(lambda _: any("1 sudah: Rina" in t for t in texts(tg, OFFICIALS)))
        await asyncio.sleep(0.3)
        assert not broadcasts_to(tg, 5001)  # four eyes: one official is not enough
        await official(both, "/siaran bantuan", "jadwal:", who=COLLEAGUE)
        tg.press_button(COLLEAGUE, int(str(preview["message_id"])), kirim, chat_id=OFFICIALS)
        await tg.async_wait_for(
            lambda _: any("disetujui oleh Rina, Budi" in t for t in texts(tg, OFFICIALS))
        )

        # The region's subscribers get it once; another kecamatan's and the placeless do not.
        await until(lambda: broadcasts_to(tg, 5001) and len(wa.messages(WA_OTHER)) == 1)
        await until(lambda: any(s.to == WA_USER and "Kamboja" in s.text for s in wa.sent))
        [message] = [m for m in tg.history(5001) if "Kamboja" in texts_of(m)]
        labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]  # type: ignore[index]
        assert labels == ["Pernah lihat", "Belum pernah", "🔕 Stop langganan"]
        # Outside the window: the marketing template, chosen at once (no refused message).
        [template] = wa.messages(WA_OTHER)
        assert (
            template.kind == "template" and template.body["template"]["name"] == "info_peringatan"
        )
        assert "Kamboja" in template.text and "1 = Pernah lihat" in template.text
        assert "\n" not in template.text
        assert not [r for r in wa.refused if r[1]["error"]["code"] == 131047]
        inside = [s for s in wa.messages(WA_USER) if "Kamboja" in s.text]
        assert [s.kind for s in inside] == ["interactive"]
        # A 403 (whatever its text) and WhatsApp's 131050 unsubscribe at once, no retries.
        await asyncio.sleep(0.3)
        refused_403 = [c for c in tg.calls_to("sendMessage") if c.params.get("chat_id") == 5004]
        assert len(refused_403) == 1
        assert len([r for r in wa.refused if r[1]["error"]["code"] == 131050]) == 1
        assert await subscribers(both) == 6
        assert not broadcasts_to(tg, 5002) and not broadcasts_to(tg, 5003)
        # Writing a report: it waits until the report is cancelled.
        assert not broadcasts_to(tg, 5005)
        await tg_say(both, 5005, "batal", "dihapus")
        clock.ahead += BUSY_RETRY
        both.services.broadcasts.sender.notify()  # type: ignore[union-attr]
        await until(lambda: broadcasts_to(tg, 5005))

        # Answers: one per subscriber (a later press replaces it), typed numbers after a
        # template, buttons in WhatsApp's list.
        await tg_press(both, 5001, "Pernah lihat", "tercatat")
        await tg_press(both, 5001, "Belum pernah", "diganti")
        await press_label(both.wa, "Pernah lihat")
        await wa_answer(both, WA_USER, "tercatat", 0)
        wa.open_window(WA_OTHER)  # writing opens it
        await wa_say(both, WA_OTHER, "2", "tercatat")
        results = await official(both, f"/siaran hasil {campaign}", "jawaban")
        [chart] = tg.calls_to("sendPhoto")
        assert chart.params["chat_id"] == OFFICIALS
        caption = texts_of(results)
        assert f"Jajak pendapat #{campaign}: 3 jawaban dari 4 penerima" in caption
        assert "«Pernah lihat»: 1 (33%) — Kota Pariaman 1" in caption
        assert "«Belum pernah»: 2 (67%) — Kota Pariaman 2" in caption

        # WhatsApp's delivery report is counted; the list shows what happened.
        wamid = next(s.id for s in wa.messages(WA_USER) if "Kamboja" in s.text)
        await async_post_signed(both.wa.url, status_update(wamid, "delivered", WA_USER))
        await asyncio.sleep(0.3)
        # The button under every broadcast unsubscribes.
        await tg_press(both, 5005, "🔕 Stop langganan", "dihentikan")
        listing = texts_of(await official(both, "/siaran", "Siaran terbaru"))
        assert f"#{campaign}" in listing and "selesai" in listing and "oleh Rina" in listing
        assert "terkirim 4 dari 6" in listing and "berhenti langganan sejak itu 3" in listing
        assert "sampai di HP (WhatsApp) 1" in listing


async def test_a_campaign_waits_for_its_time_a_day_between_two_and_131049_the_next_day(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    clock = MovingClock()
    async with running(tmp_path, kb, matcher, clock) as both:
        tg, wa = both.tg, both.wa.fake
        assert both.services.broadcasts is not None
        sender = both.services.broadcasts.sender
        for number in (5001, 5002):
            tg.add_chat(number, "private")
            await subscribe(both, tg_user(number))
        await subscribe(both, wa_user(WA_OTHER))
        wa.refuse(WA_OTHER, 131049)  # too many marketing messages reached them lately
        clock.ahead += dt.timedelta(days=2)  # their window has closed
        # Scheduled on the bot's clock, in WIB: nothing goes before its time.
        at = (clock() + dt.timedelta(hours=2)).astimezone(WIB)
        preview = await official(
            both, f"/siaran Info pertama.\njadwal: {at:%Y-%m-%d %H:%M}", "Pratinjau siaran"
        )
        assert f"Jadwal: {at.day} Des" in texts_of(preview)
        first = int(texts_of(preview).split("#", 1)[1].split()[0])
        tg.press_button(
            OFFICIAL, int(str(preview["message_id"])), f"siaran:{first}:kirim", OFFICIALS
        )
        await tg.async_wait_for(lambda _: any("disetujui" in t for t in texts(tg, OFFICIALS)))
        await asyncio.sleep(0.3)
        assert not broadcasts_to(tg, 5001) and not wa.refused
        clock.move_to(at + dt.timedelta(minutes=1))
        sender.notify()
        await until(lambda: broadcasts_to(tg, 5001) and broadcasts_to(tg, 5002))
        await until(lambda: wa.refused)
        # 131049: again the next day, not at once.
        await asyncio.sleep(0.3)
        assert [r[1]["error"]["code"] for r in wa.refused] == [131049]

        # A second campaign the same day waits a day for those who got the first.
        preview = await official(both, "/siaran Info kedua.", "Pratinjau siaran")
        assert "sudah menerima siaran dalam 24 jam terakhir" in texts_of(preview)
        second = int(texts_of(preview).split("#", 1)[1].split()[0])
        tg.press_button(
            OFFICIAL, int(str(preview["message_id"])), f"siaran:{second}:kirim", OFFICIALS
        )
        await asyncio.sleep(0.3)
        assert len(broadcasts_to(tg, 5001)) == 1
        listing = texts_of(await official(both, "/siaran", "Siaran terbaru"))
        assert f"#{second}" in listing and "menunggu 3" in listing, listing
        clock.ahead += dt.timedelta(days=1, hours=1)
        wa.recover()
        sender.notify()
        await until(lambda: len(broadcasts_to(tg, 5001)) == 2 and wa.messages(WA_OTHER))
        [template] = wa.messages(WA_OTHER)  # the first campaign's, its day later
        assert "Info pertama" in template.text
        # Cancelled while it still had someone to reach: nothing more goes out.
        stopped = await official(both, f"/siaran batal {second}", "Siaran #")
        assert "dihentikan oleh Rina" in texts_of(stopped)
        clock.ahead += dt.timedelta(days=2)
        sender.notify()
        await asyncio.sleep(0.3)
        assert not any("Info kedua" in s.text for s in wa.messages(WA_OTHER))
        done = await official(both, f"/siaran batal {first}", "Siaran #")
        assert "sudah selesai" in texts_of(done)
        # Meta's later report that they stopped marketing messages: unsubscribed at once.
        await async_post_signed(
            both.wa.url, status_update(template.id, "failed", WA_OTHER, code=131050)
        )
        for _ in range(200):
            if await subscribers(both) == 2:
                break
            await asyncio.sleep(0.025)
        assert await subscribers(both) == 2


async def approved(both: Both, typed: str) -> int:
    """A campaign composed and sent off by an official: its id."""
    preview = await official(both, typed, "Pratinjau siaran")
    campaign = int(texts_of(preview).split("#", 1)[1].split()[0])
    before = sum("disetujui" in t for t in texts(both.tg, OFFICIALS))
    message = int(str(preview["message_id"]))
    both.tg.press_button(OFFICIAL, message, f"siaran:{campaign}:kirim", OFFICIALS)
    await until(lambda: sum("disetujui" in t for t in texts(both.tg, OFFICIALS)) > before)
    return campaign


async def test_two_campaigns_due_at_once_still_give_each_subscriber_one_a_day(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """Both scheduled for the same minute, so one batch holds both campaigns' rows for the
    same people: the second waits a day for everyone the first has just reached."""
    clock = MovingClock()
    async with running(tmp_path, kb, matcher, clock) as both:
        tg, database = both.tg, both.services.database
        assert both.services.broadcasts is not None
        sender = both.services.broadcasts.sender
        audience = range(6000, 6020)
        for number in audience:
            tg.add_chat(number, "private")
            await subscribe(both, tg_user(number))
        at = (clock() + dt.timedelta(hours=2)).astimezone(WIB)
        await approved(both, f"/siaran Info satu.\njadwal: {at:%Y-%m-%d %H:%M}")
        second = await approved(both, f"/siaran Info dua.\njadwal: {at:%Y-%m-%d %H:%M}")
        clock.move_to(at + dt.timedelta(minutes=1))
        sender.notify()
        await until(lambda: all(broadcasts_to(tg, n) for n in audience))

        async def put_off() -> bool:  # the second's rows: none left to send within hours
            rows = await database.fetchall(
                "SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id = ? AND "
                "(status != 'pending' OR due_at < ?)",
                (second, stamp(clock() + dt.timedelta(hours=20))),
            )
            return not rows[0][0]

        clock.ahead += CLAIMED_RETRY  # those put off while the first was on its way: again
        sender.notify()
        for _ in range(400):
            if await put_off():
                break
            await asyncio.sleep(0.025)
        twice = [n for n in audience if len(broadcasts_to(tg, n)) > 1]
        assert not twice, f"{len(twice)} of {len(audience)} got two broadcasts within a day"
        assert await put_off()
        # A day later everyone gets the second.
        clock.ahead += REST + dt.timedelta(hours=1)
        sender.notify()
        await until(lambda: all(len(broadcasts_to(tg, n)) == 2 for n in audience))
        assert all("Info dua" in broadcasts_to(tg, n)[1] for n in audience)


async def test_a_campaign_is_done_as_soon_as_nothing_is_left_to_send(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """Its last row settled while the worker slept (someone writing a report, put off for
    minutes, unsubscribes): the list says "selesai" at once, not a minute later."""
    clock = MovingClock()
    async with running(tmp_path, kb, matcher, clock) as both:
        tg, database = both.tg, both.services.database
        for number in (5001, 5005):
            tg.add_chat(number, "private")
            await subscribe(both, tg_user(number))
        await tg_say(both, 5005, "/lapor", "Apa yang ingin Anda laporkan")
        campaign = await approved(both, "/siaran Hati-hati calo.")
        await until(lambda: broadcasts_to(tg, 5001))

        async def state() -> tuple[str, str | None]:
            """The campaign's status, and when its first row still pending is due."""
            rows = await database.fetchall(
                "SELECT status, (SELECT MIN(due_at) FROM campaign_recipients WHERE "
                "campaign_id = campaigns.id AND status = 'pending') FROM campaigns WHERE id = ?",
                (campaign,),
            )
            return str(rows[0][0]), rows[0][1]

        later = stamp(clock() + BUSY_RETRY / 2)
        for _ in range(200):  # the reporter's row is put off...
            if ((await state())[1] or "") > later:
                break
            await asyncio.sleep(0.025)
        await asyncio.sleep(0.2)  # ...and the worker, with nothing due, has gone to sleep
        await tg_say(both, 5005, "/berhenti_langganan", "dihentikan")
        for _ in range(80):
            if (await state())[0] == "done":
                break
            await asyncio.sleep(0.025)
        listing = texts_of(await official(both, "/siaran", "Siaran terbaru"))
        assert "selesai" in listing and "terkirim 1 dari 2" in listing, listing


async def test_any_403_to_a_subscribers_chat_unsubscribes_them_at_once(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """Not only a broadcast: an official's message to a reporter who blocked the bot, or an
    answer refused, ends the subscription there and then, and is not tried again."""
    async with running(tmp_path, kb, matcher, MovingClock()) as both:
        tg = both.tg
        for kind, what, expected in [*report_steps(photos=0), SUBMIT]:
            await (tg_say if kind == "say" else tg_press)(both, 5001, what, expected)
        code = CODE.search(" ".join(texts(tg, 5001)))
        assert code is not None
        for number in (5001, 5002):
            await subscribe(both, tg_user(number))
            tg.fail("sendMessage", chat_id=number, status=403, times=None,
                    description="Forbidden: user is deactivated")  # fmt: skip

        def refused(chat: int) -> int:
            return len([c for c in tg.calls_to("sendMessage") if c.params["chat_id"] == chat])

        before = refused(5001)
        await relay(tg, code.group(), "Apakah perekrut masih menghubungi Anda?")
        await until(lambda: refused(5001) > before)
        for _ in range(200):
            if await subscribers(both) == 1:
                break
            await asyncio.sleep(0.025)
        assert await subscribers(both) == 1
        # The answer to a question, refused the same way.
        tg.send_text(5002, "apa itu TPPO?")
        for _ in range(200):
            if not await subscribers(both):
                break
            await asyncio.sleep(0.025)
        assert not await subscribers(both)
        await asyncio.sleep(0.3)  # no retries: one refused call each
        assert refused(5001) == before + 1 and refused(5002) == 1


async def test_131050_on_a_case_message_unsubscribes_at_once(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """WhatsApp's "stopped marketing messages" on an official's message to a reporter, or on
    the case-update template sent when their window had closed (Meta may count it as
    marketing): unsubscribed there and then, and not tried again."""
    async with running(tmp_path, kb, matcher, MovingClock()) as both:
        wa = both.wa.fake
        code, _ = await file_report(both)

        async def relayed_and_refused(*codes: int) -> None:
            await subscribe(both, wa_user(WA_USER))
            before = len(wa.refused)
            for refusal in codes:
                wa.fail_next(1, code=refusal)
            await relay(both.tg, code, "Apakah perekrut masih menghubungi Anda?")
            for _ in range(200):
                if not await subscribers(both):
                    break
                await asyncio.sleep(0.025)
            assert not await subscribers(both)
            await asyncio.sleep(0.3)  # no retries
            assert [r[1]["error"]["code"] for r in wa.refused[before:]] == list(codes)

        await relayed_and_refused(131050)
        await relayed_and_refused(131047, 131050)  # window closed: held, the template refused


async def test_a_question_during_a_campaign_is_answered_at_once(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """Telegram's real pacing (30 messages a second in all, broadcasts 25 of them): the
    campaign takes its seconds, the citizen's answer does not wait for it."""
    async with running(tmp_path, kb, matcher, MovingClock(), paced=True) as both:
        tg = both.tg
        audience = range(6000, 6060)
        for number in audience:
            tg.add_chat(number, "private")
            await subscribe(both, tg_user(number))

        def sent() -> list[float]:
            return [c.at for c in tg.calls_to("sendMessage") if c.params["chat_id"] in audience]

        preview = await official(both, "/siaran Hati-hati calo.", "Pratinjau siaran")
        assert "Perkiraan waktu Telegram: ± 2 detik" in texts_of(preview)
        campaign = int(texts_of(preview).split("#", 1)[1].split()[0])
        message = int(str(preview["message_id"]))
        tg.press_button(OFFICIAL, message, f"siaran:{campaign}:kirim", OFFICIALS)
        await until(lambda: len(sent()) > 15)
        asked = asyncio.get_running_loop().time()
        answer = await tg_say(both, 5001, "apa itu TPPO?", "Sumber")
        waited = asyncio.get_running_loop().time() - asked
        assert "perdagangan orang" in answer.casefold() and waited < 1.0, waited
        assert len(sent()) < len(audience)  # still going while the answer went out
        await until(lambda: len(sent()) == len(audience), timeout=15)
        moments = sorted(sent())
        busiest = max(sum(1 for t in moments if start <= t < start + 1.0) for start in moments)
        assert busiest <= 26, busiest  # at most ~25 broadcast messages a second
