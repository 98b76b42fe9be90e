"""Find the knowledge-base topic a question is about, or say honestly that none fits.

Four steps, cheapest first:
1. Rules from the knowledge base: a danger phrase ("dikurung", "SOS") picks the
   emergency topic before anything else (the topic the rest of the message is about is
   kept as an alternative); a message made only of greetings picks the greeting topic.
2. A BM25 ranking over one "document" per topic (its titles, example questions
   and keywords), on stemmed words and word pairs. Words the index has never seen
   are corrected to a close known word ("pasport" -> "paspor") with rapidfuzz, unless
   they are words of their own (Sastrawi's root dictionary, the lexicon): "ulang" is
   not a typo of "pulang".
3. The best few topics are re-ranked by rapidfuzz similarity between the question
   and each topic's example questions.
4. A character n-gram classifier that knows the out-of-scope class (bot/scorer.py)
   gives its own probabilities; they are blended into the ranking and into the 0-100
   confidence, which for a story is a fitted "gate" (GATE below). Below the threshold the
   bot says it does not know.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.knowledge import Entry, KnowledgeBase
from bot.language import ENGLISH_FUNCTION_WORDS
from bot.normalize import contains_phrase, normalize
from bot.scorer import OUT_OF_SCOPE, Scorer, load_scorer
from bot.stemming import analyse, stemmer

# BM25 constants: k1 as usual; a low b because a topic with many examples is
# not less relevant for being long.
K1 = 1.2
B = 0.3
KEYWORD_BOOST = 2  # a keyword counts as this many occurrences
# A word pair confirms its two words; at full weight "tindak pidana perdagangan
# orang" would count seven times and drown the word that tells topics apart.
PAIR_WEIGHT = 0.35
# English function words are rare in a mostly Indonesian knowledge base, so BM25 would
# weigh them like rare content words, yet "which", "do" or "to" say nothing of the topic.
FUNCTION_WORD_WEIGHT = 0.3
# Also "as", "at", "by", "so": too short to tell a language by (language.py leaves them
# out), but no topic word either.
LIGHT_ENGLISH_WORDS = ENGLISH_FUNCTION_WORDS | {"as", "at", "by", "so"}
MIN_COLLOQUIAL_LEN = 5  # shorter words are too easily mistaken for another
VOWELS = frozenset("aiueo")
CANDIDATES = 5  # topics re-ranked with rapidfuzz
FUZZY_WORD_CUTOFF = 84  # how close a typo must be to a known word
MIN_FUZZY_WORD_LEN = 4  # shorter words are too easy to confuse ("sim" -> "visa")

# Ranking: BM25 relative to the best candidate, blended with the closest example.
FUZZY_WEIGHT = 0.2
# A candidate that could not come this close to the best even with a perfect similarity is
# not compared: the comparisons are most of the ranking's time.
FUZZY_PRUNE = 0.9
# Then blended with the topic model's probability relative to its best topic's. How far to
# trust which depends on how the message is written: a short question reads like the
# knowledge base's examples, where the words decide well; a story is told in other words,
# where the model trained on real messages decides better. A message's "story share" runs
# from 0 at SHORT_WORDS words to 1 at STORY_WORDS, and every weight below slides with it.
SHORT_WORDS = 10
STORY_WORDS = 30
MODEL_WEIGHT = (0.4, 1.0)  # (short question, story)
STORY = 0.5  # from this story share a message is told as a story (and may get a report button)
# The 0-100 confidence of a short question: the yes/no model's "one of ours" (1 - P(not
# ours)), blended with the words' say (the share of the BM25 evidence that points at the topic
# rather than at out_of_scope.yaml, lowered when there is little evidence at all).
OUTSIDE_SAY = (0.3, 0.9)
THRESHOLD = (50, 70)  # below this confidence: "I don't know"
FULL_EVIDENCE = 7.0  # BM25 evidence below this lowers the words' say proportionally
# A story's confidence is the "gate": a logistic regression, fitted on real messages the
# matcher had not seen, of whether the chosen topic would help, from the yes/no model's
# "one of ours", the topic model's probability of that very topic (the formula above never
# asks it, and it is what tells a story we understood from one we only recognise as ours)
# and the message's length. `main.py eval --fit-gate` fits it; it is not fitted at start-up
# because it must see messages the topic model was not trained on (five trainings).
GATE = (2.148, 3.526, 0.167, -3.621)  # (one of ours, topic probability, log words, intercept)
# A story is answered at this gate confidence or more: the lowest level at which
# cross-validated declines stay at 0.838 or more. Re-chosen when the second labeller's topics
# and more features joined the topic model and the gate was fitted again: 44 (43 declined
# 0.836, 42 0.832).
GATE_LEVEL = 44
# The gate's share of the confidence grows with the story share, GATE_SLIDE times as fast: it
# has the whole say from 20 words. Short questions read like the knowledge base's examples,
# which the gate never learnt from, and the words decide them well.
GATE_SLIDE = 2.0
GATE_SUGGEST_FLOOR = 10  # SUGGEST_FLOOR on the gate's scale: it gives wrong guesses lower values
# A short question (no story share) the words would answer is still declined when the gate
# gives its topic less than this: short chat that shares words with a topic's examples
# ("nomor antrian nya habis, besok lagi katanya") but that the models trained on real
# messages see as none of ours.
GATE_VETO = 20
# Below the threshold, from here: the closest topics are offered ("Maksud Anda"); under it a
# message shares nothing with ours ("resep rendang"), and topic buttons would only puzzle.
SUGGEST_FLOOR = 20
OFFERED = 2  # topics offered under an answer or a decline: the buttons seen first
# Under a short question's answer another topic is offered only this close to the best
# (a story touches several problems: it always gets the next two).
CLOSE = 0.6
# The weights and thresholds above were chosen together by page-grouped cross-validation on
# the real messages of knowledge/real-messages.yaml (`main.py eval --cross-validate`),
# subject to the question sets (the development and validation questions) keeping 0.95
# helpful and 0.95 declined; see README.


@dataclass(frozen=True)
class Match:
    topic: str | None
    score: int  # 0-100 confidence in `topic` (or in the best guess when topic is None)
    alternatives: tuple[str, ...]  # other topics worth offering as buttons
    rule: str  # "trigger", "standalone", "ranked" or "none": why, for logs and eval
    story: bool = False  # told as a story (long), not asked as a short question


def terms(words: list[str]) -> list[str]:
    """Index terms: each word and each adjacent pair ("visa turis")."""
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def standard_forms(word: str) -> list[str]:
    """Standard Indonesian spellings a Minangkabau or colloquial word may stand for, most
    likely first; the stemmer knows only the standard affixes.

    Minangkabau "ma-" is "me-" (malaporkan -> melaporkan). Chat Indonesian drops "-kan"
    and "-i" for "-in" (mulangin, laporin), says "nge-", "ny-", "ng-", "n-" and "m-" for
    "me-" (ngelapor, nyimpen, ngurus, nanya, mulang), and "-em"/"-en" for "-am"/"-an"
    (pinjem, simpen). Each guess counts only if it is a word the knowledge base uses.
    """
    if len(word) < MIN_COLLOQUIAL_LEN or not word.isalpha():
        return []
    forms = ["me" + word[2:]] if word.startswith("ma") else []
    bases = [word]
    if word.endswith("in") and len(word) > MIN_COLLOQUIAL_LEN:
        bases.append(word[:-2])  # mulangin -> mulang, dijanjiin -> dijanji
    for base in bases:
        roots = [base]
        if base.startswith("nge") and len(base) > 5:
            roots.append(base[3:])  # ngelapor -> lapor
        elif base.startswith("ny"):
            roots += ["s" + base[2:], "c" + base[2:]]  # nyimpen -> simpen, nyari -> cari
        elif base.startswith("ng") and base[2:3] in VOWELS:
            roots += [base[2:], "k" + base[2:]]  # ngurus -> urus, ngasih -> kasih
        elif base.startswith("n") and base[1:2] in VOWELS:
            roots.append("t" + base[1:])  # nanya -> tanya, nolong -> tolong
        elif base.startswith("m") and base[1:2] in VOWELS:
            roots += ["p" + base[1:], "b" + base[1:]]  # mulang -> pulang
        for root in roots:
            forms.append(root)
            if root[-2:] in ("em", "en"):
                forms.append(root[:-2] + "a" + root[-1])  # simpen -> simpan
    return [form for form in forms if form != word]


class Matcher:
    def __init__(
        self,
        kb: KnowledgeBase,
        cache_dir: Path | None = None,
        scorer: Scorer | None = None,
    ) -> None:
        """`cache_dir` keeps the trained topic model between starts (None: train in
        memory); `scorer` gives an already loaded one."""
        self.kb = kb
        # One document per topic, and last the out-of-scope questions (topic None):
        # everyday words ("harga", "besok", "resep") then weigh for refusing.
        self._topics: list[str | None] = list(kb.entries)
        self._triggers = self._phrases(kb.entries.values(), "triggers")
        # Longest first, so "terima kasih" goes before "terima" would.
        self._standalone = sorted(
            self._phrases(kb.entries.values(), "standalone"), key=lambda item: -len(item[0])
        )
        self._weights: dict[str, list[tuple[int, float]]] = {}
        self._examples: list[list[str]] = []
        self._build_index()
        self._vocabulary = sorted(t for t in self._weights if " " not in t)
        # Words that are words of their own are never "corrected" into a topic word.
        self._own_words = stemmer().roots | {
            word for pair in kb.lexicon.words.items() for text in pair for word in text.split()
        }
        self._correct = lru_cache(maxsize=20_000)(self._closest_known_word)
        self.scorer = scorer or load_scorer(kb, cache_dir)

    def _phrases(self, entries: Iterable[Entry], kind: str) -> list[tuple[str, str]]:
        found = []
        for entry in entries:
            for phrase in getattr(entry, kind):
                found.append((normalize(phrase, self.kb.lexicon), entry.id))
        return found

    def _build_index(self) -> None:
        lexicon = self.kb.lexicon
        counts: list[Counter[str]] = []
        documents = [
            (entry.questions, (*entry.title.values(), *entry.questions), entry.keywords)
            for entry in self.kb.entries.values()
        ]
        questions = [q for entry in self.kb.entries.values() for q in entry.questions]
        # Out-of-scope questions become documents of a topic's size (topic None); one
        # huge document would collect weight from every common word and win too often.
        size = max(1, round(len(questions) / max(len(self.kb.entries), 1)))
        declined = self.kb.out_of_scope
        for start in range(0, len(declined), size):
            chunk = declined[start : start + size]
            documents.append((chunk, chunk, ()))
            self._topics.append(None)
        for examples, texts, keywords in documents:
            self._examples.append([normalize(q, lexicon) for q in examples])
            count: Counter[str] = Counter()
            for text in texts:
                count.update(terms(analyse(text, lexicon)))
            for keyword in keywords:
                for term in terms(analyse(keyword, lexicon)):
                    count[term] += KEYWORD_BOOST
            counts.append(count)
        lengths = [sum(c.values()) for c in counts]
        average = sum(lengths) / max(len(lengths), 1)
        topics_with: Counter[str] = Counter()
        for count in counts:
            topics_with.update(count.keys())
        total = len(counts)
        weights: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, count in enumerate(counts):
            norm = K1 * (1 - B + B * lengths[index] / average)
            for term, tf in count.items():
                n = topics_with[term]
                idf = math.log((total - n + 0.5) / (n + 0.5) + 1)
                scale = PAIR_WEIGHT if " " in term else 1.0
                if term in LIGHT_ENGLISH_WORDS:
                    scale = FUNCTION_WORD_WEIGHT
                weights[term].append((index, scale * idf * tf * (K1 + 1) / (tf + norm)))
        self._weights = dict(weights)

    def _closest_known_word(self, word: str) -> str | None:
        if len(word) < MIN_FUZZY_WORD_LEN or not word.isalpha():
            return None
        found = process.extractOne(
            word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_WORD_CUTOFF
        )
        return found[0] if found else None

    def _query_words(self, normalised: str) -> list[str]:
        """Stemmed words, each unknown one read as Minangkabau or corrected as a typo."""
        return [self.known_word(word) for word in normalised.split()]

    def known_word(self, word: str) -> str:
        """The knowledge base's word for one typed word: stemmed, else read in a standard
        spelling, else corrected as a typo; unchanged (stemmed) when nothing fits."""
        stem = stemmer().stem
        stemmed = stem(word)
        if stemmed in self._weights:
            return stemmed
        for form in standard_forms(word):
            standard = stem(form)
            if standard in self._weights:
                return standard
        if word in self._own_words or stemmed in self._own_words:
            return stemmed
        return self._correct(stemmed) or stemmed

    def _rule(self, normalised: str) -> Match | None:
        for phrase, topic in self._triggers:
            if contains_phrase(normalised, phrase):
                return Match(topic, 100, (), "trigger")
        rest = f" {normalised} "
        topics = set()
        for phrase, topic in self._standalone:
            if f" {phrase} " in rest:
                rest = rest.replace(f" {phrase} ", " ")
                topics.add(topic)
        if len(topics) == 1 and not rest.strip():
            return Match(topics.pop(), 100, (), "standalone")
        return None

    def _evidence(self, normalised: str) -> tuple[list[tuple[int, float]], float]:
        """BM25 of the best topics, best first, and of the best out-of-scope document."""
        scores: defaultdict[int, float] = defaultdict(float)
        for term in set(terms(self._query_words(normalised))):
            for index, weight in self._weights.get(term, ()):
                scores[index] += weight
        declined = max((e for i, e in scores.items() if self._topics[i] is None), default=0.0)
        ranked = sorted(
            ((i, e) for i, e in scores.items() if self._topics[i] is not None),
            key=lambda item: -item[1],
        )
        return ranked[:CANDIDATES], declined

    def rank(self, normalised: str) -> tuple[list[tuple[str, float, float]], float]:
        """(topic, rank score 0..1, BM25 evidence) best first, and the out-of-scope evidence,
        for a text already through `normalize`.

        A candidate whose score could not reach FUZZY_PRUNE x the best so far even with a
        perfect rapidfuzz similarity is not compared: it keeps its BM25 part alone.
        """
        candidates, declined = self._evidence(normalised)
        if not candidates:
            return [], declined
        top = candidates[0][1]
        best = 0.0
        ranked = []
        for index, evidence in candidates:
            score = (1 - FUZZY_WEIGHT) * evidence / top
            if score + FUZZY_WEIGHT >= FUZZY_PRUNE * best:
                closest = process.extractOne(
                    normalised, self._examples[index], scorer=fuzz.token_set_ratio
                )
                score += FUZZY_WEIGHT * (closest[1] / 100 if closest else 0.0)
                best = max(best, score)
            ranked.append((self.topic_at(index), score, evidence))
        ranked.sort(key=lambda item: -item[1])
        return ranked, declined

    def topic_at(self, index: int) -> str:
        topic = self._topics[index]
        if topic is None:
            raise ValueError(f"document {index} is an out-of-scope document")
        return topic

    def match(self, text: str) -> Match:
        normalised = normalize(text, self.kb.lexicon)
        ruled = self._rule(normalised)
        if ruled is not None and ruled.rule == "trigger":
            # Danger first; what else the message is about goes under it as buttons.
            story = story_share(normalised)
            also = self._buttons(ruled.topic, self._blended(normalised, story), story)
            return Match(
                ruled.topic, ruled.score, tuple(also[:OFFERED]), ruled.rule, story >= STORY
            )
        if ruled is not None:
            return ruled
        if not _asks_something(normalised):
            return Match(None, 0, (), "none")  # "7", "2024": numbers alone ask nothing
        return self._ranked(normalised)

    def _blended(self, normalised: str, story: float) -> Blend:
        """The words' ranking and both models' reading of a message, blended."""
        ranked, declined = self.rank(normalised)
        lexical = {topic: (rank, evidence) for topic, rank, evidence in ranked}
        weight = _sliding(MODEL_WEIGHT, story)
        reading = self.scorer.read(normalised)
        probabilities = {t: p for t, p in reading.probabilities.items() if t != OUT_OF_SCOPE}
        best = max(probabilities.values())
        ranking = sorted(
            (
                (topic, (1 - weight) * lexical.get(topic, (0.0, 0.0))[0] + weight * p / best)
                for topic, p in probabilities.items()
            ),
            key=lambda item: -item[1],
        )
        inputs = GateInputs(
            1 - reading.outside, probabilities[ranking[0][0]], len(normalised.split())
        )
        return Blend(ranking, lexical, declined, probabilities, inputs)

    def gate_inputs(self, text: str) -> tuple[str, GateInputs] | None:
        """The best topic for a message and what the gate reads of it; None when the gate
        never sees it (a rule answers it, or numbers alone ask nothing), as in `match`."""
        normalised = normalize(text, self.kb.lexicon)
        if self._rule(normalised) is not None or not _asks_something(normalised):
            return None
        blend = self._blended(normalised, story_share(normalised))
        return blend.ranking[0][0], blend.gate_inputs

    def _ranked(self, normalised: str) -> Match:
        story = story_share(normalised)
        blend = self._blended(normalised, story)
        topic = blend.ranking[0][0]
        evidence = blend.lexical.get(topic, (0.0, 0.0))[1]
        share = evidence / (evidence + blend.declined) if evidence else 0.0
        words_say = share * min(1.0, evidence / FULL_EVIDENCE)
        inputs = blend.gate_inputs
        say = _sliding(OUTSIDE_SAY, story)
        question = 100 * (say * inputs.inside + (1 - say) * words_say)
        gate = inputs.gate()
        gated = min(1.0, GATE_SLIDE * story)
        score = round(_sliding((question, gate), gated))
        threshold = _sliding((_sliding(THRESHOLD, story), GATE_LEVEL), gated)
        vetoed = not story and gate < GATE_VETO
        if score >= threshold and not vetoed:
            others = self._buttons(topic, blend, story)
            return Match(topic, score, tuple(others[:OFFERED]), "ranked", story >= STORY)
        if score >= _sliding((SUGGEST_FLOOR, GATE_SUGGEST_FLOOR), gated):
            guesses = self._buttons(None, blend, story)
            return Match(None, score, tuple(guesses[:OFFERED]), "none")
        return Match(None, score, (), "none")

    @staticmethod
    def _buttons(chosen: str | None, blend: Blend, story: float) -> list[str]:
        """The topics to offer beside `chosen`, best first (`chosen` None: under a decline,
        the best guess first). A message with any story share gets them in the topic model's
        order: it reads real messages better than the words do (cross-validated within one
        tap 0.846 -> 0.854), while the answer itself keeps the blend, which the question sets
        need. A short question gets only topics that rank close to its best."""
        if story:
            probabilities = blend.probabilities
            order = sorted(probabilities, key=probabilities.__getitem__, reverse=True)
            return [topic for topic in order if topic != chosen]
        top = blend.ranking[0][1]
        return [topic for topic, rank in blend.ranking if topic != chosen and rank >= CLOSE * top]


@dataclass(frozen=True)
class Blend:
    """What the matcher reads of a message that no rule answered."""

    ranking: list[tuple[str, float]]  # every topic with its blended rank, best first
    lexical: dict[str, tuple[float, float]]  # BM25's (rank, evidence) of its candidates
    declined: float  # BM25's evidence for the out-of-scope questions
    probabilities: dict[str, float]  # the topic model's, "none of ours" left out
    gate_inputs: GateInputs  # what the gate reads of the best-ranked topic


@dataclass(frozen=True)
class GateInputs:
    inside: float  # the yes/no model's "one of ours", 0-1
    probability: float  # the topic model's probability of the chosen topic
    words: int

    def features(self) -> tuple[float, float, float]:
        return (self.inside, self.probability, math.log(self.words + 1))

    def gate(self) -> float:
        """0-100: how likely the chosen topic's answer helps, by the fitted gate."""
        *coefficients, intercept = GATE
        z = intercept + sum(w * x for w, x in zip(coefficients, self.features(), strict=True))
        return 100 / (1 + math.exp(-max(-50.0, min(50.0, z))))


def _asks_something(normalised: str) -> bool:
    return any(word.isalpha() for word in normalised.split())


def story_share(normalised: str) -> float:
    """0 for a short question, 1 for a story, in between by the number of words."""
    words = len(normalised.split())
    return min(1.0, max(0.0, (words - SHORT_WORDS) / (STORY_WORDS - SHORT_WORDS)))


def _sliding(bounds: tuple[float, float], story: float) -> float:
    """A value between `low` (at 0) and `high` (at 1): a setting between its short-question
    and its story value, or the mix of the two confidences by the gate's share."""
    low, high = bounds
    return low + story * (high - low)
