"""Source lines are read by citizens: in their language, and free of editors' tags."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.engine import Engine
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from tests.conftest import Chat

# Words that mark an Indonesian citation; an English reader should not meet them.
INDONESIAN_CITATION_WORDS = re.compile(r"\b(pasal|ayat|tentang|dan|yang|untuk|sebagai|laman)\b")


def _set_sources(directory: Path, entry_id: str, sources: list[object]) -> str:
    for path in sorted(directory.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in (document or {}).get("entries", []) if isinstance(document, dict) else []:
            if entry["id"] == entry_id:
                entry["sources"] = sources
                path.write_text(
                    yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
                    encoding="utf-8",
                )
                return path.name
    raise AssertionError(f"no entry {entry_id}")


def _problems(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(directory)
    return [str(p) for p in caught.value.problems]


async def test_english_reader_sees_english_sources(chat: Chat) -> None:
    english = await chat.say("After I report, what happens next?")
    assert english[0].note and english[0].note.startswith("Sources:")
    assert "Ministerial Reg. P2MI 23/2025 art. 18" in english[0].note
    assert not INDONESIAN_CITATION_WORDS.search(english[0].note)


async def test_indonesian_reader_sees_indonesian_sources(chat: Chat) -> None:
    replies = await chat.say("setelah saya melapor, apa yang terjadi?")
    assert replies[0].note and replies[0].note.startswith("Sumber:")
    assert "Peraturan Menteri/Badan P2MI 23/2025 pasal 18" in replies[0].note


def test_no_shown_source_carries_a_tag_or_the_wrong_language(
    kb: KnowledgeBase, engine: Engine
) -> None:
    for entry in kb.entries.values():
        for lang in ("id", "en"):
            note = engine.answer(entry, lang).note or ""
            assert "facts.md" not in note and "[verify]" not in note, (entry.id, lang)
        english = engine.answer(entry, "en").note or ""
        assert not INDONESIAN_CITATION_WORDS.search(english), (entry.id, english)


def test_check_kb_refuses_internal_tags_one_problem_each(kb_copy: Path) -> None:
    file = _set_sources(
        kb_copy,
        "visa",
        [
            "facts.md: visa kerja",
            {"id": "Antara 2020 [verify]", "en": "Antara 2020"},
            "UU 18/2017 TODO pasal",
            "UU 18/2017 pasal 13",
        ],
    )
    problems = [p for p in _problems(kb_copy) if p.startswith(f"{file}: visa:")]
    assert problems == [
        f"{file}: visa: source #1 shows the internal tag 'facts.md' to citizens; cite the "
        "public source instead, and put what is still to confirm in reviewed.verify",
        f"{file}: visa: source #2 (id) shows the internal tag '[verify]' to citizens; cite the "
        "public source instead, and put what is still to confirm in reviewed.verify",
        f"{file}: visa: source #3 shows the internal tag 'TODO' to citizens; cite the "
        "public source instead, and put what is still to confirm in reviewed.verify",
    ]


def test_a_source_pair_needs_both_languages(kb_copy: Path) -> None:
    file = _set_sources(kb_copy, "visa", [{"id": "UU 18/2017 pasal 13"}, ["a", "list"]])
    problems = _problems(kb_copy)
    assert f"{file}: visa: 'sources #1' is missing the 'en' translation" in problems
    assert f"{file}: visa: 'sources' #2 must be a text or {{id: ..., en: ...}}" in problems
