"""Terminal chat: type questions, see answers; buttons appear numbered.

Works interactively and with piped input (one message a line), so it can be
scripted: `printf 'halo\\n1\\n' | python main.py chat`. A line that is the path of a
picture (typed, or dropped onto the terminal) is sent as a photo: after /cek it is read
like a screenshot of a job advert.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.channels.console_officials import ConsoleOfficials
from bot.engine import Engine
from bot.messages import Attachment, Button, Incoming, Reply, UserKey
from bot.safe_text import plain_quotes

USER = UserKey("console", "local", "local")
QUIT_WORDS = {"/keluar", "/exit", "/quit"}
PICTURE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def render(reply: Reply, first: int = 1) -> str:
    """A reply as plain text, with its buttons numbered from `first`."""
    parts = []
    if reply.title:
        parts.append(f"== {reply.title} ==")
    parts.append(plain_quotes(reply.text))
    if reply.note:
        parts.append(f"({reply.note})")
    buttons = [button for row in reply.buttons for button in row]
    if buttons:
        parts.append("\n".join(f"  [{i}] {b.label}" for i, b in enumerate(buttons, start=first)))
    return "\n".join(parts)


def render_all(replies: Iterable[Reply]) -> str:
    """Replies shown together, their buttons numbered on from one to the next, as typing
    the number presses them."""
    shown, first = [], 1
    for reply in replies:
        shown.append(render(reply, first))
        first += len(_buttons([reply]))
    return "\n\n".join(shown)


def _buttons(replies: Iterable[Reply]) -> list[Button]:
    return [button for reply in replies for row in reply.buttons for button in row]


async def run(
    engine: Engine,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    officials: ConsoleOfficials | None = None,
    banner: str | None = None,
) -> None:
    """`officials`: the demo, where the officials' group is played in this terminal too.
    Each seat (reporter, official) has its own numbers: those of the last message with
    buttons shown to it."""
    interactive = stdin.isatty()
    write = stdout.write
    if interactive:
        write("Migran Aman — terminal chat. Ketik pertanyaan; /keluar untuk berhenti.\n")
    if banner:
        write(banner + "\n")
    offered: list[Button] = []  # the reporter's
    while True:
        if interactive:
            seat = "Petugas" if officials and officials.seated else "Anda"
            write(f"\n{seat}> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        line = line.rstrip("\n")
        if line.strip().casefold() in QUIT_WORDS:
            break
        if not interactive:
            write(f"> {line}\n")
        official = await officials.handle(line) if officials else None
        mine: list[Reply] = []
        if official is None:
            choice = None
            if line.strip().isdigit() and 1 <= int(line) <= len(offered):
                choice = offered[int(line) - 1].action
            mine = await engine.handle(_incoming(line, choice))
        to_group, to_reporter = await officials.deliveries() if officials else ([], [])
        if official is not None:  # the official's seat: their answer, then the group's news
            screens = [[*official, *to_group], to_reporter]
            offered = _buttons(to_reporter) or offered
        else:
            screens = [[*mine, *to_reporter], to_group]
            offered = _buttons(screens[0]) or offered
        if officials:
            officials.offer(screens[0] if official is not None else to_group)
        write("\n\n".join(render_all(screen) for screen in screens if screen) + "\n")
        stdout.flush()


def _incoming(line: str, choice: str | None) -> Incoming:
    picture = _picture(line)
    if picture is not None:
        return Incoming(USER, attachments=(picture,))
    return Incoming(USER, text=line, choice=choice)


def _picture(line: str) -> Attachment | None:
    """The photo a line names, if it is the path of a picture file ('quotes' allowed)."""
    name = line.strip().strip("'\"")
    if Path(name).suffix.casefold() not in PICTURE_SUFFIXES:
        return None
    path = Path(name).expanduser()
    if not path.is_file():
        return None

    async def read() -> bytes:
        return await asyncio.to_thread(path.read_bytes)

    return Attachment("photo", path.name, read)
