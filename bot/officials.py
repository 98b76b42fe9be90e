"""What officials do with a case: status and assignment, closing with a reason, forwarding
to another agency, the relay both ways, the new case's deliveries (card: bot/cards.py), and
the /kasus, /statistik and /ekspor views.

Channel-neutral: it returns `Reply` objects and outbox rows; the adapter decides
who may press what (only configured official ids, only in the officials' chat).
Officials see the reporter only as far as the reporter chose to share (the
contact step); reporters never see which official wrote.
"""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable
from dataclasses import replace

from bot.cards import (
    CASE_ACTION,
    FIELDS,
    MISSING_FIELDS,
    NEXT_STATUSES,
    REPLY_ACTION,
    STATUS_LABELS,
    THREAD_LABELS,
    card,
    event_text,
    holder,
    shown_status,
    tag_list,
)
from bot.closing import Reason
from bot.deadlines import WIB, short_moment
from bot.knowledge import KnowledgeBase
from bot.messages import Attachment, Button, Reply, reply_to_dict
from bot.queue_view import attention_order, open_buttons, promise_mark
from bot.regions import PROVINCE, Regions, single_region
from bot.reports import TAGS, OutboxRow, Report, ReportStore
from bot.response import (
    RESPONSE_COLUMNS,
    Responses,
    ResponseTimes,
    moment_of,
    response_cells,
    uniform,
)
from bot.roster import Roster, display_name
from bot.safe_text import quoted
from bot.sessions import SessionStore
from bot.statistics import USAGE, Statistics, count, parse_period
from bot.texts import text

ALBUM_KINDS = frozenset({"photo", "video"})  # what Telegram can send together as an album
ALBUM_SIZE = 10
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
        # The day the case was dated on the bot's one clock (bot.clock), in Pariaman.
        day = moment_of(report.created_at).astimezone(WIB).date().isoformat()
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
        if self.read_only:
            return card(report, self.kb, full=True, copy=True)
        lines = [
            (at, f"{await self._who(actor)} · {event_text(kind, value)}")
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


# Who holds the case, its categories (issue 12) and the agencies it went to (issue 21),
# after the columns older exports had.
CASE_COLUMNS = ("nama petugas", "kategori", "diteruskan ke")
# What the province's copy of a card leaves out, so its export does too.
NOT_COPIED = frozenset({"catatan bukti", "kontak"})


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


def _with(report: Report, **changes: object) -> Report:
    return replace(report, **changes)  # type: ignore[arg-type]
