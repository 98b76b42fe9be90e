"""What officials write and press in their group, channel-neutral.

Writing to a reporter is always an explicit act: `/balas CODE pesan` (or the card's
✉️ button, then a reply to the bot's prompt) shows a preview, and only ✅ Kirim sends
it. Any other reply to a case's message stays inside the task force as a case note:
encrypted in the case's thread, purged with the case, shown by `/kasus CODE`, never
sent to the reporter, who may be the recruiter. The adapter has already checked that
the sender is an official and the chat is the officials' chat.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from bot import charts
from bot.cards import (
    CASE_ACTION,
    NEXT_STATUSES,
    STATUS_LABELS,
    TAG_MENU,
    card_buttons,
    holder,
    shown_status,
    tag_menu,
)
from bot.closing import CLOSING, MAX_REASON, REASONS, Reason, reason
from bot.messages import Button, Reply, UserKey
from bot.officials import Desk
from bot.regions import Scope
from bot.reports import CODE_ALPHABET, TAGS, Report, ReportStore
from bot.safe_text import clean_text, quoted

MAX_MESSAGE = 2000  # an official's message to a reporter, like a reporter's answer
_CODE = rf"[A-Z]{{2,5}}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}"
_STATUS = "|".join(STATUS_LABELS)
_TAG = "|".join(TAGS)
_CLOSING = "|".join(CLOSING)
# Every button the group's messages carry; anything else is refused with an answer.
CASE_DATA = re.compile(
    rf"{CASE_ACTION}:(?P<code>{_CODE}):"
    rf"(?:(?P<action>{_STATUS}|tangani|ambil|tetap|balas|detail|teruskan)"
    rf"|(?P<draft_action>kirim|batal):(?P<draft>\d{{1,12}})"
    rf"|(?P<menu>{TAG_MENU})|tag(?P<tag>[+-](?:{_TAG}))"
    rf"|tutup:(?P<closing>{_CLOSING}):(?P<reason>[a-z]{{1,16}})"
    rf"|ke:(?P<agency>\d{{1,2}}))"
)
HELP = (
    "Perintah petugas di grup ini:\n"
    "/kasus — kasus terbuka, yang perlu perhatian dulu (🔎 membuka satu kasus)\n"
    "/kasus saya — kasus yang Anda pegang\n"
    "/kasus KODE — satu kasus: jawaban pelapor, riwayat, pesan dan catatan\n"
    "/balas KODE pesan — pesan ke pelapor (pratinjau dulu; nama Anda tidak terlihat)\n"
    "/statistik [30 | 2026-11] — grafik dan angka\n"
    "/ekspor — semua kasus sebagai CSV, dikirim secara pribadi kepada Anda\n"
    "/siaran teks — info & peringatan untuk pelanggan (pratinjau dulu); /siaran — daftar "
    "siaran, /siaran bantuan — caranya\n"
    "/help atau /bantuan — daftar ini\n\n"
    "Di kartu kasus: 🙋 ambil kasus · Diterima / Ditindaklanjuti · ✅ Selesai / 🚫 Tidak "
    "valid (dengan alasan, dibaca pelapor) · ✉️ pesan ke pelapor · 🔎 detail · 🏷️ kategori "
    "· ↪️ diteruskan ke instansi lain.\n"
    "Reply biasa ke pesan sebuah kasus = catatan internal, TIDAK dikirim ke pelapor."
)
READ_ONLY_HELP = (
    "Grup provinsi hanya melihat:\n/kasus — kasus terbuka semua wilayah\n"
    "/kasus KODE — satu kasus\n/statistik [30 | 2026-11] — grafik dan angka\n"
    "/siaran teks — info & peringatan untuk pelanggan semua wilayah (pratinjau dulu)\n"
    "Kasus ditangani di grup petugas wilayahnya."
)


@dataclass(frozen=True)
class Chart:
    """A picture to send with the post: the post's text is its caption where the channel
    allows a caption that long, else `caption` is, and the text follows as a message."""

    png: bytes
    caption: str


@dataclass(frozen=True)
class Post:
    """A message for the group; `prompt_for`: a reply to it is about that case, as
    `prompt_kind` says: "prompt" a message for the reporter (shown as a preview first),
    "reason:<status>" why the case is closed, "forward:<n>" a note on its forwarding."""

    reply: Reply
    prompt_for: Report | None = None
    prompt_kind: str = "prompt"
    chart: Chart | None = None


@dataclass(frozen=True)
class Said:
    """The answer to an official's message: posts, and whether the prompt it replied to
    has done its job and goes (a quieter group)."""

    posts: list[Post] = field(default_factory=list)
    delete_replied: bool = False


@dataclass(frozen=True)
class Pressed:
    """The answer to a button: a short toast, maybe a new message, maybe a replacement
    for the pressed message (a preview once sent or cancelled), or its removal (a menu or
    question once used)."""

    toast: str
    post: Post | None = None
    replace: Reply | None = None
    delete: bool = False


class Broadcasting(Protocol):
    """The awareness broadcasts' desk (bot/broadcast/desk.py): `/siaran` and its buttons."""

    async def command(self, official: str, chat_id: int, argument: str, scope: Scope) -> Post: ...

    async def press(self, official: str, chat_id: int, data: str, scope: Scope) -> Pressed: ...


