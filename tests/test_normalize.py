from __future__ import annotations

from bot.normalize import Lexicon, clean, normalize


def test_case_punctuation_emoji_and_elongation_are_removed() -> None:
    assert clean("Tolonggg!!! 🙏 Kerja di MALAYSIA??") == "tolong kerja di malaysia"


def test_zero_width_and_right_to_left_marks_split_nothing_into_garbage() -> None:
    assert clean("pas\u200bpor\u200f ditahan\u202e") == "pas por ditahan"
    assert clean("\u200b\u200f\u202e") == ""


def test_numbers_are_kept_and_units_split_off() -> None:
    assert clean("gaji 15jt, biaya 25.000.000") == "gaji 15 jt biaya 25 000 000"


def test_chat_reduplication_collapses() -> None:
    assert clean("PT abal2 dan abal-abal") == "pt abal dan abal"


def test_lexicon_replaces_phrases_before_words() -> None:
    lexicon = Lexicon.from_mapping(
        {"baa caro": "bagaimana", "baa": "bagaimana", "tki": "pekerja migran"}
    )
    assert normalize("Baa caro jadi TKI?", lexicon) == "bagaimana jadi pekerja migran"


def test_real_lexicon_reads_slang_minang_and_old_terms(kb) -> None:  # type: ignore[no-untyped-def]
    assert normalize("gmn jd tki yg resmi", kb.lexicon) == normalize(
        "bagaimana jadi pekerja migran yang resmi", kb.lexicon
    )
    assert "p3mi" in normalize("cek pjtki", kb.lexicon)
    assert "kp2mi" in normalize("call center bp2mi", kb.lexicon)
    assert "uang" in normalize("bara pitih nyo", kb.lexicon)


def test_common_chat_abbreviations_read_as_words(kb) -> None:  # type: ignore[no-untyped-def]
    # "brgkt" alone was written 17 times in the 296 fresh questions written for us on 7 December.
    assert normalize("PT suruh brgkt minggu dpn tpi blm ada kontrak, blh gk?", kb.lexicon) == (
        normalize(
            "PT suruh berangkat minggu depan tapi belum ada kontrak, boleh tidak?", kb.lexicon
        )
    )


def test_html_and_control_characters_are_just_text() -> None:
    assert clean("<b>halo</b>\x00\x07") == "b halo b"


def test_a_negated_illegal_asks_for_the_legal_way(kb) -> None:  # type: ignore[no-untyped-def]
    lexicon = kb.lexicon
    assert normalize("cara kerja ke malaysia yg gak ilegal", lexicon).endswith("yang resmi")
    assert "jalur resmi" in normalize("kerja ke malaysia tanpa jalur ilegal gmn", lexicon)
    assert "yang resmi" in normalize("pai karajo ka Malaysia nan indak ilegal?", lexicon)
    assert "legally" in normalize("how to work there not illegally", lexicon)
    assert "ilegal" in normalize("calo tki ilegal bisa dipenjara gk?", lexicon)  # no negation
