"""Page-grouped cross-validation on the real messages the matcher learns from.

The validation part of the corpus (tests/data/real-messages-validation.yaml) is only ever
measured; settings are chosen here instead. Each fold trains the whole matcher on the
knowledge base with one group of pages left out of `real-messages.yaml`, then answers that
group's messages. A page's messages stay together, since messages from one article share
its words and would flatter the model. Written messages (`source: written`) always train
and are never measured.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

from bot.evaluation import EvalResult, Question, evaluate, load_questions
from bot.knowledge import MESSAGES_FILE, load_knowledge
from bot.matching import Matcher

FOLDS = 5


def page(url: str) -> str:
    """A page's address without scheme, mobile/AMP prefixes, tracking or paging."""
    address = re.sub(r"^https?://", "", url.strip().lower())
    address = re.sub(r"^(www\.|m\.|amp\.)", "", address)
    host, _, rest = address.partition("/")
    path, _, query = rest.partition("?")
    path = re.sub(r"(/amp)?/?$", "", re.sub(r"^amp/", "", path))
    kept = "&".join(p for p in query.split("&") if re.match(r"^(p|id|t|topic)=", p))
    return f"{host}/{path}" + (f"?{kept}" if kept else "")


def fold_of(source: str, folds: int) -> int | None:
    """The fold a message is measured in; None: it always trains (a written message).
    Digits of the hash other than the ones that split training from validation."""
    if source == "written":
        return None
    return int(hashlib.sha256(page(source).encode()).hexdigest()[8:16], 16) % folds


def cross_validate(
    knowledge_dir: Path, folds: int = FOLDS, progress: Callable[[str], None] = print
) -> EvalResult:
    """Every collected training message answered by a matcher that never saw its page."""
    total = EvalResult()
    for fold, matcher, held_out in _folds(knowledge_dir, folds):
        result = evaluate(matcher, held_out)
        total.outcomes += result.outcomes
        progress(
            f"fold {fold + 1}/{folds}: {len(held_out)} messages held out, "
            f"helpful {result.accuracy:.3f}, within one tap {result.one_tap_rate:.3f}, "
            f"declined {result.refusal_rate:.3f}"
        )
    return total


def fit_gate(
    knowledge_dir: Path, folds: int = FOLDS, progress: Callable[[str], None] = print
) -> tuple[float, ...]:
    """The weights of `matching.GATE`: a logistic regression of "the chosen topic would
    help" on what the gate reads, over every collected message the matcher ranked without
    having seen its page (the ones a rule answers never reach the gate)."""
    from sklearn.linear_model import LogisticRegression

    features: list[tuple[float, ...]] = []
    helped: list[bool] = []
    for fold, matcher, held_out in _folds(knowledge_dir, folds):
        for question in held_out:
            found = matcher.gate_inputs(question.text)
            if found is None:
                continue
            topic, inputs = found
            features.append(inputs.features())
            helped.append(topic in question.accept)
        progress(f"fold {fold + 1}/{folds}: {len(features)} ranked messages so far")
    model = LogisticRegression(C=1.0, max_iter=2000).fit(features, helped)
    return (*(round(float(w), 3) for w in model.coef_[0]), round(float(model.intercept_[0]), 3))


def _folds(knowledge_dir: Path, folds: int) -> Iterator[tuple[int, Matcher, list[Question]]]:
    """Per fold: a matcher trained without that fold's pages, and their messages."""
    if folds < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    messages_path = knowledge_dir / MESSAGES_FILE
    document = yaml.load(messages_path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    items: list[dict[str, object]] = document["questions"]
    for fold in range(folds):
        with tempfile.TemporaryDirectory(prefix="migran-aman-cv-") as folder:
            copy = Path(folder) / "knowledge"
            shutil.copytree(knowledge_dir, copy)
            parts: dict[bool, list[dict[str, object]]] = {True: [], False: []}
            for item in items:
                parts[fold_of(str(item["source"]), folds) == fold].append(item)
            _write(copy / MESSAGES_FILE, parts[False])
            _write(Path(folder) / "held-out.yaml", parts[True])
            matcher = Matcher(load_knowledge(copy), cache_dir=None)
            yield fold, matcher, load_questions(Path(folder) / "held-out.yaml")


def _write(path: Path, items: list[dict[str, object]]) -> None:
    text = yaml.safe_dump({"questions": items}, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