BROADCAST_ACTION = "siaran"  # the broadcasts' buttons: "siaran:<id>:kirim"


class GroupDesk:
    def __init__(self, desk: Desk, store: ReportStore, on_commit: Callable[[], None]) -> None:
        self.desk = desk
        self.store = store
        self.on_commit = on_commit  # wakes the outbox worker
        self.read_only = False
        self.scope = Scope(frozenset())
        self.broadcasts: Broadcasting | None = None  # None: broadcasts are off
        # Whether a reporter has turned case updates off (WhatsApp's "berhenti"), set by a
        # channel that offers it: the official is then told the message is kept, not sent.
        self.updates_off: Callable[[UserKey], Awaitable[bool]] | None = None

    def scoped(self, scope: Scope) -> GroupDesk:
        """This desk for one chat's officials: only their regions' cases exist for them;
        read-only (the province's group) may look with /kasus, /statistik and /ekspor at
        what its copies of the cards show, nothing more."""
        view = copy.copy(self)
        view.desk = self.desk.scoped(scope.regions, scope.read_only)
        view.store = view.desk.store
        view.read_only = scope.read_only
        view.scope = scope
        return view

    async def text(
        self, official: str, chat_id: int, raw: str, replied_to: int | None, name: str = ""
    ) -> Said:
        """An official's message in the group (not /ekspor, which the channel sends itself)."""
        await self.desk.roster.saw(official, name)
        message = clean_text(raw).strip()
        word, _, argument = message.partition(" ")
        first, _, rest = word.partition("\n")  # "/balas\nCODE ..." typed on two lines
        argument = f"{rest} {argument}".strip()
        command = first.split("@", 1)[0].casefold() if first.startswith("/") else ""
        if command in ("/help", "/bantuan"):
            return Said([Post(Reply(READ_ONLY_HELP if self.read_only else HELP))])
        if command == "/kasus":
            desk = self.desk
            code = argument.split(maxsplit=1)[0] if argument else ""
            if code.casefold() == "saya":
                return Said([Post(await desk.open_cases(official))])
            shown = await (desk.case(code) if code else desk.open_cases())
            if self.read_only:
                return Said([Post(replace(shown, buttons=()))])
            report = await self.store.by_code(code) if code else None
            if report is not None and (
                report.card_message_id is None or report.card_chat_id != chat_id
            ):
                # The card never arrived here (given up, or from a former group): this is
                # the one place to work the case, so it carries the card's buttons.
                shown = replace(shown, buttons=card_buttons(report))
            return Said([Post(shown)])
        if command == "/statistik":
            return Said([await self.statistics(argument)])
        if command == "/siaran" and self.broadcasts is not None:
            # The text keeps its lines: options come on lines of their own.
            body = message.partition(first)[2].strip() if first else ""
            return Said([await self.broadcasts.command(official, chat_id, body, self.scope)])
        if self.read_only:
            return Said()  # the province's group looks; the region's group acts
        if command == "/balas":
            code, _, body = argument.partition(" ")
            report = await self.store.by_code(code) if code else None
            if report is None:
                return Said([Post(Reply("Tulis: /balas KODE pesan (kode kasus, lalu pesannya)."))])
            return Said([await self.preview(report, body)])
        if command or replied_to is None or not message:
            return Said()  # other commands, and the group's own talk, are not the bot's business
        found = await self.store.by_case_message(chat_id, replied_to)
        if found is None:
            return Said()
        report, kind = found
        if kind == "prompt":
            return Said([await self.preview(report, message)], delete_replied=True)
        if kind.startswith("reason:"):
            return Said([await self._close(official, report, kind[7:], message, name)], True)
        if kind.startswith("forward:"):
            await self.store.add_message(report, "forward", message[:MAX_REASON], [])
            return Said([Post(Reply(f"↪️ Catatan penerusan {report.code} disimpan."))], True)
        who = self.desk.roster.name(official)
        await self.store.add_message(report, "note", f"{who}: {message}", [])
        return Said(
            [
                Post(
                    Reply(
                        f"📝 Disimpan sebagai catatan internal {report.code}; TIDAK dikirim ke "
                        f"pelapor. Untuk pelapor: /balas {report.code} pesan"
                    )
                )
            ]
        )

    async def _close(
        self, official: str, report: Report, status: str, typed: str, name: str
    ) -> Post:
        """A typed reason for closing: the reporter reads it as written."""
        if status not in CLOSING:
            return Post(Reply("Tombol tidak dikenal."))
        words = typed.strip()[:MAX_REASON]
        why = Reason("ketik", words, {"id": words, "en": words})
        answer = await self.desk.act(official, report.code, status, name, why)
        self.on_commit()
        return Post(Reply(answer))

    async def statistics(self, argument: str) -> Post:
        """The period's numbers as a chart with a caption; words alone when it is empty."""
        stats = await self.desk.statistics(argument)
        if isinstance(stats, Reply):
            return Post(stats)
        # Drawing takes CPU for a moment: in a thread, so the bot keeps answering meanwhile.
        png = await asyncio.to_thread(charts.statistics_png, stats)
        reply = Reply(stats.text(), title="Statistik laporan")
        return Post(reply, chart=Chart(png, stats.caption()))

    async def preview(self, report: Report, body: str) -> Post:
        body = body.strip()[:MAX_MESSAGE]
        if not body:
            return Post(Reply(f"Tulis pesannya: /balas {report.code} pesan"))
        draft = await self.store.save_relay_draft(report, body)
        prefix = f"{CASE_ACTION}:{report.code}"
        return Post(
            Reply(
                f"Pratinjau pesan untuk pelapor {report.code}:\n{quoted(body)}\nKirim ke pelapor?",
                buttons=(
                    (
                        Button("✅ Kirim", f"{prefix}:kirim:{draft}"),
                        Button("✖️ Batal", f"{prefix}:batal:{draft}"),
                    ),
                ),
            )
        )

    async def press(
        self, official: str, data: str, name: str = "", chat_id: int | None = None
    ) -> Pressed:
        """A button under a card, a menu, a question or a preview; every press gets an
        answer. `name`: the official's display name, kept when they take a case."""
        if data.startswith(f"{BROADCAST_ACTION}:") and self.broadcasts and chat_id is not None:
            await self.desk.roster.saw(official, name)
            return await self.broadcasts.press(official, chat_id, data, self.scope)
        found = CASE_DATA.fullmatch(data)
        if found is None or self.read_only:
            return Pressed("Tombol tidak dikenal.")
        await self.desk.roster.saw(official, name)
        code = found["code"]
        report = await self.store.by_code(code)
        if report is None:
            return Pressed("Kasus tidak ditemukan.")
        action = found["action"]
        if action == "balas":
            prompt = Reply(
                f"✉️ Pesan untuk pelapor {code}: balas (reply) pesan ini dengan isinya. "
                "Anda melihat pratinjau dulu sebelum terkirim."
            )
            return Pressed("Tulis pesannya sebagai balasan.", post=Post(prompt, report))
        if action == "detail":
            return Pressed(f"Detail {code}.", post=Post(await self.desk.case(code)))
        if action in ("tangani", "ambil", "tetap"):
            return await self._take(official, report, action, name)
        if action in CLOSING:
            return self._ask_reason(report, action)
        if found["closing"]:
            return await self._close_with(official, report, found["closing"], found["reason"], name)
        if action == "teruskan":
            return Pressed("Pilih instansi.", post=Post(self.desk.forward_menu(report)))
        if found["agency"]:
            return await self._forward(official, report, int(found["agency"]))
        if found["menu"]:
            return Pressed("Pilih kategori.", post=Post(tag_menu(report)))
        if found["tag"]:
            toast = await self.desk.tag(official, report, found["tag"])
            self.on_commit()
            return Pressed(toast, delete=True)
        if action:
            answer = await self.desk.act(official, code, action, name)
            self.on_commit()
            return Pressed(answer)
        return await self._draft(official, report, found["draft_action"], int(found["draft"]))

    async def _take(self, official: str, report: Report, action: str, name: str) -> Pressed:
        """🙋 on a case nobody holds takes it; on one a colleague holds it asks first, and
        a takeover tells the previous holder, in the group, naming both."""
        held_by = report.assigned_to
        if action == "tetap":
            return Pressed("Tidak diubah.", delete=True)
        if action == "tangani" and held_by == official:
            return Pressed("Kasus ini sudah Anda pegang.")
        if action == "tangani" and held_by:
            question = Reply(
                f"🙋 {report.code} sudah dipegang {holder(report)} — ambil alih?",
                buttons=(
                    (
                        Button("Ya, ambil alih", f"{CASE_ACTION}:{report.code}:ambil"),
                        Button("Tidak", f"{CASE_ACTION}:{report.code}:tetap"),
                    ),
                ),
            )
            return Pressed(f"Sudah dipegang {holder(report)}.", post=Post(question))
        answer = await self.desk.act(official, report.code, "tangani", name)
        self.on_commit()
        if action == "tangani" or not held_by or held_by == official:
            return Pressed(answer, delete=action == "ambil")
        taker = self.desk.roster.name(official)
        told = Reply(
            f"🔁 {report.code} diambil alih oleh {taker} dari {holder(report)}.",
            mentions=((held_by, holder(report)),),
        )
        return Pressed(answer, post=Post(told), delete=True)

    def _ask_reason(self, report: Report, status: str) -> Pressed:
        if status not in NEXT_STATUSES[shown_status(report)]:
            return Pressed(f"Status sudah {STATUS_LABELS[report.status]}.")
        prefix = f"{CASE_ACTION}:{report.code}"
        rows = tuple(
            (Button(reason.label, f"{prefix}:tutup:{status}:{reason.id}"),)
            for reason in REASONS[status]
        )
        question = Reply(
            f"{STATUS_LABELS[status]} {report.code}: apa alasannya? Pelapor membacanya (tanpa "
            "nama Anda). Pilih, atau balas (reply) pesan ini dengan alasan singkat.",
            buttons=(*rows, (Button("✖️ Batal", f"{prefix}:tetap"),)),
        )
        return Pressed("Pilih alasannya.", post=Post(question, report, f"reason:{status}"))

    async def _close_with(
        self, official: str, report: Report, status: str, reason_id: str, name: str
    ) -> Pressed:
        why = reason(status, reason_id)
        if why is None:
            return Pressed("Tombol tidak dikenal.")
        answer = await self.desk.act(official, report.code, status, name, why)
        self.on_commit()
        return Pressed(answer, delete=True)

    async def _forward(self, official: str, report: Report, number: int) -> Pressed:
        toast, changed = await self.desk.forward(official, report, number)
        self.on_commit()
        if not changed:
            return Pressed(toast, delete=True)
        ask = Reply(
            f"{toast} Catatan (siapa dihubungi, nomor surat…)? Balas (reply) pesan ini; "
            "boleh dilewati."
        )
        return Pressed(toast, post=Post(ask, report, f"forward:{number}"), delete=True)

    async def _draft(self, official: str, report: Report, verb: str, draft: int) -> Pressed:
        code = report.code
        body = await self.store.relay_draft(report, draft)
        if body is None:  # presses of one chat are handled one at a time: never sent twice
            return Pressed("Pratinjau ini sudah dikirim atau dibatalkan.")
        if verb == "batal":
            await self.store.drop_relay_draft(draft)
            shown = Reply(f"✖️ Dibatalkan, tidak dikirim ke pelapor {code}:\n{quoted(body)}")
            return Pressed("Dibatalkan.", replace=shown)
        # Relayed first, then the preview forgotten: a crash in between can repeat the
        # message on the next press, never lose it.
        await self.desk.to_reporter(report, body, official)
        await self.store.drop_relay_draft(draft)
        self.on_commit()
        if self.updates_off is not None and await self.updates_off(report.reporter):
            kept = (
                f"📥 Disimpan untuk pelapor {code}: pelapor sedang mematikan pembaruan kasus; "
                f"pesan sampai begitu ia menyalakannya lagi.\n{quoted(body)}"
            )
            return Pressed("Disimpan untuk pelapor.", replace=Reply(kept))
        return Pressed("Terkirim.", replace=Reply(f"✅ Dikirim ke pelapor {code}:\n{quoted(body)}"))
