"""The offer check on job adverts as people paste them: signs, negation, levels, the verdict."""

from __future__ import annotations

import os

import pytest

from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.messages import Incoming, Reply, UserKey
from bot.offers import FIRST_MESSAGE_LIMIT, check_offer, offer_reply
from tests.conftest import Chat, run_main


def _ids(text: str, kb: KnowledgeBase) -> set[str]:
    return {sign.id for sign in check_offer(text, kb).signs}


def test_scam_compound_advert_is_high_risk(kb: KnowledgeBase) -> None:
    advert = (
        "LOWONGAN ADMIN / CUSTOMER SERVICE di Kamboja!! Gaji 15jt/bln, tanpa pengalaman, "
        "tiket & visa ditanggung perusahaan, berangkat minggu ini. Minat? DM aja kak 😊"
    )
    result = check_offer(advert, kb)
    assert result.level == "tinggi"
    assert len(result.signs) >= 3
    assert all(sign.explanation["id"] and sign.title["id"] for sign in result.signs)


def test_empty_offer_is_low_risk_with_no_signs(kb: KnowledgeBase) -> None:
    result = check_offer("", kb)
    assert (result.level, result.signs) == ("rendah", ())


# --- one advert per sign family of issue 10, each worth at least SEDANG on its own -----

FAMILIES = {
    "jalur-belakang": [
        "Kerja kilang di Malaysia. Berangkat lewat Dumai, tidak usah urus paspor.",
        "Ada lowongan di Johor, nanti naik speedboat dari Batam, paspor diurus di sana.",
        "Kerja kebun di Sabah, gak usah urus paspor, kita lewat jalur belakang aja.",
        "Factory work in Malaysia, no passport needed, we cross by boat.",
    ],
    "paspor-ditahan": [
        "Kerja restoran di Malaysia, paspor nanti dipegang majikan sampai kontrak habis.",
        "Pabrik di Taiwan, paspor disimpan agen selama kerja ya.",
        "Factory job in Malaysia. The agent will keep your passport for safety.",
        "Karajo di kadai Malaysia, paspor dipacik toke.",
    ],
    "dirahasiakan": [
        "Kerja pabrik di Malaysia. Jangan bilang2 ke keluarga dulu ya.",
        "Ada kerja enak di luar negeri, rahasiakan dari orang tua, nanti kita urus.",
        "Good job overseas for you. Don't tell your family until you arrive.",
    ],
    "mantan-pmi-sukses": [
        "Halo bun, saya mantan TKI sukses di Taiwan, sekarang bantu saudara2 berangkat.",
        "Dulu saya juga kerja di Malaysia, sekarang sudah punya rumah. Ayo ikut.",
        "I am a former migrant worker, now I help others get jobs in Malaysia.",
    ],
    "visa-turis": [
        "Kerja di Dubai berangkat pakai visa turis, visa kerja diurus di sana.",
        "Lowongan di Arab, berangkat pakai visa umroh, sampai sana langsung kerja.",
        "Kerja di Turki, masuk pakai visa on arrival aja.",
        "Job in Dubai, you travel on a tourist visa, work visa later.",
    ],
}


@pytest.mark.parametrize(("family", "advert"), [(f, a) for f, ads in FAMILIES.items() for a in ads])
def test_each_sign_family_is_found_and_raises_the_level(
    kb: KnowledgeBase, family: str, advert: str
) -> None:
    result = check_offer(advert, kb)
    assert family in {sign.id for sign in result.signs}
    assert result.level in ("sedang", "tinggi")


def test_minangkabau_advert_is_read_through_the_lexicon(kb: KnowledgeBase) -> None:
    found = _ids("Karajo di Malaysia, pitih gadang, barangkek bisuak. Japri se.", kb)
    assert {"gaji-tidak-wajar", "berangkat-cepat"} <= found


def test_dumai_ferry_palm_oil_advert_is_high_risk(kb: KnowledgeBase) -> None:
    advert = (
        "LOWONGAN KERJA KEBUN SAWIT MALAYSIA 🌴\n"
        "Gaji 5jt/bln + mess. Berangkat lewat Dumai naik kapal ke Malaka, paspor diurus "
        "di sana. Berangkat minggu depan! Minat hub WA 0812 3456 7890"
    )
    result = check_offer(advert, kb)
    assert result.level == "tinggi"
    assert "jalur-belakang" in {sign.id for sign in result.signs}


# --- legal bars: what the law forbids is TINGGI on its own (issue 19) ------------------

