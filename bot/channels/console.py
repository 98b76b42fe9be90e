"""Terminal chat: type questions, see answers; buttons appear numbered.

Works interactively and with piped input (one message a line), so it can be
scripted: `printf 'halo\\n1\\n' | python main.py chat`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from bot.engine import Engine
from bot.messages import Button, Incoming, Reply, UserKey
from bot.safe_text import plain_quotes

USER = UserKey("console", "local", "local")
QUIT_WORDS = {"/keluar", "/exit", "/quit"}


def render(reply: Reply) -> str:
    """A reply as plain text, with its buttons numbered from 1."""
    parts = []
    if reply.title:
        parts.append(f"== {reply.title} ==")
    parts.append(plain_quotes(reply.text))
    if reply.note:
        parts.append(f"({reply.note})")
    buttons = [button for row in reply.buttons for button in row]
    if buttons:
        parts.append("\n".join(f"  [{i}] {b.label}" for i, b in enumerate(buttons, start=1)))
    return "\n".join(parts)


def _buttons(replies: Iterable[Reply]) -> list[Button]:
    return [button for reply in replies for row in reply.buttons for button in row]


async def run(engine: Engine, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    interactive = stdin.isatty()
    write = stdout.write
    if interactive:
        write("Migran Aman — terminal chat. Ketik pertanyaan; /keluar untuk berhenti.\n")
    offered: list[Button] = []
    while True:
        if interactive:
            write("\nAnda> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        line = line.rstrip("\n")
        if line.strip().casefold() in QUIT_WORDS:
            break
        if not interactive:
            write(f"> {line}\n")
        choice = None
        if line.strip().isdigit() and 1 <= int(line) <= len(offered):
            choice = offered[int(line) - 1].action
        replies = await engine.handle(Incoming(USER, text=line, choice=choice))
        offered = _buttons(replies) or offered
        write("\n\n".join(render(reply) for reply in replies) + "\n")
        stdout.flush()
