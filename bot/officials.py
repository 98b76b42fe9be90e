"""The officials' side of a case: the card, status and assignment, the relay both ways,
and the /kasus, /statistik and /ekspor views.

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

from bot.knowledge import KnowledgeBase
from bot.messages import Attachment, Button, Reply, reply_to_dict
from bot.regions import PROVINCE, Regions, single_region
from bot.reports import CLOSED, STATUSES, TAGS, OutboxRow, Report, ReportStore
from bot.response import (
    RESPONSE_COLUMNS,
    Responses,
    ResponseTimes,
    late_mark,
    response_cells,
    uniform,
)
from bot.safe_text import clean_text, quoted
from bot.sessions import SessionStore
from bot.statistics import USAGE, Statistics, count, parse_period
from bot.texts import text

# Officials work in Indonesian; reporters read their case's status in their own language.
STATUS_LABELS = {status: text(f"case_status_{status}", "id") for status in STATUSES}
# The buttons an official sees for each status: the path forward.
NEXT_STATUSES = {
    "baru": ("diterima",),
    "diterima": ("ditindaklanjuti", "tidak_valid"),
    "ditindaklanjuti": ("selesai", "tidak_valid"),
    "selesai": (),
    "tidak_valid": (),
}
# Button actions: "kasus:<code>:<status>", "kasus:<code>:tangani", "kasus:<code>:kategori"
# (the tag choices), "kasus:<code>:tag+<tag>" / "tag-<tag>" (set / clear: what the button
# showed, so a press on an outdated menu does what its label said).
CASE_ACTION = "kasus"
TAG_MENU = "kategori"
REPLY_ACTION = "balas"  # reporter's "reply to officials" button: "balas:<code>"
CARD_FIELD_CHARS = 500  # longer answers are shortened on the card (one message, editable)
ALBUM_KINDS = frozenset({"photo", "video"})  # what Telegram can send together as an album
ALBUM_SIZE = 10
THREAD_LABELS = {
    "to_reporter": "✉️ ke pelapor",
    "from_reporter": "↩️ dari pelapor",
    "note": "📝 catatan internal",
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
KIND_LABELS = {
    "tawaran": "🧾 Tawaran kerja mencurigakan",
    "hilang": "🆘 Keluarga di luar negeri tidak bisa dihubungi",
}


def fields_of(answers: dict[str, object]) -> tuple[tuple[str, str], ...]:
    return MISSING_FIELDS if answers.get("kind") == "hilang" else FIELDS


def card(report: Report, kb: KnowledgeBase, full: bool = False, copy: bool = False) -> Reply:
    """The case as the task force sees it in its group chat (Indonesian).

    Everything the reporter wrote is shown as a quotation, so no typed line can pass for
    one of the card's own ("Status: ✅ Selesai"). The card is always one message (long
    answers are shortened; `full` for /kasus shows them whole), so it can be edited.
    `copy`: the province's read-only copy, without buttons, evidence or the reporter's
    contact; the region's own group handles the case.
    """
    answers = report.answers
    lines = []
    if report.urgent:
        lines.append("🚨 MENDESAK: ada yang mungkin dalam bahaya sekarang.")
    lines.append(f"Kode: {report.code}")
    if answers.get("region_name"):
        lines.append(f"Wilayah: {clean_text(str(answers['region_name']))}")
    lines.append(f"Jenis: {KIND_LABELS.get(str(answers.get('kind')), KIND_LABELS['tawaran'])}")
    lines.append(f"Status: {STATUS_LABELS[report.status]}")
    if report.assigned_to:
        lines.append(f"Ditangani: {holder(report)}")
    if report.tags:
        lines.append(f"Kategori: {tag_list(report)}")
    shortened = False
    contact = () if copy else (("contact", "Kontak pelapor"),)
    for key, label in (*fields_of(answers), *contact):
        value = clean_text(str(answers.get(key, "anonim" if key == "contact" else "-")))
        if not full and len(value) > CARD_FIELD_CHARS:
            value, shortened = value[:CARD_FIELD_CHARS].rstrip() + " …", True
        lines.append(f"{label}: {quoted(value)}")
    signs = {sign.id: sign for sign in kb.warning_signs}
    found = [signs[s].explanation["id"] for s in answers.get("signs", []) if s in signs]
    missing_person = answers.get("kind") == "hilang"
    lines.append(f"Risiko {'cara berangkat' if missing_person else 'tawaran'}: {report.risk}")
    lines.extend(f"⚠️ {explanation}" for explanation in found)
    if copy:
        lines.append(f"Bukti: {len(answers.get('evidence', []))} berkas (hanya di grup wilayah)")
        lines.append("Salinan untuk provinsi: ditangani oleh grup petugas wilayahnya.")
        return Reply("\n".join(lines), title=f"Salinan laporan {report.code}")
    lines.append(f"Bukti: {len(answers.get('evidence', []))} berkas (menyusul di bawah)")
    if answers.get("evidence_note"):
        lines.append(f"Catatan bukti: {quoted(clean_text(str(answers['evidence_note'])))}")
    if shortened:
        lines.append(f"Teks lengkap: /kasus {report.code}")
    lines.append(
        "Pesan ke pelapor: tombol ✉️ atau /balas KODE pesan. Balasan (reply) biasa di grup "
        "hanya menjadi catatan internal."
    )
    buttons = [
        Button(STATUS_LABELS[status], f"{CASE_ACTION}:{report.code}:{status}")
        for status in NEXT_STATUSES[report.status]
    ]
    rows = [tuple(buttons)] if buttons else []
    if report.status not in CLOSED:
        rows.append(
            (
                Button("🙋 Saya tangani", f"{CASE_ACTION}:{report.code}:tangani"),
                Button("✉️ Balas pelapor", f"{CASE_ACTION}:{report.code}:balas"),
            )
        )
    rows.append((Button("🏷️ Kategori", f"{CASE_ACTION}:{report.code}:{TAG_MENU}"),))
    title = f"Laporan {report.code}"
    return Reply("\n".join(lines), title=title, buttons=tuple(rows))


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
    """Who took the case: the name Telegram showed then, and the id that cannot change."""
    if report.assigned_name:
        return f"{report.assigned_name} (petugas {report.assigned_to})"
    return f"petugas {report.assigned_to}"


def tag_list(report: Report) -> str:
    return ", ".join(TAGS[tag] for tag in report.tags)


def display_name(raw: str) -> str:
    """An official's Telegram name, as one short line: it is shown on cards and lists."""
    return " ".join(clean_text(raw).split())[:64]


