"""Matcher speed and memory, measured against plain rapidfuzz in the same run.

    python -m benchmarks.matcher            (or: make bench)

1. Time per question of the whole answer path (engine.handle: normalise, rules,
   ranking, answer rendering) against one plain `rapidfuzz.process.extractOne`
   over the same example questions. Target: within 10x.
2. Build time (training the topic model included), time per question and memory as
   the knowledge base grows to 3x with synthetic entries. Target: time per question
   grows sub-linearly. The topic model's weights are classes x character n-grams, and
   every synthetic copy brings made-up words with n-grams of their own: at 10x the fit
   needed over 5 GB, so larger scales are not run.
3. Start-up of `python main.py ask`, as an operator starts the bot: the first start after
   a knowledge change (trains the topic model) and the next one (reads the cache).
4. The answer path on messages people really wrote (the validation corpus: stories and
   statements are longer than questions, so they cost more n-grams). Targets: p50 <= 10 ms,
   p95 <= 25 ms; training from an empty cache <= 20 s; start-up from the cache <= 2 s.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import process

from bot.config import PROJECT_ROOT
from bot.engine import Engine
from bot.evaluation import load_questions
from bot.knowledge import Entry, KnowledgeBase, load_knowledge
from bot.matching import Matcher
from bot.messages import Incoming, UserKey
from bot.sessions import MemorySessionStore

ROUNDS = 5
SCALES = (1, 3)
STARTS = 3  # start-ups measured each way


def _questions(kb: KnowledgeBase) -> list[str]:
    for path in (
        PROJECT_ROOT.parent / "shared" / "eval" / "dev-questions.yaml",
        PROJECT_ROOT / "tests" / "data" / "validation-questions.yaml",
    ):
        if path.exists():
            return [q.text for q in load_questions(path)]
    return [q for entry in kb.entries.values() for q in entry.questions]


def _timings(function: Callable[[str], object], questions: list[str]) -> list[float]:
    function(questions[0])  # warm caches the way a running bot has them warm
    samples = []
    for _ in range(ROUNDS):
        for question in questions:
            start = time.perf_counter()
            function(question)
            samples.append(time.perf_counter() - start)
    return samples


def _summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95)]


def _synthetic(kb: KnowledgeBase, scale: int, seed: int = 7) -> KnowledgeBase:
    """The real entries plus (scale - 1) copies each, every copy with its own made-up words."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnoprstuwy"
    entries: dict[str, Entry] = dict(kb.entries)
    for copy in range(1, scale):
        for entry in kb.entries.values():
            words = ["".join(rng.choices(letters, k=rng.randint(5, 9))) for _ in range(6)]
            entries[f"{entry.id}-{copy}"] = dataclasses.replace(
                entry,
                id=f"{entry.id}-{copy}",
                questions=tuple(f"{q} {rng.choice(words)}" for q in entry.questions),
                keywords=tuple(words),
                related=(),
                triggers=(),
                standalone=(),
            )
    return dataclasses.replace(kb, entries=entries)


def _engine_path(kb: KnowledgeBase, matcher: Matcher) -> Callable[[str], object]:
    engine = Engine(kb, MemorySessionStore(), matcher=matcher)
    loop = asyncio.new_event_loop()
    user = UserKey("bench", "1", "1")
    return lambda q: loop.run_until_complete(engine.handle(Incoming(user, text=q)))


def _start_up_seconds(cache: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "main.py", "ask", "halo"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "MODEL_CACHE_DIR": str(cache)},
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def start_up() -> None:
    cold, warm = [], []
    for _ in range(STARTS):
        with tempfile.TemporaryDirectory() as folder:
            cold.append(_start_up_seconds(Path(folder)))  # empty cache: trains
            warm.append(_start_up_seconds(Path(folder)))  # the cache it just wrote
    print(
        f"\nstart-up of `main.py ask` (median of {STARTS}): "
        f"{statistics.median(cold):.2f} s without a cached topic model, "
        f"{statistics.median(warm):.2f} s with one"
    )


def main(knowledge_dir: Path = PROJECT_ROOT / "knowledge") -> None:
    kb = load_knowledge(knowledge_dir)
    questions = _questions(kb)
    print(f"{len(questions)} questions, {ROUNDS} rounds each\n")
    print(
        f"{'scale':>5} {'topics':>7} {'examples':>9} {'build s':>8} {'build MiB':>9} "
        f"{'ours med ms':>11} {'p95':>6} {'extractOne med ms':>17} {'p95':>6} {'ratio':>6}"
    )
    first_median = None
    for scale in SCALES:
        big = _synthetic(kb, scale)
        examples = [q for entry in big.entries.values() for q in entry.questions]
        gc.collect()
        tracemalloc.start()
        start = time.perf_counter()
        matcher = Matcher(big)
        build = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        ours = _summary(_timings(_engine_path(big, matcher), questions))
        plain = _summary(_timings(lambda q, ex=examples: process.extractOne(q, ex), questions))
        first_median = first_median or ours[0]
        print(
            f"{scale:>4}x {len(big.entries):>7} {len(examples):>9} {build:>8.2f} "
            f"{peak / 2**20:>9.1f} {ours[0] * 1e3:>11.3f} {ours[1] * 1e3:>6.2f} "
            f"{plain[0] * 1e3:>17.3f} {plain[1] * 1e3:>6.2f} {ours[0] / plain[0]:>6.2f}"
        )
        if scale > 1:
            growth = ours[0] / first_median
            print(f"       time per question grew {growth:.1f}x for {scale}x the topics")


def real_messages(knowledge_dir: Path = PROJECT_ROOT / "knowledge") -> None:
    """Story-length messages through the whole answer path, and what the model costs."""
    kb = load_knowledge(knowledge_dir)
    path = PROJECT_ROOT / "tests" / "data" / "real-messages-validation.yaml"
    messages = [q.text for q in load_questions(path)]
    gc.collect()
    start = time.perf_counter()
    matcher = Matcher(kb)  # no cache folder: trains, as a first start does
    trained = time.perf_counter() - start
    # Its memory from a second fit: tracemalloc slows training by about half, so the timed
    # fit runs without it.
    gc.collect()
    tracemalloc.start()
    Matcher(kb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    scorer = matcher.scorer
    arrays = sum(
        a.nbytes for a in (scorer.idf, scorer.coef, scorer.bayes_coef, scorer.outside_coef)
    )
    median, p95 = _summary(_timings(_engine_path(kb, matcher), messages))
    words = statistics.mean(len(m.split()) for m in messages)
    print(
        f"\n{len(messages)} real messages (mean {words:.0f} words), {ROUNDS} rounds: "
        f"answer path median {median * 1e3:.2f} ms, p95 {p95 * 1e3:.2f} ms "
        f"(targets 10 / 25 ms)"
    )
    print(
        f"topic model: trained in {trained:.1f} s (target 20 s), training peak "
        f"{peak / 2**20:.0f} MiB; {len(scorer.vocabulary):,} features, "
        f"{arrays / 2**20:.1f} MiB of weights kept in memory"
    )


if __name__ == "__main__":
    main()
    real_messages()
    start_up()
