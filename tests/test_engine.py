"""The conversation core, driven like a person through the chat fixture."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.knowledge import KnowledgeBase
from bot.messages import Reply
from tests.conftest import Chat


def _labels(replies: list[Reply]) -> list[str]:
    return [b.label for r in replies for row in r.buttons for b in row]


async def test_start_welcomes_and_shows_the_three_groups(chat: Chat) -> None:
    replies = await chat.say("/start")
    assert "Migran Aman" in replies[0].text
    labels = _labels(replies)
    for group in ("Migrasi aman", "Kenali TPPO", "Bantuan"):
        assert any(group.casefold() in label.casefold() for label in labels), labels


async def test_question_gets_answer_source_and_follow_up_buttons(chat: Chat) -> None:
    replies = await chat.say("gimana cara kerja ke malaysia yg resmi")
    answer = replies[0]
    assert answer.title == "Langkah berangkat secara prosedural" or answer.title
    assert answer.note and "Sumber" in answer.note
    labels = _labels(replies)
    assert any("Menu utama" in label for label in labels)
    assert any("👍" in label for label in labels) and any("👎" in label for label in labels)


async def test_menu_navigation_by_buttons_edits_in_place(chat: Chat) -> None:
    await chat.say("/menu")
    group = await chat.press("Kenali TPPO")
    assert group[0].replace_previous
    answer = await chat.press("Apa itu TPPO")
    assert "perdagangan orang" in answer[0].text.casefold()
    back = await chat.press("Menu utama")
    assert back[0].replace_previous and "Pilih topik" in back[0].text


async def test_deep_links_jump_to_a_topic_and_to_the_offer_check(chat: Chat) -> None:
    topic = await chat.say("/start topik_visa")
    assert topic[0].title and "visa" in topic[0].title.casefold()
    prompt = await chat.say("/start cek")
    assert "tempel" in prompt[0].text.casefold()


async def test_english_question_gets_english_answer(chat: Chat) -> None:
    replies = await chat.say("What are the red flags of a fake job offer abroad?")
    assert replies[0].note and replies[0].note.startswith("Sources")
    assert any("Main menu" in label for label in _labels(replies))


async def test_minangkabau_question_is_answered_in_indonesian(chat: Chat) -> None:
    replies = await chat.say("ambo nio pai karajo ka lua nagari, apo sajo syaraiknyo?")
    assert replies[0].note and replies[0].note.startswith("Sumber")


async def test_language_choice_is_remembered(chat: Chat) -> None:
    await chat.say("/bahasa")
    await chat.press("English")
    replies = await chat.say("syarat jadi tki apa saja")
    assert replies[0].note and replies[0].note.startswith("Sources")


async def test_unknown_question_says_so_and_offers_menu_and_human_help(chat: Chat) -> None:
    replies = await chat.say("resep rendang yang enak gimana")
    assert "belum bisa menjawab" in replies[0].text
    assert "0800-1000" in replies[0].text
    assert any("Kenali TPPO" in label for label in _labels(replies))


async def test_danger_always_comes_first(chat: Chat) -> None:
    await chat.say("/cek")  # even while waiting for an offer to check
    replies = await chat.say("tolong adik sy dikurung majikan")
    assert replies[0].title and "bahaya" in replies[0].title.casefold()
    assert "110" in replies[0].text


async def test_danger_answer_offers_the_topic_the_message_also_asked_about(chat: Chat) -> None:
    replies = await chat.say("sy disekap agen di kamboja, paspor sy ditahan")
    assert replies[0].title and "bahaya" in replies[0].title.casefold()
    assert _labels(replies)[0] == "Mungkin juga: Paspor atau dokumen ditahan"
    answer = await chat.press("Paspor atau dokumen ditahan")
    assert answer[0].title == "Paspor atau dokumen ditahan"


async def test_polite_tolong_gets_the_answer_not_the_emergency(chat: Chat) -> None:
    replies = await chat.say("tolong min, cara cek pt resmi gmn?")
    assert replies[0].title and "bahaya" not in replies[0].title.casefold()
    assert "Maksud Anda" not in " ".join(_labels(replies))


async def test_offer_check_in_chat(chat: Chat) -> None:
    prompt = await chat.say("/cek")
    assert "tempel" in prompt[0].text.casefold()
    verdict = await chat.say(
        "Dibuka lowongan admin di Kamboja gaji 15 juta, berangkat minggu depan pakai visa "
        "turis, tiket dibayarin, tanpa pengalaman. Hubungi WA admin."
    )
    assert "TINGGI" in verdict[0].text
    assert any("Lapor" in label for label in _labels(verdict))
    # The check is one-shot: the next message is a normal question again.
    after = await chat.say("syarat jadi tki apa saja")
    assert after[0].note and "Sumber" in after[0].note


async def test_command_with_typo_gets_a_suggestion(chat: Chat) -> None:
    replies = await chat.say("/lpor")
    assert "/lapor" in replies[0].text
    assert any(label == "/lapor" for label in _labels(replies))


async def test_feedback_buttons_are_thanked(chat: Chat) -> None:
    await chat.say("paspor sy ditahan majikan")
    replies = await chat.press("👎")
    assert "Terima kasih" in replies[0].text


async def test_stale_button_shows_the_menu(chat: Chat) -> None:
    from bot.messages import Incoming

    replies = await chat.engine.handle(Incoming(chat.user, choice="topic:dihapus"))
    assert "tidak berlaku" in replies[0].text


async def test_users_do_not_share_state(chat_factory: Callable[[str], Chat]) -> None:
    alice, bob = chat_factory("a"), chat_factory("b")
    await alice.say("/cek")
    replies = await bob.say("syarat jadi tki apa saja")
    assert replies[0].note and "Sumber" in replies[0].note


async def test_empty_message_gets_a_clear_answer(chat: Chat) -> None:
    replies = await chat.say("   \u200b ")
    assert "kosong" in replies[0].text


@pytest.mark.parametrize(
    "question",
    [
        "cara kerja ke malaysia yg gak ilegal",
        "kerja ke malaysia tanpa jalur ilegal gmn",
        "baa caronyo pai karajo ka Malaysia nan indak ilegal?",
    ],
)
async def test_asking_for_the_way_that_is_not_illegal_gets_the_legal_path(
    chat: Chat, kb: KnowledgeBase, question: str
) -> None:
    [answer] = await chat.say(question)
    legal = {kb.entries[topic].title["id"] for topic in ("syarat-bekerja", "langkah-prosedural")}
    assert answer.title in legal, answer.title


async def test_i_cannot_answer_gives_a_number_that_works_from_abroad(chat: Chat) -> None:
    [answer] = await chat.say("resep rendang padang")
    assert "0800-1000" in answer.text and "+62 21 2924 4800" in answer.text
