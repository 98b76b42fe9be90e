"""No input crashes the core or the command line."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import Engine
from bot.messages import Incoming, UserKey
from bot.offers import check_offer
from tests.conftest import run_main

USER = UserKey("test", "fuzz", "fuzz")

nasty_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"])),
    st.text(alphabet="\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\ufeff 🙏👍🏽🇮🇩<>&/\\\"'"),
    st.builds(lambda s: f"<b>{s}</b><script>alert(1)</script>", st.text()),
    st.builds(lambda s: "/" + s, st.text()),
    st.binary().map(lambda b: b.decode("utf-8", "replace")),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=nasty_text)
async def test_engine_answers_anything(engine: Engine, text: str) -> None:
    replies = await engine.handle(Incoming(USER, text=text))
    assert replies and all(reply.text.strip() for reply in replies)
    check_offer(text, engine.kb)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(choice=st.text())
async def test_engine_survives_any_button_data(engine: Engine, choice: str) -> None:
    replies = await engine.handle(Incoming(USER, choice=choice))
    assert replies


async def test_huge_message_is_answered(engine: Engine) -> None:
    replies = await engine.handle(Incoming(USER, text="paspor ditahan " * 7000))  # ~100 kB
    assert replies[0].text


def _ask_json(lines: list[str]) -> list[dict[str, object]]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    result = run_main("ask", "--json", env=environ, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    # splitlines() also splits at U+2028 and friends: one record must stay one line anyway.
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_cli_survives_giant_and_broken_lines() -> None:
    lines = [
        "",
        "x" * 100_000,
        "\x00\x01\x02\x1b[31m",
        "\u200b\u200f\u202e",
        "🙏" * 500,
        "<b>bold</b> <a href='x'>",
        "satu\u2028dua\x85tiga\u2029",  # line separators inside a line
        "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    ]
    assert len(_ask_json(lines)) == len(lines)


one_line = nasty_text.map(lambda text: text.replace("\r", " ").replace("\n", " "))


@settings(max_examples=4, deadline=None)
@given(lines=st.lists(one_line, min_size=1, max_size=25))
def test_cli_answers_every_line_of_any_input(lines: list[str]) -> None:
    records = _ask_json(lines)
    assert len(records) == len(lines)
    assert all(0 <= int(str(record["score"])) <= 100 for record in records)