LEGAL_BARS = {
    "prt-timur-tengah": [
        "Dibutuhkan ART untuk majikan di Riyadh, gaji 6 juta, kontrak 2 tahun.",
        "Lowongan pengasuh anak keluarga di Kuwait.",
    ],
    "biaya-pendaftaran": [
        "Biaya proses 10 juta dibayar di muka sebelum berangkat.",
        "Kerja pabrik Korea, uang jaminan 5jt ditransfer dulu.",
        # The amount as people write it, "Rp" joined to it or the zeros written out.
        "Biaya Rp10 juta.",
        "Kerja pabrik, bayar Rp10 juta di depan.",
        "Biaya Rp 10.000.000 sebelum berangkat.",
        "Lowongan pabrik Korea. Bayar Rp10 juta di awal, berangkat 2 minggu",
    ],
    "paspor-ditahan": [
        "Kerja pabrik di Malaysia, paspor dipegang agen selama kontrak.",
        "Ijazah asli ditahan LPK sebagai jaminan sampai berangkat.",
    ],
    "visa-turis": [
        "Berangkat pakai visa pelajar ke Taiwan, di sana kerja di pabrik.",
        "Kerja di Dubai, berangkat dengan visa kunjungan.",
    ],
    "biaya-dari-gaji": [
        "Dicari ABK kapal ikan Korea, gaji potong 6 bulan.",
        "Tiket dan pelatihan dipotong dari gaji, cicil 9 bulan.",
    ],
    "di-bawah-umur": [
        "Kerja restoran di Johor, umur 16 tahun boleh.",
        "Lowongan pabrik, pekerja berusia 17 tahun boleh daftar.",
    ],
    "negara-online-scam": ["Lowongan operator di Phnom Penh."],
}


@pytest.mark.parametrize(("bar", "advert"), [(b, a) for b, ads in LEGAL_BARS.items() for a in ads])
def test_a_legal_bar_alone_makes_the_offer_high_risk(
    kb: KnowledgeBase, bar: str, advert: str
) -> None:
    result = check_offer(advert, kb)
    assert bar in {sign.id for sign in result.signs}
    assert next(s for s in result.signs if s.id == bar).bar
    assert result.level == "tinggi", [s.id for s in result.signs]


def test_every_legal_bar_sign_is_tested(kb: KnowledgeBase) -> None:
    assert {sign.id for sign in kb.warning_signs if sign.bar} == set(LEGAL_BARS)


@pytest.mark.parametrize(
    "offer",
    [
        "Lowongan ART di Riyadh, gaji 6 juta",
        "Biaya admin 10 juta di muka",
        "Kerja di Malaysia, paspor dipegang agen",
        "Visa pelajar ke Jepang tapi kerja di pabrik",
        "ABK kapal ikan, gaji potong 6 bulan",
        "Lowongan pabrik Korea. Bayar Rp10 juta di awal, berangkat 2 minggu",
        "Biaya Rp 10.000.000",
    ],
)
def test_check_offer_json_says_tinggi_for_the_reviewed_offers(offer: str) -> None:
    done = run_main("check-offer", "--json", offer, env={"PATH": os.environ.get("PATH", "")})
    assert done.returncode == 0, done.stderr
    assert '"level": "tinggi"' in done.stdout
    assert '"bar": true' in done.stdout


def test_a_verdict_with_a_bar_says_the_offer_breaks_the_rules(kb: KnowledgeBase) -> None:
    reply = offer_reply(check_offer("Lowongan ART di Riyadh", kb), kb, "id")
    assert "TINGGI" in reply.text and "dilarang aturan" in reply.text


@pytest.mark.parametrize(
    "advert",
    [
        "Sponsor resmi? Minat japri.",
        "Info lowongan pabrik Jepang, hubungi WA 0812 3456 7890",
        "Lowongan kerja di Laos, gaji 8 juta",
    ],
)
def test_a_sign_is_never_shown_beside_a_low_verdict(kb: KnowledgeBase, advert: str) -> None:
    """Rendah means nothing was found: a card or verdict that shows a warning says at least
    sedang ("Risiko tawaran: rendah" beside a warning misled the officials)."""
    result = check_offer(advert, kb)
    assert result.signs
    assert result.level in ("sedang", "tinggi")


LICENSED_ADVERTS = [
    # A caregiver route through a licensed agency, the worker registered at the city office.
    "PT Sinar Amanah Mandiri (P3MI berizin, job order terdaftar di SISKOP2MI) membuka "
    "lowongan Caregiver ke Jepang. Tidak dipungut biaya selain biaya resmi ujian bahasa. "
    "Paspor dipegang sendiri oleh pekerja. Info: WA 0812 3456 7890.",
    # The G-to-G Korea route: the official test fee is the worker's own.
    "Program G to G EPS Korea. Pendaftaran di DPMPTSP-TK Kota Pariaman, tidak melalui calo. "
    "Biaya resmi ujian EPS-TOPIK Rp 450 ribu dibayar peserta di bank. Visa kerja E-9.",
    # A Taiwan factory job, with the personal costs the worker pays at the offices.
    "P3MI berizin: operator pabrik Taiwan, kontrak 3 tahun, tanpa potongan gaji, "
    "biaya paspor Rp 350 ribu dan medical dibayar sendiri di kantor resmi.",
    "Hong Kong domestic helper via licensed agency. No placement fee, no salary deduction, "
    "you keep your own passport. Work visa and contract before departure.",
]


