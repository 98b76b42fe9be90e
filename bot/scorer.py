"""A second opinion for the matcher: which topic a message reads like, letter by letter,
with "none of ours" (knowledge/out_of_scope.yaml) as a topic of its own.

A TF-IDF character 2-5-gram logistic regression (scikit-learn) is trained from the
knowledge base alone: each topic's example questions, titles and keywords, and the
out-of-scope questions. Character n-grams see "galbay", "kredivo" or "dosakah" even
when no topic word is misspelt, and the out-of-scope class lets everyday questions that
share our words ("install ulang windows") lean away from every topic.

Fitting takes a few seconds and importing scikit-learn about one, so the fitted weights
are kept in a cache file named after a fingerprint of everything the fit sees (the
training texts as the matcher reads them, scikit-learn's version, this module's format):
only the first start after a knowledge change trains. The file holds plain arrays
(NumPy .npz, read without pickle: a cache folder must not be a way to run code), and a
message is scored here with NumPy alone, so a start from the cache never imports
scikit-learn. A cache that cannot be read is retrained; one that cannot be written is
only logged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.knowledge import KnowledgeBase
from bot.normalize import normalize

log = logging.getLogger(__name__)

OUT_OF_SCOPE = ""  # the class of knowledge/out_of_scope.yaml
# Bump when the file layout or the features change, so old caches are not read.
MODEL_FORMAT = 1
NGRAMS = (2, 5)
# Little regularisation: the examples are few and each one is meant.
C = 10.0
CACHE_PREFIX = "topic-model-"
KEEP_CACHES = 4  # a few knowledge versions side by side (tests use copies of the base)

Floats = npt.NDArray[np.float64]


def training_examples(kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(normalised text, class) pairs: what the model learns from."""
    pairs = []
    for entry in kb.entries.values():
        # The keywords as one text: each alone, a one-word "question" taught the model that
        # short messages with one of our words are ours (more off-topic ones got an answer).
        keywords = " ".join(entry.keywords)
        for text in (*entry.questions, *entry.title.values(), keywords):
            pairs.append((normalize(text, kb.lexicon), entry.id))
    pairs += [(normalize(q, kb.lexicon), OUT_OF_SCOPE) for q in kb.out_of_scope]
    return [(text, label) for text, label in pairs if text]


def _sklearn_version() -> str:
    try:
        return metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        return "missing"


