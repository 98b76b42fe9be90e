"""The topic model: which topic a message reads like, and whether it is one of ours at all.

Two logistic regressions (scikit-learn) over the same features, trained from the knowledge
base (each topic's example questions, titles and keywords, and knowledge/out_of_scope.yaml),
from knowledge/real-messages.yaml, messages real people wrote, and from
knowledge/written-questions.yaml, questions written from the topic list alone; each labelled
with the topics whose answers would help (the first fully, the others at SECOND_LABEL), a real
message also by its second, blind labeller (SECOND_LABELLER):
- a reading's `probabilities`: one class per topic and one for "none of ours";
- its `outside`: one yes/no model, "not one of ours", since a single class among 41 topics is
  never sure enough to say it alone.
Beside the topics' regression, a complement naive Bayes over the same features has a say in
the `probabilities` (NB_WEIGHT): it weighs each n-gram by how rare it is outside a topic, and
the two err on different messages (cross-validated, the first topic was helpful for 0.611
of real messages against 0.585 for the regression alone).
Features: character 2-5-grams of the normalised text (they see "galbay", "kredivo" or a typo
even when no word matches) and stemmed words and word pairs (a story's words, whatever their
affixes).

Fitting takes seconds and importing scikit-learn about one, so the fitted weights are kept
in a cache file named after a fingerprint of everything the fit sees (the training texts as
the model reads them, the training files, scikit-learn's version, this module's format): only
the first start after a knowledge change trains. The file holds plain arrays (NumPy .npz,
read without pickle: a cache folder must not be a way to run code), and a message is scored
with NumPy alone, so a start from the cache never imports scikit-learn nor reads the training
files. A cache that cannot be read is retrained; one that cannot be written is only logged.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import math
import os
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.knowledge import KnowledgeBase, load_messages, messages_paths
from bot.normalize import normalize
from bot.stemming import stemmer

log = logging.getLogger(__name__)

OUT_OF_SCOPE = ""  # the class of knowledge/out_of_scope.yaml and of messages to decline
# Bump when the file layout, the features or what the model learns from change, so old
# caches are not read.
MODEL_FORMAT = 4
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)
# Features: of the n-grams seen at least MIN_DF times, the CHAR_FEATURES most frequent
# character n-grams and WORD_FEATURES word n-grams. The fit's memory grows with features x
# topics (L-BFGS keeps about 25 copies of the weights): with every n-gram, the first start
# needed 1.2 GB and 40 s. (Choosing them by chi-squared instead did no better.) 45,000 +
# 15,000 against 30,000 + 10,000: the model's cross-validated top-1 0.611 -> 0.618.
MIN_DF = 2
CHAR_FEATURES = 45_000
WORD_FEATURES = 15_000
C = 10.0  # topics: little regularisation, the examples are few and each one is meant
TOLERANCE = 2e-3  # the fit stops when the weights change this little (sklearn's default: 1e-4)
C_OUTSIDE = 3.0  # "not ours": more, its evidence is spread over many everyday words
# Complement naive Bayes: its smoothing, and its say beside the regression's log-probabilities
# (its scores, which have no scale of their own, divided by their spread over the classes).
# Cross-validated top-1 was 0.60-0.61 for every smoothing of 0.1-1 and weight of 0.2-0.8.
NB_ALPHA = 0.3
NB_WEIGHT = 0.3
# A message's further helpful topics teach at this weight; the first (best) at 1.
SECOND_LABEL = 0.5
# The second, blind labeller's choices (`second:`) teach at this share of the first's, as a
# second labelled copy of the message (with the features above, the whole matcher
# cross-validated 0.599 / 0.863 / 0.838 -> 0.608 / 0.868 / 0.845). At full weight the noise
# among a near-certain topic's runners-up, which a story's buttons follow, put "going home"
# before the embassy under a death abroad.
SECOND_LABELLER = 0.5
CACHE_PREFIX = "topic-model-"
KEEP_CACHES = 4  # a few knowledge versions side by side (tests use copies of the base)

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Example:
    text: str  # normalised
    words: str  # stemmed
    label: str  # a topic id, or OUT_OF_SCOPE
    weight: float
    primary: bool  # the text's best label (a text with several helpful topics recurs)


def training_examples(kb: KnowledgeBase) -> list[Example]:
    """What the model learns from."""
    found: list[tuple[str, str, float, bool]] = []
    for entry in kb.entries.values():
        # The keywords as one text: each alone, a one-word "question" taught the model that
        # short messages with one of our words are ours (more off-topic ones got an answer).
        keywords = " ".join(entry.keywords)
        for text in (*entry.questions, *entry.title.values(), keywords):
            found.append((text, entry.id, 1.0, True))
    found += [(question, OUT_OF_SCOPE, 1.0, True) for question in kb.out_of_scope]
    for message in load_messages(kb):
        first, *others = message.accept
        found += _labelled(message.text, first or OUT_OF_SCOPE, others, 1.0, primary=True)
        # The second labeller's topics teach too: where the two differ, the message is one
        # that people read two ways, and the model should see both. Only where both count
        # it as ours: the first labels draw the bot's scope (the second labeller answered
        # wage disputes inside Indonesia and declined other countries' workers).
        seconds = [topic for topic in message.second if topic]
        if first and seconds:
            found += _labelled(
                message.text, seconds[0], seconds[1:], SECOND_LABELLER, primary=False
            )
    examples = []
    for text, label, weight, primary in found:
        normalised = normalize(text, kb.lexicon)
        if normalised:
            examples.append(Example(normalised, words(normalised), label, weight, primary))
    return examples


def _labelled(
    text: str, best: str, further: Sequence[str | None], weight: float, *, primary: bool
) -> list[tuple[str, str, float, bool]]:
    """A labelled message as training rows: its best label at `weight`, each further helpful
    topic at SECOND_LABEL of it (a None among them, "declining is acceptable", teaches none)."""
    rows = [(text, best, weight, primary)]
    return rows + [(text, topic, weight * SECOND_LABEL, False) for topic in further if topic]


def words(normalised: str) -> str:
    """The stemmed words of a normalised text, as the word features read them."""
    stem = stemmer().stem
    return " ".join(stem(word) for word in normalised.split())


def _sklearn_version() -> str:
    try:
        return metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        return "missing"


def fingerprint(kb: KnowledgeBase) -> str:
    """Changes whenever the fitted model could: its inputs, settings or library. Cheap: the
    training files count by their bytes, so a start from the cache never parses them."""
    own = [
        (normalize(text, kb.lexicon), entry.id)
        for entry in kb.entries.values()
        for text in (*entry.questions, *entry.title.values(), " ".join(entry.keywords))
    ]
    own += [(normalize(q, kb.lexicon), OUT_OF_SCOPE) for q in kb.out_of_scope]
    messages = [hashlib.sha256(path.read_bytes()).hexdigest() for path in messages_paths(kb)]
    settings = [MODEL_FORMAT, _sklearn_version(), CHAR_NGRAMS, WORD_NGRAMS, C, C_OUTSIDE]
    settings += [MIN_DF, CHAR_FEATURES, WORD_FEATURES, TOLERANCE]
    settings += [SECOND_LABEL, SECOND_LABELLER, NB_ALPHA, sorted(kb.lexicon.words.items())]
    payload = json.dumps([settings, own, messages], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def char_ngrams(text: str) -> list[str]:
    """scikit-learn's "char_wb" analyser: n-grams inside each space-padded word."""
    grams = []
    low, high = CHAR_NGRAMS
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if n > len(padded):
                if n == low:
                    grams.append(padded)  # a word shorter than the smallest n counts once
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def word_ngrams(stemmed: str) -> list[str]:
    """scikit-learn's "word" analyser on whitespace tokens: words, then adjacent pairs."""
    tokens = stemmed.split()
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


