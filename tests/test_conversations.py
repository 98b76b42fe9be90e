"""Conversations as people really have them (issue 18), each replayed three times: on the
engine with a real database, through the Telegram channel against the fake Bot API, and
through the WhatsApp channel against the fake Cloud API. Every
transcript is one that went wrong before: answers merged into the wrong question, words
saved as answers, the cancel question ignored, a long story cut, the emergency numbers of
the wrong country, thanks answered with the introduction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest

from bot.config import Settings
from bot.crypto import generate_hash_key, generate_key
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import Incoming, Reply, UserKey
from bot.reports import Draft
from bot.runtime import Services, open_services
from tests.fake_telegram import FakeTelegram, visible_text
from tests.test_telegram_reports import OFFICIALS, REPORTER, serving, settings_for
from tests.test_whatsapp import USER, Bot, whatsapp_alone

# A story of 2,460 characters whose end matters (it was cut at 2,000: "…berangkatnya le").
STORY = (
    ("Adik saya ditawari kerja jadi admin di Kamboja oleh kenalan di Facebook, gaji 15 juta, "
     "katanya visa turis dulu lalu diurus di sana. ") * 20
)[:2400] + " Yang penting: berangkatnya lewat Dumai naik kapal malam hari."  # fmt: skip
assert len(STORY) == 2462


@dataclass(frozen=True)
class Line:
    """One message and what the bot's answer to it must (not) say. `before`: pairs of texts
    of which the first must come first ("999" before "110")."""

    said: str
    shows: tuple[str, ...] = ()
    hides: tuple[str, ...] = ()
    before: tuple[tuple[str, str], ...] = ()


def say(said: str, *shows: str, hides: tuple[str, ...] = (), before: Any = ()) -> Line:
    return Line(said, shows, hides, before)


@dataclass(frozen=True)
class Transcript:
    name: str
    lines: tuple[Line, ...]
    answers: dict[str, Any] = field(default_factory=dict)  # the draft's, at the end
    check: Callable[[Driver], Awaitable[None]] | None = None


class Driver(Protocol):
    services: Services
    user: UserKey

    async def send(self, said: str, line: Line) -> str: ...

    async def card(self) -> str: ...


# --- the transcripts ---------------------------------------------------------------

TO_SUMMARY = (
    say("/lapor", "Apa yang ingin Anda laporkan"),
    say("tawaran kerja", "1/9"),
    say("Lowongan admin di Kamboja, gaji 15 juta", "Tersimpan"),
    say("lanjut", "2/9"),
    say("gk tau", "3/9"),
    say("Pariaman Tengah", "4/9"),
    say("Kamboja, admin", "5/9"),
    say("blm", "6/9"),
    say("tdk", "7/9"),
    say("selesai", "8/9"),
    say("anonim", "9/9"),
    say("ya", "Periksa laporan"),
)

FAMILY_ANSWERS_STAY_APART = Transcript(
    "1a: each answer stays with its question; the kecamatan seat is understood",
    (
        say("/lapor", "Apa yang ingin Anda laporkan"),
        say("keluarga hilang kontak", "1/9"),
        say("anak saya Rina, 22 tahun", "Tersimpan: «anak saya Rina, 22 tahun»", "2/9"),
        say("sejak 3 minggu, terakhir WA", "3/9"),
        say("Malaysia, Johor", "4/9"),
        say("calo dari kampung", "Tersimpan", "Lanjut"),
        say("lewat Dumai naik kapal", "«calo dari kampung lewat Dumai naik kapal»"),
        # The next question's answer while the story is open: it goes to the next question.
        say("naras", "Tersimpan: «Naras (Pariaman Utara)»", "6/9", "✏️ Ubah jawaban"),
        say("iya takut sekali 😭", "KBRI Kuala Lumpur", "7/9"),
        say("selesai", "8/9"),
        say("selesai", "belum dijawab", "8/9", hides=("9/9",)),
        say("0812 1111 2222 (ibunya)", "9/9"),
        say(
            "ya",
            "Keluarga tinggal di: Naras (Pariaman Utara)",
            "Dikhawatirkan dalam bahaya: ya",
            "Kontak: 0812 1111 2222 (ibunya)",
        ),
    ),
    answers={
        "taken_by": "calo dari kampung lewat Dumai naik kapal",
        "family_area": "Naras (Pariaman Utara)",
        "fear": "ya",
        "contact": "0812 1111 2222 (ibunya)",
        "urgent": True,
    },
)

ONE_MESSAGE_STEPS = Transcript(
    "1b: one message answers a short question; 'lanjut' after it only confirms",
    (
        say("/lapor", "Apa yang ingin Anda laporkan"),
        say("tawaran kerja", "1/9"),
        say("Lowongan admin di Kamboja, gaji 15 juta", "Tersimpan"),
        say("gk tau", "3/9"),  # "who offered it?": answered, not added to the offer
        say("Pariaman Tengah", "4/9"),
        say("Kamboja, admin", "Tersimpan: «Kamboja, admin»", "5/9"),
        say("lanjut", "sudah tersimpan", "5/9"),
        say("blm", "6/9"),
    ),
    answers={
        "offer": "Lowongan admin di Kamboja, gaji 15 juta",
        "recruiter": "tidak tahu",
        "destination": "Kamboja, admin",
        "departed": "belum",
    },
)

SUMMARY_WORDS = Transcript(
    "2: 'ubah', a part's name and 'kirim' work at the summary; '1' sends nothing",
    (
        *TO_SUMMARY,
        say("ubah", "Bagian mana"),
        say("tempat", "Jawaban sekarang: «Pariaman Tengah»", "3/9", "Tetap"),
        say("naras", "Periksa laporan", "Tempat: Naras (Pariaman Utara)"),
        say("✏️ Ubah", "Bagian mana"),
        say("kontak", "Jawaban sekarang: «Anonim»", "8/9"),
        say("0812 3333 4444", "Periksa laporan", "Kontak: 0812 3333 4444"),
        say("ganti tujuan", "Jawaban sekarang: «Kamboja, admin»", "4/9"),
        say("Malaysia, pabrik", "Tujuan: Malaysia, pabrik"),
        say("bukti", "7/9"),
        say("selesai", "Periksa laporan"),
        say("1", "Periksa laporan", hides=("Kode kasus",)),
        say("edit", "Bagian mana"),
        say("kirim", "Kode kasus"),
    ),
)

CANCEL_QUESTION = Transcript(
    "3a: the cancel question takes only yes or no, and nothing typed there is kept",
    (
        say("/lapor", "Apa yang ingin Anda laporkan"),
        say("tawaran kerja", "1/9"),
        say("Lowongan pabrik di Malaysia gaji 12 juta", "Tersimpan"),
        say("lanjut", "2/9"),
        say("batal", "Hapus laporan ini?"),
        say("enggak jadi", "tidak dihapus", "2/9"),
        say("batal", "Hapus laporan ini?"),
        say("mungkin nanti", "Hapus laporan ini?"),
        say("PT Maju Jaya", "Hapus laporan ini?"),
        say("gak", "tidak dihapus", "2/9"),
        # The keep button's label typed, and other ways of saying no.
        say("batal", "Hapus laporan ini?"),
        say("↩️ Tidak, lanjutkan", "tidak dihapus", "2/9"),
        say("batal", "Hapus laporan ini?"),
        say("gak usah", "tidak dihapus", "2/9"),
        say("batal", "Hapus laporan ini?"),
        say("no keep it", "kept", "2/9"),  # in English from here: the person wrote English
    ),
    answers={"offer": "Lowongan pabrik di Malaysia gaji 12 juta", "recruiter": None},
)

CANCEL_YES = Transcript(
    "3b: 'ya hapus' deletes",
    (
        say("/lapor", "Apa yang ingin Anda laporkan"),
        say("tawaran kerja", "1/9"),
        say("Lowongan pabrik di Malaysia gaji 12 juta", "Tersimpan"),
        say("batal", "Hapus laporan ini?"),
        say("ya hapus", "dihapus"),
    ),
    answers={"deleted": True},
)

NAVIGATION_WORDS = Transcript(
    "4: navigation, thanks, commands and subscription words are never answers",
    (
        say("/lapor", "Apa yang ingin Anda laporkan"),
        say("tawaran kerja", "1/9"),
        say("gak tau", "perlu dijawab", "1/9"),
        say("skip", "tidak bisa dilewati", "1/9"),
        say("tolong", "110", "pertanyaan 1 dari 9"),
        say("makasih", "Sama-sama", "1/9"),
        say("cek status", "perintah", "1/9"),
        say("langganan", "perintah"),
        say("berhenti langganan", "perintah"),
        say("stop info", "perintah"),
        say("😭🙏", "dengan kata-kata"),
        say("Loker pabrik di Malaysia, gaji 12 juta", "Tersimpan"),
        say("sudah", "2/9"),  # "that is all": as Lanjut
        say("lewati", "Tersimpan: «Tidak tahu»", "3/9"),
        say("kembali", "Jawaban sekarang: «Tidak tahu»", "2/9", "Tetap"),
        say("tetap", "3/9"),
        say("menu", "Pilih topik", "Lanjutkan laporan"),
    ),
    answers={"offer": "Loker pabrik di Malaysia, gaji 12 juta", "recruiter": "tidak tahu"},
)


async def long_story_is_whole(driver: Driver) -> None:
    assert driver.services.reports is not None and driver.services.desk is not None
    [report] = await driver.services.reports.of_reporter(driver.user)
    assert report.answers["offer"] == STORY  # stored whole: nothing cut without a word
    card = await driver.card()
    assert "Adik saya" not in card  # the card is its short header (issue 21) ...
    detail = (await driver.services.desk.case(report.code)).text  # ... 🔎 Detail, /kasus CODE
    assert "huruf lagi" not in detail and STORY[-400:] in detail  # ... shows the story whole


LONG_STORY = Transcript(
    "5: a 2,460-character story is kept whole; screens say how much more there is",
    (
        say("/lapor", "Apa yang ingin Anda laporkan"),
        say("tawaran kerja", "1/9"),
        say(STORY, "Tersimpan", "huruf lagi, tersimpan utuh"),
        *TO_SUMMARY[3:],
        say("kirim", "Kode kasus"),
    ),
    check=long_story_is_whole,
)

EMERGENCY_ABROAD = Transcript(
    "6: the emergency answer puts the named country's numbers first",
    (
        say(
            "anak saya dikurung di rumah majikan di hongkong... nomor yg bisa dihubungi skrg apa??",
            "Di Hong Kong",
            "999",
            "2157 9537",
            "+852 3651 0200",
            before=(("999", "110"),),
        ),
        say(
            "my daughter is locked in her employer's house in hong kong, "
            "what number can I call now??",
            "In Hong Kong",
            "999",
            before=(("999", "110"),),
        ),
        say("resep rendang padang gimana", "0800-1000", "+62 21 2924 4800"),
    ),
)

THANKS = Transcript(
    "8: thanks and closings get a short, warm closing",
    (
        say("ok makasih", "Sama-sama", "Menu utama", hides=("calo",)),
        say("makasih ya", "Sama-sama", hides=("belum bisa menjawab",)),
        say("ok", "Baik", hides=("belum bisa menjawab",)),
        say("sip", "Baik", hides=("belum bisa menjawab",)),
        say("terima kasih", "Sama-sama", hides=("Yang bisa saya bantu",)),
        say("thank you so much", "You're welcome"),
    ),
)

LANGUAGE = Transcript(
    "9: the language follows the person",
    (
        say("help", "What I can do"),
        say("bantuan", "Yang bisa saya bantu"),
        say("<a href=https://x.com>klik</a> paspor ditahan agen", "Paspor milik Anda"),
    ),
)

SMALL_ONES = Transcript(
    "10: nothing to cancel, no words, and 'status laporan saya' is /status",
    (
        say("batal", "Tidak ada yang perlu dibatalkan"),
        say("🤔🤔🤔", "Saya bisa menjawab", "lapor)"),  # "/lapor", on WhatsApp "*lapor*"
        say("?", "Saya bisa menjawab"),
        say("status laporan saya gimana?", "belum punya laporan"),
    ),
)

TRANSCRIPTS = [
    FAMILY_ANSWERS_STAY_APART,
    ONE_MESSAGE_STEPS,
    SUMMARY_WORDS,
    CANCEL_QUESTION,
    CANCEL_YES,
    NAVIGATION_WORDS,
    LONG_STORY,
    EMERGENCY_ABROAD,
    THANKS,
    LANGUAGE,
    SMALL_ONES,
]


# --- the drivers ---------------------------------------------------------------------


def shown(replies: list[Reply]) -> str:
    """What a person sees of the replies: texts and button labels."""
    parts = []
    for reply in replies:
        parts.append(reply.text)
        parts += [button.label for row in reply.buttons for button in row]
    return "\n".join(parts)


async def shown_all(seen: Callable[[], str], line: Line) -> None:
    """Until the channel has shown everything the line expects (or 10 s passed)."""
    for _ in range(400):
        now = seen()
        if now and all(part in now for part in line.shows):
            return
        await asyncio.sleep(0.025)


async def settled(count: Callable[[], int], quiet: float = 0.15) -> None:
    """Until no new message has come for `quiet` seconds: a channel sends one answer as
    several messages, and a late one must neither be missed nor counted for the next line."""
    last, still = count(), 0.0
    while still < quiet:
        await asyncio.sleep(0.05)
        now = count()
        last, still = now, (still + 0.05 if now == last else 0.0)


class EngineDriver:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.user = UserKey("test", "18", "18")

    async def send(self, said: str, line: Line) -> str:
        return shown(await self.services.engine.handle(Incoming(self.user, text=said)))

    async def card(self) -> str:
        assert self.services.outbox is not None
        item = await self.services.outbox.next_due()
        assert item is not None and item.role == "card"
        return str(item.payload["reply"]["text"])


class TelegramDriver:
    """The same person in a private chat with the real Application, over the fake Bot API."""

    def __init__(self, tg: FakeTelegram, services: Services) -> None:
        self.tg = tg
        self.services = services
        self.user = UserKey("telegram", str(REPORTER), str(REPORTER))

    async def send(self, said: str, line: Line) -> str:
        strict = bool(line.hides or line.before)  # what else arrives matters: no stragglers
        if strict:
            await settled(lambda: len(self.tg.messages(REPORTER)))
        before = len(self.tg.messages(REPORTER))
        self.tg.send_text(REPORTER, said)
        await shown_all(lambda: self._since(before), line)
        if strict:
            await settled(lambda: len(self.tg.messages(REPORTER)))
        return self._since(before)

    def _since(self, before: int) -> str:
        parts = []
        for message in self.tg.messages(REPORTER)[before:]:
            parts.append(visible_text(message.get("text", ""), "HTML"))  # the bot's HTML
            keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            parts += [button["text"] for row in keyboard for button in row]
        return "\n".join(parts)

    async def card(self) -> str:
        for _ in range(200):
            cards = [m for m in self.tg.messages(OFFICIALS) if "Kode:" in m.get("text", "")]
            if cards:
                return visible_text(cards[0]["text"], "HTML")
            await asyncio.sleep(0.025)
        raise AssertionError("no card in the officials' group")


class WhatsAppDriver:
    """The same person on WhatsApp: the real webhook and channel, the fake Cloud API. The
    channel turns a lone "batal" or "menu" into its command, as WhatsApp has no "/"."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.user = UserKey("whatsapp", USER, USER)

    async def send(self, said: str, line: Line) -> str:
        strict = bool(line.hides or line.before)
        if strict:
            await settled(lambda: len(self.bot.fake.messages(USER)))
        before = len(self.bot.fake.messages(USER))
        await self.bot.say(said)
        await shown_all(lambda: self._since(before), line)
        if strict:
            await settled(lambda: len(self.bot.fake.messages(USER)))
        return self._since(before)

    def _since(self, before: int) -> str:
        parts = []
        for sent in self.bot.fake.messages(USER)[before:]:
            parts.append(sent.text.replace("*", ""))  # WhatsApp's bold titles
            parts += [title for title, _ in sent.options]
        return "\n".join(parts)

    async def card(self) -> str:  # no officials' channel here: the card waits in the outbox
        return await EngineDriver(self.services).card()


