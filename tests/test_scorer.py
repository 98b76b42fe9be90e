"""The topic model's cache as an operator meets it, through `python main.py`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.knowledge import TRAINING_FILES, load_knowledge
from bot.normalize import normalize
from bot.scorer import char_ngrams, load_scorer
from tests.conftest import PROJECT_ROOT, run_main


def _environ(cache: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "MODEL_CACHE_DIR": str(cache), **extra}


@pytest.fixture
def small_kb(kb_copy: Path) -> Path:
    """The knowledge base with a tenth of its training messages: what these tests check (when
    the model is trained, read or trained again) does not depend on its size, and it trains in
    a fraction of the time."""
    for name in TRAINING_FILES:
        path = kb_copy / name
        messages = yaml.safe_load(path.read_text(encoding="utf-8"))
        messages["questions"] = messages["questions"][::10]
        path.write_text(yaml.safe_dump(messages, allow_unicode=True), encoding="utf-8")
    return kb_copy


def _questions(tmp_path: Path) -> Path:
    path = tmp_path / "q.yaml"
    path.write_text(
        'questions:\n  - q: "paspor sy ditahan agen"\n    expect: [paspor-ditahan]\n',
        encoding="utf-8",
    )
    return path


def test_only_the_first_start_trains_and_a_corrupt_cache_is_trained_again(
    tmp_path: Path, small_kb: Path
) -> None:
    cache = tmp_path / "cache"
    knowledge = str(small_kb)
    questions = _questions(tmp_path)
    first = run_main("eval", str(questions), env=_environ(cache, KNOWLEDGE_DIR=knowledge))
    assert first.returncode == 0, first.stderr
    assert "topic model: trained" in first.stdout
    (saved,) = cache.glob("topic-model-*.npz")
    written = saved.stat().st_mtime_ns

    # PYTHONPROFILEIMPORTTIME lists every module imported on stderr
    second = run_main(
        "eval",
        str(questions),
        env=_environ(cache, KNOWLEDGE_DIR=knowledge, PYTHONPROFILEIMPORTTIME="1"),
    )
    assert second.returncode == 0, second.stderr
    assert f"topic model: cache {saved}" in second.stdout
    assert saved.stat().st_mtime_ns == written  # read, not written again
    assert "sklearn" not in second.stderr  # a cached start does without scikit-learn
    assert "in-scope top-1 accuracy: 1.000 (1/1)" in second.stdout

    saved.write_bytes(b"not a model\x00" * 10)
    third = run_main("eval", str(questions), env=_environ(cache, KNOWLEDGE_DIR=knowledge))
    assert third.returncode == 0, third.stderr
    assert "topic model: trained" in third.stdout
    assert "Traceback" not in third.stderr
    assert saved.read_bytes().startswith(b"PK")  # a whole model file again (a zip)

    # a question written to teach the model changes what it learns: it trains again
    written = small_kb / "written-questions.yaml"
    document = yaml.safe_load(written.read_text(encoding="utf-8"))
    document["questions"].append({"q": "cara cek PT resmi", "accept": ["cek-agensi"]})
    written.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    fourth = run_main("eval", str(questions), env=_environ(cache, KNOWLEDGE_DIR=knowledge))
    assert fourth.returncode == 0, fourth.stderr
    assert "topic model: trained" in fourth.stdout


def test_an_unwritable_cache_folder_only_costs_time(tmp_path: Path, small_kb: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run_main(
        "ask",
        "paspor sy ditahan agen",
        env=_environ(blocker / "cache", KNOWLEDGE_DIR=str(small_kb)),
    )
    assert result.returncode == 0, result.stderr
    assert "Paspor" in result.stdout


@pytest.mark.parametrize(
    "args",
    [("check-kb",), ("gen-key",), ("outbox",), ("links", "--username", "migran_aman_bot")],
)
def test_commands_that_answer_nothing_never_load_the_model(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    cache = tmp_path / "cache"
    environ = _environ(cache, DATABASE_PATH=str(tmp_path / "none.sqlite3"))
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "main.py", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=environ,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert not cache.exists()  # nothing trained, nothing read
    assert "sklearn" not in result.stderr  # -X importtime lists every module imported


@pytest.mark.parametrize("text", ["paspor ditahan", "a", "tki ke hong kong 2026", "   "])
def test_ngrams_are_the_ones_scikit_learn_fitted_on(text: str) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyse = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    assert char_ngrams(text) == analyse(text)


def test_a_start_from_the_cache_ranks_every_topic_as_the_fit_did(
    tmp_path: Path, small_kb: Path
) -> None:
    # All the topic model's learners (the regression, the naive Bayes beside it, the yes/no) must
    # come back from the cache: a start after the first would otherwise answer otherwise.
    kb = load_knowledge(small_kb)
    trained = load_scorer(kb, tmp_path / "cache")
    cached = load_scorer(kb, tmp_path / "cache")
    assert trained.source == "trained" and cached.source.startswith("cache")
    for text in ("paspor sy ditahan agen", "gaji 3 bulan blm dibayar majikan", "resep rendang"):
        normalised = normalize(text, kb.lexicon)
        fitted_reading, cached_reading = trained.read(normalised), cached.read(normalised)
        assert abs(fitted_reading.outside - cached_reading.outside) < 1e-6
        fitted, read = fitted_reading.probabilities, cached_reading.probabilities
        assert fitted.keys() == read.keys()
        assert all(abs(fitted[topic] - read[topic]) < 1e-6 for topic in fitted)
        assert max(read, key=read.__getitem__) == max(fitted, key=fitted.__getitem__)