@pytest.mark.parametrize("advert", LICENSED_ADVERTS)
def test_no_licensed_advert_becomes_high_risk(kb: KnowledgeBase, advert: str) -> None:
    result = check_offer(advert, kb)
    assert result.level != "tinggi", [s.id for s in result.signs]
    assert not any(sign.bar for sign in result.signs)


def test_official_fees_and_negations_still_reassure(kb: KnowledgeBase) -> None:
    for reassurance in (
        "Tidak dipungut biaya selain biaya resmi ujian.",
        "Tidak ada potongan gaji. Paspor tidak ditahan.",
        "Bukan visa turis, pakai visa kerja.",
        "Tidak dipungut biaya Rp 10 juta.",
    ):
        assert _ids(reassurance, kb) == set(), reassurance


@pytest.mark.parametrize(
    "advert",
    [
        "Biaya resmi ujian EPS-TOPIK Rp 450 ribu dibayar peserta di bank.",
        "Biaya paspor Rp 350.000 dibayar sendiri di kantor imigrasi.",
        "Gaji Rp 8.000.000, uang saku Rp 500.000 selama pelatihan.",
        "Biaya hidup di Jepang sekitar Rp 10 juta per bulan.",
    ],
)
def test_an_amount_in_rupiah_that_is_not_an_up_front_fee_is_no_bar(
    kb: KnowledgeBase, advert: str
) -> None:
    """An official fee paid at the office, or money the worker gets or spends there, is
    not the fee the law puts on the employer, however the amount is written."""
    assert "biaya-pendaftaran" not in _ids(advert, kb)


def test_laos_is_a_scam_country_sign_not_a_no_agreement_one(kb: KnowledgeBase) -> None:
    found = _ids("Lowongan admin di Laos", kb)
    assert "negara-kasus-scam" in found and "negara-online-scam" not in found


def test_licensed_agency_japan_caregiver_advert_is_low_risk(kb: KnowledgeBase) -> None:
    advert = (
        "PT Sinar Amanah Mandiri (P3MI berizin, job order terdaftar di SISKOP2MI) membuka "
        "lowongan Caregiver (Kaigo) ke Jepang, program SSW. Syarat: usia 20-30 tahun, lulusan "
        "SMA/D3 keperawatan, lulus JLPT N4 dan JFT, sehat jasmani dan rohani. Pelatihan bahasa "
        "6 bulan di LPK. Gaji sesuai kontrak, sekitar 170.000 yen per bulan. Tidak dipungut "
        "biaya penempatan. Pendaftaran dan penandatanganan perjanjian penempatan di "
        "DPMPTSP-TK Kota Pariaman; kontrak kerja dibaca dan ditandatangani sebelum berangkat."
    )
    result = check_offer(advert, kb)
    assert (result.level, result.signs) == ("rendah", ())


# --- negation: reassurances are not warnings -------------------------------------------


@pytest.mark.parametrize(
    "reassurance",
    [
        "Tidak dipungut biaya pendaftaran.",
        "Tidak ada potongan gaji di luar kontrak.",
        "Tidak melalui calo.",
        "tdk ada potongan gaji, gak pake calo, tanpa biaya admin",
        "Indak ado potongan gaji. Nggak ada biaya admin.",
        "Biaya pendaftaran: GRATIS. Potongan gaji: gak ada. Calo: tidak ada.",
        "No registration fee, not through a broker, without any loan.",
        "Berangkat resmi, bukan visa turis. Paspor dipegang sendiri oleh pekerja.",
        # A warning poster warns against the signs; it is not an offer with them.
        "Waspada calo! Jangan berangkat lewat jalur belakang. Hati-hati modus visa turis.",
        "Jangan percaya calo, jangan bayar biaya pendaftaran.",
    ],
)
def test_negated_signs_are_reassurances(kb: KnowledgeBase, reassurance: str) -> None:
    assert _ids(reassurance, kb) == set()


def test_a_negative_does_not_reach_into_the_next_clause(kb: KnowledgeBase) -> None:
    assert "utang-potong-gaji" in _ids("Tanpa pengalaman. Potongan gaji 3 bulan.", kb)


def test_a_threat_with_if_not_is_still_a_sign(kb: KnowledgeBase) -> None:
    assert "biaya-pendaftaran" in _ids("Kalau tidak bayar biaya admin, tidak bisa berangkat", kb)


def test_free_after_a_promise_that_everything_is_paid_is_still_that_promise(
    kb: KnowledgeBase,
) -> None:
    assert "semua-ditanggung" in _ids("Semua biaya ditanggung gratis!", kb)


