"""Measure the matcher on a question file in the form of shared/eval/dev-questions.yaml.

questions:
  - q: "syarat jd tki apa aja"
    accept: [syarat-bekerja]     # ids whose answer would help, best first
    category: short              # optional: short, story, statement, plea, offtopic...
    lang: id                     # optional: id, en, min
    source: https://...          # where a real message was found, or "written"

A message labelled twice, blind, also has `second:` (the second labeller's `accept`): the
report then judges the same replies by it and by either labeller, and the second labeller's
own choices by the first labels (how far people agree). The headline stays `accept`.

`accept` lists every topic whose answer would help; `null` in it means declining is
acceptable too, and `[null]` means the message must be declined. The older form
`expect: [ids]` (`expect: []` = decline) is read as the same thing.

Three figures per group of messages:
- helpful (top-1): the answer given is one the writer would be helped by (or the bot
  declined where declining is acceptable);
- within one tap: that, or one of the first two topics offered as buttons
  (`Match.alternatives`, in button order) would help;
- declined: an unrelated message got no answer. A "Maksud Anda" reply (no answer, topics
  offered) counts as a decline: on an unrelated message no offered topic helps.

Messages people really wrote and messages written to look like them are reported apart
(`source: written`): invented questions flatter any matcher.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from bot.matching import Matcher

# Confidence levels of the reliability table: of the answers given at >= x, how many right.
CALIBRATION_LEVELS = (55, 65, 75, 85, 95)
ALL = "all"
WRITTEN = "written"
ONE_TAP = 2  # buttons a user sees first under an answer


class QuestionFileError(Exception):
    """The file cannot be used; the message says why in one line."""


@dataclass(frozen=True)
class Question:
    text: str
    accept: tuple[str | None, ...]  # helpful topic ids; None: declining is acceptable
    category: str | None = None
    source: str | None = None
    lang: str | None = None
    second: tuple[str | None, ...] | None = None  # a second, blind labeller's `accept`

    @property
    def in_scope(self) -> bool:
        return any(topic is not None for topic in self.accept)

    @property
    def written(self) -> bool:
        return self.source == WRITTEN

    @property
    def expect(self) -> tuple[str, ...]:
        """The helpful topic ids alone."""
        return tuple(topic for topic in self.accept if topic is not None)


@dataclass(frozen=True)
class Outcome:
    question: Question
    topic: str | None
    score: int
    offered: tuple[str, ...]  # topic buttons in the order shown
    suggested: bool  # "Maksud Anda": no answer, but topics offered

    @property
    def right(self) -> bool:
        return self.topic in self.question.accept

    @property
    def within_one_tap(self) -> bool:
        return self.right or any(t in self.question.accept for t in self.offered[:ONE_TAP])


@dataclass
class EvalResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def _in(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.question.in_scope]

    def _out(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.question.in_scope]

    @property
    def in_scope(self) -> int:
        return len(self._in())

    @property
    def in_scope_right(self) -> int:
        return sum(o.right for o in self._in())

    @property
    def in_scope_one_tap(self) -> int:
        return sum(o.within_one_tap for o in self._in())

    @property
    def out_of_scope(self) -> int:
        return len(self._out())

    @property
    def refused(self) -> int:
        return sum(o.topic is None for o in self._out())

    @property
    def accuracy(self) -> float:
        """Share of in-scope messages that got a helpful answer."""
        return _share(self.in_scope_right, self.in_scope)

    @property
    def one_tap_rate(self) -> float:
        """Share of in-scope messages helped by the answer or its first two buttons."""
        return _share(self.in_scope_one_tap, self.in_scope)

    @property
    def refusal_rate(self) -> float:
        """Share of unrelated messages that got no answer."""
        return _share(self.refused, self.out_of_scope)

    @property
    def misses(self) -> list[tuple[Question, str | None, int]]:
        return [(o.question, o.topic, o.score) for o in self.outcomes if not o.right]

    def part(self, keep: Callable[[Question], bool]) -> EvalResult:
        return EvalResult([o for o in self.outcomes if keep(o.question)])

    def by(self, key: Callable[[Question], str | None]) -> dict[str, EvalResult]:
        groups: dict[str, EvalResult] = {}
        for outcome in self.outcomes:
            name = key(outcome.question) or "-"
            groups.setdefault(name, EvalResult()).outcomes.append(outcome)
        return groups

    def judged_by(self, labels: Callable[[Question], tuple[str | None, ...] | None]) -> EvalResult:
        """The same replies judged by other labels; messages without them are left out."""
        judged = EvalResult()
        for outcome in self.outcomes:
            accept = labels(outcome.question)
            if accept:
                judged.outcomes.append(
                    replace(outcome, question=replace(outcome.question, accept=accept))
                )
        return judged

    def suggested_rate(self) -> float:
        return _share(sum(o.suggested for o in self.outcomes), len(self.outcomes))

    def calibration(self) -> list[tuple[int, int, int]]:
        """(level, answers given at confidence >= level, of which right)."""
        answers = [o for o in self.outcomes if o.topic is not None]
        rows = []
        for level in CALIBRATION_LEVELS:
            given = [o for o in answers if o.score >= level]
            rows.append((level, len(given), sum(o.right for o in given)))
        return rows


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def load_questions(path: Path) -> list[Question]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QuestionFileError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise QuestionFileError(f"{path}: cannot read ({error})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise QuestionFileError(f"{path}: invalid YAML{where}") from None
    items = document.get("questions") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise QuestionFileError(f"{path}: needs a 'questions:' list")
    return [_question(path, number, item) for number, item in enumerate(items, start=1)]


def _question(path: Path, number: int, item: object) -> Question:
    where = f"{path}: question #{number}"
    if not isinstance(item, dict) or not isinstance(item.get("q"), str):
        raise QuestionFileError(f"{where} needs a 'q' text")
    if "accept" in item:
        accepted = _labels(where, "accept", item["accept"])
    elif "expect" in item:
        expect = item["expect"]
        if not isinstance(expect, list) or not all(isinstance(e, str) for e in expect):
            raise QuestionFileError(f"{where}: 'expect' must be a list of ids")
        accepted = tuple(expect) if expect else (None,)
    else:
        # Scoring a message against nothing would count it as 0/0: refuse the file instead.
        raise QuestionFileError(f"{where} has neither 'accept' nor 'expect'")
    extras = [item.get(key) for key in ("category", "source", "lang")]
    if not all(value is None or isinstance(value, str) for value in extras):
        raise QuestionFileError(f"{where}: 'category', 'source' and 'lang' must be texts")
    category, source, lang = extras
    second = _labels(where, "second", item["second"]) if "second" in item else None
    return Question(item["q"], accepted, category, source, lang, second)


def _labels(where: str, key: str, labels: object) -> tuple[str | None, ...]:
    if (
        not isinstance(labels, list)
        or not labels
        or not all(a is None or isinstance(a, str) for a in labels)
    ):
        raise QuestionFileError(
            f"{where}: '{key}' must be a list of topic ids and/or null ([null]: decline)"
        )
    return tuple(labels)


def evaluate(matcher: Matcher, questions: Iterable[Question]) -> EvalResult:
    result = EvalResult()
    for question in questions:
        match = matcher.match(question.text)
        suggested = match.topic is None and bool(match.alternatives)
        outcome = Outcome(question, match.topic, match.score, match.alternatives, suggested)
        result.outcomes.append(outcome)
    return result


def either_labeller(question: Question) -> tuple[str | None, ...] | None:
    """Every topic either labeller found helpful (the first labeller's in their order, then
    the second's others); declining is acceptable where either found it so."""
    if question.second is None:
        return None
    topics = [*question.accept, *(t for t in question.second if t not in question.accept)]
    return tuple(topics)


def second_labeller(question: Question) -> tuple[str | None, ...] | None:
    """The second labeller's topics alone."""
    return question.second


def labeller_agreement(result: EvalResult) -> EvalResult:
    """The second labeller's own first choice as the answer (and their next two topics as
    the buttons), judged by the first labels: how far two careful people agree."""
    human = EvalResult()
    for outcome in result.outcomes:
        second = outcome.question.second
        if second:
            offered = tuple(t for t in second[1 : ONE_TAP + 1] if t is not None)
            human.outcomes.append(Outcome(outcome.question, second[0], 0, offered, False))
    return human


def format_report(result: EvalResult) -> str:
    """The headline figures (collected and written apart when a set holds both), a line per
    category and language, calibration, and every miss."""
    parts = {
        "collected": result.part(lambda q: not q.written),
        "written": result.part(lambda q: q.written),
    }
    lines: list[str] = []
    for name, part in parts.items():
        if not part.outcomes:
            continue
        if all(p.outcomes for p in parts.values()):
            lines += ["", f"-- {name} ({len(part.outcomes)})"]
        lines += _headline(part)
        lines += _table(part)
    if any(o.question.second for o in result.outcomes):
        lines += _labelled_twice(result)
    lines.append("")
    lines.append("calibration: answers given at confidence >= x, and how many were right")
    for level, given, right in result.calibration():
        lines.append(f"  >= {level:>3}: {given:>4} answers, {_share(right, given):.3f} right")
    misses = [o for o in result.outcomes if not o.right]
    if misses:
        lines += ["", f"misses ({len(misses)}):"]
    for outcome in misses:
        expected = ", ".join(t or "(decline)" for t in outcome.question.accept)
        got = outcome.topic or ("(Maksud Anda)" if outcome.suggested else "(refused)")
        tap = " [one tap]" if outcome.within_one_tap else ""
        lines.append(
            f"  expected {expected:<24} got {got} [{outcome.score}]{tap}: {outcome.question.text}"
        )
    return "\n".join(lines).lstrip("\n")


def _labelled_twice(result: EvalResult) -> list[str]:
    """What a second, blind labelling says: the bot judged by it, and by either labeller,
    and how the second labeller's own choices fare by the first labels."""
    views = [
        ("the bot, judged by the second labeller", result.judged_by(second_labeller)),
        ("the bot, judged by either labeller", result.judged_by(either_labeller)),
        ("the second labeller's own choices, judged by the first", labeller_agreement(result)),
    ]
    lines = []
    for title, view in views:
        lines += ["", f"-- {title} ({len(view.outcomes)} labelled twice)"]
        lines += _headline(view)[:3]
    return lines


def _headline(result: EvalResult) -> list[str]:
    return [
        f"in-scope top-1 accuracy: {result.accuracy:.3f} "
        f"({result.in_scope_right}/{result.in_scope})",
        f"within one tap:          {result.one_tap_rate:.3f} "
        f"({result.in_scope_one_tap}/{result.in_scope})",
        f"out-of-scope refusal:    {result.refusal_rate:.3f} "
        f"({result.refused}/{result.out_of_scope})",
        f'"Maksud Anda" offered:   {result.suggested_rate():.3f} '
        f"({sum(o.suggested for o in result.outcomes)}/{len(result.outcomes)})",
    ]


def _table(result: EvalResult) -> list[str]:
    groups = [
        (name, part)
        for key in (lambda q: q.category, lambda q: q.lang and f"lang:{q.lang}")
        for name, part in sorted(result.by(key).items())
        if name != "-"
    ]
    if not groups:
        return []
    lines = [
        "",
        f"{'category':<10} {'in-scope':>8} {'helpful':>8} {'one tap':>8} {'off-topic':>9} "
        f"{'declined':>8} {'Maksud Anda':>11}",
    ]
    lines += [_category_line(name, part) for name, part in groups]
    lines.append(_category_line(ALL, result))
    return lines


def _category_line(name: str, part: EvalResult) -> str:
    helpful = f"{part.accuracy:.3f}" if part.in_scope else "-"
    tap = f"{part.one_tap_rate:.3f}" if part.in_scope else "-"
    declined = f"{part.refusal_rate:.3f}" if part.out_of_scope else "-"
    return (
        f"{name:<10} {part.in_scope:>8} {helpful:>8} {tap:>8} {part.out_of_scope:>9} "
        f"{declined:>8} {part.suggested_rate():>11.3f}"
    )
