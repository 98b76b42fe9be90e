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
from dataclasses import dataclass, replace

from bot import charts
from bot.messages import Button, Reply, UserKey
from bot.officials import CASE_ACTION, STATUS_LABELS, TAG_MENU, Desk, tag_menu
from bot.regions import Scope
from bot.reports import CODE_ALPHABET, TAGS, Report, ReportStore
from bot.safe_text import clean_text, quoted

MAX_MESSAGE = 2000  # an official's message to a reporter, like a reporter's answer
_CODE = rf"[A-Z]{{2,5}}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}"
_STATUS = "|".join(STATUS_LABELS)
_TAG = "|".join(TAGS)
# Every button the group's messages carry; anything else is refused with an answer.
CASE_DATA = re.compile(
    rf"{CASE_ACTION}:(?P<code>{_CODE}):"
    rf"(?:(?P<action>{_STATUS}|tangani|balas)|(?P<draft_action>kirim|batal):(?P<draft>\d{{1,12}})"
    rf"|(?P<menu>{TAG_MENU})|tag(?P<tag>[+-](?:{_TAG})))"
)


@dataclass(frozen=True)
class Chart:
    """A picture to send with the post: the post's text is its caption where the channel
    allows a caption that long, else `caption` is, and the text follows as a message."""

    png: bytes
    caption: str


@dataclass(frozen=True)
class Post:
    """A message for the group; `prompt_for`: a reply to it is a message for that case's
    reporter (shown as a preview first)."""

    reply: Reply
    prompt_for: Report | None = None
    chart: Chart | None = None


@dataclass(frozen=True)
class Pressed:
    """The answer to a button: a short toast, maybe a new message, maybe a replacement
    for the pressed message (a preview once sent or cancelled)."""

    toast: str
    post: Post | None = None
    replace: Reply | None = None


class GroupDesk:
    def __init__(self, desk: Desk, store: ReportStore, on_commit: Callable[[], None]) -> None:
        self.desk = desk
        self.store = store
        self.on_commit = on_commit  # wakes the outbox worker
        self.read_only = False
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
        return view

    async def text(
        self, official: str, chat_id: int, raw: str, replied_to: int | None
    ) -> list[Post]:
        """An official's message in the group (not /ekspor, which the channel sends itself)."""
        message = clean_text(raw).strip()
        word, _, argument = message.partition(" ")
        first, _, rest = word.partition("\n")  # "/balas\nCODE ..." typed on two lines
        argument = f"{rest} {argument}".strip()
        command = first.split("@", 1)[0].casefold() if first.startswith("/") else ""
        if command == "/kasus":
            desk = self.desk
            code = argument.split(maxsplit=1)[0] if argument else ""
            if code.casefold() == "saya":
                return [Post(await desk.open_cases(official))]
            shown = await (desk.case(code) if code else desk.open_cases())
            return [Post(replace(shown, buttons=()) if self.read_only else shown)]
        if command == "/statistik":
            return [await self.statistics(argument)]
        if self.read_only:
            return []  # the province's group looks; the region's group acts
        if command == "/balas":
            code, _, body = argument.partition(" ")
            report = await self.store.by_code(code) if code else None
            if report is None:
                return [Post(Reply("Tulis: /balas KODE pesan (kode kasus, lalu pesannya)."))]
            return [await self.preview(report, body)]
        if command or replied_to is None or not message:
            return []  # other commands, and the group's own talk, are not the bot's business
        found = await self.store.by_case_message(chat_id, replied_to)
        if found is None:
            return []
        report, kind = found
        if kind == "prompt":
            return [await self.preview(report, message)]
        await self.store.add_message(report, "note", f"petugas {official}: {message}", [])
        return [
            Post(
                Reply(
                    f"📝 Dicatat sebagai catatan internal {report.code}; TIDAK dikirim ke "
                    f"pelapor. Untuk pelapor: /balas {report.code} pesan"
                )
            )
        ]

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

    async def press(self, official: str, data: str, name: str = "") -> Pressed:
        """A button under a card, a tag menu or a preview; every press gets an answer.
        `name`: the official's display name, kept when they take a case."""
        found = CASE_DATA.fullmatch(data)
        if found is None or self.read_only:
            return Pressed("Tombol tidak dikenal.")
        code = found["code"]
        report = await self.store.by_code(code)
        if report is None:
            return Pressed("Kasus tidak ditemukan.")
        if found["action"] == "balas":
            prompt = Reply(
                f"✉️ Pesan untuk pelapor {code}: balas (reply) pesan ini dengan isinya. "
                "Anda melihat pratinjau dulu sebelum terkirim."
            )
            return Pressed("Tulis pesannya sebagai balasan.", post=Post(prompt, report))
        if found["menu"]:
            return Pressed("Pilih kategori.", post=Post(tag_menu(report)))
        if found["tag"]:
            toast, menu = await self.desk.tag(official, report, found["tag"])
            self.on_commit()
            return Pressed(toast, replace=menu)
        if found["action"]:
            answer = await self.desk.act(official, code, found["action"], name)
            self.on_commit()
            return Pressed(answer)
        draft = int(found["draft"])
        body = await self.store.relay_draft(report, draft)
        if body is None:  # presses of one chat are handled one at a time: never sent twice
            return Pressed("Pratinjau ini sudah dikirim atau dibatalkan.")
        if found["draft_action"] == "batal":
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
