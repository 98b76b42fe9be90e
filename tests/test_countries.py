"""Which destination a message names, and the emergency answer that puts its numbers first."""

from __future__ import annotations

import re

import pytest

from bot.countries import find_country, statistics_name
from bot.emergency import country_named, country_sources, with_country_first
from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.messages import Incoming, UserKey
from tests.test_content import NEWS_OUTLETS


@pytest.mark.parametrize(
    ("said", "country"),
    [
        ("anak saya dikurung di rumah majikan di hongkong", "hong-kong"),
        ("my sister is locked up in Hong Kong", "hong-kong"),
        ("adik di hk dipukul majikan", "hong-kong"),
        ("kerja di malaysa", "malaysia"),  # one letter missing in a long name
        ("dibawa ke Kamboja, bukan Thailand", "kamboja"),  # the first one named
        ("kerja di Uni Emirat Arab", "uni-emirat-arab"),  # not "arab" = Arab Saudi
        ("baa kaba urang di Taiwan", "taiwan"),
        ("kerja ke luar negeri aman", None),
        ("oman", "oman"),
        ("aman", None),  # a short name must be typed as it is
    ],
)
def test_the_country_a_message_names(kb: KnowledgeBase, said: str, country: str | None) -> None:
    found = find_country(said, kb.countries)
    assert (found.id if found else None) == country


def test_destinations_are_counted_under_the_country_s_indonesian_name(kb: KnowledgeBase) -> None:
    assert statistics_name("hongkong, PRT", kb.countries) == "Hong Kong"
    assert statistics_name("Arab saudi", kb.countries) == "Arab Saudi"
    assert statistics_name("tidak tahu", kb.countries) == "tidak diketahui"
    assert statistics_name("Narnia", kb.countries) == "lainnya"


def test_the_emergency_answer_puts_the_country_s_numbers_first(kb: KnowledgeBase) -> None:
    entry = kb.entries["darurat"]
    answer = kb.render_answer(entry, "id")
    hong_kong = country_named(kb, ["", "di hongkong"])
    shown = with_country_first(kb, entry, hong_kong, "id")
    assert shown.startswith("Di Hong Kong, hubungi:")
    assert shown.index("999") < shown.index("2157 9537") < shown.index("110")
    # Another topic is left as it is.
    visa = kb.entries["visa"]
    assert with_country_first(kb, visa, hong_kong, "id") == kb.render_answer(visa, "id")
    assert with_country_first(kb, entry, None, "id") == answer


def test_every_listed_country_has_numbers_that_exist(kb: KnowledgeBase) -> None:
    for country in kb.countries:
        assert country.contacts, country.id
        assert all(key in kb.contacts for key in country.contacts), country.id
    by_id = {country.id: country for country in kb.countries}
    assert by_id["malaysia"].contacts[0] == "kbri_kuala_lumpur"
    assert by_id["hong-kong"].contacts[:3] == ("hk_999", "hk_fdh", "kjri_hongkong")
    assert by_id["taiwan"].contacts[:2] == ("taiwan_1955", "taipei_labor_office")


@pytest.mark.parametrize("topic", ["darurat", "kontak-darurat"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_number_is_listed_twice_in_one_answer(kb: KnowledgeBase, topic: str, lang: str) -> None:
    """The answer already names some of a country's contacts (KBRI Kuala Lumpur, 999, the
    Foreign Ministry's hotline, KP2MI from abroad as a fallback): each number shows once."""
    entry = kb.entries[topic]
    for country in kb.countries:
        shown = with_country_first(kb, entry, country, lang)
        for key in country.contacts:
            contact = kb.contacts[key]
            if contact.is_phone:
                assert shown.count(contact.value[lang]) == 1, (country.id, key, shown)
        assert shown.count(kb.contacts["kp2mi_luar_negeri"].value[lang]) == 1, country.id


async def test_locked_in_in_hong_kong_gets_hong_kong_s_numbers_before_indonesia_s(
    engine: Engine,
) -> None:
    said = "anak saya dikurung di rumah majikan di hongkong… nomor yg bisa dihubungi skrg apa??"
    [reply] = await engine.handle(Incoming(UserKey("test", "hk", "hk"), text=said))
    answer = reply.text
    assert answer.startswith("Di Hong Kong, hubungi:")
    assert answer.index("999") < answer.index("110")
    assert answer.index("Departemen Tenaga Kerja Hong Kong") < answer.index("110")
    assert answer.index("2157 9537") < answer.index("110")


async def test_a_malaysia_message_shows_kbri_kuala_lumpur_first(engine: Engine) -> None:
    said = "istri sy dikurung majikan di malaysia, hp nya disita. tolong"
    [reply] = await engine.handle(Incoming(UserKey("test", "my", "my"), text=said))
    first = reply.text.splitlines()[1]
    assert first.startswith("• Hotline KBRI Kuala Lumpur: +60 17-668 8032")
    assert reply.text.count("+60 17-668 8032") == 1


def test_a_country_s_numbers_are_credited_to_their_office_not_a_news_site(
    kb: KnowledgeBase,
) -> None:
    """The emergency answer's source note names where a citizen can check each number."""
    darurat = kb.entries["darurat"]
    for country in kb.countries:
        for cited in country_sources(kb, darurat, country):
            words = set(re.findall(r"[a-z]+", cited.lower()))
            assert not words & set(NEWS_OUTLETS) and "lama" not in words, (country.id, cited)
