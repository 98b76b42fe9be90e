"""The terminal chat, driven through piped input like a script would."""

from __future__ import annotations

import io
from pathlib import Path

from bot.channels import console
from bot.channels.console_officials import ConsoleOfficials
from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import Button, Reply
from bot.runtime import open_services
from tests.test_report_typing import make_settings
from tests.test_reports import Reporter, fill_report


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


def test_buttons_of_replies_shown_together_are_numbered_on() -> None:
    first = Reply("a", buttons=((Button("x", "1"), Button("y", "2")),))
    second = Reply("b", buttons=((Button("z", "3"),),))
    shown = console.render_all([first, second])
    assert "[1] x" in shown and "[2] y" in shown and "[3] z" in shown


async def test_the_officials_seat_of_a_fresh_demo_process(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """Issue 18, item 11: in a new process nothing was posted yet, but /kasus CODE shows
    buttons that numbers and names press, and /balas shows a preview first, as in the
    group; only ✅ Kirim sends the message to the reporter."""
    settings = make_settings(tmp_path)
    async with open_services(settings, kb, matcher, officials_present=True) as services:
        assert services.outbox and services.group_desk
        code = await fill_report(Reporter(services))
        await ConsoleOfficials(services.outbox, services.group_desk).deliveries()  # then
        fresh = ConsoleOfficials(services.outbox, services.group_desk)  # a new process
        lines = [
            "/petugas",
            f"/kasus {code}",
            "diterima",  # a button's name
            f"/kasus {code}",
            "1",  # 🔎 Ditindaklanjuti of the case just shown
            "saya tangani",
            f"/balas {code} Mohon kirim foto kontraknya",
        ]
        stdout = io.StringIO()
        await console.run(services.engine, io.StringIO("\n".join(lines) + "\n"), stdout, fresh)
        shown = stdout.getvalue()
        assert f"Status {code}: 📥 Diterima." in shown
        assert f"Status {code}: 🔎 Ditindaklanjuti." in shown
        assert f"Kasus {code} Anda tangani." in shown
        assert "Pratinjau pesan untuk pelapor" in shown and "[1] ✅ Kirim" in shown
        assert "Pesan dari petugas" not in shown  # not sent without ✅ Kirim
        stdout = io.StringIO()
        await console.run(services.engine, io.StringIO("1\n"), stdout, fresh)
        sent = stdout.getvalue()
        assert f"Dikirim ke pelapor {code}" in sent
        assert "Pesan untuk pelapor" in sent and "Mohon kirim foto kontraknya" in sent


async def test_the_demo_seat_answers_the_desk_s_questions_with_the_next_line(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """Where the group replies to a question (issue 21: ✅ Selesai asks why; ✉️ asks for the
    message), the demo's next line is that reply, through the same desk: the reason reaches
    the reporter, the message gets its preview first."""
    settings = make_settings(tmp_path)
    async with open_services(settings, kb, matcher, officials_present=True) as services:
        assert services.outbox and services.group_desk
        code = await fill_report(Reporter(services))
        seat = ConsoleOfficials(services.outbox, services.group_desk)
        await seat.deliveries()
        lines = [
            "/petugas",
            f"/kasus {code}",
            "balas pelapor",  # ✉️: the next line is the message
            "Apakah Anda aman sekarang?",
            f"/kasus {code}",
            "selesai",  # asks for a reason: the next line is the reason
            "sudah dihubungi langsung oleh petugas",
        ]
        stdout = io.StringIO()
        await console.run(services.engine, io.StringIO("\n".join(lines) + "\n"), stdout, seat)
        shown = stdout.getvalue()
        assert "Pratinjau pesan untuk pelapor" in shown and "Apakah Anda aman sekarang?" in shown
        assert "apa alasannya?" in shown and f"Status {code}: ✅ Selesai." in shown
        assert "Keterangan: sudah dihubungi langsung oleh petugas" in shown  # to the reporter
        assert "Anda sekarang PETUGAS" not in shown.split("apa alasannya?")[1]  # no help text
