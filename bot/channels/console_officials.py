"""The officials' group, played in the terminal: the demo's other half.

After every message the pending deliveries are shown where a Telegram group would
receive them ("== Grup petugas =="), and messages for the reporter as the reporter would
see them. `/petugas` switches to the official's seat, `/pelapor` back. In the official's
seat the group's own desk answers (bot/officials_chat.py), as in Telegram: `/kasus [KODE]`,
`/statistik`, `/balas KODE pesan` (a preview first; only ✅ Kirim sends it). A number
presses that button of the last message with buttons shown in this seat, whatever
produced it (a new card, `/kasus KODE`, 🔎 Detail, a preview); a button's name typed
("ditindaklanjuti", "kirim") presses it too. Where Telegram asks for a reply to a message
(✉️'s message for the reporter, a closing reason, a forwarding note), the next line typed
is that reply.
"""

from __future__ import annotations

from bot.delivery import Sent
from bot.messages import Button, Reply, reply_from_dict
from bot.normalize import clean
from bot.officials_chat import GroupDesk, Post
from bot.outbox import Outbox

OFFICIAL = "demo-petugas"
CHAT = 0  # the demo's one officials' group
# The message id the demo gives the question waiting for a reply: there is one at a time.
PROMPT_MESSAGE = 1
HELP = (
    "Anda sekarang PETUGAS (demo). Tekan tombol dengan nomornya (atau ketik namanya), "
    "atau ketik:\n"
    "  /kasus            kasus terbuka\n"
    "  /kasus KODE       satu kasus dan riwayatnya\n"
    "  /kasus saya       kasus yang Anda tangani\n"
    "  /statistik [30]   statistik 90 (atau 30) hari terakhir\n"
    "  /statistik 2026-11 statistik satu bulan\n"
    "  /balas KODE pesan pesan ke pelapor (pratinjau dulu, lalu ✅ Kirim)\n"
    "  /pelapor          kembali menjadi pelapor"
)
GROUP_TITLE = "Grup petugas (demo)"
REPORTER_TITLE = "Pesan untuk pelapor"


class ConsoleOfficials:
    def __init__(self, outbox: Outbox, desk: GroupDesk) -> None:
        self.outbox = outbox
        self.desk = desk
        self.seated = False  # True while the user plays the official
        # The buttons of the last message with buttons shown in the official's seat (or
        # delivered to the group), for pressing by number.
        self.buttons: list[Button] = []
        self.prompted = False  # a question waits: the next line is the reply to it

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
            where = GROUP_TITLE if item.recipient is None else REPORTER_TITLE
            title = where + (f" · {reply.title}" if reply.title else "")
            shown = Reply(reply.text, title=title, buttons=reply.buttons)
            (to_group if item.recipient is None else to_reporter).append(shown)
            await self.outbox.mark_sent(item, Sent())
        return to_group, to_reporter

    def offer(self, shown: list[Reply]) -> None:
        """Replies just shown to the officials, numbered on from one to the next: their
        buttons are the ones numbers press now (unless none of them has any)."""
        buttons = [button for reply in shown for row in reply.buttons for button in row]
        if buttons:
            self.buttons = buttons

    async def handle(self, line: str) -> list[Reply] | None:
        """A line typed in the official's seat, or /petugas; None: it is the reporter's."""
        typed = line.strip()
        word, _, rest = typed.partition(" ")
        word = word.casefold()
        if word == "/petugas":
            self.seated = True
            return [Reply(HELP)]
        if not self.seated:
            return None
        if word == "/pelapor":
            self.seated = False
            self.prompted = False
            return [Reply("Anda kembali menjadi pelapor.")]
        return await self._answer(typed, word, rest)

    async def _answer(self, typed: str, word: str, rest: str) -> list[Reply]:
        if typed.isdigit():
            pressed = self._button_for(typed)
            return await self._press(pressed.action) if pressed else [Reply(HELP)]
        if word == "/statistik":  # the figures as text: the terminal shows no chart
            stats = await self.desk.desk.statistics(rest)
            return [stats if isinstance(stats, Reply) else Reply(stats.text(), title="Statistik")]
        if word.startswith("/"):
            self.prompted = False
            said = await self.desk.text(OFFICIAL, CHAT, typed, None)
            return [await self._shown(post) for post in said.posts] or [Reply(HELP)]
        if self.prompted and typed:  # the reply the question asked for (a preview first)
            self.prompted = False
            said = await self.desk.text(OFFICIAL, CHAT, typed, PROMPT_MESSAGE)
            return [await self._shown(post) for post in said.posts] or [Reply(HELP)]
        pressed = self._button_for(typed)
        return await self._press(pressed.action) if pressed else [Reply(HELP)]

    def _button_for(self, typed: str) -> Button | None:
        """The button a number or a typed name means, among the last ones shown."""
        if typed.isdigit():
            number = int(typed)
            return self.buttons[number - 1] if 1 <= number <= len(self.buttons) else None
        words = clean(typed).split()
        if not words or typed.startswith("/"):
            return None
        named = [b for b in self.buttons if clean(b.label) == " ".join(words)]
        named = named or [b for b in self.buttons if set(words) <= set(clean(b.label).split())]
        return named[0] if len(named) == 1 else None

    async def _press(self, action: str) -> list[Reply]:
        self.prompted = False  # a button answers the question (or leaves it)
        pressed = await self.desk.press(OFFICIAL, action)
        replies = [Reply(pressed.toast)]
        if pressed.replace is not None:
            replies.append(pressed.replace)
        if pressed.post is not None:
            replies.append(await self._shown(pressed.post))
        return replies

    async def _shown(self, post: Post) -> Reply:
        """A post for the group; a question asking for a reply (✉️'s message, a closing
        reason, a forwarding note) is remembered as Telegram's group remembers it, so the
        desk reads the next line as the reply to it."""
        if post.prompt_for is not None:
            await self.desk.store.remember_case_message(
                CHAT, PROMPT_MESSAGE, post.prompt_for, post.prompt_kind
            )
            self.prompted = True
        return post.reply
