"""Messages told as stories, the way real people write them, through the engine's answer."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.messages import Incoming, Reply, UserKey
from bot.sessions import MemorySessionStore
from tests.conftest import KnowledgeBase, Matcher


async def turn_for(engine: Engine, text: str) -> tuple[str | None, tuple[str, ...], Reply]:
    turn = await engine.respond(Incoming(UserKey("test", "7", "7"), text=text))
    [reply] = turn.replies
    return turn.topic, turn.alternatives, reply


def actions(reply: Reply) -> list[str]:
    return [button.action for row in reply.buttons for button in row]


@pytest.fixture
def engine(kb: KnowledgeBase, matcher: Matcher) -> Engine:
    return Engine(kb, MemorySessionStore(), matcher=matcher)


async def test_a_story_touching_two_problems_offers_both(engine: Engine) -> None:
    story = (
        "Adik saya di Malaysia, paspornya ditahan agen dan gajinya sudah empat bulan belum "
        "dibayar sama majikannya"
    )
    topic, offered, reply = await turn_for(engine, story)
    problems = {"paspor-ditahan", "gaji-tidak-dibayar"}
    # The answer helps (one of the two, or the problems-abroad answer that covers both), and
    # each problem is within one tap: the answer or one of the first two buttons.
    assert topic in problems | {"masalah-di-luar-negeri"}
    assert problems <= {topic, *offered[:2]}, (topic, offered)
    # the offered topics are the first buttons, in the order `ask --json` lists them
    assert actions(reply)[: len(offered)] == [f"topic:{t}" for t in offered]


@pytest.mark.parametrize(
    ("message", "topic", "helpful", "out_of_place"),
    [
        (
            "gaji istri saya di taiwan sudah 4 bulan tidak dibayar majikan dan dia mau pulang "
            "tapi tidak punya uang tiket",
            "gaji-tidak-dibayar",
            "pulang",
            "mundur-sebelum-berangkat",  # she left long ago
        ),
        (
            "suami saya meninggal di arab saudi dan majikannya tidak mau mengurus pemulangan "
            "jenazahnya, kami harus kemana",
            "meninggal-di-luar-negeri",
            "kontak-luar-negeri",  # the embassy is who arranges it
            "paspor-di-luar-negeri",
        ),
    ],
)
async def test_a_longer_messages_buttons_are_what_its_writer_needs_next(
    engine: Engine, message: str, topic: str, helpful: str, out_of_place: str
) -> None:
    # Between a short question and a story (11-29 words) the answer still leans on the
    # words, but the buttons follow the topic model, which learnt from real messages: the
    # words alone offered withdrawing before departure to a worker long abroad.
    answered, offered, reply = await turn_for(engine, message)
    assert answered == topic
    assert helpful in offered[:2], offered
    assert out_of_place not in offered, offered
    assert actions(reply)[:2] == [f"topic:{t}" for t in offered[:2]]


async def test_a_story_about_a_recruiter_gets_the_report_button(engine: Engine) -> None:
    story = (
        "Ada sponsor datang ke kampung kami, katanya ada kerja di pabrik Taiwan gaji 25 juta, "
        "tapi harus bayar 15 juta dulu dan berangkatnya pakai visa turis"
    )
    topic, offered, reply = await turn_for(engine, story)
    assert {topic, *offered} & {"calo", "tanda-bahaya", "biaya", "visa"}
    assert "cmd:lapor" in actions(reply)


async def test_a_story_about_a_relative_out_of_reach_gets_the_missing_report(
    engine: Engine,
) -> None:
    story = (
        "Kakak saya berangkat ke Arab Saudi lewat sponsor tiga tahun lalu, sejak lebaran kemarin "
        "nomornya tidak aktif dan kami tidak tahu dia di mana sekarang"
    )
    topic, offered, reply = await turn_for(engine, story)
    assert "keluarga-hilang-kontak" in (topic, *offered[:2])
    assert "cmd:lapor_hilang" in actions(reply)


async def test_someone_held_gets_the_emergency_answer_first_with_the_story_under_it(
    engine: Engine,
) -> None:
    story = (
        "Anak saya dikurung di mess perusahaan di Kamboja, hpnya diambil, dia dipaksa menipu "
        "orang lewat internet dan kalau target tidak tercapai dipukul"
    )
    topic, offered, reply = await turn_for(engine, story)
    assert topic == "darurat"
    assert len(offered) == 2 and "darurat" not in offered
    assert actions(reply)[:2] == [f"topic:{t}" for t in offered]
    assert "110" in reply.text[:400] or "Kemlu" in reply.text[:400]


@pytest.mark.parametrize(
    "statement",
    [
        # an umrah group stranded by its travel agency
        "Sudah tiga hari rombongan umrah kami tertahan di Jeddah, pihak travel tidak bisa "
        "dihubungi dan tiket pulang belum dibelikan",
        # a transmigrant
        "Kami transmigran dari Jawa, sudah lima tahun di sini tapi sertifikat lahan dua hektare "
        "yang dijanjikan belum juga keluar",
        # a factory dispute in Indonesia
        "Sudah tiga bulan gaji kami di pabrik sepatu di Gresik tidak dibayar, malah kami "
        "disuruh tanda tangan surat pengunduran diri supaya tidak dapat pesangon",
    ],
)
async def test_statements_about_other_troubles_are_declined_not_answered(
    engine: Engine, statement: str
) -> None:
    topic, _, reply = await turn_for(engine, statement)
    assert topic is None, reply.text[:200]
    assert "Maaf" in reply.text
