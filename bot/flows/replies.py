"""What people type instead of pressing a button, in Indonesian, chat spelling,
Minangkabau and English: "blm", "gk tau", "alun", "anonim aja", "kembali", "lanjut".

Only a whole message is read this way ("belum" is an answer; "belum tau gajinya" is
text), after dropping filler words ("aja", "deh", "ya" next to another word).
"""

from __future__ import annotations

from bot.normalize import clean


def _words(*phrases: str) -> frozenset[str]:
    return frozenset(phrases)


AFFIRM = _words(
    "ya", "iya", "iy", "y", "yes", "yep", "yup", "yoi", "yo", "iyo", "ok", "oke", "okay",
    "betul", "benar", "bener", "ada", "ado", "yes please",
)  # fmt: skip
DONE = _words(
    "sudah", "udah", "udh", "sdh", "dah", "sudah berangkat", "udah berangkat", "alah",
    "alah barangkek", "lah barangkek", "already", "already left", "sudah pergi", "udah pergi",
)  # fmt: skip
NOT_YET = _words(
    "belum", "blm", "blum", "belom", "blom", "lom", "lum", "alun", "alun lai", "balun",
    "not yet", "belum berangkat", "blm berangkat", "alun barangkek",
)  # fmt: skip
NO = _words(
    "tidak", "tdk", "tak", "gak", "ga", "gk", "g", "nggak", "ngga", "nggk", "enggak", "engga",
    "ndak", "nda", "indak", "ndk", "no", "nope", "tidak ada", "gak ada", "ga ada", "gk ada",
    "nggak ada", "tdk ada", "indak ado", "ndak ado", "none", "nothing", "not",
)  # fmt: skip
UNKNOWN = _words(
    "tidak tahu", "tidak tau", "tdk tau", "tdk tahu", "tak tahu", "tak tau", "gak tau",
    "ga tau", "gk tau", "gatau", "gktau", "gak tahu", "ga tahu", "gk tahu", "nggak tau",
    "ngga tau", "nggak tahu", "enggak tau", "ndak tau", "ndak tahu", "indak tau",
    "indak tahu", "ndak tau do", "indak tau do", "entah", "ntah", "entahlah", "kurang tahu",
    "kurang tau", "tidak yakin", "gak yakin", "ga yakin", "belum tahu", "belum tau",
    "blm tau", "dont know", "don t know", "i dont know", "i don t know", "idk", "not sure",
    "unknown", "no idea",
)  # fmt: skip
ANONYMOUS = _words(
    "anonim", "anonym", "anon", "tanpa nama", "rahasia", "rahasiakan", "rahasiakan nama",
    "gak usah nama", "ga usah nama", "tidak usah nama", "anonymous", "no name",
)  # fmt: skip
AGREE = _words("boleh", "teruskan", "silakan", "silahkan", "setuju", "boleh teruskan", "agree")
REFUSE = _words("jangan", "jangan dulu", "tidak boleh", "gak boleh", "ga boleh", "jgn")
DONE_EVIDENCE = (
    _words("selesai", "done", "cukup", "finish", "finished", "sudah cukup", "itu saja")
    | DONE
    | NO
    | _words("tidak punya", "gak punya", "ga punya", "gk punya", "no evidence")
)
# For the "delete this draft?" question: yes deletes, no keeps.
DENY = NO | REFUSE | _words("tidak jadi", "gak jadi", "ga jadi", "lanjutkan", "lanjut", "keep")
# Whole messages that move around the flow instead of answering.
INTENTS = {
    **dict.fromkeys(("kembali", "balik", "back", "mundur", "sebelumnya", "pulang"), "back"),
    **dict.fromkeys(
        ("batal", "cancel", "batalkan", "batalin", "stop", "berhenti", "hapus"), "cancel"
    ),
    **dict.fromkeys(
        ("lanjut", "lanjutkan", "next", "terus", "selanjutnya", "continue", "lanjuik"), "next"
    ),
    **dict.fromkeys(("kirim", "send", "kirimkan", "kirim laporan"), "send"),
    **dict.fromkeys(("menu", "menu utama", "main menu"), "menu"),
}
FILLERS = frozenset(
    "aja saja deh dong sih kok nih kak min pak bu mas mbak bang uda uni please ya yah".split()
)
# Words that tell which kind of report a typed first answer means.
MISSING_WORDS = frozenset(
    "hilang dihubungi hubungi kabar menghilang kontak 2 missing contact contacted reach "
    "reached lost".split()
)
OFFER_WORDS = frozenset(
    "tawaran ditawari lowongan loker iklan kerja kerjo calo agen perekrut 1 offer offered "
    "job work recruiter agent advert".split()
)


def words_of(typed: str) -> str:
    """The typed message as plain words, filler dropped unless nothing else is left."""
    words = clean(typed).split()
    kept = [w for w in words if w not in FILLERS]
    return " ".join(kept or words)


def intent_of(words: str) -> str | None:
    return INTENTS.get(words)


def kind_of(typed: str) -> str | None:
    words = set(words_of(typed).split())
    if words & MISSING_WORDS:
        return "hilang"
    if words & OFFER_WORDS:
        return "tawaran"
    return None
