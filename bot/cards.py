"""The case as the task force sees it in its group: the card (a short first screen and its
buttons), the detail behind 🔎, the category menu, and the words for statuses, holders and
history events. Officials work in Indonesian; everything here is for them.

Everything the reporter wrote is shown as a quotation, so no typed line can pass for one
of the card's own ("Status: ✅ Selesai").
"""

from __future__ import annotations

from bot.closing import CLOSING
from bot.excerpt import excerpt, number
from bot.knowledge import KnowledgeBase
from bot.messages import Button, Reply
from bot.reports import CLOSED, STATUSES, TAGS, Report
from bot.roster import UNNAMED
from bot.safe_text import clean_text, quoted
from bot.texts import text

# Officials work in Indonesian; reporters read their case's status in their own language.
STATUS_LABELS = {status: text(f"case_status_{status}", "id") for status in STATUSES}
# The buttons an official sees for each status: the next step forward, and closing (which
# asks for a reason, bot/closing.py) from any open status: one tap, not three.
NEXT_STATUSES = {
    "baru": ("diterima", *CLOSING),
    "diterima": ("ditindaklanjuti", *CLOSING),
    "ditindaklanjuti": CLOSING,
    "selesai": (),
    "tidak_valid": (),
}
# Button actions: "kasus:<code>:<status>", "kasus:<code>:tangani", "kasus:<code>:kategori"
# (the tag choices), "kasus:<code>:tag+<tag>" / "tag-<tag>" (set / clear: what the button
# showed, so a press on an outdated menu does what its label said); bot/officials_chat.py
# has the rest.
CASE_ACTION = "kasus"
TAG_MENU = "kategori"
REPLY_ACTION = "balas"  # reporter's "reply to officials" button: "balas:<code>"
# Longer answers are shortened on the province's copy: it is edited, so it stays one message
# (saying how much more there is: nothing is cut without a word).
COPY_FIELD_CHARS = 500
THREAD_LABELS = {
    "to_reporter": "✉️ ke pelapor",
    "from_reporter": "↩️ dari pelapor",
    "note": "📝 catatan internal",
    "reason": "📋 keterangan penutupan (dikirim ke pelapor)",
    "forward": "↪️ catatan penerusan",
}
FIELDS = (
    ("offer", "Tawaran"),
    ("recruiter", "Perekrut"),
    ("location", "Tempat"),
    ("destination", "Tujuan"),
    ("departed", "Sudah berangkat"),
    ("danger", "Dalam bahaya"),
)
# A report about family abroad who cannot be reached (bot/flows/steps.py MISSING_STEPS).
MISSING_FIELDS = (
    ("person", "Yang hilang kontak"),
    ("since", "Sejak / kontak terakhir"),
    ("where", "Terakhir berada"),
    ("taken_by", "Diberangkatkan oleh"),
    ("family_area", "Keluarga tinggal di"),
    ("fear", "Keluarga khawatir dia dalam bahaya"),
)
KIND_SHORT = {"tawaran": "🧾 Tawaran kerja", "hilang": "🆘 Keluarga hilang kontak"}


def fields_of(answers: dict[str, object]) -> tuple[tuple[str, str], ...]:
    return MISSING_FIELDS if answers.get("kind") == "hilang" else FIELDS


def shown_status(report: Report) -> str:
    """🙋 alone counts as received (the reminders count it so): the card says so too, also
    for a case taken before taking it set Diterima."""
    return "diterima" if report.status == "baru" and report.assigned_to else report.status


def header(report: Report, kb: KnowledgeBase) -> list[str]:
    """A case's first screen: what it is, where, how risky, who holds it, where it stands.
    Everything the reporter wrote waits behind 🔎 Detail, so the card fits a phone."""
    answers = report.answers
    kind = str(answers.get("kind")) if answers.get("kind") in KIND_SHORT else "tawaran"
    lines = []
    if report.urgent:
        lines.append("🚨 MENDESAK: mungkin ada yang dalam bahaya sekarang.")
    lines.append(f"Kode: {report.code}")
    if answers.get("region_name"):
        lines.append(f"Wilayah: {clean_text(str(answers['region_name']))}")
    lines.append(f"{KIND_SHORT[kind]} · {report.area} → {report.destination}")
    lines.append(risk_line(report, kb))
    holding = f"🙋 {holder(report)}" if report.assigned_to else "🙋 belum ada"
    lines.append(f"Status: {STATUS_LABELS[shown_status(report)]} · {holding}")
    if report.tags:
        lines.append(f"🏷️ {tag_list(report)}")
    if report.forwarded:
        lines.append(f"↪️ Diteruskan ke: {', '.join(report.forwarded)}")
    if report.related:
        lines.append(f"🔗 Mungkin terkait: {', '.join(report.related)} (perekrut sama)")
    return lines


def risk_line(report: Report, kb: KnowledgeBase) -> str:
    """One statement of risk that agrees with the urgency: a person in danger is high risk
    whatever the words of the offer scored."""
    if report.urgent:
        return "Risiko: TINGGI (ada yang mungkin dalam bahaya)"
    known = {sign.id for sign in kb.warning_signs}
    count = len([s for s in report.answers.get("signs", []) if s in known])
    signs = f" ({count} tanda bahaya)" if count else ""
    what = "cara berangkat" if report.answers.get("kind") == "hilang" else "tawaran"
    return f"Risiko {what}: {report.risk}{signs}"


