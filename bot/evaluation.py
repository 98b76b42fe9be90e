"""Measure the matcher on a question file in the form of shared/eval/dev-questions.yaml.

questions:
  - q: "syarat jd tki apa aja"
    expect: [syarat-bekerja]     # ids that count as right; [] = should refuse
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.matching import Matcher


class QuestionFileError(Exception):
    """The file cannot be used; the message says why in one line."""


@dataclass(frozen=True)
class Question:
    text: str
    expect: tuple[str, ...]


@dataclass
class EvalResult:
    in_scope: int = 0
    in_scope_right: int = 0
    out_of_scope: int = 0
    refused: int = 0
    misses: list[tuple[Question, str | None, int]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.in_scope_right / self.in_scope if self.in_scope else 0.0

    @property
    def refusal_rate(self) -> float:
        return self.refused / self.out_of_scope if self.out_of_scope else 0.0


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
        questions.append(Question(item["q"], tuple(expect)))
    return questions


def evaluate(matcher: Matcher, questions: list[Question]) -> EvalResult:
    result = EvalResult()
    for question in questions:
        match = matcher.match(question.text)
        if question.expect:
            result.in_scope += 1
            right = match.topic in question.expect
            result.in_scope_right += right
        else:
            result.out_of_scope += 1
            right = match.topic is None
            result.refused += right
        if not right:
            result.misses.append((question, match.topic, match.score))
    return result


def format_report(result: EvalResult) -> str:
    lines = [
        f"in-scope top-1 accuracy: {result.accuracy:.3f} "
        f"({result.in_scope_right}/{result.in_scope})",
        f"out-of-scope refusal:    {result.refusal_rate:.3f} "
        f"({result.refused}/{result.out_of_scope})",
    ]
    if result.misses:
        lines.append(f"misses ({len(result.misses)}):")
    for question, got, score in result.misses:
        expected = ", ".join(question.expect) or "(refuse)"
        lines.append(
            f"  expected {expected:<24} got {got or '(refused)'} [{score}]: {question.text}"
        )
    return "\n".join(lines)
