"""The offer check on job adverts as they are pasted."""

from __future__ import annotations

from bot.knowledge import KnowledgeBase
from bot.offers import check_offer


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
    assert all(sign.explanation["id"] for sign in result.signs)


def test_tourist_visa_and_passport_kept_are_found(kb: KnowledgeBase) -> None:
    found = _ids("berangkat pakai visa turis, paspor dipegang agen sampai utang lunas", kb)
    assert len(found) >= 2


def test_ordinary_formal_offer_is_low_risk(kb: KnowledgeBase) -> None:
    advert = (
        "PT resmi terdaftar di SISKOP2MI membuka lowongan operator pabrik di Jepang melalui "
        "Disnaker. Seleksi, pelatihan bahasa dan perjanjian kerja ditandatangani di Disnaker."
    )
    result = check_offer(advert, kb)
    assert result.level == "rendah"


def test_empty_offer_is_low_risk_with_no_signs(kb: KnowledgeBase) -> None:
    result = check_offer("", kb)
    assert (result.level, result.signs) == ("rendah", ())
