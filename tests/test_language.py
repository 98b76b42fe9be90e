"""The reply's language follows the person (issue 18, item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.language import detect
from bot.matching import Matcher
from bot.messages import Incoming, UserKey
from bot.runtime import open_services
from tests.test_report_typing import make_settings


@pytest.mark.parametrize(
    ("said", "language"),
    [
        ("help", "en"),
        ("bantuan", "id"),
        ("tolong", "id"),
        ("makasih", "id"),
        ("<a href=https://x.com>klik</a> paspor ditahan agen", None),  # markup is no English
        ("cek dulu di https://www.example.com/loker?id=7 ya", "id"),
        ("stop", None),  # one word of the knowledge base's English is no sign
        ("What is the hotline for migrant workers?", "en"),
    ],
)
def test_detection_without_the_knowledge_base(said: str, language: str | None) -> None:
    assert detect(said) == language


async def test_words_only_the_indonesian_answers_use_decide_a_message_without_common_words(
    engine: Engine,
) -> None:
    assert engine.vocabulary.indonesian and engine.vocabulary.english
    assert detect("klik paspor ditahan agen", engine.vocabulary) == "id"
    assert detect("passport held by agent", engine.vocabulary) == "en"


async def test_language_follows_the_message_and_a_choice_sticks_across_restarts(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    user = UserKey("test", "9", "9")

    async def ask(engine: Engine, said: str) -> str:
        return (await engine.handle(Incoming(user, text=said)))[0].text

    async with open_services(make_settings(tmp_path), kb, matcher) as services:
        assert "What I can do" in await ask(services.engine, "help")
        assert "Yang bisa saya bantu" in await ask(services.engine, "bantuan")
        await services.engine.handle(Incoming(user, choice="lang:en"))  # /bahasa -> English
        assert "What I can do" in await ask(services.engine, "bantuan")  # the choice wins
    async with open_services(make_settings(tmp_path), kb, matcher) as services:
        assert "What I can do" in await ask(services.engine, "bantuan")  # and is kept
        await services.engine.handle(Incoming(user, choice="lang:id"))
        assert "Yang bisa saya bantu" in await ask(services.engine, "help")