async def replay(driver: Driver, transcript: Transcript) -> None:
    for number, line in enumerate(transcript.lines, start=1):
        seen = await driver.send(line.said, line)
        where = f"{transcript.name}, line {number} {line.said[:40]!r}:\n{seen}"
        for part in line.shows:
            assert part in seen, f"{where}\n-- should show {part!r}"
        for part in line.hides:
            assert part not in seen, f"{where}\n-- should not show {part!r}"
        for first, then in line.before:
            assert first in seen and seen.index(first) < seen.index(then), where
    store = driver.services.reports
    assert store is not None
    draft: Draft | None = await store.get_draft(driver.user)
    for key, value in transcript.answers.items():
        if key == "deleted":
            assert draft is None, transcript.name
            continue
        assert draft is not None, transcript.name
        assert draft.answers.get(key) == value, (transcript.name, key, draft.answers)
    if transcript.check is not None:
        await transcript.check(driver)


@pytest.fixture
async def engine_services(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> AsyncIterator[Services]:
    settings = Settings.from_environ(
        {
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "OFFICIALS_CHAT_ID": str(OFFICIALS),
            "REPORTS_ENCRYPTION_KEY": generate_key(),
            "REPORTS_HASH_KEY": generate_hash_key(),
        }
    )
    async with open_services(settings, kb, matcher) as services:
        yield services


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=lambda t: t.name.split(":")[0])
async def test_on_the_engine(engine_services: Services, transcript: Transcript) -> None:
    await replay(EngineDriver(engine_services), transcript)


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=lambda t: t.name.split(":")[0])
async def test_on_telegram(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher, transcript: Transcript
) -> None:
    with FakeTelegram() as tg:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        settings = settings_for(tg, tmp_path, generate_key())
        async with serving(tg, settings, kb, matcher) as services:
            await replay(TelegramDriver(tg, services), transcript)


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=lambda t: t.name.split(":")[0])
async def test_on_whatsapp(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher, transcript: Transcript
) -> None:
    async with whatsapp_alone(tmp_path, kb, matcher) as (bot, services):
        await replay(WhatsAppDriver(bot, services), transcript)