def new_case_deliveries(
    kb: KnowledgeBase, max_evidence: int = 20, province: bool = False
) -> Callable[[Report], list[OutboxRow]]:
    """The rows a new report sends to its region's group: its card, then its evidence,
    photos and videos together as albums of up to ten (one message each instead of one
    per file); `province`: and a read-only copy of the card to the province's group."""

    def deliveries(report: Report) -> list[OutboxRow]:
        to = report.region or None
        shown = {"reply": reply_to_dict(card(report, kb))}
        rows = [OutboxRow("card", None, shown, report.id, group=to)]
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
        regions: Regions | None = None,
        responses: Responses | None = None,
    ) -> None:
        self.store = store
        self.kb = kb
        self.sessions = sessions  # the language each reporter is written to in
        self.regions = regions  # whose name and office the reporter is told; None: Pariaman
        self.responses = responses or Responses(store, uniform(ResponseTimes()))
        # The province's group: it sees what its copy of a card shows, nothing more (no
        # contact, no evidence, no thread with the reporter, no internal notes).
        self.read_only = False

    def scoped(self, regions: frozenset[str], read_only: bool = False) -> Desk:
        """This desk for an official of these regions only: other cases are "not found";
        `read_only`: the province's, whose every view shows only its copy's fields."""
        view = copy.copy(self)
        view.store = self.store.scoped(regions)
        view.read_only = read_only
        return view

    def region_words(self, report: Report, lang: str) -> dict[str, str]:
        """The region's name and office for texts to the reporter: a neighbour's citizens
        are not sent to Pariaman's office."""
        regions = self.regions or single_region(None, frozenset(), "PRM")
        region = regions.get(report.region)
        office = text("region_office", lang, office=region.office) if region.office else ""
        return {"region": region.name, "office": office}

    async def act(self, official: str, code: str, action: str, name: str = "") -> str:
        """A card button; returns the short answer shown to the official. `name`: the
        official's display name, shown as the case's holder after "tangani"."""
        report = await self.store.by_code(code)
        if report is None:
            return "Kasus tidak ditemukan."
        if action == "tangani":
            taken = _with(report, assigned_to=official, assigned_name=display_name(name) or None)
            updated = await self.store.change(
                report,
                official,
                assign=True,
                name=taken.assigned_name,
                deliveries=self._card_updates(taken),
            )
            return f"Kasus {updated.code} Anda tangani."
        if action not in NEXT_STATUSES[report.status]:
            return f"Status sudah {STATUS_LABELS[report.status]}."
        changed = _with(report, status=action)
        lang = (await self.sessions.get(report.reporter)).reply_language
        status = text(f"case_status_{action}", lang)
        words = self.region_words(report, lang)
        notice = Reply(text("status_notice", lang, code=report.code, status=status, **words))
        deliveries = [
            *self._card_updates(changed),
            OutboxRow("notice", report.reporter, {"reply": reply_to_dict(notice)}, report.id),
        ]
        await self.store.change(report, official, status=action, deliveries=deliveries)
        return f"Status {report.code}: {STATUS_LABELS[action]}."

    def _card_updates(self, report: Report) -> list[OutboxRow]:
        """The card edited in its region's group, and the province's copy kept current."""
        shown = {"reply": reply_to_dict(card(report, self.kb))}
        rows = [OutboxRow("card_update", None, shown, report.id, group=report.region or None)]
        if self.regions is not None and self.regions.province_chat_id is not None:
            copied = {"reply": reply_to_dict(card(report, self.kb, copy=True))}
            rows.append(OutboxRow("copy_update", None, copied, report.id, group=PROVINCE))
        return rows

    async def tag(self, official: str, report: Report, change: str) -> tuple[str, Reply]:
        """A tag switch ("+tag" / "-tag"): the toast and the menu as it is now."""
        on, tag = change[0] == "+", change[1:]
        updated, changed = await self.store.tag(report, official, tag, on, self._card_updates)
        if not changed:
            toast = f"{TAGS[tag]} sudah {'terpasang' if on else 'dilepas'}."
        else:
            toast = f"{TAGS[tag]} {'dipasang' if on else 'dilepas'}."
        return toast, tag_menu(updated)

    async def to_reporter(self, report: Report, message: str, official: str) -> None:
        """An official's message, relayed without the official's name; who sent it (who
        pressed ✅ Kirim) is kept in the case's history, encrypted like every actor."""
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
        await self.store.add_message(report, "to_reporter", message, [row], sent_by=official)

    async def to_officials(
        self, report: Report, message: str, attachments: tuple[Attachment, ...] = ()
    ) -> None:
        """The reporter's answer, posted as a reply to the case card."""
        relay = Reply(f"Balasan pelapor untuk {report.code}:\n{quoted(message or '(lampiran)')}")
        group = report.region or None
        rows = [
            OutboxRow(
                "relay",
                None,
                {"reply": reply_to_dict(relay), "reply_to_card": True},
                report.id,
                group=group,
            )
        ]
        for attachment in attachments:
            media = {"kind": attachment.kind, "ref": attachment.ref}
            caption = f"Lampiran pelapor {report.code}"
            payload = {"media": media, "caption": caption, "reply_to_card": True}
            rows.append(OutboxRow("relay", None, payload, report.id, group=group))
        await self.store.add_message(report, "from_reporter", message, rows)

    async def open_cases(self, official: str | None = None) -> Reply:
        """The open cases, oldest first; with `official`, only the ones they took."""
        cases = await self.store.open_cases()
        if official is not None:
            cases = [case for case in cases if case.assigned_to == official]
            if not cases:
                return Reply("Tidak ada kasus terbuka yang Anda tangani.")
        if not cases:
            return Reply("Tidak ada kasus terbuka.")
        today = self.responses.now()
        timings = await self.responses.timings(cases)
        whose = "Anda tangani" if official is not None else "terbuka"
        lines = [f"Kasus {whose} ({len(cases)}), terlama dulu:"]
        for case in cases:
            age = (today - dt.datetime.fromisoformat(case.created_at)).days
            urgent = "🚨 " if case.urgent else ""
            line = (
                f"{urgent}{case.code} · {STATUS_LABELS[case.status]} · {age} hari · {case.area}"
                f" · {case.destination}{late_mark(timings[case.id], today)}"
            )
            line += f" · 🙋 {holder(case)}" if case.assigned_to else " · 🙋 belum ada"
            if case.tags:
                line += f" · 🏷️ {tag_list(case)}"
            lines.append(line)
        return Reply("\n".join(lines))

    async def case(self, code: str) -> Reply:
        """A case in full: the card, its history, the messages and the internal notes."""
        report = await self.store.by_code(code)
        if report is None:
            return Reply("Kasus tidak ditemukan.")
        if self.read_only:
            return card(report, self.kb, full=True, copy=True)
        history = await self.store.events(report)
        lines = [
            f"{at[:16].replace('T', ' ')} · {actor} · {kind}: {value}"
            for at, actor, kind, value in history
        ]
        for at, direction, body in await self.store.thread(report):
            label = THREAD_LABELS.get(direction, direction)
            lines.append(f"{at[:16].replace('T', ' ')} · {label}: {quoted(body)}")
        shown = card(report, self.kb, full=True)
        return Reply(
            shown.text + "\n\nRiwayat:\n" + "\n".join(lines),
            title=shown.title,
            buttons=shown.buttons,
        )

    async def statistics(self, argument: str) -> Statistics | Reply:
        """The numbers of the period `argument` names (see bot.statistics); a Reply instead
        when there is nothing to count: a period not understood, or no report in it."""
        period = parse_period(argument, self.responses.now())
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
        header = [
            "kode", "dibuat", "jenis", "status", "mendesak", "risiko", "kecamatan", "negara",
            *(label for _, label in FIELDS + MISSING_FIELDS), "bukti", "catatan bukti",
            "kontak", "ditangani", "ditutup", *CASE_COLUMNS, *RESPONSE_COLUMNS,
        ]  # fmt: skip
        # The province's export has its copy's columns: no contact, no note on the evidence.
        shown = [n for n, name in enumerate(header) if not (self.read_only and name in NOT_COPIED)]
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow([header[n] for n in shown])
        timings = await self.responses.timings(cases)
        now = self.responses.now()
        for case in cases:
            answers = case.answers
            row = [
                case.code, case.created_at, answers.get("kind", "tawaran"), case.status,
                "ya" if case.urgent else "tidak", case.risk, case.area, case.destination,
                *(_cell(answers.get(key, "")) for key, _ in FIELDS + MISSING_FIELDS),
                len(answers.get("evidence", [])), _cell(answers.get("evidence_note", "")),
                _cell(answers.get("contact", "anonim")),
                case.assigned_to or "", case.closed_at or "",
                *case_cells(case), *response_cells(timings[case.id], now),
            ]  # fmt: skip
            writer.writerow([row[n] for n in shown])
        return output.getvalue().encode("utf-8-sig")  # the BOM lets Excel read Indonesian text


# Who holds the case and its categories (issue 12), after the columns older exports had.
CASE_COLUMNS = ("nama petugas", "kategori")
# What the province's copy of a card leaves out, so its export does too.
NOT_COPIED = frozenset({"catatan bukti", "kontak"})


def case_cells(case: Report) -> list[str]:
    return [_cell(case.assigned_name or ""), "; ".join(TAGS[tag] for tag in case.tags)]


def _cell(value: object) -> str:
    """Spreadsheet-safe: a cell starting with = + - @ would run as a formula."""
    cell = str(value)
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def _with(report: Report, **changes: object) -> Report:
    return replace(report, **changes)  # type: ignore[arg-type]
