"""The report flow through the core, on a real SQLite file with a real encryption key."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.config import Settings
from bot.crypto import EncryptionKeyError, generate_hash_key, generate_key
from bot.delivery import Sent
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import Attachment, Button, Incoming, Reply, UserKey
from bot.runtime import Services, open_services

CODE = re.compile(r"\b[A-Z]{2,5}-[A-Z0-9]{4}-[A-Z0-9]{4}\b")
KEY = generate_key()
HASH_KEY = generate_hash_key()


def settings(tmp_path: Path, key: str = KEY, hash_key: str = HASH_KEY) -> Settings:
    return Settings.from_environ(
        {
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "REPORTS_ENCRYPTION_KEY": key,
            "REPORTS_HASH_KEY": hash_key,
        }
    )


class Reporter:
    def __init__(self, services: Services, user_id: str = "77") -> None:
        self.services = services
        self.user = UserKey("test", user_id, user_id)
        self.last: list[Reply] = []

    async def say(self, text: str = "", attachments: tuple[Attachment, ...] = ()) -> list[Reply]:
        incoming = Incoming(self.user, text=text, attachments=attachments)
        self.last = await self.services.engine.handle(incoming)
        return self.last

    async def press(self, label: str) -> list[Reply]:
        for reply in self.last:
            for row in reply.buttons:
                for button in row:
                    if label.casefold() in button.label.casefold():
                        incoming = Incoming(self.user, choice=button.action)
                        self.last = await self.services.engine.handle(incoming)
                        return self.last
        raise AssertionError(f"no button {label!r} in {[r.buttons for r in self.last]}")

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.last)


@pytest.fixture
async def services(tmp_path: Path, kb: KnowledgeBase, matcher: Matcher) -> AsyncIterator[Services]:
    async with open_services(settings(tmp_path), kb, matcher) as opened:
        yield opened


@pytest.fixture
def reporter(services: Services) -> Callable[[str], Reporter]:
    return lambda user_id="77": Reporter(services, user_id)


async def fill_report(
    person: Reporter, offer: str = "Lowongan admin di Kamboja gaji 15 juta, visa turis"
) -> str:
    await person.say("/lapor")
    await person.press("Tawaran kerja")
    await person.say(offer)
    await person.press("Lanjut")
    await person.say("Pak Budi, WA 0812-0000-1111")
    await person.press("Lanjut")
    await person.press("Pariaman Utara")
    await person.say("Kamboja, admin online")  # one message: on at once
    await person.press("Belum")
    await person.press("Tidak")
    await person.say(attachments=(Attachment("photo", "photo-1"), Attachment("document", "doc-1")))
    await person.press("Selesai")
    await person.press("Anonim")
    await person.press("Ya, teruskan")
    assert "Periksa laporan" in person.text
    await person.press("Kirim")
    match = CODE.search(person.text)
    assert match, person.text
    return match.group()


async def test_complete_anonymous_report_gets_a_code_and_queues_card_and_evidence(
    reporter: Callable[[str], Reporter], services: Services
) -> None:
    code = await fill_report(reporter("77"))
    assert re.fullmatch(r"PRM-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code)
    assert services.reports is not None and services.outbox is not None
    report = await services.reports.by_code(code)
    assert report is not None
    assert (report.area, report.destination, report.risk) == ("Pariaman Utara", "Kamboja", "tinggi")
    assert report.answers["contact"] == "anonim"
    roles = [entry.role for entry in await services.outbox.entries()]
    assert roles == ["card", "evidence", "evidence", "howto"]  # the how-to: first of the day


async def test_named_report_keeps_the_contact_the_reporter_chose(
    reporter: Callable[[str], Reporter], services: Services
) -> None:
    person = reporter("78")
    await person.say("/lapor")
    await person.press("Tawaran kerja")
    await person.say("Kerja pabrik di Malaysia tanpa kontrak")
    await person.say("lanjut")
    await person.say("tidak tahu")
    await person.say("Desa Kampung Baru")
    await person.press("Tidak tahu")
    await person.press("Ya, sudah")
    await person.press("Tidak")
    await person.press("Selesai")
    await person.say("Siti, 0813-1111-2222")
    await person.press("Ya, teruskan")
    await person.press("Kirim")
    code = CODE.search(person.text)
    assert code and services.reports
    report = await services.reports.by_code(code.group())
    assert report and report.answers["contact"] == "Siti, 0813-1111-2222"
    assert report.area == "lainnya"


async def test_back_edit_and_cancel(reporter: Callable[[str], Reporter]) -> None:
    person = reporter()
    await person.say("/lapor")
    await person.press("Tawaran kerja")
    await person.say("Tawaran kerja di Taiwan lewat calo")
    await person.press("Lanjut")
    await person.press("Kembali")
    assert "Apa yang ditawarkan" in person.text
    await person.say("Tawaran kerja di Jepang lewat sponsor")  # a fresh answer, not added
    assert "«Tawaran kerja di Jepang lewat sponsor»" in person.text
    await person.press("Lanjut")
    assert "Siapa yang menawarkan" in person.text
    await person.say("/batal")
    assert "Hapus laporan ini?" in person.text
    await person.press("Ya, hapus")
    assert "dibatalkan" in person.text
    await person.say("/lapor")
    assert "Apa yang ingin Anda laporkan" in person.text  # a fresh draft


async def test_summary_edit_returns_to_summary(reporter: Callable[[str], Reporter]) -> None:
    person = reporter()
    await fill_report_until_summary(person)
    await person.press("Ubah")
    await person.press("Tujuan")
    await person.say("Myanmar, operator")  # one message: back at the summary at once
    assert "Periksa laporan" in person.text and "Myanmar, operator" in person.text


async def fill_report_until_summary(person: Reporter) -> None:
    await person.say("/lapor")
    await person.press("Tawaran kerja")
    await person.say("Lowongan operator online")
    await person.press("Lanjut")
    await person.press("Tidak tahu")
    await person.press("Pariaman Tengah")
    await person.press("Tidak tahu")
    await person.press("Belum")
    await person.press("Tidak tahu")
    await person.press("Selesai")
    await person.press("Anonim")
    await person.press("Ya, teruskan")


async def test_wrong_answers_get_clear_prompts(reporter: Callable[[str], Reporter]) -> None:
    person = reporter()
    await person.say("/lapor")
    await person.say("1")
    await person.say("??")
    assert "dengan kata-kata" in person.text
    await person.say("gaji")
    assert "lebih banyak" in person.text
    await person.say("Kerja di kapal ikan Taiwan")
    await person.say("lanjut")
    await person.say("tidak tahu")
    await person.press("Pariaman Timur")
    await person.press("Tidak tahu")
    await person.say("mungkin")
    assert "pilih salah satu tombol" in person.text.casefold()
    await person.say("belum")  # typed instead of pressed
    assert "dalam bahaya" in person.text
    await person.say("tidak")
    await person.say("Selesai")
    assert "menghubungi Anda" in person.text


async def test_danger_shows_emergency_contacts_first_and_marks_urgent(
    reporter: Callable[[str], Reporter], services: Services
) -> None:
    person = reporter()
    await person.say("/lapor")
    await person.press("Tawaran kerja")
    replies = await person.say("tolong adik sy dikurung agen di Malaysia")
    assert "110" in replies[0].text  # the emergency answer comes first
    assert "/lapor" not in replies[0].text
    assert "Tersimpan" in replies[-1].text and "pertanyaan 1 dari 9" in replies[-1].text
    await person.say("lanjut")
    await person.say("tidak tahu")
    await person.press("Pariaman Selatan")
    await person.say("Malaysia")
    await person.say("lanjut")
    await person.press("Ya, sudah")
    await person.press("Ya")
    assert "dalam bahaya" not in person.text  # already urgent: no second emergency answer
    await person.press("Selesai")
    await person.press("Anonim")
    await person.press("Ya, teruskan")
    await person.press("Kirim")
    code = CODE.search(person.text)
    assert code and services.reports
    report = await services.reports.by_code(code.group())
    assert report and report.urgent


async def test_pressing_send_twice_makes_one_report(
    reporter: Callable[[str], Reporter], services: Services
) -> None:
    person = reporter()
    await fill_report_until_summary(person)
    send = next(b for r in person.last for row in r.buttons for b in row if "Kirim" in b.label)
    first = await services.engine.handle(Incoming(person.user, choice=send.action))
    again = await services.engine.handle(Incoming(person.user, choice=send.action))
    first_code, again_code = (CODE.search(r[0].text) for r in (first, again))
    assert first_code and again_code and first_code.group() == again_code.group()
    assert services.reports and len(await services.reports.of_reporter(person.user)) == 1


async def test_no_consent_stores_nothing(
    reporter: Callable[[str], Reporter], services: Services
) -> None:
    person = reporter()
    await person.say("/lapor")
    await person.press("Tawaran kerja")
    await person.say("Tawaran jadi ART di Arab Saudi")
    await person.press("Lanjut")
    await person.press("Tidak tahu")
    await person.press("Pariaman Utara")
    await person.press("Tidak tahu")
    await person.press("Belum")
    await person.press("Tidak")
    await person.press("Selesai")
    await person.press("Anonim")
    await person.press("Tidak")
    assert "tidak kami teruskan" in person.text
    assert services.reports and await services.reports.of_reporter(person.user) == []
    assert services.outbox and await services.outbox.entries() == []


async def test_restart_in_the_middle_resumes_at_the_same_step(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with open_services(settings(tmp_path), kb, matcher) as first:
        person = Reporter(first)
        await person.say("/lapor")
        await person.press("Tawaran kerja")
        await person.say("Loker pabrik di Korea, bayar 30 juta")
        await person.say("lanjut")
        await person.say("PT Maju Jaya")
        await person.say("lanjut")
        assert "Di mana" in person.text
    async with open_services(settings(tmp_path), kb, matcher) as second:
        person = Reporter(second)
        await person.say("Kampung Pondok")  # the answer to the same step
        await person.say("lanjut")
        assert "Ke negara mana" in person.text
        await person.press("Tidak tahu")
        await person.press("Belum")
        await person.press("Tidak")
        await person.press("Selesai")
        await person.press("Anonim")
        await person.press("Ya, teruskan")
        assert "PT Maju Jaya" in person.text and "Loker pabrik di Korea" in person.text


async def test_other_commands_pause_the_draft_and_lapor_resumes_it(
    reporter: Callable[[str], Reporter],
) -> None:
    person = reporter()
    await person.say("/lapor")
    await person.press("Tawaran kerja")
    await person.say("Tawaran kerja kapal")
    await person.say("lanjut")
    await person.say("/menu")
    assert "Pilih topik" in person.text
    await person.say("syarat jadi tki apa")  # a question, not a report answer
    assert any(r.note and "Sumber" in r.note for r in person.last)
    await person.say("/lapor")
    assert "belum selesai" in person.text and "Siapa yang menawarkan" in person.text


async def test_status_shows_own_case_and_refuses_someone_elses(
    reporter: Callable[[str], Reporter], services: Services
) -> None:
    owner, stranger = reporter("81"), reporter("82")
    code = await fill_report(owner)
    await owner.say(f"/status {code}")
    assert code in owner.text and "Baru" in owner.text
    await owner.say("/status")
    assert code in owner.text
    await stranger.say(f"/status {code}")
    assert "tidak ditemukan" in stranger.text and "Kamboja" not in stranger.text


async def test_status_change_and_official_messages_reach_the_reporter(
    reporter: Callable[[str], Reporter], services: Services
) -> None:
    person = reporter("83")
    code = await fill_report(person)
    assert services.desk and services.reports and services.outbox
    await services.desk.act("9001", code, "diterima")
    report = await services.reports.by_code(code)
    assert report and report.status == "diterima"
    await services.desk.to_reporter(report, "Terima kasih, kami akan menghubungi Disnaker.", "9001")
    await person.say(f"/status {code}")
    assert "Diterima" in person.text and "menghubungi Disnaker" in person.text
    events = await services.reports.events(report)
    assert ("9001", "status", "diterima") in [(a, k, v) for _, a, k, v in events]
    roles = [e.role for e in await services.outbox.entries()]
    assert roles.count("notice") == 1 and roles.count("relay") == 1 and "card_update" in roles


async def test_reporter_answers_officials_through_the_bot(
    reporter: Callable[[str], Reporter], services: Services
) -> None:
    person = reporter("84")
    code = await fill_report(person)
    assert services.desk and services.reports and services.outbox
    report = await services.reports.by_code(code)
    assert report
    await services.desk.to_reporter(report, "Bisa kirim foto iklannya?", "9001")
    # The relayed message carries this button (see tests/test_telegram_reports.py end to end).
    person.last = [Reply("relay", buttons=((Button("↩️ Balas petugas", f"balas:{code}"),),))]
    await person.press("Balas petugas")
    assert "Tulis balasan" in person.text
    await person.say("Ini iklannya, dari grup WA", attachments=(Attachment("photo", "p-9"),))
    assert "diteruskan" in person.text
    relays = [e for e in await services.outbox.entries() if e.role == "relay"]
    assert len(relays) == 3  # officials' message, reporter's text, reporter's photo


async def test_marker_never_reaches_the_database_files_or_logs(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher, caplog: pytest.LogCaptureFixture
) -> None:
    marker = "MARKER-7f3a9c-RAHASIA"
    caplog.set_level("DEBUG")
    async with open_services(settings(tmp_path), kb, matcher) as opened:
        person = Reporter(opened)
        await person.say("/lapor")
        await person.press("Tawaran kerja")
        for answer in ("Tawaran kerja", "Perekrut", "Desa", "Kamboja"):
            await person.say(f"{answer} {marker}")
            await person.say("lanjut")
        await person.press("Belum")
        await person.press("Tidak")
        await person.say(f"bukti ada di hp {marker}")
        await person.press("Selesai")
        await person.say(f"HP {marker}")
        await person.say("lanjut")
        await person.press("Ya, teruskan")
        await person.press("Kirim")
        code = CODE.search(person.text)
        assert code and opened.desk and opened.reports
        report = await opened.reports.by_code(code.group())
        assert report
        await opened.desk.to_reporter(report, f"balasan {marker}", "9001")
        # still open: the WAL file holds the recent writes
        files = list(tmp_path.glob("bot.sqlite3*"))
        assert any(f.name.endswith("-wal") for f in files)
        for path in files:
            assert marker.encode() not in path.read_bytes(), path.name
    assert marker not in caplog.text


async def test_missing_or_wrong_key_refuses_to_start_once_reports_exist(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with open_services(settings(tmp_path), kb, matcher) as opened:
        await fill_report(Reporter(opened))
    with pytest.raises(EncryptionKeyError, match="not set"):
        async with open_services(settings(tmp_path, key=""), kb, matcher):
            pass
    with pytest.raises(EncryptionKeyError, match="not the key"):
        async with open_services(settings(tmp_path, key=generate_key()), kb, matcher):
            pass


async def test_without_key_reporting_is_off_and_says_where_to_report(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    async with open_services(settings(tmp_path, key=""), kb, matcher) as opened:
        person = Reporter(opened)
        await person.say("/lapor")
        assert "belum aktif" in person.text and "110" in person.text
        assert "/lapor" not in person.text  # not "not active here" then "type /lapor"


async def test_closed_cases_are_purged_after_retention(
    reporter: Callable[[str], Reporter], services: Services
) -> None:
    code = await fill_report(reporter())
    assert services.desk and services.reports
    for status in ("diterima", "ditindaklanjuti", "selesai"):
        await services.desk.act("9001", code, status)
    assert await services.reports.purge_closed(older_than_days=1) == 0
    async with services.database.transaction() as db:
        await db.execute("UPDATE reports SET closed_at = '2020-01-01T00:00:00+00:00'")
    assert await services.reports.purge_closed(older_than_days=365) == 1
    assert await services.reports.by_code(code) is None


async def test_idle_draft_is_reminded_once_then_discarded(
    reporter: Callable[[str], Reporter], services: Services
) -> None:
    from bot import housekeeping

    person = reporter()
    await person.say("/lapor")
    await person.press("Tawaran kerja")
    await person.say("Tawaran kerja ke Dubai")
    assert services.reports and services.outbox
    two_days_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat()
    async with services.database.transaction() as db:
        await db.execute("UPDATE drafts SET updated_at = ?", (two_days_ago,))
    await housekeeping.tidy(services.reports, services.engine.sessions, 365, lambda: None)
    await housekeeping.tidy(
        services.reports, services.engine.sessions, 365, lambda: None
    )  # reminded once only
    assert [e.role for e in await services.outbox.entries()] == ["reminder"]
    assert await services.reports.get_draft(person.user) is not None
    async with services.database.transaction() as db:
        await db.execute("UPDATE drafts SET updated_at = '2020-01-01T00:00:00+00:00'")
    await housekeeping.tidy(services.reports, services.engine.sessions, 365, lambda: None)
    assert await services.reports.get_draft(person.user) is None


async def test_a_reporter_who_reads_english_is_written_to_in_english(
    reporter: Callable[[str], Reporter], services: Services
) -> None:
    from bot import housekeeping

    person = reporter("85")
    code = await fill_report(person)
    await person.say("/language")
    await person.press("English")
    assert services.desk and services.reports and services.outbox
    await services.desk.act("9001", code, "diterima")
    report = await services.reports.by_code(code)
    assert report
    await services.desk.to_reporter(report, "Terima kasih, kami cek dulu.", "9001")
    await person.say("/lapor")  # a second report, left unfinished for a day
    async with services.database.transaction() as db:
        await db.execute("UPDATE drafts SET updated_at = '2020-01-01T00:00:00+00:00'")
    await housekeeping.tidy(services.reports, services.engine.sessions, 365, lambda: None)

    to_person = []
    while (item := await services.outbox.next_due()) is not None:
        await services.outbox.mark_sent(item, Sent())
        if item.recipient == person.user:
            to_person.append((item.role, item.payload["reply"]))
    assert [role for role, _ in to_person] == ["notice", "relay", "reminder"]
    (_, notice), (_, relay), (_, reminder) = to_person
    assert notice["text"].startswith(f"Report {code} is now: 📥 Received")
    assert "officials" in relay["text"] and "kami cek dulu" in relay["text"]
    assert relay["buttons"] == [[["↩️ Reply to the officials", f"balas:{code}"]]]
    assert "unfinished" in reminder["text"]
    await person.say(f"/status {code}")
    assert "Status: 📥 Received" in person.text