def fingerprint(examples: list[tuple[str, str]]) -> str:
    """Changes whenever the fitted model could: its inputs, settings or library."""
    payload = json.dumps(
        [MODEL_FORMAT, _sklearn_version(), NGRAMS, C, examples], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def char_ngrams(text: str) -> list[str]:
    """scikit-learn's "char_wb" analyser: n-grams inside each space-padded word."""
    grams = []
    low, high = NGRAMS
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if n > len(padded):
                if n == low:
                    grams.append(padded)  # a word shorter than the smallest n counts once
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


@dataclass(frozen=True)
class Scorer:
    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: Floats
    coef: Floats  # classes x features
    intercept: Floats
    source: str  # "trained", "cache" or "trained (not cached)": how it was obtained

    def probabilities(self, normalised: str) -> dict[str, float]:
        """Class -> probability (summing to 1) for a text already through `normalize`."""
        counts = Counter(
            index
            for gram in char_ngrams(normalised)
            if (index := self.vocabulary.get(gram)) is not None
        )
        scores = self.intercept.copy()
        if counts:
            columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            weights = (1.0 + np.log(tf)) * self.idf[columns]  # sublinear tf, as fitted
            weights /= math.sqrt(float(weights @ weights))
            scores = scores + self.coef[:, columns] @ weights
        scores = np.exp(scores - np.max(scores))
        scores /= scores.sum()
        return dict(zip(self.classes, scores.tolist(), strict=True))


def load_scorer(kb: KnowledgeBase, cache_dir: Path | None) -> Scorer:
    """The fitted model for `kb`: from `cache_dir` when it holds one for this knowledge,
    else trained now (and saved there when a folder is given)."""
    examples = training_examples(kb)
    key = fingerprint(examples)
    path = cache_dir / f"{CACHE_PREFIX}{key[:24]}.npz" if cache_dir is not None else None
    if path is not None and path.exists():
        cached = _read(path, sorted({label for _, label in examples}))
        if cached is not None:
            log.info("topic model loaded from %s", path)
            return cached
        log.warning("topic model cache %s is unreadable: training again", path)
    started = time.perf_counter()
    scorer = _fit(examples)
    log.info("topic model trained in %.1f s", time.perf_counter() - started)
    if path is not None:
        try:
            _write(path, scorer)
        except OSError as error:
            log.warning("topic model not cached (%s): the next start trains again", error)
            return _with_source(scorer, "trained (not cached)")
        _prune(path)
    return scorer


def _with_source(scorer: Scorer, source: str) -> Scorer:
    return Scorer(
        scorer.classes, scorer.vocabulary, scorer.idf, scorer.coef, scorer.intercept, source
    )


def _fit(examples: list[tuple[str, str]]) -> Scorer:
    # Imported here: scikit-learn costs about a second to import, and only a start after a
    # knowledge change needs it.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    texts = [text for text, _ in examples]
    labels = [label for _, label in examples]
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, lowercase=False
    )
    features = vectorizer.fit_transform(texts)
    # "balanced": out_of_scope.yaml holds many more questions than any topic, and must
    # not win for being large.
    model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    # One thread: this problem is small, and on a busy two-core machine BLAS threads
    # fighting each other made the fit five times slower (14 s instead of 3).
    with threadpool_limits(limits=1):
        model.fit(features, labels)
    vocabulary = {str(gram): int(index) for gram, index in vectorizer.vocabulary_.items()}
    return Scorer(
        classes=tuple(str(c) for c in model.classes_),
        vocabulary=vocabulary,
        idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        coef=np.asarray(model.coef_, dtype=np.float64),
        intercept=np.asarray(model.intercept_, dtype=np.float64),
        source="trained",
    )


def _write(path: Path, scorer: Scorer) -> None:
    """Write to a temporary file beside the cache, then rename: a reader never sees half a
    file, even when two bots start at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    grams = sorted(scorer.vocabulary, key=scorer.vocabulary.__getitem__)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(
                file,
                classes=np.array(scorer.classes, dtype=np.str_),
                grams=np.array(grams, dtype=np.str_),
                idf=scorer.idf,
                coef=scorer.coef,
                intercept=scorer.intercept,
            )
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read(path: Path, expected_classes: list[str]) -> Scorer | None:
    try:
        with np.load(path, allow_pickle=False) as stored:
            classes = tuple(str(c) for c in stored["classes"])
            grams = [str(g) for g in stored["grams"]]
            idf, coef = stored["idf"], stored["coef"]
            intercept = stored["intercept"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    shapes_agree = (
        list(classes) == expected_classes
        and idf.shape == (len(grams),)
        and coef.shape == (len(classes), len(grams))
        and intercept.shape == (len(classes),)
    )
    if not shapes_agree:
        return None
    vocabulary = {gram: index for index, gram in enumerate(grams)}
    return Scorer(classes, vocabulary, idf, coef, intercept, source=f"cache {path}")


def _prune(keep: Path) -> None:
    """Drop the oldest cache files beyond KEEP_CACHES; another process may hold one open,
    so a failure to delete is harmless."""

    def written(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:  # deleted meanwhile by another process
            return 0.0

    files = sorted(keep.parent.glob(f"{CACHE_PREFIX}*.npz"), key=written, reverse=True)
    for old in files[KEEP_CACHES:]:
        if old != keep:
            with contextlib.suppress(OSError):
                old.unlink(missing_ok=True)
