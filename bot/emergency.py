"""The emergency answer where the person is: when a message, or the report being written,
names a destination country, that country's own numbers (knowledge/countries.yaml, from
contacts.yaml only) come first, inside the answer, before the numbers that work from
anywhere. Someone locked in an employer's house in Hong Kong needs 999 before Indonesia's 110.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.countries import Country, find_country
from bot.knowledge import Entry, KnowledgeBase
from bot.texts import text

EMERGENCY_TOPIC = "darurat"
# The answers that put a named country's numbers first: the emergency and the list of numbers.
COUNTRY_FIRST_TOPICS = frozenset({EMERGENCY_TOPIC, "kontak-darurat"})


def country_named(kb: KnowledgeBase, texts: Iterable[str]) -> Country | None:
    """The first country any of `texts` names (the message first, then the report's answers)."""
    for said in texts:
        country = find_country(said, kb.countries)
        if country is not None:
            return country
    return None


def with_country_first(
    kb: KnowledgeBase, entry: Entry, answer: str, country: Country | None, lang: str
) -> str:
    """`answer` (the entry's rendered text) with the country's numbers above it."""
    if country is None or not country.contacts or entry.id not in COUNTRY_FIRST_TOPICS:
        return answer
    lines = [text("emergency_in_country", lang, country=country.name[lang])]
    lines += [f"• {kb.contacts[key].render(lang)}" for key in country.contacts]
    return "\n".join(lines) + "\n\n" + answer


def country_sources(kb: KnowledgeBase, entry: Entry, country: Country | None) -> list[str]:
    """Where the country's numbers come from, for the answer's source note."""
    if country is None or entry.id not in COUNTRY_FIRST_TOPICS:
        return []
    return list(dict.fromkeys(kb.contacts[key].source for key in country.contacts))
