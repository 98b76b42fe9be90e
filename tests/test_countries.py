"""Which destination a message names, and the emergency answer that puts its numbers first."""

from __future__ import annotations

import pytest

from bot.countries import find_country, statistics_name
from bot.emergency import country_named, with_country_first
from bot.knowledge import KnowledgeBase


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
    shown = with_country_first(kb, entry, answer, hong_kong, "id")
    assert shown.startswith("Di Hong Kong, hubungi:") and shown.endswith(answer)
    assert shown.index("999") < shown.index("2157 9537") < shown.index("110")
    # Another topic, or a country without numbers of its own, is left as it is.
    assert with_country_first(kb, kb.entries["visa"], "x", hong_kong, "id") == "x"
    jepang = country_named(kb, ["kerja di jepang"])
    assert jepang is not None and with_country_first(kb, entry, answer, jepang, "id") == answer
