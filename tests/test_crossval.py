"""`python main.py eval --cross-validate`: how settings are chosen without ever looking at
the validation part of the real messages."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from bot.crossval import fold_of
from bot.knowledge import MESSAGES_FILE
from tests.conftest import run_main


def keep_every_twelfth_message(kb_copy: Path) -> list[dict[str, object]]:
    """Cuts the copy's training messages to a twelfth, so a fold trains in seconds."""
    path = kb_copy / MESSAGES_FILE
    messages = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"][::12]
    path.write_text(yaml.safe_dump({"questions": messages}, allow_unicode=True), encoding="utf-8")
    return messages


def test_each_collected_message_is_measured_once_by_a_model_that_never_saw_its_page(
    kb_copy: Path,
) -> None:
    messages = keep_every_twelfth_message(kb_copy)
    collected = [m for m in messages if m["source"] != "written"]

    result = run_main(
        "eval", "--cross-validate", "2", env={**os.environ, "KNOWLEDGE_DIR": str(kb_copy)}
    )

    assert result.returncode == 0, result.stderr
    assert "2-fold cross-validation, grouped by page" in result.stdout
    held = [int(n) for n in re.findall(r"fold \d/2: (\d+) messages held out", result.stderr)]
    assert len(held) == 2 and sum(held) == len(collected)  # written ones only ever train
    in_scope = int(re.search(r"in-scope top-1 accuracy: [\d.]+ \(\d+/(\d+)\)", result.stdout)[1])
    unrelated = int(re.search(r"out-of-scope refusal: +[\d.]+ \(\d+/(\d+)\)", result.stdout)[1])
    assert in_scope + unrelated == len(collected)


def test_a_pages_messages_stay_in_one_fold_however_its_address_is_written() -> None:
    forms = [
        "https://www.example.com/berita/tkw-disekap",
        "http://m.example.com/berita/tkw-disekap/",
        "https://example.com/amp/berita/tkw-disekap?utm_source=fb",
    ]
    assert len({fold_of(url, 5) for url in forms}) == 1
    assert fold_of("written", 5) is None


def test_files_and_cross_validation_are_not_mixed() -> None:
    result = run_main("eval", "--cross-validate", "x.yaml", env=dict(os.environ))
    assert result.returncode == 2
    result = run_main("eval", "q.yaml", "--cross-validate", env=dict(os.environ))
    assert result.returncode == 2 and "not files" in result.stderr


def test_the_stories_gate_is_fitted_on_messages_the_model_never_saw(kb_copy: Path) -> None:
    keep_every_twelfth_message(kb_copy)

    result = run_main(
        "eval",
        "--fit-gate",
        "--cross-validate",
        "2",
        env={**os.environ, "KNOWLEDGE_DIR": str(kb_copy)},
    )

    assert result.returncode == 0, result.stderr
    assert re.findall(r"fold \d/2: \d+ ranked messages so far", result.stderr)
    found = re.search(r"GATE = \(([-\d.]+), ([-\d.]+), ([-\d.]+), ([-\d.]+)\)", result.stdout)
    assert found, result.stdout
    inside, probability, _, _ = (float(w) for w in found.groups())
    # What the gate is for: an answer is trusted more when the topic model is sure of that
    # very topic, and when the message reads as one of ours.
    assert probability > 0 and inside > 0
    assert "in use: (" in result.stdout