@dataclass(frozen=True)
class Scorer:
    classes: tuple[str, ...]
    vocabulary: dict[str, int]  # character n-grams and (after them) word n-grams -> column
    idf: Floats
    coef: Floats  # classes x features
    intercept: Floats
    bayes_coef: Floats  # classes x features: complement naive Bayes' weights
    outside_coef: Floats  # features: the "not one of ours" model
    outside_intercept: float
    chars: int  # columns of character n-grams; word n-grams follow, with a "w:" prefix
    source: str  # "trained", "cache ..." or "trained (not cached)": how it was obtained

    def features(self, normalised: str) -> tuple[npt.NDArray[np.intp], Floats]:
        """The message's columns and TF-IDF values, as fitted: sublinear tf, and each of the
        two feature groups scaled to unit length on its own."""
        grams = char_ngrams(normalised) + [f"w:{g}" for g in word_ngrams(words(normalised))]
        counts = Counter(
            index for gram in grams if (index := self.vocabulary.get(gram)) is not None
        )
        if not counts:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
        columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        values = (np.log(tf) + np.float32(1)) * self.idf[columns]
        for part in (columns < self.chars, columns >= self.chars):
            norm = math.sqrt(float(values[part] @ values[part]))
            if norm:
                values[part] /= norm
        return columns, values

    def read(self, normalised: str) -> Reading:
        """Both models' view of a text already through `normalize`, from one pass over its
        n-grams (they were most of the matcher's time, and both models read the same)."""
        columns, values = self.features(normalised)
        # The regression's scores plus the naive Bayes' on the scale of their spread: the sum
        # is the two log-probabilities added, up to a constant that the softmax drops.
        scores = self.intercept + self.coef[:, columns] @ values
        bayes = self.bayes_coef[:, columns] @ values
        spread = float(np.std(bayes))
        if spread > 0:
            scores += np.float32(NB_WEIGHT / spread) * bayes
        scores = np.exp(scores - np.max(scores))
        scores /= scores.sum()
        logit = self.outside_intercept + float(self.outside_coef[columns] @ values)
        return Reading(
            probabilities=dict(zip(self.classes, scores.tolist(), strict=True)),
            outside=1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit)))),
        )


