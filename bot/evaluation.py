"""Measure the matcher on a question file in the form of shared/eval/dev-questions.yaml.

questions:
  - q: "syarat jd tki apa aja"
    expect: [syarat-bekerja]     # ids that count as right; [] = should refuse
    category: short              # optional: short, story, offtopic, english, minang...
    source: https://...          # optional: where a real message was found

A "Maksud Anda" reply (no answer, topics offered as buttons) is never helpful; for an
off-topic message it is a decline, as any reply without a topic. Its rate is reported
on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.matching import Matcher

# Confidence levels of the reliability table: of the answers given at >= x, how many right.
CALIBRATION_LEVELS = (55, 65, 75, 85, 95)
ALL = "all"


class QuestionFileError(Exception):
    """The file cannot be used; the message says why in one line."""


@dataclass(frozen=True)
class Question:
    text: str
    expect: tuple[str, ...]
    category: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Outcome:
    question: Question
    topic: str | None
    score: int
    suggested: bool  # "Maksud Anda": no answer, but topics offered

    @property
    def right(self) -> bool:
        if self.question.expect:
            return self.topic in self.question.expect
        return self.topic is None


@dataclass
class EvalResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def _in(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.question.expect]

    def _out(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.question.expect]

    @property
    def in_scope(self) -> int:
        return len(self._in())

    @property
    def in_scope_right(self) -> int:
        return sum(o.right for o in self._in())

    @property
    def out_of_scope(self) -> int:
        return len(self._out())

    @property
    def refused(self) -> int:
        return sum(o.topic is None for o in self._out())

    @property
    def accuracy(self) -> float:
        """Share of in-scope messages that got a helpful answer."""
        return self.in_scope_right / self.in_scope if self.in_scope else 0.0

    @property
    def refusal_rate(self) -> float:
        """Share of off-topic messages that got no answer (a "Maksud Anda" offer included:
        it answers nothing)."""
        return self.refused / self.out_of_scope if self.out_of_scope else 0.0

    @property
    def misses(self) -> list[tuple[Question, str | None, int]]:
        return [(o.question, o.topic, o.score) for o in self.outcomes if not o.right]

    def by_category(self) -> dict[str, EvalResult]:
        groups: dict[str, EvalResult] = {}
        for outcome in self.outcomes:
            name = outcome.question.category or "-"
            groups.setdefault(name, EvalResult()).outcomes.append(outcome)
        return groups

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
    questions = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise QuestionFileError(f"{path}: question #{number} needs a 'q' text")
        expect = item.get("expect", [])
        if not isinstance(expect, list) or not all(isinstance(e, str) for e in expect):
            raise QuestionFileError(f"{path}: question #{number}: 'expect' must be a list of ids")
        extras = [item.get(key) for key in ("category", "source")]
        if not all(value is None or isinstance(value, str) for value in extras):
            raise QuestionFileError(
                f"{path}: question #{number}: 'category' and 'source' must be texts"
            )
        questions.append(Question(item["q"], tuple(expect), *extras))
    return questions


def evaluate(matcher: Matcher, questions: Iterable[Question]) -> EvalResult:
    result = EvalResult()
    for question in questions:
        match = matcher.match(question.text)
        suggested = match.topic is None and bool(match.alternatives)
        result.outcomes.append(Outcome(question, match.topic, match.score, suggested))
    return result


def format_report(result: EvalResult) -> str:
    lines = [
        f"in-scope top-1 accuracy: {result.accuracy:.3f} "
        f"({result.in_scope_right}/{result.in_scope})",
        f"out-of-scope refusal:    {result.refusal_rate:.3f} "
        f"({result.refused}/{result.out_of_scope})",
        f'"Maksud Anda" offered:   {result.suggested_rate():.3f} '
        f"({sum(o.suggested for o in result.outcomes)}/{len(result.outcomes)})",
    ]
    categories = result.by_category()
    if len(categories) > 1 or "-" not in categories:
        lines.append("")
        lines.append(
            f"{'category':<10} {'in-scope':>8} {'helpful':>8} {'off-topic':>9} "
            f"{'declined':>8} {'Maksud Anda':>11}"
        )
        for name, part in sorted(categories.items()):
            lines.append(_category_line(name, part))
        lines.append(_category_line(ALL, result))
    lines.append("")
    lines.append("calibration: answers given at confidence >= x, and how many were right")
    for level, given, right in result.calibration():
        lines.append(f"  >= {level:>3}: {given:>4} answers, {_share(right, given):.3f} right")
    if result.misses:
        lines.append("")
        lines.append(f"misses ({len(result.misses)}):")
    for outcome in result.outcomes:
        if outcome.right:
            continue
        expected = ", ".join(outcome.question.expect) or "(refuse)"
        got = outcome.topic or ("(Maksud Anda)" if outcome.suggested else "(refused)")
        lines.append(
            f"  expected {expected:<24} got {got} [{outcome.score}]: {outcome.question.text}"
        )
    return "\n".join(lines)


def _category_line(name: str, part: EvalResult) -> str:
    helpful = f"{part.accuracy:.3f}" if part.in_scope else "-"
    declined = f"{part.refusal_rate:.3f}" if part.out_of_scope else "-"
    return (
        f"{name:<10} {part.in_scope:>8} {helpful:>8} {part.out_of_scope:>9} "
        f"{declined:>8} {part.suggested_rate():>11.3f}"
    )
