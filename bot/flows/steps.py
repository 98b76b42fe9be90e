"""The questions of each kind of report, as data: the driver (bot/flows/report.py) walks
whichever list the reporter chose. A step is a prompt, optional buttons with the words
people type for them, and a validator.

Most steps take one message and move on at once. The long stories (what was offered, who
offered it, who took the person away) take several messages: people send "adik saya",
"ditawari kerja", "di kamboja" one by one, so those join the same answer until Lanjut."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.flows import replies as said
from bot.normalize import clean

KIND_STEP = "kind"  # the first question: which kind of report


@dataclass(frozen=True)
class Option:
    value: str
    label: dict[str, str]
    words: frozenset[str] = frozenset()  # typed forms that mean this button


@dataclass(frozen=True)
class Step:
    name: str
    prompt: dict[str, str]
    options: tuple[Option, ...] = ()
    free_text: bool = True  # False: only the options (or their typed forms) are accepted
    evidence: bool = False  # collects attachments and typed notes until "selesai"
    validate: Callable[[str], str | None] | None = None  # a problem's text key, or None
    urgent_on: str | None = None  # this option marks the report urgent
    editable: bool = True  # offered under ✏️ Ubah (consent is not)
    place: bool = False  # "where": region and kecamatan buttons (bot/flows/place.py)
    long: bool = False  # further messages join the answer until Lanjut; else one message
    skip: str | None = None  # the option "skip" / "lewati" picks; None: it must be answered
    phone: bool = False  # a phone number alone answers it
    # How people name this part at the summary ("ubah tempat", "ganti kontak"), besides
    # its label.
    aliases: frozenset[str] = frozenset()


def option_for(step: Step, typed: str) -> str | None:
    """The button a typed answer means: "Belum", "blm", "alun" -> "belum"."""
    words = said.words_of(typed)
    if not words:
        return None
    for option in step.options:
        names = {clean(option.value), *(clean(label) for label in option.label.values())}
        if words in names or clean(typed) in names or words in option.words:
            return option.value
    for option in step.options:  # "iya boleh", "nggak belum": every word means this button
        if option.words and all(word in option.words for word in words.split()):
            return option.value
    return None


def field_named(
    steps: tuple[Step, ...], words: str, label: Callable[[Step], set[str]]
) -> Step | None:
    """The editable step a typed name means ("tempat", "ubah kontak", "Sejak / kontak
    terakhir"); `label` gives a step's labels, cleaned."""
    parts = words.split()
    while parts and parts[0] in said.EDIT_WORDS:  # "ubah tempat" -> "tempat"
        parts = parts[1:]
    name = " ".join(parts)
    if not name:
        return None
    for step in steps:
        if step.editable and (name in step.aliases or name in label(step)):
            return step
    return None


def _opt(
    value: str, id_label: str, en_label: str | None = None, words: frozenset[str] = frozenset()
) -> Option:
    return Option(value, {"id": id_label, "en": en_label or id_label}, words)


def validate_offer(value: str) -> str | None:
    return "too_short" if len(clean(value)) < 5 else None


def validate_contact(value: str) -> str | None:
    return "too_long" if len(value) > 200 else None


UNKNOWN = _opt("tidak tahu", "Tidak tahu", "I don't know", said.UNKNOWN)
YES_NO_UNKNOWN = (
    _opt("ya", "Ya", "Yes", said.AFFIRM),
    _opt("tidak", "Tidak", "No", said.NO | said.NOT_YET),
    UNKNOWN,
)

EVIDENCE = Step(
    "evidence",
    {
        "id": "Kirim bukti bila ada: foto, tangkapan layar, dokumen, pesan suara — boleh "
        "beberapa — atau tulis bukti apa yang ada. Tekan Selesai bila sudah.\n\n"
        "⚠️ Foto dan dokumen yang dikirim sebagai file bisa menyimpan nama berkas, waktu "
        "dan lokasi (GPS) yang menunjukkan siapa pengambilnya. Bila itu berbahaya bagi Anda, "
        "kirim tangkapan layar saja, atau ceritakan buktinya dengan kata-kata.",
        "en": "Send evidence if you have any: photos, screenshots, documents, voice notes — "
        "several are fine — or write what evidence there is. Press Done when finished.\n\n"
        "⚠️ Photos and documents sent as files can carry the file name, time and location "
        "(GPS) that show who took them. If that could put you at risk, send screenshots "
        "only, or describe the evidence in words.",
    },
    options=(_opt("selesai", "Selesai", "Done", said.DONE_EVIDENCE),),
    free_text=False,
    evidence=True,
    skip="selesai",
    aliases=frozenset(
        {"bukti", "evidence", "foto", "screenshot", "file", "berkas", "catatan bukti"}
    ),
)
CONTACT = Step(
    "contact",
    {
        "id": "Bagaimana petugas bisa menghubungi Anda? Tulis nomor HP atau nama, atau "
        "pilih Anonim. Petugas tetap bisa membalas lewat bot ini tanpa tahu siapa Anda.",
        "en": "How can officials reach you? Type a phone number or name, or choose "
        "Anonymous. Officials can still reply through this bot without knowing who you are.",
    },
    options=(_opt("anonim", "Anonim", "Anonymous", said.ANONYMOUS),),
    validate=validate_contact,
    skip="anonim",
    phone=True,
    aliases=frozenset({"kontak", "contact", "nomor", "nomor hp", "hp", "no hp", "kontak saya"}),
)
CONSENT = Step(
    "consent",
    {
        "id": "Boleh laporan ini diteruskan ke petugas yang ditunjuk Pemerintah {region}?",
        "en": "May this report be forwarded to the officials appointed by the {region} government?",
    },
    options=(
        _opt("ya", "Ya, teruskan", "Yes, forward it", said.AFFIRM | said.AGREE),
        _opt("tidak", "Tidak", "No", said.NO | said.REFUSE),
    ),
    free_text=False,
    editable=False,
)

OFFER_STEPS: tuple[Step, ...] = (
    Step(
        "offer",
        {
            "id": "Apa yang ditawarkan? Ceritakan tawarannya, atau tempel teks iklan / chat-nya.",
            "en": "What was offered? Describe the offer, or paste the advert / chat text.",
        },
        validate=validate_offer,
        long=True,
        aliases=frozenset({"tawaran", "offer", "iklan", "lowongan", "tawaran kerja"}),
    ),
    Step(
        "recruiter",
        {
            "id": "Siapa yang menawarkan? Nama, perusahaan, nomor HP atau akun media sosial — "
            "apa saja yang Anda tahu.",
            "en": "Who made the offer? Name, company, phone number or social-media account — "
            "anything you know.",
        },
        options=(UNKNOWN,),
        long=True,
        skip="tidak tahu",
        phone=True,
        aliases=frozenset({"perekrut", "recruiter", "agen", "calo", "yang menawarkan"}),
    ),
    Step(
        "location",
        {
            "id": "Di mana orang itu mendekati Anda? Pilih kecamatan, atau tulis kelurahan/desa.",
            "en": "Where did they approach you? Choose the kecamatan, or type the village.",
        },
        place=True,
        aliases=frozenset({"tempat", "place", "lokasi", "location", "kecamatan", "desa"}),
    ),
    Step(
        "destination",
        {
            "id": "Ke negara mana, dan untuk pekerjaan apa?",
            "en": "To which country, and for what job?",
        },
        options=(UNKNOWN,),
        skip="tidak tahu",
        aliases=frozenset({"tujuan", "destination", "negara", "negara tujuan", "pekerjaan"}),
    ),
    Step(
        "departed",
        {"id": "Apakah sudah ada yang berangkat?", "en": "Has anyone already left?"},
        options=(
            _opt("ya", "Ya, sudah", "Yes", said.AFFIRM | said.DONE),
            _opt("belum", "Belum", "Not yet", said.NOT_YET | said.NO),
            UNKNOWN,
        ),
        free_text=False,
        skip="tidak tahu",
        aliases=frozenset({"berangkat", "sudah berangkat", "keberangkatan", "already left"}),
    ),
    Step(
        "danger",
        {
            "id": "Apakah ada yang dalam bahaya SEKARANG (dikurung, diancam, dipukul)?",
            "en": "Is anyone in danger RIGHT NOW (locked up, threatened, beaten)?",
        },
        options=YES_NO_UNKNOWN,
        free_text=False,
        urgent_on="ya",
        skip="tidak tahu",
        aliases=frozenset({"bahaya", "dalam bahaya", "danger", "in danger"}),
    ),
    EVIDENCE,
    CONTACT,
    CONSENT,
)

MISSING_STEPS: tuple[Step, ...] = (
    Step(
        "person",
        {
            "id": "Siapa yang tidak bisa dihubungi? Nama atau panggilan, hubungannya dengan "
            "Anda, dan umurnya.",
            "en": "Who cannot be reached? Name or nickname, how they are related to you, "
            "and their age.",
        },
        validate=validate_offer,
        aliases=frozenset({"siapa", "who", "orang", "yang hilang", "yang hilang kontak"}),
    ),
    Step(
        "since",
        {
            "id": "Sejak kapan tidak bisa dihubungi? Kapan dan lewat apa kontak terakhir, "
            "dan apa katanya waktu itu?",
            "en": "Since when can they not be reached? When and how was the last contact, "
            "and what did they say?",
        },
        options=(UNKNOWN,),
        skip="tidak tahu",
        aliases=frozenset({"sejak", "since", "kontak terakhir", "last contact", "kapan"}),
    ),
    Step(
        "where",
        {
            "id": "Di negara dan kota mana dia terakhir berada?",
            "en": "In which country and city were they last?",
        },
        options=(UNKNOWN,),
        skip="tidak tahu",
        aliases=frozenset({"terakhir berada", "lokasi terakhir", "negara", "kota", "where"}),
    ),
    Step(
        "taken_by",
        {
            "id": "Siapa yang memberangkatkan dan bagaimana caranya? Agen/PT, calo, teman; "
            "lewat jalur resmi atau tidak; apa yang dijanjikan.",
            "en": "Who arranged the departure and how? Agency, broker, friend; official "
            "route or not; what was promised.",
        },
        options=(UNKNOWN,),
        long=True,
        skip="tidak tahu",
        aliases=frozenset({"diberangkatkan", "diberangkatkan oleh", "agen", "calo", "taken by"}),
    ),
    Step(
        "family_area",
        {
            "id": "Di mana keluarga tinggal? Pilih kecamatan, atau tulis kelurahan/desa.",
            "en": "Where does the family live? Choose the kecamatan, or type the village.",
        },
        place=True,
        aliases=frozenset({"tempat", "keluarga tinggal", "alamat", "kecamatan", "desa", "place"}),
    ),
    Step(
        "fear",
        {
            "id": "Apakah Anda khawatir dia dalam bahaya (dikurung, diancam, disakiti)?",
            "en": "Do you fear they are in danger (locked up, threatened, hurt)?",
        },
        options=(  # "iya takut sekali", "gak khawatir"
            _opt("ya", "Ya", "Yes", said.AFFIRM | said.FEAR),
            _opt("tidak", "Tidak", "No", said.NO | said.NOT_YET | said.NO_FEAR),
            UNKNOWN,
        ),
        free_text=False,
        urgent_on="ya",
        skip="tidak tahu",
        aliases=frozenset({"khawatir", "dikhawatirkan", "takut", "bahaya", "fear"}),
    ),
    EVIDENCE,
    CONTACT,
    CONSENT,
)

KINDS: dict[str, tuple[Step, ...]] = {"tawaran": OFFER_STEPS, "hilang": MISSING_STEPS}
KIND_OPTIONS = (
    _opt("tawaran", "🧾 Tawaran kerja mencurigakan", "🧾 A suspicious job offer"),
    _opt(
        "hilang",
        "🆘 Keluarga di luar negeri tidak bisa dihubungi",
        "🆘 Family abroad cannot be reached",
    ),
)


def kind_options() -> tuple[Option, ...]:
    return KIND_OPTIONS


def steps_of(kind: str) -> tuple[Step, ...]:
    return KINDS.get(kind, OFFER_STEPS)