@dataclass(frozen=True)
class Reading:
    probabilities: dict[str, float]  # class -> probability, summing to 1
    outside: float  # the yes/no model's probability that the text is not one of ours


def load_scorer(kb: KnowledgeBase, cache_dir: Path | None) -> Scorer:
    """The fitted model for `kb`: from `cache_dir` when it holds one for this knowledge,
    else trained now (and saved there when a folder is given)."""
    key = fingerprint(kb)
    path = cache_dir / f"{CACHE_PREFIX}{key[:24]}.npz" if cache_dir is not None else None
    if path is not None and path.exists():
        cached = _read(path)
        if cached is not None:
            log.info("topic model loaded from %s", path)
            return cached
        log.warning("topic model cache %s is unreadable: training again", path)
    started = time.perf_counter()
    scorer = _fit(training_examples(kb))
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
    fields = {**scorer.__dict__, "source": source}
    return Scorer(**fields)


def _fit(examples: list[Example]) -> Scorer:
    # Imported here: scikit-learn costs about a second to import, and only a start after a
    # knowledge change needs it.
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import ComplementNB
    from threadpoolctl import threadpool_limits

    labels = [e.label for e in examples]
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        sublinear_tf=True,
        lowercase=False,
        min_df=MIN_DF,
        max_features=CHAR_FEATURES,
    )
    stems = TfidfVectorizer(
        analyzer=lambda text: word_ngrams(text),
        sublinear_tf=True,
        lowercase=False,
        min_df=MIN_DF,
        max_features=WORD_FEATURES,
    )
    features = hstack(
        [
            chars.fit_transform([example.text for example in examples]),
            stems.fit_transform([example.words for example in examples]),
        ]
    ).tocsr()
    once = [e for e in examples if e.primary]  # each text once for the yes/no model
    # "balanced": out_of_scope.yaml holds many more questions than any topic, and must
    # not win for being large. One thread: on a busy two-core machine BLAS threads
    # fighting each other made the fit several times slower.
    topics = LogisticRegression(C=C, max_iter=3000, class_weight="balanced", tol=TOLERANCE)
    outside = LogisticRegression(C=C_OUTSIDE, max_iter=3000, class_weight="balanced")
    weights = np.array([e.weight for e in examples])
    with threadpool_limits(limits=1):
        topics.fit(features, labels, sample_weight=weights)
        bayes = ComplementNB(alpha=NB_ALPHA).fit(features, labels, sample_weight=weights)
        outside.fit(
            features[[i for i, e in enumerate(examples) if e.primary]],
            [e.label == OUT_OF_SCOPE for e in once],
        )
    vocabulary = {str(gram): int(index) for gram, index in chars.vocabulary_.items()}
    offset = len(vocabulary)
    vocabulary |= {f"w:{gram}": offset + int(i) for gram, i in stems.vocabulary_.items()}
    return Scorer(
        classes=tuple(str(c) for c in topics.classes_),
        vocabulary=vocabulary,
        idf=np.concatenate([chars.idf_, stems.idf_]).astype(np.float32),
        coef=np.asarray(topics.coef_, dtype=np.float32),
        intercept=np.asarray(topics.intercept_, dtype=np.float32),
        bayes_coef=np.asarray(bayes.feature_log_prob_, dtype=np.float32),
        outside_coef=np.asarray(outside.coef_[0], dtype=np.float32),
        outside_intercept=float(outside.intercept_[0]),
        chars=offset,
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
                bayes_coef=scorer.bayes_coef,
                outside_coef=scorer.outside_coef,
                outside_intercept=np.array([scorer.outside_intercept]),
                chars=np.array([scorer.chars]),
            )
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read(path: Path) -> Scorer | None:
    try:
        with np.load(path, allow_pickle=False) as stored:
            classes = tuple(str(c) for c in stored["classes"])
            grams = [str(g) for g in stored["grams"]]
            names = ("idf", "coef", "intercept", "bayes_coef", "outside_coef")
            arrays = {name: stored[name] for name in names}
            outside_intercept = float(stored["outside_intercept"][0])
            chars = int(stored["chars"][0])
    except (OSError, ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile):
        return None
    size = len(grams)
    shapes_agree = (
        arrays["idf"].shape == (size,)
        and arrays["coef"].shape == (len(classes), size)
        and arrays["intercept"].shape == (len(classes),)
        and arrays["bayes_coef"].shape == (len(classes), size)
        and arrays["outside_coef"].shape == (size,)
        and 0 <= chars <= size
        and OUT_OF_SCOPE in classes
    )
    if not shapes_agree:
        return None
    return Scorer(
        classes=classes,
        vocabulary={gram: index for index, gram in enumerate(grams)},
        idf=arrays["idf"].astype(np.float32),
        coef=arrays["coef"].astype(np.float32),
        intercept=arrays["intercept"].astype(np.float32),
        bayes_coef=arrays["bayes_coef"].astype(np.float32),
        outside_coef=arrays["outside_coef"].astype(np.float32),
        outside_intercept=outside_intercept,
        chars=chars,
        source=f"cache {path}",
    )


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
