"""The officials' side of a case: the card, status and assignment, closing with a reason,
forwarding to another agency, the relay both ways, and the /kasus, /statistik and /ekspor
views.

Channel-neutral: it returns `Reply` objects and outbox rows; the adapter decides
who may press what (only configured official ids, only in the officials' chat).
Officials see the reporter only as far as the reporter chose to share (the
contact step); reporters never see which official wrote.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import replace

from bot.closing import CLOSING, Reason
from bot.deadlines import WIB, short_moment
from bot.knowledge import KnowledgeBase
from bot.messages import Attachment, Button, Reply, reply_to_dict
from bot.queue_view import attention_order, open_buttons, promise_mark
from bot.regions import PROVINCE, Regions, single_region
from bot.reports import CLOSED, STATUSES, TAGS, OutboxRow, Report, ReportStore
from bot.response import (
    RESPONSE_COLUMNS,
    Clock,
    Responses,
    ResponseTimes,
    moment_of,
    response_cells,
    uniform,
    utc_now,
)
from bot.roster import UNNAMED, Roster, display_name
from bot.safe_text import clean_text, quoted
from bot.sessions import SessionStore
from bot.statistics import USAGE, Statistics, count, parse_period
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
# Longer answers are shortened on the province's copy: it is edited, so it stays one message.
COPY_FIELD_CHARS = 500
ALBUM_KINDS = frozenset({"photo", "video"})  # what Telegram can send together as an album
ALBUM_SIZE = 10
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
        if copy and len(value) > COPY_FIELD_CHARS:
            value = value[:COPY_FIELD_CHARS].rstrip() + " …"
        lines.append(f"{label}: {quoted(value)}")
    signs = {sign.id: sign for sign in kb.warning_signs}
    lines.extend(f"⚠️ {signs[s].explanation['id']}" for s in answers.get("signs", []) if s in signs)
    if answers.get("evidence_note"):
        lines.append(f"Catatan bukti: {quoted(clean_text(str(answers['evidence_note'])))}")
    return lines


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


# The desk in a few lines, posted in a group at most once a day (with that day's first card).
HOWTO = (
    "ℹ️ Cara kerja meja kasus (pengingat harian):\n"
    "• 🙋 Saya tangani: ambil kasus; kasus yang dipegang orang lain ditanya dulu.\n"
    "• ✉️ Balas pelapor atau /balas KODE pesan: ke pelapor, pratinjau dulu, nama Anda tidak "
    "terlihat.\n"
    "• Reply biasa di grup: catatan kasus untuk sesama petugas, TIDAK dikirim ke pelapor.\n"
    "• ✅ Selesai / 🚫 Tidak valid: pilih atau tulis alasan singkat; pelapor membacanya.\n"
    "• /kasus: daftar kasus, yang terlambat dan mendesak di atas · /help: semua perintah."
)


def new_case_deliveries(
    kb: KnowledgeBase,
    max_evidence: int = 20,
    province: bool = False,
    mentions: Callable[[Report], tuple[tuple[str, str], ...]] = lambda report: (),
    clock: Clock = utc_now,
) -> Callable[[Report], list[OutboxRow]]:
    """The rows a new report sends to its region's group: its card (an urgent one naming
    the officials who must act, `mentions`), then its evidence, photos and videos together
    as albums of up to ten (one message each instead of one per file), then the how-to if
    the group has not had it today; `province`: and a read-only copy of the card to the
    province's group."""

    def deliveries(report: Report) -> list[OutboxRow]:
        to = report.region or None
        shown = card(report, kb)
        if report.urgent:
            shown = replace(shown, mentions=mentions(report))
        rows = [OutboxRow("card", None, {"reply": reply_to_dict(shown)}, report.id, group=to)]
        evidence = [(str(k), str(r)) for k, r in report.answers.get("evidence", [])]
        evidence = evidence[:max_evidence]
        number = 0
        for group in _albums(evidence):
            first, number = number + 1, number + len(group)
            span = f"{first}" if len(group) == 1 else f"{first}-{number}"
            caption = f"Bukti {report.code} ({span}/{len(evidence)})"
            media = [{"kind": kind, "ref": ref} for kind, ref in group]
            payload: dict[str, object] = {"caption": caption, "reply_to_card": True}
            if len(group) == 1:
                payload["media"] = media[0]
            else:
                payload["album"] = media
            rows.append(OutboxRow("evidence", None, payload, report.id, group=to))
        day = clock().astimezone(WIB).date().isoformat()
        howto = {"reply": reply_to_dict(Reply(HOWTO))}
        rows.append(OutboxRow("howto", None, howto, report.id, group=to, once=f"howto:{to}:{day}"))
        if province:
            copied = {"reply": reply_to_dict(card(report, kb, copy=True))}
            rows.append(OutboxRow("copy", None, copied, report.id, group=PROVINCE))
        return rows

    return deliveries


