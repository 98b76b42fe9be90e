"""Content II (issue 19): help first for people in danger, advice that cannot hurt, claims
the facts support, and the questions real people asked reaching a helpful topic."""

from __future__ import annotations

import re

import pytest

from bot.knowledge import FIRST_SCREEN, SUGGESTED_PHRASE, KnowledgeBase, route_of
from bot.matching import Matcher
from tests.conftest import Chat

# --- help first: a person held, forced or locked in --------------------------------------

EMERGENCY_NUMBERS = ("110", "0800-1000", "+62 21 2924 4800", "0811-8080-141", "Safe Travel")

HELD = [
    "saya di kamboja dipaksa jadi scammer tolong",
    "di asrama pt udah 5 bulan boleh keluar gk?",
    "sy di asrama pt gk dibolehin keluar, pintu dikunci",
    "indak buliah kaluar dari asrama PT",
    "tolong sy disekap agen di batam",
    "we are forced to work in a compound and cannot leave",
    "paspor sy dipegang bos dan sy dilarang keluar mess",
]


@pytest.mark.parametrize("message", HELD)
async def test_a_person_held_gets_an_emergency_contact_in_the_first_screen(
    chat: Chat, message: str
) -> None:
    [answer] = await chat.say(message)
    first_screen = answer.text[:FIRST_SCREEN]
    assert any(number in first_screen for number in EMERGENCY_NUMBERS), answer.text


async def test_being_forced_to_scam_goes_to_the_emergency_answer(chat: Chat) -> None:
    [answer] = await chat.say("saya di kamboja dipaksa jadi scammer tolong")
    assert answer.title == "Saya atau keluarga dalam bahaya sekarang"


async def test_the_dormitory_question_says_the_person_may_leave(chat: Chat) -> None:
    [answer] = await chat.say("di asrama pt udah 5 bulan boleh keluar gk?")
    first_screen = answer.text[:FIRST_SCREEN]
    assert "boleh keluar" in first_screen and "110" in first_screen


# --- the gaps real people hit (item 5) ----------------------------------------------------

GAPS = {
    "agen tidak mau mengembalikan dokumen saya": {"paspor-ditahan"},
    "pelatihan gratis di BLK untuk kerja ke Jepang ada gak di Pariaman?": {"pelatihan"},
    "PMI mandiri": {"calo"},
    "PMI perseorangan": {"calo"},
    "apakah saya dipenjara kalau berangkat ilegal?": {"hukuman"},
    "kontak luar negeri": {"kontak-luar-negeri"},
    "contacts abroad": {"kontak-luar-negeri"},
    "problem abroad": {"masalah-di-luar-negeri"},
}


@pytest.mark.parametrize(("question", "helpful"), GAPS.items())
def test_each_question_of_the_review_reaches_a_helpful_topic(
    matcher: Matcher, question: str, helpful: set[str]
) -> None:
    assert matcher.match(question).topic in helpful


async def test_free_blk_training_for_japan_names_the_city_programme(chat: Chat) -> None:
    [answer] = await chat.say("pelatihan gratis di BLK untuk kerja ke Jepang ada gak di Pariaman?")
    assert "PASIM" in answer.text and "BLK komunitas" in answer.text
    assert "DPMPTSP-TK" in answer.text


async def test_independent_worker_and_individual_recruiter_are_both_answered(chat: Chat) -> None:
    [answer] = await chat.say("PMI mandiri boleh gak?")
    assert "pasal 63" in answer.text and "pasal 81" in answer.text


async def test_the_worker_asking_about_jail_is_answered_for_the_worker(chat: Chat) -> None:
    [answer] = await chat.say("apakah saya dipenjara kalau berangkat ilegal?")
    assert answer.text.startswith("Untuk pekerja:")


def test_kota_pariaman_programmes_are_in_training_and_destinations(kb: KnowledgeBase) -> None:
    for topic in ("pelatihan", "negara-tujuan"):
        answer = kb.entries[topic].answer["id"]
        assert "PASIM" in answer and "Korea" in answer, topic


# --- every "ketik ..." an answer suggests leads somewhere else ---------------------------


def _suggestions(kb: KnowledgeBase) -> list[tuple[str, str]]:
    return [
        (entry.id, phrase)
        for entry in kb.entries.values()
        for lang in ("id", "en")
        for phrase in SUGGESTED_PHRASE.findall(entry.answer[lang])
    ]


def test_answers_suggest_phrases_and_each_leads_to_another_topic(kb: KnowledgeBase) -> None:
    suggested = _suggestions(kb)
    assert len(suggested) >= 20
    for entry_id, phrase in suggested:
        reached = route_of(phrase, kb.entries, kb.lexicon)
        assert reached is not None and reached != entry_id, (entry_id, phrase)


def test_check_kb_routes_agree_with_the_matcher(kb: KnowledgeBase, matcher: Matcher) -> None:
    """check-kb predicts where a typed suggestion goes without loading the model; the real
    matcher must agree, or the prediction (and check-kb) is wrong."""
    for _, phrase in _suggestions(kb):
        assert matcher.match(phrase).topic == route_of(phrase, kb.entries, kb.lexicon), phrase


# --- advice that cannot hurt (item 3) -----------------------------------------------------


