"""What people type instead of pressing a button, in Indonesian, chat spelling,
Minangkabau and English: "blm", "gk tau", "alun", "anonim aja", "kembali", "lanjut",
"skip", "ubah", and the words that are commands elsewhere in the bot ("status", "menu",
"langganan"): inside a report none of these is ever saved as an answer.

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
    | UNKNOWN  # "gk tau" about evidence: none that they know of
    | _words("tidak punya", "gak punya", "ga punya", "gk punya", "no evidence")
)
FEAR = _words(
    "takut", "takuik", "khawatir", "kuatir", "kawatir", "cemas", "was was", "afraid",
    "scared", "worried", "sangat", "sekali", "banget", "bgt", "sgt", "sungguh", "very",
    "so", "really", "iya", "ya", "yes",
)  # fmt: skip
NO_FEAR = _words(
    *(f"{no} {fear}" for no in ("tidak", "tdk", "gak", "ga", "gk", "nggak", "enggak", "ndak",
                                 "indak", "not") for fear in ("takut", "khawatir", "cemas")),
    "not worried", "not afraid",
)  # fmt: skip
# "selesai", "sudah", "done" on a step that is not the evidence step: the answer is complete.
FINISHED = _words(
    "selesai", "sudah", "udah", "udh", "sdh", "cukup", "done", "finish", "finished",
    "sudah cukup", "itu saja", "itu aja", "sudah itu saja", "that s all", "thats all",
)  # fmt: skip
# Whole messages that move around the flow instead of answering.
INTENTS = {
    **dict.fromkeys(("kembali", "balik", "back", "mundur", "sebelumnya", "pulang"), "back"),
    **dict.fromkeys(
        ("batal", "cancel", "batalkan", "batalin", "stop", "berhenti", "hapus"), "cancel"
    ),
    **dict.fromkeys(
        ("lanjut", "lanjutkan", "next", "terus", "selanjutnya", "continue", "lanjuik",
         "tetap", "tetap saja", "keep", "keep it", "biarkan"),
        "next",
    ),
    **dict.fromkeys(
        ("skip", "lewati", "lewatin", "lewat", "lompati", "lompat", "loncat", "pass",
         "skip aja", "lewati saja", "lewati pertanyaan ini", "skip this"),
        "skip",
    ),
    **dict.fromkeys(
        ("ubah", "edit", "ganti", "change", "koreksi", "perbaiki", "ralat", "ubah jawaban",
         "ganti jawaban", "edit jawaban", "ubah jawaban tadi", "salah", "keliru"),
        "edit",
    ),
    **dict.fromkeys(("kirim", "send", "kirimkan", "kirim laporan", "send report"), "send"),
    **dict.fromkeys(("menu", "menu utama", "main menu"), "menu"),
}  # fmt: skip
# Words that start an edit at the summary: "ubah tempat", "ganti kontak", "edit bukti".
EDIT_WORDS = frozenset({"ubah", "edit", "ganti", "change", "koreksi", "perbaiki", "ralat"})
# Commands of the bot outside the report, typed without "/" (WhatsApp has no slash
# commands), and the broadcast subscription words: inside a report they are never an
# answer. A new command's words go here too.
COMMAND_WORDS = _words(
    "start", "mulai", "bantuan", "help", "cek", "check", "bahasa", "language", "privasi",
    "privacy", "lapor", "report", "lapor hilang", "status", "status laporan", "cek status",
    "langganan", "berlangganan", "langganan info", "berhenti langganan", "stop langganan",
    "stop info", "subscribe", "unsubscribe", "aktifkan", "resume", "info",
)  # fmt: skip

# The "delete this report?" question: only yes or no answer it.
_DELETE_YES = frozenset(
    "ya iya iy y yes yup yoi iyo ok oke okay hapus hapuslah delete yakin betul benar bener "
    "boleh silakan silahkan batalkan".split()
)
_DELETE_ALSO = frozenset("saja aja laporan report it laporannya semua semuanya sudah".split())
# Keeping words beside a negation: "tidak, lanjutkan" (the keep button's label typed), "gak usah".
_KEEP = frozenset("lanjut lanjutkan teruskan keep tetap simpan usah".split())
_NEGATION = frozenset(
    "tidak tdk tak gak ga gk g nggak ngga nggk enggak engga ndak nda indak ndk no nope not "
    "jangan jgn dont don".split()
)
DENY = NO | REFUSE | _words(
    *(f"{no} jadi" for no in _NEGATION), "lanjutkan", "lanjut", "keep", "tetap", "simpan",
    "kembali", "teruskan", "no keep", "jangan hapus", "jangan dihapus", "batal hapus",
)  # fmt: skip


def delete_answer(words: str) -> str | None:
    """ "yes", "no", or None (not an answer) to "delete this report?"."""
    if words in DENY:
        return "no"
    tokens = set(words.split())
    if tokens & _NEGATION and tokens <= _NEGATION | _DELETE_YES | _DELETE_ALSO | _KEEP | {"jadi"}:
        return "no"  # "gak jadi", "jangan hapus", "enggak, jangan", "no, keep it"
    if tokens & _DELETE_YES and tokens <= _DELETE_YES | _DELETE_ALSO:
        return "yes"  # "ya hapus", "iya hapus aja", "hapus laporan"
    return None


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
