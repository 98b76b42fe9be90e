"""The topics added from the 2026-11-30 facts are reached the way people ask, and say what they must."""

from __future__ import annotations

import pytest

from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from tests.conftest import Chat

# Phrasings written apart from the examples in knowledge/: chat, formal, English, Minangkabau.
PHRASINGS = {
    "keluarga-hilang-kontak": [
        "anak saya ikut sponsor ke malaysia dan sekarang tidak bisa dihubungi",
        "sudah 2 bulan tidak ada kabar dari suami di arab",
        "my son went abroad with a sponsor and stopped answering",
        "Keberadaan istri saya di luar negeri tidak diketahui sejak Januari",
    ],
    "setelah-melapor": [
        "after I report, what happens?",
        "sesudah saya lapor ke polisi nanti prosesnya bagaimana",
        "apa yang terjadi setelah pengaduan diterima kp2mi",
    ],
    "kp2mi": ["bp2mi sekarang jadi kementerian ya?", "apa itu BP3MI"],
    "meninggal-di-luar-negeri": [
        "siapa yang memulangkan jenazah tkw yang meninggal di hongkong",
        "keluarga tki yang wafat dapat santunan berapa",
    ],
    "mundur-sebelum-berangkat": [
        "saya batal berangkat, bisa minta uang kembali?",
        "mau mengundurkan diri dari lpk tapi diminta ganti rugi",
    ],
    "paspor-di-luar-negeri": [
        "cara perpanjang paspor di kjri hongkong",
        "paspor saya hilang di taiwan",
        "apa itu SPLP",
    ],
    "gaji-tidak-dibayar": [
        "cara mengadu gaji yang tidak dibayar ke kp2mi",
        "sudah pulang tapi sisa gaji belum dibayar majikan",
    ],
    "opp": ["apa itu orientasi pra pemberangkatan", "OPP wajib nggak sih"],
    "kontak-luar-negeri": ["nomor hotline 1955 taiwan", "hotline labour department hong kong"],
    "lowongan-online": [
        "adik saya disuruh kerja menipu orang di kamboja",
        "scam compound myanmar",
    ],
    "kontrak-kerja": [
        "kontrak kerja saya bahasa mandarin, saya tidak mengerti",
        "what language must the contract be in, i don't understand it",
    ],
    "bpjs": ["asuransi tki gimana"],
    "dokumen": ["KTKLN masih perlu gak?"],
}


@pytest.mark.parametrize(("topic", "question"), [(t, q) for t, qs in PHRASINGS.items() for q in qs])
def test_new_topic_is_reached(matcher: Matcher, topic: str, question: str) -> None:
    assert matcher.match(question).topic == topic


async def test_family_that_lost_contact_gets_the_urgent_path(chat: Chat) -> None:
    replies = await chat.say(
        "Anak saya berangkat ke Malaysia dengan sponsor, sudah tiga bulan tidak ada kabar"
    )
    answer = replies[0].text
    assert "/lapor" in answer and "Safe Travel" in answer
    assert "0800-1000" in answer and "peduliwni.kemlu.go.id" in answer
    assert "Polres Pariaman" in answer
    assert replies[0].note and "konfirmasi" in replies[0].note  # practice facts still to confirm


def test_manpower_office_is_named_as_the_city_has_it(kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        for lang in ("id", "en"):
            rendered = kb.render_answer(entry, lang)
            assert "Disnaker Kota Pariaman" not in rendered, entry.id
            assert "datang langsung ke kantor" not in rendered, entry.id
            assert "kamu" not in rendered.casefold().split(), entry.id
    assert "DPMPTSP-TK" in kb.render_answer(kb.entries["syarat-bekerja"], "id")


def test_fines_are_maximums(kb: KnowledgeBase) -> None:
    for entry_id in ("calo", "eksploitasi-anak", "hukuman", "paspor-ditahan"):
        assert "denda paling banyak" in kb.entries[entry_id].answer["id"] or (
            "paling banyak Rp" in kb.entries[entry_id].answer["id"]
        ), entry_id
        assert "at most Rp" in kb.entries[entry_id].answer["en"], entry_id
