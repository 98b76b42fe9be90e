"""The report flow as frightened people actually use it: typing instead of pressing,
in Indonesian chat spelling, Minangkabau and English, several short messages for one
answer, navigation words, second thoughts. Real engine, real SQLite file in a temp dir.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot import deadlines, housekeeping
from bot.config import Settings
from bot.crypto import generate_hash_key, generate_key
from bot.flows.report import MAX_ANSWER
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import Attachment, Incoming
from bot.runtime import Services, open_services
from bot.safe_text import QUOTE_END, QUOTE_START
from tests.conftest import run_main
from tests.test_reports import CODE, Reporter

KEY = generate_key()
HASH_KEY = generate_hash_key()


def make_settings(tmp_path: Path, **extra: str) -> Settings:
    return Settings.from_environ(
        {
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "REPORTS_ENCRYPTION_KEY": KEY,
            "REPORTS_HASH_KEY": HASH_KEY,
            **extra,
        }
    )


@pytest.fixture
async def services(tmp_path: Path, kb: KnowledgeBase, matcher: Matcher) -> AsyncIterator[Services]:
    async with open_services(make_settings(tmp_path), kb, matcher) as opened:
        yield opened


@pytest.fixture
def person(services: Services) -> Reporter:
    return Reporter(services, "501")


async def answers(person: Reporter) -> dict[str, Any]:
    assert person.services.reports is not None
    draft = await person.services.reports.get_draft(person.user)
    assert draft is not None
    return draft.answers


async def step(person: Reporter) -> str:
    assert person.services.reports is not None
    draft = await person.services.reports.get_draft(person.user)
    assert draft is not None
    return draft.step


async def to_departed(person: Reporter) -> None:
    """An offer report typed all the way, up to question 5 (has anyone left?)."""
    await person.say("/lapor")
    await person.say("tawaran kerja")
    await person.say("Lowongan pabrik di Malaysia, gaji 12 juta")
    await person.say("lanjut")
    await person.say("gk tau")
    await person.say("Pariaman Tengah")
    await person.say("Malaysia, pabrik")
    await person.say("lanjut")
    assert "5/9" in person.text


# --- 1. typed answers to button steps ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("sudah", "ya"), ("iya", "ya"), ("ya", "ya"), ("Ya, sudah", "ya"), ("udh", "ya"),
        ("alah", "ya"), ("yes", "ya"),
        ("blm", "belum"), ("belum", "belum"), ("Belum ya kak", "belum"), ("tdk", "belum"),
        ("nggak", "belum"), ("alun", "belum"), ("not yet", "belum"),
        ("gk tau", "tidak tahu"), ("ga tau", "tidak tahu"), ("indak tau", "tidak tahu"),
        ("Tidak tahu", "tidak tahu"), ("I don't know", "tidak tahu"),
    ],
)  # fmt: skip
async def test_typed_answers_to_has_anyone_left(person: Reporter, typed: str, stored: str) -> None:
    await to_departed(person)
    await person.say(typed)
    assert (await answers(person))["departed"] == stored
    assert "6/9" in person.text and "pilih salah satu tombol" not in person.text.casefold()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("tdk", "tidak"), ("nggak", "tidak"), ("indak", "tidak"), ("no", "tidak"),
     ("iya", "ya"), ("ndak tau", "tidak tahu"), ("idk", "tidak tahu")],
)  # fmt: skip
async def test_typed_answers_to_is_anyone_in_danger(
    person: Reporter, typed: str, stored: str
) -> None:
    await to_departed(person)
    await person.say("blm")
    await person.say(typed)
    assert (await answers(person))["danger"] == stored
    assert "7/9" in person.text


async def test_typed_unknown_anonymous_and_consent(person: Reporter) -> None:
    await to_departed(person)
    await person.say("belum")
    await person.say("tidak")
    await person.say("gak ada")  # no evidence: the evidence step is done
    assert "8/9" in person.text
    await person.say("anonim aja")
    assert "9/9" in person.text
    await person.say("iya boleh")
    assert "Periksa laporan" in person.text
    stored = await answers(person)
    assert (stored["recruiter"], stored["contact"], stored["consent"]) == (
        "tidak tahu",
        "anonim",
        "ya",
    )
    await person.say("kirim")
    assert CODE.search(person.text)


async def test_an_unclear_typed_answer_says_what_can_be_typed(person: Reporter) -> None:
    await to_departed(person)
    await person.say("mungkin")
    assert "ketik: Ya, sudah / Belum / Tidak tahu" in person.text
    assert "departed" not in await answers(person)


# --- 2. navigation words are never answers -------------------------------------------


async def test_kembali_and_balik_go_back_and_are_not_saved(person: Reporter) -> None:
    await person.say("/lapor")
    await person.say("1")
    await person.say("Kerja kapal ikan di Taiwan")
    await person.say("lanjut")
    assert "2/9" in person.text
    await person.say("kembali")
    assert "1/9" in person.text
    assert (await answers(person)).get("recruiter") is None
    await person.say("lanjut")  # the offer is answered: on to 2/9 again
    await person.say("Balik")
    assert "1/9" in person.text and await step(person) == "offer"
    assert (await answers(person))["offer"] == "Kerja kapal ikan di Taiwan"


@pytest.mark.parametrize("word", ["batal", "cancel", "/batal", "Batal!"])
async def test_batal_asks_first_and_no_keeps_everything(person: Reporter, word: str) -> None:
    await to_departed(person)
    await person.say(word)
    assert "Hapus laporan ini?" in person.text
    await person.say("tidak")
    assert "5/9" in person.text  # back where the user was
    stored = await answers(person)
    assert stored["offer"].startswith("Lowongan pabrik") and "departed" not in stored
    await person.say(word)
    await person.say("ya")
    assert "dihapus" in person.text
    assert person.services.reports and await person.services.reports.get_draft(person.user) is None


async def test_the_delete_question_takes_only_yes_or_no(person: Reporter) -> None:
    await to_departed(person)
    await person.say("batal")
    for other in ("mungkin", "Belum", "enggak tau", "😭"):  # none of them answers "delete?"
        await person.say(other)
        assert "Hapus laporan ini?" in person.text, other
    assert "departed" not in await answers(person)  # and nothing of it was kept
    await person.say("ya hapus")
    assert "dihapus" in person.text


async def test_the_batal_button_asks_too(person: Reporter) -> None:
    await to_departed(person)
    await person.press("Batal")
    assert "Hapus laporan ini?" in person.text
    await person.press("Tidak, lanjutkan")
    assert "5/9" in person.text
    await person.press("Batal")
    await person.press("Ya, hapus")
    assert "dihapus" in person.text


async def test_menu_pauses_the_report_and_lapor_resumes_it(person: Reporter) -> None:
    await person.say("/lapor")
    await person.say("1")
    await person.say("Tawaran kerja di Jepang")
    await person.say("lanjut")
    await person.say("menu")  # the menu itself, with the report one tap away
    assert "disimpan" in person.text and "Pilih topik" in person.text
    assert (await answers(person)).get("recruiter") is None
    await person.press("Migrasi aman")
    assert "Pilih pertanyaan" in person.text
    await person.say("syarat jadi tki apa")  # a question again, not an answer
    assert (await answers(person)).get("recruiter") is None
    await person.say("/lapor")
    assert "belum selesai" in person.text and "2/9" in person.text


# --- 3. several short messages land in one answer ------------------------------------


async def test_three_short_messages_make_one_answer_and_never_shift_the_next(
    person: Reporter,
) -> None:
    await person.say("/lapor")
    await person.say("1")
    for part, shown in (
        ("adik saya", "«adik saya»"),
        ("ditawari kerja", "«adik saya ditawari kerja»"),
        ("di kamboja", "«adik saya ditawari kerja di kamboja»"),
    ):
        replies = await person.say(part)  # every message is answered at once
        assert len(replies) == 1 and "Tersimpan" in replies[0].text and shown in replies[0].text
        labels = [b.label for row in replies[0].buttons for b in row]
        assert labels == ["➡️ Lanjut", "⬅️ Kembali"]
    await person.press("Lanjut")
    assert "2/9" in person.text
    await person.say("namanya pak Anton")
    await person.say("nomornya 0812 3456 7890")
    await person.say("lanjut")
    stored = await answers(person)
    assert stored["offer"] == "adik saya ditawari kerja di kamboja"
    assert stored["recruiter"] == "namanya pak Anton nomornya 0812 3456 7890"
    assert "location" not in stored and "3/9" in person.text


# --- 4. second thoughts: consent, edit -----------------------------------------------


async def summary(person: Reporter) -> None:
    await to_departed(person)
    for typed in ("belum", "tidak", "selesai", "anonim"):
        await person.say(typed)


async def test_no_to_consent_keeps_the_draft_to_resume_or_delete(
    person: Reporter, services: Services
) -> None:
    await summary(person)
    await person.say("tidak")
    text = person.text
    assert "tidak kami teruskan" in text and "7 hari" in text
    assert "110" in text and "0800-1000" in text and "lapor.go.id" in text
    assert services.reports and await services.reports.of_reporter(person.user) == []
    await person.say("syarat kerja ke malaysia")  # the next question is a question again
    assert (await answers(person))["consent"] == "tidak"
    await person.say("/lapor")
    assert "9/9" in person.text  # resumes at consent, all eight answers kept
    await person.say("ya")
    assert "Periksa laporan" in person.text and "Lowongan pabrik" in person.text


async def test_a_declined_draft_is_not_nagged_and_goes_after_a_week(
    person: Reporter, services: Services
) -> None:
    await summary(person)
    await person.press("Tidak")
    assert services.reports and services.outbox
    two_days_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat()
    async with services.database.transaction() as db:
        await db.execute("UPDATE drafts SET updated_at = ?", (two_days_ago,))
    await housekeeping.tidy(services.reports, services.engine.sessions, 365, lambda: None)
    assert await services.outbox.entries() == []  # no reminder
    assert await services.reports.get_draft(person.user) is not None
    async with services.database.transaction() as db:
        await db.execute("UPDATE drafts SET updated_at = '2020-01-01T00:00:00+00:00'")
    await housekeeping.tidy(services.reports, services.engine.sessions, 365, lambda: None)
    assert await services.reports.get_draft(person.user) is None


async def test_declined_draft_can_be_deleted_at_once(person: Reporter) -> None:
    await summary(person)
    await person.press("Tidak")
    await person.press("Ya, hapus")
    assert "dihapus" in person.text
    assert person.services.reports and await person.services.reports.get_draft(person.user) is None


async def test_declined_draft_deleted_later_with_a_typed_batal(person: Reporter) -> None:
    await summary(person)
    await person.press("Tidak")
    await person.say("/batal")
    assert "Hapus laporan ini?" in person.text
    await person.say("iya")
    assert "dihapus" in person.text
    assert person.services.reports and await person.services.reports.get_draft(person.user) is None


async def test_edit_list_and_back_return_to_the_summary(person: Reporter) -> None:
    await summary(person)
    await person.say("ya")
    await person.press("Ubah")
    await person.press("Kembali ke ringkasan")
    assert "Periksa laporan" in person.text
    await person.press("Ubah")
    await person.press("Tujuan")
    assert "4/9" in person.text
    assert "Jawaban sekarang: «Malaysia, pabrik»" in person.text  # what a new answer replaces
    await person.press("Kembali")
    assert "Periksa laporan" in person.text and "Malaysia, pabrik" in person.text
    await person.press("Ubah")
    await person.press("Perekrut")
    await person.say("kembali")  # typed, the same
    assert "Periksa laporan" in person.text and "Perekrut: tidak tahu" in person.text
    await person.press("Ubah")
    await person.press("Sudah berangkat")
    await person.say("udah")
    assert "Periksa laporan" in person.text and "Sudah berangkat: ya" in person.text


# --- 5. a family member abroad who cannot be reached ---------------------------------


async def test_missing_family_report_end_to_end(person: Reporter, services: Services) -> None:
    await person.say("/lapor")
    replies = await person.press("Keluarga di luar negeri")
    assert "KBRI/KJRI" in replies[0].text and "0800-1000" in replies[0].text  # at once
    assert "1/9" in replies[-1].text and "Siapa yang tidak bisa dihubungi" in replies[-1].text
    for typed in (
        "anak saya, Rina, 22 tahun",
        "sejak 3 minggu. terakhir WA tanggal 2",
        "Malaysia, Johor Bahru",
        "calo dari kampung, lewat Dumai naik kapal",
    ):
        await person.say(typed)
        await person.say("lanjut")
    await person.say("pariaman timur")
    assert "6/9" in person.text
    replies = await person.say("iyo")  # Minangkabau yes: they fear for her
    assert "110" in replies[0].text  # emergency contacts at once
    await person.say("ada foto tiket kapalnya di hp suami sy")
    await person.say("selesai")
    await person.say("anonim")
    await person.say("ya")
    assert "Jenis: 🆘" in person.text and "MENDESAK" in person.text
    await person.say("kirim")
    code = CODE.search(person.text)
    assert code and "110" in person.text  # an urgent receipt repeats the numbers
    assert services.reports and services.outbox
    report = await services.reports.by_code(code.group())
    assert report and report.urgent
    assert (report.area, report.destination) == ("Pariaman Timur", "Malaysia")
    assert [e.role for e in await services.outbox.entries()].count("card") == 1
    item = await services.outbox.next_due()
    assert item and item.role == "card"
    header = item.payload["reply"]["text"]
    assert "🆘 Keluarga hilang kontak · Pariaman Timur → Malaysia" in header
    assert "🚨 MENDESAK" in header and "Risiko: TINGGI" in header
    # The reporter's words are fenced as quotations in the detail; read them without fences.
    assert services.desk
    detail = (await services.desk.case(code.group())).text
    card = detail.replace(QUOTE_START, "").replace(QUOTE_END, "")
    for line in (
        "Yang hilang kontak: anak saya, Rina, 22 tahun",
        "Sejak / kontak terakhir: sejak 3 minggu",
        "Terakhir berada: Malaysia, Johor Bahru",
        "Diberangkatkan oleh: calo dari kampung, lewat Dumai",
        "Keluarga tinggal di: Pariaman Timur",
        "Catatan bukti: ada foto tiket kapalnya di hp suami sy",
        "🚨 MENDESAK",
    ):
        assert line in card, line


@pytest.mark.parametrize("opening", ["/lapor_hilang", "/start lapor_hilang"])
async def test_missing_family_report_from_a_link_or_command(person: Reporter, opening: str) -> None:
    await person.say(opening)
    assert "KBRI/KJRI" in person.text and "Siapa yang tidak bisa dihubungi" in person.text
    assert (await answers(person))["kind"] == "hilang"


async def test_missing_family_report_from_a_topic_button(person: Reporter) -> None:
    person.last = await person.services.engine.handle(
        Incoming(person.user, choice="cmd:lapor_hilang")
    )
    assert "Siapa yang tidak bisa dihubungi" in person.text


async def test_the_story_typed_at_the_first_question_chooses_the_kind_and_is_kept(
    person: Reporter,
) -> None:
    await person.say("/lapor")
    await person.say("anak saya hilang kontak sudah 2 minggu di malaysia")
    assert "KBRI/KJRI" in person.text and "Tersimpan" in person.text
    assert (await answers(person))["person"] == "anak saya hilang kontak sudah 2 minggu di malaysia"


# --- 6. typed evidence, and the warning in the same message --------------------------


async def test_evidence_step_keeps_a_typed_note_beside_files(person: Reporter) -> None:
    await to_departed(person)
    await person.say("belum")
    replies = await person.say("tidak")
    [prompt] = replies
    assert "7/9" in prompt.text and "GPS" in prompt.text  # one message, not two
    await person.say("ada screenshot nya tp di hp anak sy")
    assert "Catatan bukti tersimpan" in person.text
    await person.say("", attachments=(Attachment("photo", "p-1"),))
    await person.say("selesai")
    stored = await answers(person)
    assert stored["evidence_note"] == "ada screenshot nya tp di hp anak sy"
    assert stored["evidence"] == [["photo", "p-1"]]


# --- 7. danger inside the flow -------------------------------------------------------


async def test_danger_at_a_button_step_says_the_report_waits(person: Reporter) -> None:
    await to_departed(person)
    replies = await person.say("tolong adik sy dikurung agen, gk boleh keluar")
    assert "110" in replies[0].text and "/lapor" not in replies[0].text
    assert "tersimpan di pertanyaan 5 dari 9" in replies[-1].text
    assert "pilih salah satu tombol" not in person.text.casefold()
    assert (await answers(person))["urgent"] is True and "departed" not in await answers(person)
    assert any("Belum" in b.label for row in replies[-1].buttons for b in row)


async def test_danger_at_the_danger_question_answers_it(person: Reporter) -> None:
    await to_departed(person)
    await person.say("sudah")
    await person.say("dia disekap di mess, tolong")
    stored = await answers(person)
    assert stored["danger"] == "ya" and stored["urgent"] is True and "7/9" in person.text


# --- 8. the receipt promises only what is true ---------------------------------------


async def test_receipt_without_officials_says_stored_and_who_to_call(person: Reporter) -> None:
    await summary(person)
    await person.say("ya")
    await person.say("kirim")
    assert "belum ada petugas" in person.text and "diteruskan" not in person.text
    assert "110" in person.text and "0800-1000" in person.text


async def test_receipt_with_officials_says_forwarded_and_when(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    settings = make_settings(
        tmp_path,
        OFFICIALS_CHAT_ID="-100200",
        RESPONSE_ACK_HOURS="48",
        RESPONSE_ACTION_WORKING_DAYS="5",
    )
    async with open_services(settings, kb, matcher) as opened:
        person = Reporter(opened)
        await summary(person)
        await person.say("ya")
        await person.say("kirim")
        code = CODE.search(person.text)
        assert code and opened.reports
        report = await opened.reports.by_code(code.group())
        assert report
    created = dt.datetime.fromisoformat(report.created_at).astimezone(deadlines.WIB)
    assert "diteruskan ke petugas" in person.text
    ack = created + dt.timedelta(hours=48)
    assert f"{ack.day} " in person.text and f"{ack.hour:02d}.{ack.minute:02d} WIB" in person.text
    day, working = created.date(), 0
    while working < 5:  # counted by hand here: Monday to Friday
        day += dt.timedelta(days=1)
        working += day.weekday() < 5
    assert f"{day.day} " in person.text.split("menindaklanjuti")[1]


def test_working_days_skip_weekends_and_holidays() -> None:
    friday_evening = dt.datetime(2026, 12, 4, 12, 30, tzinfo=dt.UTC)  # 19:30 WIB
    assert deadlines.act_by(friday_evening, 3) == dt.date(2026, 12, 9)  # Wednesday
    holiday = {dt.date(2026, 12, 7)}
    assert deadlines.act_by(friday_evening, 3, holiday) == dt.date(2026, 12, 10)
    late_sunday = dt.datetime(2026, 12, 6, 18, 0, tzinfo=dt.UTC)  # Monday 01:00 WIB
    assert deadlines.act_by(late_sunday, 1) == dt.date(2026, 12, 8)
    ack = deadlines.acknowledge_by(friday_evening, 24)
    assert deadlines.format_moment(ack, "id") == "Sabtu, 5 Des 2026, pukul 19.30 WIB"


# --- finding 8: forged button data cannot skip questions ------------------------------


async def press_data(person: Reporter, data: str) -> None:
    person.last = await person.services.engine.handle(Incoming(person.user, choice=data))


async def test_forged_change_consent_then_yes_then_send_files_nothing(
    person: Reporter, services: Services
) -> None:
    await person.say("/lapor")
    await person.say("1")
    for data in ("lapor:change:consent", "lapor:opt:ya", "lapor:send"):
        await press_data(person, data)
    assert services.reports and await services.reports.of_reporter(person.user) == []
    assert "1/9" in person.text  # still at the first question


async def test_forged_change_evidence_then_done_then_send_files_nothing(
    person: Reporter, services: Services
) -> None:
    await to_departed(person)
    for data in ("lapor:change:evidence", "lapor:opt:selesai", "lapor:send"):
        await press_data(person, data)
    assert services.reports and await services.reports.of_reporter(person.user) == []
    assert "consent" not in await answers(person)


async def test_send_rechecks_every_answer_even_from_the_summary(
    person: Reporter, services: Services
) -> None:
    await summary(person)
    await person.say("ya")
    assert services.reports
    draft = await services.reports.get_draft(person.user)
    assert draft
    draft.answers["consent"] = "tidak"  # as if a crafted sequence had left it so
    draft.answers.pop("danger")
    await services.reports.save_draft(draft)
    await press_data(person, "lapor:send")
    assert await services.reports.of_reporter(person.user) == []
    assert "belum lengkap" in person.text and "6/9" in person.text


@pytest.mark.parametrize(
    "data",
    [
        "lapor:opt:ya:x",
        "lapor:send ",
        "lapor:change:",
        "lapor:opt:" + "a" * 60,
        "lapor:kind:hilang",
    ],
)
async def test_malformed_button_data_changes_nothing(person: Reporter, data: str) -> None:
    await to_departed(person)
    before = dict(await answers(person))
    await press_data(person, data)
    assert await answers(person) == before and "5/9" in person.text


# --- first run: the demo in the terminal ---------------------------------------------


def clean_env(tmp_path: Path) -> dict[str, str]:
    drop = ("TELEGRAM_", "REPORTS_", "OFFICIAL", "DATABASE_PATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["DATABASE_PATH"] = str(tmp_path / "data" / "migran-aman.sqlite3")
    return env


DEMO_SCRIPT = "\n".join(
    [
        "/lapor", "1", "adik saya ditawari kerja", "di Kamboja gaji 15 juta, visa turis",
        "lanjut", "gk tau", "Pariaman Utara", "kamboja, admin online", "lanjut", "blm",
        "tdk", "ada screenshot nya tp di hp anak sy", "selesai", "anonim aja", "iya", "kirim",
        "/petugas", "1", "4", "/pelapor", "/status",
    ]
)  # fmt: skip


def test_a_whole_demo_report_piped_into_main(tmp_path: Path) -> None:
    result = run_main(env=clean_env(tmp_path), stdin=DEMO_SCRIPT + "\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "DEMO" in out.splitlines()[0]
    assert "belum aktif" not in out
    code = CODE.search(out)
    assert code and "diteruskan ke petugas" in out
    card = out.split("Grup petugas (demo)")[1]
    assert f"Kode: {code.group()}" in card and "Pariaman Utara → Kamboja" in card
    detail = out.split("Riwayat")[0]  # the card's 🔎 Detail, pressed by its number
    assert "Tawaran: │ adik saya ditawari kerja di Kamboja" in detail
    assert "Catatan bukti: │ ada screenshot" in detail
    assert f"Status {code.group()}: 📥 Diterima" in out  # the official pressed the card
    assert (
        "Pesan untuk pelapor" in out and f"{code.group()}: 📥 Diterima" in out.split("/status")[-1]
    )
    assert (tmp_path / "data" / "demo" / "demo.key").exists()


def test_a_real_key_never_uses_the_demo(tmp_path: Path) -> None:
    env = clean_env(tmp_path) | {
        "REPORTS_ENCRYPTION_KEY": generate_key(),
        "REPORTS_HASH_KEY": generate_hash_key(),
    }
    result = run_main("chat", env=env, stdin="/lapor\n")
    assert result.returncode == 0, result.stderr
    assert "DEMO" not in result.stdout and "Apa yang ingin Anda laporkan" in result.stdout
    assert not (tmp_path / "data" / "demo").exists()


async def test_english_story_picks_the_kind_and_cancel_with_nothing_typed_needs_no_question(
    person: Reporter,
) -> None:
    await person.say("/report")
    await person.say("my brother cannot be contacted in malaysia")
    assert (await answers(person))["person"] == "my brother cannot be contacted in malaysia"
    await person.say("/lapor")  # a second draft is not started: the first one resumes
    assert "2/9 Since when" in person.text  # "who" takes one message: on at once
    await person.say("he went 3 weeks ago")
    assert (await answers(person))["since"] == "he went 3 weeks ago"
    other = Reporter(person.services, "502")
    await other.say("/lapor")
    await other.say("cancel")
    assert "dihapus" in other.text and "Hapus laporan ini?" not in other.text


@pytest.mark.parametrize(
    ("typed", "kept", "area"),
    [
        ("naras", "Naras (Pariaman Utara)", "Pariaman Utara"),
        ("di Kurai Taji", "Kurai Taji (Pariaman Selatan)", "Pariaman Selatan"),
        ("sei pasak", "Sei Pasak (Pariaman Timur)", "Pariaman Timur"),
    ],
)
async def test_the_kecamatan_seats_are_understood(
    person: Reporter, typed: str, kept: str, area: str
) -> None:
    await person.say("/lapor")
    await person.say("tawaran kerja")
    await person.say("Lowongan pabrik di Malaysia, gaji 12 juta")
    await person.say("lanjut")
    await person.say("gk tau")
    await person.say(typed)
    stored = await answers(person)
    assert (stored["location"], stored["area"]) == (kept, area) and "4/9" in person.text


async def test_evidence_sent_instead_of_answering_the_delete_question_is_kept(
    person: Reporter,
) -> None:
    await to_departed(person)
    await person.say("belum")
    await person.say("tidak")
    await person.say("batal")
    await person.say("", attachments=(Attachment("photo", "p-9"),))
    assert "Bukti tersimpan (1)" in person.text
    assert (await answers(person))["evidence"] == [["photo", "p-9"]]


async def test_an_answer_past_the_limit_is_kept_up_to_it_and_the_reporter_is_told(
    person: Reporter,
) -> None:
    await person.say("/lapor")
    await person.say("tawaran kerja")
    story = ("Kakak saya ditawari kerja pabrik di Malaysia. " * 260).strip()  # 11,959
    await person.say(story)
    kept = (await answers(person))["offer"]
    assert kept == story[:MAX_ANSWER]
    cut = f"{len(story) - MAX_ANSWER:,}".replace(",", ".")
    assert "batas 10.000 huruf" in person.text and f"{cut} huruf terakhir" in person.text