def card(report: Report, kb: KnowledgeBase, full: bool = False, copy: bool = False) -> Reply:
    """The case as the task force sees it in its group chat (Indonesian).

    The card itself is the short header with the case's buttons; `full` is the detail
    (🔎 Detail, /kasus CODE): the reporter's answers and the warning signs explained.
    Everything the reporter wrote is shown as a quotation, so no typed line can pass for
    one of the card's own ("Status: ✅ Selesai"). `copy`: the province's read-only copy,
    without buttons, evidence or the reporter's contact; the region's group handles it.
    """
    answers = report.answers
    lines = header(report, kb)
    evidence = len(answers.get("evidence", []))
    title = f"Laporan {report.code}"
    if full or copy:
        lines.append("")
        lines.extend(_answers(report, kb, copy))
    if copy:
        if evidence:
            lines.append(f"Bukti: {evidence} berkas (hanya di grup wilayah)")
        lines.append("Salinan untuk provinsi: ditangani oleh grup petugas wilayahnya.")
        return Reply("\n".join(lines), title=f"Salinan laporan {report.code}")
    if full:
        return Reply("\n".join(lines), title=title)
    if evidence:
        lines.append(f"📎 Bukti: {evidence} berkas (di bawah)")
    return Reply("\n".join(lines), title=title, buttons=card_buttons(report))


def _answers(report: Report, kb: KnowledgeBase, copy: bool) -> list[str]:
    answers = report.answers
    lines = []
    contact = () if copy else (("contact", "Kontak pelapor"),)
    for key, label in (*fields_of(answers), *contact):
        value = clean_text(str(answers.get(key, "anonim" if key == "contact" else "-")))
        value, more = _shortened(value) if copy else (value, "")
        lines.append(f"{label}: {quoted(value)}{more}")
    signs = {sign.id: sign for sign in kb.warning_signs}
    lines.extend(f"⚠️ {signs[s].explanation['id']}" for s in answers.get("signs", []) if s in signs)
    if answers.get("evidence_note") and not copy:  # the province's copy leaves it out
        lines.append(f"Catatan bukti: {quoted(clean_text(str(answers['evidence_note'])))}")
    return lines


def _shortened(value: str) -> tuple[str, str]:
    """A long answer's start on the province's copy, and (outside the reporter's quoted
    words) how much more the region's group reads; "" when it is shown whole."""
    shown, more = excerpt(value, COPY_FIELD_CHARS)
    return (shown, f" … (+{number(more, 'id')} huruf lagi)") if more else (value, "")


def card_buttons(report: Report) -> tuple[tuple[Button, ...], ...]:
    code = f"{CASE_ACTION}:{report.code}"
    status = shown_status(report)
    if status in CLOSED:
        return (
            (Button("🔎 Detail", f"{code}:detail"), Button("🏷️ Kategori", f"{code}:{TAG_MENU}")),
        )
    forward = [s for s in NEXT_STATUSES[status] if s not in CLOSING]
    first = [Button(STATUS_LABELS[s], f"{code}:{s}") for s in forward]
    return (
        (*first, Button("🙋 Saya tangani", f"{code}:tangani")),
        (Button("✉️ Balas pelapor", f"{code}:balas"), Button("🔎 Detail", f"{code}:detail")),
        tuple(Button(STATUS_LABELS[s], f"{code}:{s}") for s in CLOSING),
        (Button("🏷️ Kategori", f"{code}:{TAG_MENU}"), Button("↪️ Teruskan", f"{code}:teruskan")),
    )


def tag_menu(report: Report) -> Reply:
    """The categories of a case as switches: ✅ set (pressing clears it), ▫️ not set."""
    rows = tuple(
        (
            Button(f"✅ {label}", f"{CASE_ACTION}:{report.code}:tag-{tag}")
            if tag in report.tags
            else Button(f"▫️ {label}", f"{CASE_ACTION}:{report.code}:tag+{tag}"),
        )
        for tag, label in TAGS.items()
    )
    return Reply(
        f"🏷️ Kategori {report.code}: tekan untuk memasang atau melepas.\n"
        f"Sekarang: {tag_list(report) or 'belum ada'}",
        buttons=rows,
    )


def holder(report: Report) -> str:
    """Who holds the case: the name Telegram showed when they took it."""
    return report.assigned_name or UNNAMED


def tag_list(report: Report) -> str:
    return ", ".join(TAGS[tag] for tag in report.tags)


def event_text(kind: str, value: str) -> str:
    """A history event as officials read it."""
    if kind == "status":
        return f"status {STATUS_LABELS.get(value, value)}"
    if kind == "assign":
        return "🙋 memegang kasus"
    if kind == "tag":
        return f"🏷️ {'pasang' if value[:1] == '+' else 'lepas'} {TAGS.get(value[1:], value[1:])}"
    if kind == "forward":
        return f"↪️ diteruskan ke {value}"
    return f"{kind}: {value}"
