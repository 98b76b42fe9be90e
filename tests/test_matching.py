"""The matcher on questions the way people type them, in each language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import evaluate, load_questions
from bot.matching import Matcher, standard_forms
from tests.conftest import PROJECT_ROOT, SHARED_EVAL

VALIDATION = PROJECT_ROOT / "tests" / "data" / "validation-questions.yaml"
FRESH = PROJECT_ROOT / "tests" / "data" / "fresh-questions.yaml"
FRESH_II = PROJECT_ROOT / "tests" / "data" / "fresh-questions-2.yaml"
FRESH_III = PROJECT_ROOT / "tests" / "data" / "fresh-questions-3.yaml"
FRESH_IV = PROJECT_ROOT / "tests" / "data" / "fresh-questions-4.yaml"
REAL_MESSAGES = PROJECT_ROOT / "tests" / "data" / "real-messages-validation.yaml"


@pytest.mark.parametrize(
    ("word", "standard"),
    [
        ("mulangin", "pulang"),  # -in for -kan, m- for me-/p-
        ("ngelaporin", "lapor"),  # nge- and -in
        ("nanya", "tanya"),  # n- for t-
        ("ngurusin", "urus"),  # ng- before a vowel
        ("pinjem", "pinjam"),  # -em for -am
        ("malaporkan", "lapor"),  # Minangkabau ma- for me-
    ],
)
def test_chat_and_minang_forms_are_read_as_standard_words(
    matcher: Matcher, word: str, standard: str
) -> None:
    assert matcher.known_word(word) == standard


def test_a_guessed_form_must_be_a_word_the_knowledge_base_uses(matcher: Matcher) -> None:
    assert standard_forms("nyari")[:2] == ["sari", "cari"]
    assert matcher.known_word("nyari") == "cari"  # "sari" is no word of ours
    assert standard_forms("kabur") == []  # a standard word has nothing to guess
    assert standard_forms("nipu") == []  # too short to guess safely


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("agen ga mau mulangin adek sy dr malaysia", "pulang"),
        ("sy mau ngelaporin calo yg nipu tetangga", "cara-melapor"),
    ],
)
def test_questions_in_chat_forms(matcher: Matcher, question: str, topic: str) -> None:
    assert matcher.match(question).topic == topic


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        # "what", "do", "to" are rare in an Indonesian knowledge base: they must not decide
        ("What documents should I have for working in Taiwan?", "dokumen"),
        ("How much does it cost to go work in Korea?", "biaya"),
    ],
)
def test_english_questions_are_decided_by_their_content_words(
    matcher: Matcher, question: str, topic: str
) -> None:
    assert matcher.match(question).topic == topic


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        # informal Indonesian, with typos
        ("pasporrr sy ditahan agen gmn dong", "paspor-ditahan"),
        ("brp biaya jd tkw ke taiwan", "biaya"),
        ("loker admin di kamboja gaji 15jt aman gk", "lowongan-online"),
        # formal Indonesian
        ("Apa saja hak pekerja migran Indonesia?", "hak-pmi"),
        ("Bagaimana cara memeriksa apakah P3MI memiliki izin resmi?", "cek-agensi"),
        # Minangkabau
        ("baa caro mancaliak PT nan resmi?", "cek-agensi"),
        ("apo hukuman untuak calo nan manjua urang?", "hukuman"),
        # English
        ("Can I work in Saudi Arabia on an umrah visa?", "visa"),
        ("What rights do victims of trafficking have?", "hak-korban"),
        # old terms
        ("cek pjtki resmi di mana", "cek-agensi"),
    ],
)
def test_representative_questions(matcher: Matcher, question: str, topic: str) -> None:
    assert matcher.match(question).topic == topic


@pytest.mark.parametrize(
    "question",
    [
        "tolong kak adik sy disekap",
        "SOS",
        "help I'm being held and cannot leave",
        "kakak sy dipukul majikan skrg",
        "TOLONGGG",
    ],
)
def test_danger_phrases_go_to_the_emergency_topic_first(matcher: Matcher, question: str) -> None:
    match = matcher.match(question)
    assert (match.topic, match.score) == ("darurat", 100)


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        # The topics on passports abroad and on requirements now have neighbours this close:
        # these get one of the two, with the other as the first "Maksud Anda" button.
        ("Who do I call if my boss in Malaysia takes my passport?", "paspor-ditahan"),
        ("gmn cara kerja ke malaysia yg resmi?", "langkah-prosedural"),
    ],
)
def test_a_close_second_topic_is_offered_with_the_answer(
    matcher: Matcher, question: str, topic: str
) -> None:
    match = matcher.match(question)
    assert match.topic is not None
    assert topic in (match.topic, *match.alternatives[:1])


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("tolong jelaskan syarat jadi tki", "syarat-bekerja"),
        ("tolong min, cara cek pt resmi gmn?", "cek-agensi"),
        ("tolong dong kak, syarat jadi tkw ke taiwan apa aja", "syarat-bekerja"),
        ("tolong bu, berkas apa aja buat daftar kerja ke jepang", "dokumen"),
    ],
)
def test_polite_tolong_with_a_question_answers_the_question(
    matcher: Matcher, question: str, topic: str
) -> None:
    assert matcher.match(question).topic == topic


@pytest.mark.parametrize(
    "question",
    [
        "keluarga ditelpon, adik kami baru dilepas kalau bayar tebusan 50 juta",
        "tolong, kami disandera di mess",
        "they took my phone and won't let me leave",
        # Violence by an employer or agent, however it is named: the help lines come first.
        "majikan sy suka nampar, kemarin sy ditamparin lg sampe bibir berdarah",
        "kakak sy ditendang agen di penampungan",
        "my employer slapped me this morning",
        # A threat to life, or thoughts of ending one's own (the words alone had answered
        # the agency check or the problems abroad, or declined).
        "I was tortured by the agency staff",
        "my employer threatened to kill me if I tell anyone",
        "they said they will kill me",
        "kepikiran bunuh diri saja",
        "sometimes I think about suicide",
        # Held or hurt, as the training messages say it (answered otherwise, or declined,
        # before these were signs).
        "sering ada kekerasan fisik dari mandor kapal",
        "my madam physically abused me again last night",
    ],
)
def test_signs_of_danger_without_tolong_still_go_to_the_emergency_first(
    matcher: Matcher, question: str
) -> None:
    assert matcher.match(question).topic == "darurat"


def test_a_death_reported_as_suicide_gets_the_answer_on_a_death_abroad(matcher: Matcher) -> None:
    # Wanting to end one's life is a sign of danger; a family told that their relative did
    # needs to know how to bring the body home and have the death looked into.
    match = matcher.match(
        "keluarga tidak percaya adik kami meninggal karena bunuh diri di malaysia, bagaimana "
        "cara memulangkan jenazahnya"
    )
    assert match.topic == "meninggal-di-luar-negeri"


def test_danger_keeps_what_else_the_message_asked_about(matcher: Matcher) -> None:
    match = matcher.match("sy disekap agen di kamboja, paspor sy ditahan")
    assert (match.topic, match.alternatives) == ("darurat", ("paspor-ditahan",))


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        # the failures reported in issue 8
        ("Saya seorang janda ditinggal mati, dosakah kalau saya mencintai suami orang lain?", None),
        ("Benarkah galbay di Kredivo bikin DC datang ke rumah?", None),
        ("cara install ulang windows", None),
        (
            "Anak saya berangkat ke Malaysia ikut sponsor, sudah 3 bulan tidak bisa dihubungi, "
            "tidak pernah balas WA",
            "keluarga-hilang-kontak",
        ),
        ("anak sy ikut sponsor ke arab, skrg gk ada kabar", "keluarga-hilang-kontak"),
        ("after I report, what happens?", "setelah-melapor"),
    ],
)
def test_real_messages_reported_as_failures(
    matcher: Matcher, question: str, topic: str | None
) -> None:
    assert matcher.match(question).topic == topic


@pytest.mark.parametrize("word", ["ulang", "diulang", "kera"])
def test_a_word_of_its_own_is_never_corrected_into_a_topic_word(
    matcher: Matcher, word: str
) -> None:
    # "ulang" is one letter from "pulang", but a word of its own (Sastrawi's root list).
    assert matcher.known_word(word) not in ("pulang", "kerja")


def test_a_typo_that_is_no_word_is_still_corrected(matcher: Matcher) -> None:
    assert matcher.known_word("paspr") == "paspor"


@pytest.mark.parametrize("greeting", ["halo", "Assalamualaikum", "menu", "help", "hai min 👋"])
def test_greetings_and_menu_words_map_to_sapaan(matcher: Matcher, greeting: str) -> None:
    assert matcher.match(greeting).topic == "sapaan"


@pytest.mark.parametrize(
    "question",
    ["resep rendang yang enak", "jadwal timnas", "harga cabai di pasar", "what's the weather"],
)
def test_off_topic_is_refused(matcher: Matcher, question: str) -> None:
    assert matcher.match(question).topic is None


@pytest.mark.parametrize(
    "line",
    [
        "nomor antrian nya habis, besok lagi katanya",
        "kata nya ga papa kok, santai aja",
        "mereka bilang capek pengen istirahat di rumah",
    ],
)
def test_short_chat_that_only_shares_a_word_with_a_topic_is_declined(
    matcher: Matcher, line: str
) -> None:
    # "nomor", "bilang", "ga papa" are words of our topics' examples; the words alone
    # answered these with a topic, the models trained on real messages see none of ours.
    match = matcher.match(line)
    assert match.topic is None
    assert match.alternatives  # "Maksud Anda": the closest topics stay one tap away


def test_score_is_a_0_to_100_confidence(matcher: Matcher) -> None:
    strong = matcher.match("paspor saya ditahan majikan")
    weak = matcher.match("harga emas hari ini")
    assert 0 <= weak.score < strong.score <= 100


def test_own_validation_set_written_apart_from_the_knowledge_base(matcher: Matcher) -> None:
    # Written by someone who saw neither the knowledge base nor the dev set:
    # a guard against tuning the matcher to one file.
    result = evaluate(matcher, load_questions(VALIDATION))
    assert result.accuracy >= 0.93, result.misses
    assert result.refusal_rate >= 0.93, result.misses


@pytest.mark.parametrize(
    ("path", "floors"),
    [
        # Measured 0.915 helpful, 0.988 within one tap, 0.980 declined.
        (FRESH, (0.89, 0.95, 0.95)),
        # Another writer, never tuned on: 0.951, 1.000, 1.000.
        (FRESH_II, (0.92, 0.96, 0.95)),
        # A third, never tuned on: 0.939, 0.982, 0.925.
        (FRESH_III, (0.91, 0.95, 0.90)),
        # A fourth, 8 December, never tuned on: 0.962, 0.994, 0.974.
        (FRESH_IV, (0.93, 0.96, 0.92)),
    ],
    ids=["fresh", "fresh II", "fresh III", "fresh IV"],
)
def test_fresh_questions_written_without_seeing_the_bot(
    matcher: Matcher, path: Path, floors: tuple[float, float, float]
) -> None:
    # Written on 7 and 8 December from the topic list alone, by other writers than those of
    # knowledge/written-questions.yaml. Regression guards a little under what was measured,
    # not targets.
    result = evaluate(matcher, load_questions(path))
    helpful, one_tap, declined = floors
    assert result.accuracy >= helpful, result.misses
    assert result.one_tap_rate >= one_tap, result.misses
    assert result.refusal_rate >= declined, result.misses


def test_real_messages_nothing_was_tuned_on(matcher: Matcher) -> None:
    # The validation part of the real-message corpus: stories, statements, pleas, forum
    # posts and unrelated messages that share our words, from pages the model never learned
    # from. A regression guard a little under what was measured (0.608 helpful, 0.862
    # within one tap, 0.861 declined), not a target to tune to.
    result = evaluate(matcher, load_questions(REAL_MESSAGES))
    assert result.accuracy >= 0.58, result.misses
    assert result.one_tap_rate >= 0.84, result.misses
    assert result.refusal_rate >= 0.83, result.misses


@pytest.mark.skipif(
    not (SHARED_EVAL / "dev-questions.yaml").exists(), reason="../shared/eval absent"
)
def test_dev_questions_meet_the_targets(matcher: Matcher) -> None:
    result = evaluate(matcher, load_questions(SHARED_EVAL / "dev-questions.yaml"))
    assert result.accuracy >= 0.90, result.misses
    assert result.refusal_rate >= 0.90, result.misses
