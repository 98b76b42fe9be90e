"""Recruiters named twice: a later report that names the same recruiter, however written,
carries the same mark, so its card says "🔗 Mungkin terkait" (the number case runs end to
end in tests/test_case_desk.py); different people never share one."""

from __future__ import annotations

from bot.case_links import marks_of
from bot.crypto import Cipher, Hasher, generate_hash_key, generate_key

CIPHER = Cipher(generate_key(), Hasher(generate_hash_key()))


def test_the_same_recruiter_named_another_way_is_marked_the_same() -> None:
    first = marks_of({"recruiter": "Pak Darman (sponsor)"}, CIPHER)
    later = marks_of({"taken_by": "sponsor namanya darman"}, CIPHER)
    assert first and first == later
    assert marks_of({"recruiter": "Bu Sari, agen di Dumai"}, CIPHER).isdisjoint(first)


def test_answers_without_a_name_or_number_mark_nothing() -> None:
    for said in ("tidak tahu", "gk tau", "calo", "pak"):
        assert marks_of({"recruiter": said}, CIPHER) == set()


def test_a_number_marks_the_report_whichever_answer_holds_it() -> None:
    offer = marks_of({"offer": "Loker Malaysia, wa 0812-3456-7890"}, CIPHER)
    note = marks_of({"evidence_note": "chat dari +62 812 3456 7890"}, CIPHER)
    assert offer and offer == note
