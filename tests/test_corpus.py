"""The real-message corpus: split by page, so the validation part measures messages from
pages the model never learned from."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.crossval import page
from bot.knowledge import MESSAGES_FILE, WRITTEN_FILE, KnowledgeBase
from tests.conftest import KNOWLEDGE_DIR, PROJECT_ROOT, SHARED_EVAL

VALIDATION = PROJECT_ROOT / "tests" / "data" / "real-messages-validation.yaml"
CATEGORIES = {"story", "statement", "plea", "question", "short", "fragment"}


def messages(path: Path) -> list[dict[str, object]]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    assert isinstance(items, list)
    return items


def same_text(message: dict[str, object]) -> str:
    """A message's text as two files would both hold it, whatever the case and spacing."""
    return " ".join(str(message["q"]).casefold().split())


def test_no_page_and_no_message_is_in_both_parts() -> None:
    training = messages(KNOWLEDGE_DIR / MESSAGES_FILE)
    validation = messages(VALIDATION)
    collected = [str(m["source"]) for m in training if m["source"] != "written"]
    assert {page(url) for url in collected} & {page(str(m["source"])) for m in validation} == set()
    texts = {same_text(m) for m in training}
    assert [m["q"] for m in validation if same_text(m) in texts] == []


def test_the_validation_part_is_collected_labelled_and_large_enough(kb: KnowledgeBase) -> None:
    validation = messages(VALIDATION)
    assert len(validation) >= 400
    for message in validation:
        assert str(message["source"]).startswith("http"), message  # no written ones
        assert message["category"] in CATEGORIES, message
        assert message["lang"] in ("id", "en", "min"), message
        accept = message["accept"]
        assert isinstance(accept, list) and accept, message
        assert all(topic is None or topic in kb.entries for topic in accept), message
    unrelated = [m for m in validation if m["accept"] == [None]]
    assert len(unrelated) >= 100


def test_the_training_part_is_mostly_collected() -> None:
    training = messages(KNOWLEDGE_DIR / MESSAGES_FILE)
    collected = [m for m in training if m["source"] != "written"]
    assert len(collected) >= 1000
    assert all(str(m["source"]).startswith("http") for m in collected)


def test_no_written_question_is_one_that_is_measured() -> None:
    # knowledge/written-questions.yaml teaches; a figure that counted one of its questions
    # would measure what the model learnt by heart.
    written = messages(KNOWLEDGE_DIR / WRITTEN_FILE)
    assert len(written) >= 1000
    measured = [
        *(PROJECT_ROOT / "tests" / "data").glob("*.yaml"),
        SHARED_EVAL / "dev-questions.yaml",
    ]
    texts = {same_text(m) for path in measured if path.exists() for m in messages(path)}
    assert [m["q"] for m in written if same_text(m) in texts] == []
