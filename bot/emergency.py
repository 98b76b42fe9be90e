"""The emergency answer where the person is: when a message, or the report being written,
names a destination country, that country's own numbers (knowledge/countries.yaml, from
contacts.yaml only) come first, inside the answer, before the numbers that work from
anywhere. Someone locked in an employer's house in Hong Kong needs 999 before Indonesia's 110.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.countries import Country, find_country
from bot.knowledge import Entry, KnowledgeBase, placeholders, render_contacts
from bot.texts import text

EMERGENCY_TOPIC = "darurat"
# The answers that put a named country's numbers first: the emergency and the list of numbers.
COUNTRY_FIRST_TOPICS = frozenset({EMERGENCY_TOPIC, "kontak-darurat"})
# A line of an answer that only lists contacts ("• {kontak:kp2mi_whatsapp}"): once all of them
# are among the country's numbers above, the line would only repeat them.
_CONTACTS_ONLY = re.compile(r"\s*•?\s*(?:\{kontak:[^{}]*\}[\s,;.]*)+")


def country_named(kb: KnowledgeBase, texts: Iterable[str]) -> Country | None:
    """The first country any of `texts` names (the message first, then the report's answers)."""
    for said in texts:
        country = find_country(said, kb.countries)
        if country is not None:
            return country
    return None


def with_country_first(kb: KnowledgeBase, entry: Entry, country: Country | None, lang: str) -> str:
    """The entry's answer; for the emergency answers, with the named country's numbers
    above it. Each number is shown once: a contact listed above (or given there as
    another's fallback) is only named further down, and a line that would only repeat
    such contacts goes."""
    if country is None or not country.contacts or entry.id not in COUNTRY_FIRST_TOPICS:
        return kb.render_answer(entry, lang)
    lines = [text("emergency_in_country", lang, country=country.name[lang])]
    shown: frozenset[str] = frozenset()
    for key in country.contacts:
        if key not in shown:  # already there as an earlier contact's fallback
            lines.append(f"• {kb.contacts[key].render(lang, shown)}")
            shown |= kb.contacts[key].shown_keys
    rest = [
        line
        for line in entry.answer[lang].splitlines()
        if not (_CONTACTS_ONLY.fullmatch(line) and set(placeholders(line)) <= shown)
    ]
    return "\n".join(lines) + "\n\n" + render_contacts("\n".join(rest), kb.contacts, lang, shown)


def country_sources(kb: KnowledgeBase, entry: Entry, country: Country | None) -> list[str]:
    """Where the country's numbers come from, for the answer's source note."""
    if country is None or entry.id not in COUNTRY_FIRST_TOPICS:
        return []
    contacts = [kb.contacts[key] for key in country.contacts]
    return list(dict.fromkeys(c.cite or c.source for c in contacts))