def test_a_lost_passport_abroad_goes_to_the_embassy_before_the_local_police(
    kb: KnowledgeBase,
) -> None:
    for lang, police in (("id", "polisi setempat"), ("en", "local police")):
        answer = kb.render_answer(kb.entries["paspor-di-luar-negeri"], lang)
        assert answer.index("KBRI") < answer.index(police)


def test_held_documents_have_a_route_at_home_and_in_taiwan_and_hong_kong(
    kb: KnowledgeBase,
) -> None:
    answer = kb.render_answer(kb.entries["paspor-ditahan"], "id")
    for needed in ("0800-1000", "110", "1955", "2157 9537", "LPK"):
        assert needed in answer, needed


def test_the_emergency_answer_covers_abroad_and_a_crossing_now(kb: KnowledgeBase) -> None:
    answer = kb.render_answer(kb.entries["darurat"], "id")
    for needed in ("+62 812-9007-0027", "+60 17-668 8032", "999", "imigrasi", "BP3MI"):
        assert needed in answer, needed
    assert "konfirmasi ulang" not in answer


# --- claims the facts support (item 4) ---------------------------------------------------


def _everything(kb: KnowledgeBase) -> str:
    return "\n".join(
        kb.render_answer(entry, lang) for entry in kb.entries.values() for lang in ("id", "en")
    )


def test_no_answer_promises_the_city_task_force(kb: KnowledgeBase) -> None:
    text = _everything(kb)
    assert "Gugus Tugas TPPO Kota Pariaman" not in text
    assert "petugas gugus tugas kota" not in text
    assert "ditunjuk Pemerintah Kota Pariaman" in kb.entries["privasi"].answer["id"]
    assert "WhatsApp" in kb.entries["privasi"].answer["id"]


def test_mediation_refunds_are_what_happened_not_a_rule(kb: KnowledgeBase) -> None:
    answer = kb.entries["mundur-sebelum-berangkat"].answer["id"]
    assert "harus dikembalikan" not in answer and "memerintahkan" in answer


def test_bpjs_premium_is_the_24_month_total_and_claims_go_to_bpjs(kb: KnowledgeBase) -> None:
    answer = kb.entries["bpjs"].answer["id"]
    assert "Rp370.000 untuk kontrak 24 bulan" in answer and "Rp226.500" in answer
    assert "Klaim diajukan ke kantor BPJS Ketenagakerjaan" in answer
    assert "kebijakan pemerintah" in answer


def test_claims_the_facts_leave_open_send_the_user_to_confirm(kb: KnowledgeBase) -> None:
    """Facts §3 do not settle whether art. 27 covers a failure the agency or a policy
    caused, PRM 2.0's end date is to verify, and who pays for the Germany course is not in
    the sources: the answers ask the office rather than assert."""
    answers = {
        (topic, lang): kb.entries[topic].answer[lang]
        for topic in ("bpjs", "mundur-sebelum-berangkat", "paspor-di-luar-negeri", "pelatihan")
        for lang in ("id", "en")
    }
    assert "pastikan ke kantor BPJS" in answers["bpjs", "id"]
    assert "check with a BPJS" in answers["bpjs", "en"]
    assert "tanyakan ke kantor BPJS apakah" in answers["mundur-sebelum-berangkat", "id"]
    assert "ask a BPJS office whether" in answers["mundur-sebelum-berangkat", "en"]
    for text in answers.values():
        assert "termasuk karena" not in text and "including because of" not in text
        assert "April 2026" not in text
    assert "menanggung" not in answers["pelatihan", "id"]
    assert "paid" not in answers["pelatihan", "en"]
    assert "masih berlaku, tanyakan ke KBRI" in answers["paspor-di-luar-negeri", "id"]
    assert "if it still runs" in answers["paspor-di-luar-negeri", "en"]


def test_one_current_scam_figure_and_tekong_explained(kb: KnowledgeBase) -> None:
    assert "1.914" not in _everything(kb) and "1,914" not in _everything(kb)
    signs = " ".join(s.explanation["id"] for s in kb.warning_signs)
    assert "1.914" not in signs and "10 ribu" in signs
    assert "illegal crossings" in kb.entries["calo"].answer["en"]


NEWS_OUTLETS = ("topsatu", "fajarharapan", "antara", "kompas", "tempo", "buruhmigran", "rtm")


def test_sources_name_the_office_or_law_not_a_news_site(kb: KnowledgeBase) -> None:
    """A citizen checks a claim with the office, law or programme it comes from; a news
    site's name sends them to the wrong place."""
    for entry in kb.entries.values():
        for source in entry.sources:
            for lang in ("id", "en"):
                words = set(re.findall(r"[a-z]+", source[lang].lower()))
                assert not words & set(NEWS_OUTLETS), (entry.id, source[lang])


def test_sapa_is_named_for_violence_not_as_advice_on_marriage_offers(kb: KnowledgeBase) -> None:
    answer = kb.entries["pengantin-pesanan"].answer["id"]
    assert "Tanyakan dulu ke" not in answer
    assert re.search(r"kekerasan[^.]*SAPA|kekerasan[^.]*\{kontak:sapa_129\}", answer)
