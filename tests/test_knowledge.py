"""Loading the knowledge base, and every problem check-kb must name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.knowledge import (
    ANSWER_HARD_LIMIT,
    FIRST_SCREEN,
    PHONE_LIKE,
    SOURCE_LIMIT,
    SOURCES_LIMIT,
    KnowledgeBase,
    KnowledgeError,
    load_knowledge,
)
from tests.conftest import KNOWLEDGE_DIR, SHARED_EVAL


def _problems(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(directory)
    return [str(p) for p in caught.value.problems]


def _edit_entry(directory: Path, file: str, entry_id: str, **changes: object) -> None:
    path = directory / file
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in document["entries"]:
        if entry["id"] == entry_id:
            for key, value in changes.items():
                if value is None:
                    entry.pop(key, None)
                else:
                    entry[key] = value
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _file_of(kb: KnowledgeBase, entry_id: str) -> str:
    return kb.entries[entry_id].file


def test_real_knowledge_base_loads(kb: KnowledgeBase) -> None:
    assert len(kb.entries) >= 32
    assert [g.id for g in kb.groups] == ["migrasi-aman", "kenali-tppo", "bantuan-lapor"]
    for entry in kb.entries.values():
        assert entry.sources, entry.id
        assert entry.questions, entry.id
        for lang in ("id", "en"):
            assert entry.title[lang] and entry.answer[lang], entry.id


def _topic_ids(path: Path) -> list[str]:
    topics = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [topic["id"] for group in topics.values() for topic in group]


@pytest.mark.skipif(not (SHARED_EVAL / "topics.yaml").exists(), reason="../shared/eval absent")
def test_every_evaluated_topic_has_exactly_one_entry() -> None:
    """Both topic lists (the original 32 and those added later) each get exactly one entry."""
    wanted = _topic_ids(SHARED_EVAL / "topics.yaml")
    assert len(wanted) == 32
    if (SHARED_EVAL / "topics-new.yaml").exists():
        wanted += _topic_ids(SHARED_EVAL / "topics-new.yaml")
    # Read the files themselves: the loader would stop at a duplicate before we could count.
    written = [
        entry["id"]
        for path in sorted(KNOWLEDGE_DIR.glob("*.yaml"))
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("entries", [])
    ]
    for topic in wanted:
        assert written.count(topic) == 1, (topic, written.count(topic))


def test_no_answer_holds_a_raw_phone_number(kb: KnowledgeBase) -> None:
    hotlines = {c.value["id"] for c in kb.contacts.values() if c.value["id"].isdigit()}
    for entry in kb.entries.values():
        for lang in ("id", "en"):
            raw = re.sub(r"\{kontak:[^}]*\}", "", entry.answer[lang])
            assert not PHONE_LIKE.search(raw), (entry.id, lang)
            for hotline in hotlines:
                assert not re.search(rf"(?<![\w.]){hotline}(?!\w|\.\d)", raw), (entry.id, hotline)


def test_rendered_answers_name_real_contacts_and_fit_a_phone(kb: KnowledgeBase) -> None:
    call_centre = kb.contacts["kp2mi_call_centre"]
    assert call_centre.value == {"id": "0800-1000", "en": "0800-1000"}
    for entry in kb.entries.values():
        for lang in ("id", "en"):
            rendered = kb.render_answer(entry, lang)
            assert "{kontak:" not in rendered
            assert len(rendered) <= ANSWER_HARD_LIMIT, (entry.id, lang, len(rendered))
    assert "0800-1000" in kb.render_answer(kb.entries["kontak-darurat"], "id")


def test_raw_phone_number_in_an_answer_is_refused(kb: KnowledgeBase, kb_copy: Path) -> None:
    file = _file_of(kb, "visa")
    _edit_entry(
        kb_copy, file, "visa", answer={"id": "Telepon 0812-3456-7890 ya.", "en": "Call 110."}
    )
    problems = _problems(kb_copy)
    assert any("visa" in p and "0812-3456-7890" in p for p in problems)
    assert any("visa" in p and "'110'" in p for p in problems)


def test_unknown_contact_is_refused(kb: KnowledgeBase, kb_copy: Path) -> None:
    file = _file_of(kb, "visa")
    _edit_entry(kb_copy, file, "visa", answer={"id": "Hubungi {kontak:tidak_ada}.", "en": "Call."})
    assert f"{file}: visa: answer (id) names unknown contact 'tidak_ada'" in _problems(kb_copy)


def test_unknown_key_missing_translation_and_dangling_related(
    kb: KnowledgeBase, kb_copy: Path
) -> None:
    file = _file_of(kb, "biaya")
    _edit_entry(
        kb_copy, file, "biaya", color="red", title={"id": "Biaya"}, related=["tidak-ada-topik"]
    )
    problems = _problems(kb_copy)
    assert f"{file}: biaya: unknown key 'color'" in problems
    assert f"{file}: biaya: 'title' is missing the 'en' translation" in problems
    assert f"{file}: biaya: 'related' names unknown topic 'tidak-ada-topik'" in problems


def test_duplicate_id_is_refused(kb_copy: Path) -> None:
    path = kb_copy / "kenali-tppo.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = document["entries"][0]["id"]
    document["entries"][1]["id"] = first
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert any(f"kenali-tppo.yaml: {first}: duplicate id" in p for p in _problems(kb_copy))


def test_missing_required_key_and_bad_date(kb: KnowledgeBase, kb_copy: Path) -> None:
    file = _file_of(kb, "pulang")
    _edit_entry(kb_copy, file, "pulang", sources=None, reviewed="kemarin")
    problems = _problems(kb_copy)
    assert f"{file}: pulang: missing 'sources'" in problems
    assert any("pulang: 'reviewed' must be a date" in p for p in problems)


def test_answer_too_long_is_refused(kb: KnowledgeBase, kb_copy: Path) -> None:
    file = _file_of(kb, "visa")
    long_text = "Kata " * 300
    _edit_entry(kb_copy, file, "visa", answer={"id": long_text, "en": "Short."})
    assert any("visa: answer (id) is" in p and "limit is 1000" in p for p in _problems(kb_copy))


def test_unparsable_yaml_names_file_and_line(kb_copy: Path) -> None:
    (kb_copy / "lexicon.yaml").write_text("words:\n  gmn: [bagaimana\n", encoding="utf-8")
    problems = _problems(kb_copy)
    assert any(p.startswith("lexicon.yaml: cannot read YAML at line") for p in problems)


def test_all_problems_are_reported_at_once(kb: KnowledgeBase, kb_copy: Path) -> None:
    _edit_entry(kb_copy, _file_of(kb, "visa"), "visa", colour="x")
    _edit_entry(kb_copy, _file_of(kb, "biaya"), "biaya", related=["nowhere"])
    (kb_copy / "warning_signs.yaml").write_text("levels: {sedang: 3}\nsigns: []\n")
    problems = _problems(kb_copy)
    assert any("visa: unknown key 'colour'" in p for p in problems)
    assert any("biaya: 'related' names unknown topic 'nowhere'" in p for p in problems)
    assert any(p.startswith("warning_signs.yaml: 'levels'") for p in problems)


def test_bad_warning_sign_regex_is_named(kb_copy: Path) -> None:
    path = kb_copy / "warning_signs.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["signs"][0]["patterns"] = ["gaji (besar"]
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    sign = document["signs"][0]["id"]
    assert any(p.startswith(f"warning_signs.yaml: {sign}: pattern") for p in _problems(kb_copy))


def test_missing_folder_is_one_clear_problem(tmp_path: Path) -> None:
    assert _problems(tmp_path / "nope") == [f"{tmp_path / 'nope'}: folder not found"]


# --- an emergency number still to confirm comes with a confirmed one to try -----------


def test_a_number_to_confirm_renders_with_a_confirmed_fallback(kb: KnowledgeBase) -> None:
    hotline = kb.contacts["kemlu_pelindungan_wni"]
    assert hotline.verify
    rendered = hotline.render("id")
    assert "konfirmasi" not in rendered
    assert "bila tidak tersambung, hubungi KP2MI dari luar negeri: +62 21 2924 4800" in rendered
    assert "if it does not connect, call KP2MI from abroad" in hotline.render("en")


def test_no_emergency_answer_asks_to_confirm_a_number(kb: KnowledgeBase) -> None:
    for topic in ("darurat", "kontak-darurat"):
        for lang in ("id", "en"):
            rendered = kb.render_answer(kb.entries[topic], lang)
            assert "konfirmasi ulang" not in rendered and "please confirm" not in rendered


def _edit_contact(directory: Path, key: str, **changes: object) -> None:
    path = directory / "contacts.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for field, value in changes.items():
        if value is None:
            document["contacts"][key].pop(field, None)
        else:
            document["contacts"][key][field] = value
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def test_check_kb_wants_a_fallback_for_a_number_to_confirm(kb_copy: Path) -> None:
    _edit_contact(kb_copy, "lpsk", fallback=None)
    assert any(
        p.startswith("contacts.yaml: lpsk: a number still to confirm needs")
        for p in _problems(kb_copy)
    )


def test_check_kb_refuses_a_fallback_that_is_itself_to_confirm(kb_copy: Path) -> None:
    _edit_contact(kb_copy, "lpsk", fallback="kemlu_pelindungan_wni")
    _edit_contact(kb_copy, "lpsk_whatsapp", fallback="nowhere")
    problems = _problems(kb_copy)
    assert (
        "contacts.yaml: lpsk: 'fallback' must be a confirmed contact, not 'kemlu_pelindungan_wni'"
        in problems
    )
    assert "contacts.yaml: lpsk_whatsapp: 'fallback' names unknown contact 'nowhere'" in problems


# --- the first screen, the sources and the suggested phrases (issue 19) -------------------


def test_an_answer_must_say_what_to_do_in_its_first_screen(
    kb: KnowledgeBase, kb_copy: Path
) -> None:
    file = _file_of(kb, "visa")
    story = "Visa kerja wajib. " * 30  # 540 characters before the first contact
    _edit_entry(
        kb_copy,
        file,
        "visa",
        answer={"id": f"{story}Tanya {{kontak:polisi}}.", "en": "Ask {kontak:polisi}."},
    )
    problems = _problems(kb_copy)
    assert (
        f'{file}: visa: answer (id) names no contact, /command or ketik "..." in its first '
        f"{FIRST_SCREEN} characters; say what to do or whom to call first"
    ) in problems
    assert not any("visa: answer (en) names no contact" in p for p in problems)


def test_source_lines_have_a_length_budget(kb: KnowledgeBase, kb_copy: Path) -> None:
    file = _file_of(kb, "visa")
    headline = "Berita: " + "judul berita yang panjang sekali " * 4
    _edit_entry(kb_copy, file, "visa", sources=[headline, *["UU 18/2017 pasal 13 " * 2] * 4])
    problems = _problems(kb_copy)
    assert any(
        p.startswith(f"{file}: visa: source #1 (id) is ") and f"limit is {SOURCE_LIMIT}" in p
        for p in problems
    )
    assert any(
        p.startswith(f"{file}: visa: sources (en) are ") and f"limit is {SOURCES_LIMIT}" in p
        for p in problems
    )


def test_a_suggested_phrase_must_reach_another_topic(kb: KnowledgeBase, kb_copy: Path) -> None:
    file = _file_of(kb, "visa")
    _edit_entry(
        kb_copy,
        file,
        "visa",
        answer={
            "id": 'Cek lewat /cek, lalu ketik "visa kerja resmi".',
            "en": 'Check with /cek, then type "emergency".',
        },
    )
    _edit_entry(kb_copy, _file_of(kb, "biaya"), "biaya", standalone=["biaya"])
    _edit_entry(
        kb_copy,
        _file_of(kb, "biaya"),
        "biaya",
        answer={"id": 'Cek lewat /cek; ketik "biaya".', "en": 'Check with /cek; type "biaya".'},
    )
    problems = _problems(kb_copy)
    assert (
        f'{file}: visa: answer (id) suggests typing "visa kerja resmi", which reaches no '
        "topic: add it to the 'standalone' of the topic it means"
    ) in problems
    assert not any('suggests typing "emergency"' in p for p in problems)  # a danger trigger
    biaya = _file_of(kb, "biaya")
    assert (
        f'{biaya}: biaya: answer (id) suggests typing "biaya", which leads back to this same answer'
        in problems
    )


def test_a_suggested_phrase_a_trigger_captures_is_refused(kb: KnowledgeBase, kb_copy: Path) -> None:
    """Listed as a way into kontak-darurat, "kontak darurat" would still reach the emergency
    answer, whose trigger "darurat" it contains: check-kb says so."""
    _edit_entry(
        kb_copy, _file_of(kb, "kontak-darurat"), "kontak-darurat", standalone=["kontak darurat"]
    )
    file = _file_of(kb, "visa")
    _edit_entry(
        kb_copy,
        file,
        "visa",
        answer={"id": 'Cek /cek; ketik "kontak darurat".', "en": "Check with /cek."},
    )
    assert (
        f'{file}: visa: answer (id) suggests typing "kontak darurat", which reaches '
        "'darurat', not 'kontak-darurat' that lists it"
    ) in _problems(kb_copy)


# --- countries (issue 18) -----------------------------------------------------------


def test_countries_name_their_places_and_only_known_contacts(kb: KnowledgeBase) -> None:
    hong_kong = next(c for c in kb.countries if c.id == "hong-kong")
    assert {"hongkong", "hong kong", "hk"} <= set(hong_kong.names)
    assert hong_kong.contacts and all(key in kb.contacts for key in hong_kong.contacts)


def test_check_kb_names_country_problems(kb_copy: Path) -> None:
    path = kb_copy / "countries.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["countries"][0]["contacts"] = ["no_such_line"]
    document["countries"][1]["names"].append("malaysia")  # already Malaysia's
    document["countries"].append({"id": "atlantis", "name": {"id": "Atlantis"}})
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    problems = "\n".join(_problems(kb_copy))
    assert "countries.yaml: malaysia: 'contacts' names unknown contact 'no_such_line'" in problems
    assert "'names': 'malaysia' is also malaysia's" in problems
    assert "atlantis: 'names' needs at least one name" in problems
    assert "atlantis: 'name' is missing the 'en' translation" in problems