def _albums(evidence: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Consecutive photos and videos in groups of up to ten; every other file alone."""
    groups: list[list[tuple[str, str]]] = []
    for item in evidence:
        last = groups[-1] if groups else None
        if (
            item[0] in ALBUM_KINDS
            and last is not None
            and last[0][0] in ALBUM_KINDS
            and len(last) < ALBUM_SIZE
        ):
            last.append(item)
        else:
            groups.append([item])
    return groups


class Desk:
    """What officials do with cases. Callers have checked the official is allowed."""

    def __init__(
        self,
        store: ReportStore,
        kb: KnowledgeBase,
        sessions: SessionStore,
        roster: Roster,
        regions: Regions | None = None,
        responses: Responses | None = None,
        agencies: tuple[str, ...] = (),
    ) -> None:
        self.store = store
        self.kb = kb
        self.sessions = sessions  # the language each reporter is written to in
        self.roster = roster  # officials' names
        self.regions = regions  # whose name and office the reporter is told; None: Pariaman
        self.responses = responses or Responses(store, uniform(ResponseTimes()))
        self.agencies = agencies  # where a case may be handed on (FORWARD_AGENCIES)

    def scoped(self, regions: frozenset[str]) -> Desk:
        """This desk for an official of these regions only: other cases are "not found"."""
        view = copy.copy(self)
        view.store = self.store.scoped(regions)
        return view

    def region_words(self, report: Report, lang: str) -> dict[str, str]:
        """The region's name and office for texts to the reporter: a neighbour's citizens
        are not sent to Pariaman's office."""
        regions = self.regions or single_region(None, frozenset(), "PRM")
        region = regions.get(report.region)
        office = text("region_office", lang, office=region.office) if region.office else ""
        return {"region": region.name, "office": office}

    async def act(
        self, official: str, code: str, action: str, name: str = "", why: Reason | None = None
    ) -> str:
        """A card button; returns the short answer shown to the official. `name`: the
        official's display name, shown as the case's holder after "tangani" (which also
        marks a new case received); `why`: the reason a case is closed, told to the
        reporter in the same, single notice."""
        report = await self.store.by_code(code)
        if report is None:
            return "Kasus tidak ditemukan."
        if action == "tangani":
            taken = _with(report, assigned_to=official, assigned_name=display_name(name) or None)
            status = "diterima" if report.status == "baru" else None
            deliveries = []
            if status is not None:  # taking a new case receives it: the reporter is told
                taken = _with(taken, status=status)
                lang = await self.reporter_language(report)
                deliveries.append(self._notice(report, status, None, lang))
            updated = await self.store.change(
                report,
                official,
                status=status,
                assign=True,
                name=taken.assigned_name,
                deliveries=[*self._card_updates(taken), *deliveries],
            )
            return f"Kasus {updated.code} Anda tangani."
        if action not in NEXT_STATUSES[shown_status(report)]:
            return f"Status sudah {STATUS_LABELS[report.status]}."
        changed = _with(report, status=action)
        lang = await self.reporter_language(report)
        deliveries = [*self._card_updates(changed), self._notice(report, action, why, lang)]
        said = ("reason", why.label) if why is not None else None
        await self.store.change(
            report, official, status=action, deliveries=deliveries, message=said
        )
        return f"Status {report.code}: {STATUS_LABELS[action]}."

    async def reporter_language(self, report: Report) -> str:
        return (await self.sessions.get(report.reporter)).reply_language

    def _notice(
        self, report: Report, status: str | None, why: Reason | None, lang: str
    ) -> OutboxRow:
        """The reporter's one notice of a change: the status, and why a case was closed."""
        shown = text(f"case_status_{status or report.status}", lang)
        words = self.region_words(report, lang)
        body = text("status_notice", lang, code=report.code, status=shown, **words)
        if why is not None:
            reason = why.told.get(lang) or why.told["id"]
            body += "\n\n" + text("status_notice_reason", lang, reason=reason)
        return OutboxRow(
            "notice", report.reporter, {"reply": reply_to_dict(Reply(body))}, report.id
        )

    def _card_updates(self, report: Report) -> list[OutboxRow]:
        """The card edited in its region's group, and the province's copy kept current."""
        shown = {"reply": reply_to_dict(card(report, self.kb))}
        rows = [OutboxRow("card_update", None, shown, report.id, group=report.region or None)]
        if self.regions is not None and self.regions.province_chat_id is not None:
            copied = {"reply": reply_to_dict(card(report, self.kb, copy=True))}
            rows.append(OutboxRow("copy_update", None, copied, report.id, group=PROVINCE))
        return rows

    async def tag(self, official: str, report: Report, change: str) -> str:
        """A tag switch ("+tag" / "-tag"); the toast saying what it did."""
        on, tag = change[0] == "+", change[1:]
        _, changed = await self.store.tag(report, official, tag, on, self._card_updates)
        if not changed:
            return f"{TAGS[tag]} sudah {'terpasang' if on else 'dilepas'}."
        return f"{TAGS[tag]} {'dipasang' if on else 'dilepas'}."

    def forward_menu(self, report: Report) -> Reply:
        """The agencies a case may be handed to, as buttons ("kasus:<code>:ke:<n>")."""
        rows = tuple(
            (
                Button(
                    f"{'✅' if agency in report.forwarded else '↪️'} {agency}",
                    f"{CASE_ACTION}:{report.code}:ke:{n}",
                ),
            )
            for n, agency in enumerate(self.agencies)
        )
        return Reply(f"↪️ {report.code} diteruskan ke instansi mana?", buttons=rows)

    async def forward(self, official: str, report: Report, number: int) -> tuple[str, bool]:
        """Record that the case went to agency `number`; (toast, newly recorded?)."""
        if not 0 <= number < len(self.agencies):
            return "Tombol tidak dikenal.", False
        agency = self.agencies[number]
        _, changed = await self.store.forward(report, official, agency, self._card_updates)
        return (
            f"Dicatat: diteruskan ke {agency}." if changed else f"Sudah tercatat: {agency}."
        ), changed

    async def to_reporter(self, report: Report, message: str) -> None:
        """An official's reply to the card, relayed without the official's name."""
        lang = (await self.sessions.get(report.reporter)).reply_language
        relay = Reply(
            text(
                "official_message",
                lang,
                code=report.code,
                message=message,
                region=self.region_words(report, lang)["region"],
            ),
            buttons=(
                (Button(text("reply_to_officials_button", lang), f"{REPLY_ACTION}:{report.code}"),),
            ),
        )
        row = OutboxRow("relay", report.reporter, {"reply": reply_to_dict(relay)}, report.id)
        await self.store.add_message(report, "to_reporter", message, [row])

    async def to_officials(
        self,
        report: Report,
        message: str,
        attachments: tuple[Attachment, ...] = (),
        urgent: bool = False,
    ) -> None:
        """The reporter's answer, posted as a reply to the case card; `urgent` (signs of
        danger in it): marked so, ahead of every other message waiting, naming the
        officials who must act."""
        head = f"Balasan pelapor untuk {report.code}:"
        if urgent:
            head = f"🚨 MENDESAK — pesan pelapor {report.code} menyebut bahaya:"
        relay = Reply(
            f"{head}\n{quoted(message or '(lampiran)')}",
            mentions=self.roster.mentions(report) if urgent else (),
        )
        group = report.region or None
        rows = [
            OutboxRow(
                "relay",
                None,
                {"reply": reply_to_dict(relay), "reply_to_card": True},
                report.id,
                urgent=urgent,
                group=group,
            )
        ]
        for attachment in attachments:
            media = {"kind": attachment.kind, "ref": attachment.ref}
            caption = f"Lampiran pelapor {report.code}"
            payload = {"media": media, "caption": caption, "reply_to_card": True}
            rows.append(OutboxRow("relay", None, payload, report.id, urgent=urgent, group=group))
        await self.store.add_message(report, "from_reporter", message, rows)

    async def open_cases(self, official: str | None = None) -> Reply:
        """The open cases, what needs attention first (bot.queue_view); with `official`,
        only the ones they hold."""
        cases = await self.store.open_cases()
        if official is not None:
            cases = [case for case in cases if case.assigned_to == official]
            if not cases:
                return Reply("Tidak ada kasus terbuka yang Anda tangani.")
        if not cases:
            return Reply("Tidak ada kasus terbuka.")
        now = self.responses.now()
        timings = await self.responses.timings(cases)
        cases = attention_order(cases, timings, now)
        whose = "Anda tangani" if official is not None else "terbuka"
        lines = [f"Kasus {whose} ({len(cases)}), yang perlu perhatian dulu:"]
        for case in cases:
            line = (
                f"{'🚨 ' if case.urgent else ''}{case.code} · {STATUS_LABELS[shown_status(case)]}"
                f"{promise_mark(timings[case.id], now)}"
                f" · 🙋 {holder(case) if case.assigned_to else 'belum ada'}"
                f" · risiko {'TINGGI (mendesak)' if case.urgent else case.risk}"
            )
            if case.tags:
                line += f" · 🏷️ {tag_list(case)}"
            if case.forwarded:
                line += f" · ↪️ {', '.join(case.forwarded)}"
            lines.append(line)
        return Reply("\n".join(lines), buttons=open_buttons(cases, CASE_ACTION))

    async def case(self, code: str) -> Reply:
        """A case in full (🔎 Detail, /kasus CODE): the reporter's answers, the warning
        signs explained, and its history, messages and notes, with names and WIB times. It
        carries no buttons: the card is where a case is worked, never a stale copy."""
        report = await self.store.by_code(code)
        if report is None:
            return Reply("Kasus tidak ditemukan.")
        lines = [
            (at, f"{await self._who(actor)} · {_event_text(kind, value)}")
            for at, actor, kind, value in await self.store.events(report)
        ]
        for at, direction, body in await self.store.thread(report):
            label = THREAD_LABELS.get(direction, direction)
            lines.append((at, f"{label}: {quoted(body)}"))
        lines.sort(key=lambda line: line[0])
        history = [f"{short_moment(moment_of(at), 'id')} · {what}" for at, what in lines]
        shown = card(report, self.kb, full=True)
        return Reply(shown.text + "\n\nRiwayat:\n" + "\n".join(history), title=shown.title)

    async def _who(self, actor: str) -> str:
        return "pelapor" if actor == "reporter" else await self.roster.lookup(actor)

    async def statistics(self, argument: str) -> Statistics | Reply:
        """The numbers of the period `argument` names (see bot.statistics); a Reply instead
        when there is nothing to count: a period not understood, or no report in it."""
        period = parse_period(argument, dt.datetime.now(dt.UTC))
        if period is None:
            return Reply(USAGE)
        stats = count(await self.store.all_cases(), period, self._region_names())
        if not stats.total:
            return Reply(f"Tidak ada laporan dalam periode {period.label}.\n{USAGE}")
        return stats

    def _region_names(self) -> dict[str, str] | None:
        """Region names when this desk sees more than one region, else None."""
        if self.regions is None or not self.regions.many:
            return None
        seen = self.store.scope
        if seen is not None and len(seen) < 2:
            return None
        return self.regions.names

    async def export_csv(self) -> bytes:
        cases = await self.store.all_cases()
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow(
            ["kode", "dibuat", "jenis", "status", "mendesak", "risiko", "kecamatan", "negara",
             *(label for _, label in FIELDS + MISSING_FIELDS), "bukti", "catatan bukti",
             "kontak", "ditangani", "ditutup",
             *CASE_COLUMNS, *RESPONSE_COLUMNS]
        )  # fmt: skip
        timings = await self.responses.timings(cases)
        now = self.responses.now()
        for case in cases:
            answers = case.answers
            writer.writerow(
                [case.code, case.created_at, answers.get("kind", "tawaran"), case.status,
                 "ya" if case.urgent else "tidak", case.risk, case.area, case.destination,
                 *(_cell(answers.get(key, "")) for key, _ in FIELDS + MISSING_FIELDS),
                 len(answers.get("evidence", [])), _cell(answers.get("evidence_note", "")),
                 _cell(answers.get("contact", "anonim")),
                 case.assigned_to or "", case.closed_at or "",
                 *case_cells(case), *response_cells(timings[case.id], now)]
            )  # fmt: skip
        return output.getvalue().encode("utf-8-sig")  # the BOM lets Excel read Indonesian text


# Who holds the case, its categories (issue 12) and the agencies it went to (issue 21),
# after the columns older exports had.
CASE_COLUMNS = ("nama petugas", "kategori", "diteruskan ke")


def case_cells(case: Report) -> list[str]:
    return [
        _cell(case.assigned_name or ""),
        "; ".join(TAGS[tag] for tag in case.tags),
        _cell("; ".join(case.forwarded)),
    ]


def _cell(value: object) -> str:
    """Spreadsheet-safe: a cell starting with = + - @ would run as a formula."""
    cell = str(value)
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def _event_text(kind: str, value: str) -> str:
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


def _with(report: Report, **changes: object) -> Report:
    return replace(report, **changes)  # type: ignore[arg-type]
