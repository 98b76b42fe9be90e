"""The terminal chat, driven through piped input like a script would."""

from __future__ import annotations

import io

from bot.channels import console
from bot.engine import Engine


async def test_piped_lines_get_answers_and_numbers_press_buttons(engine: Engine) -> None:
    stdin = io.StringIO("/menu\n1\n")
    stdout = io.StringIO()
    await console.run(engine, stdin=stdin, stdout=stdout)
    output = stdout.getvalue()
    assert "> /menu" in output
    assert "[1] " in output
    first_group = engine.kb.groups[0]
    first_topic = engine.kb.entries[first_group.entry_ids[0]]
    # Typing "1" pressed the first group button, which lists that group's topics.
    assert first_topic.title["id"] in output


async def test_quit_word_ends_the_chat(engine: Engine) -> None:
    stdout = io.StringIO()
    await console.run(engine, stdin=io.StringIO("/keluar\nhalo\n"), stdout=stdout)
    assert "halo" not in stdout.getvalue()


async def test_a_number_with_no_buttons_is_just_text(engine: Engine) -> None:
    stdout = io.StringIO()
    await console.run(engine, stdin=io.StringIO("7\n"), stdout=stdout)
    assert "belum bisa menjawab" in stdout.getvalue()
