"""The officials' group, played in the terminal: the demo's other half.

After every message the pending deliveries are shown where a Telegram group would
receive them ("== Grup petugas =="), and messages for the reporter as the reporter would
see them. `/petugas` switches to the official's seat: press the card's buttons by number,
`/kasus [KODE]`, `/statistik`, `/balas KODE pesan`; `/pelapor` switches back.
"""

from __future__ import annotations

from bot.cards import CASE_ACTION
from bot.delivery import Sent
from bot.messages import Button, Reply, reply_from_dict
from bot.officials import Desk
from bot.outbox import Outbox
from bot.reports import ReportStore

OFFICIAL = "demo-petugas"
HELP = (
    "Anda sekarang PETUGAS (demo). Tekan tombol kartu dengan nomornya, atau ketik:\n"
    "  /kasus            kasus terbuka\n"
    "  /kasus KODE       satu kasus dan riwayatnya\n"
    "  /kasus saya       kasus yang Anda tangani\n"
    "  /statistik [30]   statistik 90 (atau 30) hari terakhir\n"
    "  /statistik 2026-11 statistik satu bulan\n"
    "  /balas KODE pesan kirim pesan ke pelapor\n"
    "  /pelapor          kembali menjadi pelapor"
)


class ConsoleOfficials:
    def __init__(self, outbox: Outbox, desk: Desk, reports: ReportStore) -> None:
        self.outbox = outbox
        self.desk = desk
        self.reports = reports
        self.seated = False  # True while the user plays the official
        self.buttons: list[Button] = []  # of the last card shown, for pressing by number

    async def deliveries(self) -> tuple[list[Reply], list[Reply]]:
        """Everything the outbox would send now, as the terminal shows it: (to the
        officials' group, to the reporter)."""
        to_group: list[Reply] = []
        to_reporter: list[Reply] = []
        while (item := await self.outbox.next_due()) is not None:
            payload = item.payload
            if "reply" in payload:
                reply = reply_from_dict(payload["reply"])
            else:
                media = payload.get("media", {})
                reply = Reply(f"[{media.get('kind', 'berkas')}] {payload.get('caption', '')}")
            where = "Grup petugas (demo)" if item.recipient is None else "Pesan untuk pelapor"
            title = where + (f" · {reply.title}" if reply.title else "")
            shown = Reply(reply.text, title=title, buttons=reply.buttons)
            (to_group if item.recipient is None else to_reporter).append(shown)
            if item.recipient is None and reply.buttons:
                self.buttons = [b for row in reply.buttons for b in row]
            await self.outbox.mark_sent(item, Sent())
        return to_group, to_reporter

    async def handle(self, line: str) -> list[Reply] | None:
        """A line typed in the official's seat, or /petugas; None: it is the reporter's."""
        word, _, rest = line.strip().partition(" ")
        word = word.casefold()
        if word == "/petugas":
            self.seated = True
            return [Reply(HELP)]
        if not self.seated:
            return None
        if word == "/pelapor":
            self.seated = False
            return [Reply("Anda kembali menjadi pelapor.")]
        if line.strip().isdigit() and 1 <= int(line) <= len(self.buttons):
            return [await self._press(self.buttons[int(line) - 1].action)]
        if word == "/kasus" and rest.strip().casefold() == "saya":
            return [await self.desk.open_cases(OFFICIAL)]
        if word == "/kasus":
            return [await (self.desk.case(rest) if rest.strip() else self.desk.open_cases())]
        if word == "/statistik":
            stats = await self.desk.statistics(rest)
            return [stats if isinstance(stats, Reply) else Reply(stats.text(), title="Statistik")]
        if word == "/balas":
            return [await self._reply(rest)]
        return [Reply(HELP)]

    async def _press(self, action: str) -> Reply:
        kind, _, rest = action.partition(":")
        code, _, verb = rest.rpartition(":")
        if kind != CASE_ACTION or not code:
            return Reply("Tombol ini tidak dipakai di demo.")
        if verb == "detail":  # the card's 🔎: the reporter's answers and the history
            return await self.desk.case(code)
        return Reply(await self.desk.act(OFFICIAL, code, verb))

    async def _reply(self, rest: str) -> Reply:
        code, _, message = rest.strip().partition(" ")
        report = await self.reports.by_code(code)
        if report is None or not message.strip():
            return Reply("Tulis: /balas KODE pesan")
        await self.desk.to_reporter(report, message.strip(), OFFICIAL)
        return Reply(f"Diteruskan ke pelapor {report.code}.")