def test_a_sign_repeated_after_its_negation_still_counts(kb: KnowledgeBase) -> None:
    found = _ids("Tidak ada biaya pendaftaran! Transfer dulu biaya admin 500rb ya", kb)
    assert "biaya-pendaftaran" in found


# --- the verdict as the user reads it ---------------------------------------------------


def _all_signs_advert() -> str:
    return (
        "Loker admin customer service di Kamboja, gaji 25jt, tanpa pengalaman, biaya admin 2jt, "
        "kirim foto KTP, semua biaya ditanggung, visa turis, tanpa kontrak, berangkat besok, "
        "lewat Dumai naik speedboat, paspor dipegang agen, potong gaji, lewat saya, mantan TKI "
        "sukses, pembantu di Arab Saudi, jangan bilang siapa2, umur 16 tahun boleh, japri"
    )


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_verdict_fits_a_phone_and_says_how_to_verify(kb: KnowledgeBase, lang: str) -> None:
    adverts = ["Lowongan operator pabrik", "Minat japri", _all_signs_advert()]
    levels = set()
    for advert in adverts:
        result = check_offer(advert, kb)
        levels.add(result.level)
        reply = offer_reply(result, kb, lang)
        assert len(reply.text) <= FIRST_MESSAGE_LIMIT, reply.text
        assert "SISKOP2MI" in reply.text and "DPMPTSP-TK" in reply.text
        assert ("menjamin" if lang == "id" else "guarantee") in reply.text
    assert levels == {"rendah", "sedang", "tinggi"}


def test_many_signs_are_short_lines_and_the_rest_is_counted(kb: KnowledgeBase) -> None:
    result = check_offer(_all_signs_advert(), kb)
    assert len(result.signs) >= 15
    reply = offer_reply(result, kb, "id")
    listed = [line for line in reply.text.splitlines() if line.startswith("⚠️")]
    assert 3 <= len(listed) < len(result.signs)
    assert f"{len(result.signs) - len(listed)} tanda lain" in reply.text
    # Strongest first: the four-point signs come before the one-point ones.
    assert listed[0].removeprefix("⚠️ ") == result.signs[0].title["id"]
    assert result.signs[0].weight == max(sign.weight for sign in result.signs)


async def test_details_button_explains_each_sign(chat: Chat) -> None:
    await chat.say("/cek")
    [verdict] = await chat.say("Kerja di Dubai pakai visa turis, paspor nanti dipegang agen. Japri")
    assert "TINGGI" in verdict.text
    [detail] = await chat.press("Penjelasan")
    assert detail.title == "Penjelasan tanda bahaya"
    assert "visa kerja" in detail.text  # the visa-turis explanation
    assert "UU 6/2011" in detail.text  # the passport explanation
    assert "SISKOP2MI" in detail.text
    # In the verdict's order, so the lines read there are found here in turn.
    titles = [line[3:] for line in verdict.text.splitlines() if line.startswith("⚠️")]
    explained = [line[3:] for line in detail.text.splitlines() if line.startswith("⚠️")]
    assert explained[: len(titles)] == titles


async def test_details_button_from_before_a_signs_edit_is_refused(
    kb: KnowledgeBase, engine: Engine
) -> None:
    user = UserKey("test", "9", "9")
    replies = await engine.handle(Incoming(user, choice="offer:why:3:ffff"))
    assert "tidak berlaku" in replies[0].text


async def test_low_risk_verdict_still_says_no_check_guarantees_safety(chat: Chat) -> None:
    await chat.say("/cek")
    [verdict] = await chat.say("Lowongan operator pabrik di Jepang lewat P3MI")
    assert "RENDAH" in verdict.text
    assert "Tidak ada cek yang bisa menjamin" in verdict.text
    assert "SISKOP2MI" in verdict.text and "DPMPTSP-TK" in verdict.text
    labels = [b.label for row in verdict.buttons for b in row]
    assert "ℹ️ Penjelasan" not in labels  # nothing to explain
    assert any("Lapor" in label for label in labels)


async def test_english_offer_gets_an_english_verdict(engine: Engine) -> None:
    user = UserKey("test", "en", "en")
    await engine.handle(Incoming(user, text="/check"))
    replies: list[Reply] = await engine.handle(
        Incoming(user, text="Job in Malaysia, the agent will keep your passport. Don't tell.")
    )
    assert "No check can guarantee" in replies[0].text
    assert "Passport or papers held by someone else" in replies[0].text


async def test_offer_typed_after_the_command_is_checked_at_once(chat: Chat) -> None:
    [verdict] = await chat.say("/cek kerja sawit malaysia lewat dumai naik kapal, tanpa paspor")
    assert verdict.text.startswith("🔎 Hasil cek tawaran: risiko")
    assert "Jalur belakang" in verdict.text
