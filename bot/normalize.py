"""Turn what people type into the plain words the matcher compares.

"Gmn caraaa kerja ke Malaysia yg resmi?? 🙏" becomes
"bagaimana cara kerja ke malaysia yang resmi": case folded, emoji and
punctuation dropped, elongated letters shortened, and slang, Minangkabau and
old terms replaced through the lexicon (knowledge/lexicon.yaml). A negated
"illegal" asks for the legal way: "yg gak ilegal", "tanpa jalur ilegal" and "nan
indak ilegal" read "yang resmi", "jalur resmi", "yang resmi".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

# Longest input we look at; a pasted novel must not cost more than a page.
MAX_CHARS = 4000

_NOT_ALNUM = re.compile(r"[\W_]+")
# Three or more of the same letter: "tolonggg", "pleaseee". Digits are left alone.
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")
# "15jt", "2x": a number glued to its unit reads as two words.
_NUMBER_GLUED = re.compile(r"\b(\d+)([^\W\d_]+)\b")
# "abal2", "ganti2": the chat spelling of a reduplicated word.
_REDUPLICATED = re.compile(r"\b([^\W\d_]{2,})2\b")


def clean(text: str) -> str:
    """Lower-case words separated by single spaces; everything else dropped."""
    return _clean(text[:MAX_CHARS])


# One message is cleaned several times on its way (language, matcher, usage log): the
# repeats come from here. Keys are at most MAX_CHARS long, so the cache stays small.
@lru_cache(maxsize=256)
def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    # Punctuation, symbols (emoji), marks, separators and control or format
    # characters (zero-width, right-to-left marks) all become word breaks: only letters
    # and digits (str.isalnum, what [^\W_] matches) stay.
    text = _NOT_ALNUM.sub(" ", text)
    text = _ELONGATED.sub(r"\1", text)
    text = _NUMBER_GLUED.sub(r"\1 \2", text)
    text = _REDUPLICATED.sub(r"\1", text)
    words: list[str] = []
    for word in text.split():
        if not words or words[-1] != word or not word.isalpha():  # "abal-abal" -> "abal"
            words.append(word)
    return " ".join(words)


@dataclass(frozen=True)
class Lexicon:
    """Word and phrase replacements, longest phrase first."""

    words: Mapping[str, str] = field(default_factory=dict)
    max_phrase_len: int = 1

    @classmethod
    def from_mapping(cls, raw: Mapping[str, str]) -> Lexicon:
        words = {clean(key): clean(value) for key, value in raw.items() if clean(key)}
        longest = max((len(key.split()) for key in words), default=1)
        return cls(words=words, max_phrase_len=longest)

    def apply(self, words: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(words):
            for size in range(min(self.max_phrase_len, len(words) - i), 0, -1):
                phrase = " ".join(words[i : i + size])
                replacement = self.words.get(phrase)
                if replacement is not None:
                    out.extend(replacement.split())
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return out


# Read after the lexicon, which makes "gak", "ndak", "indak" "tidak".
NEGATORS = frozenset({"tidak", "tanpa", "bukan", "non", "jangan", "not", "without", "no"})
# A negated word and what the whole then means: "not illegal" is "legal".
OPPOSITES = {"ilegal": "resmi", "illegal": "legal", "illegally": "legally", "gelap": "resmi"}
# Words that may stand between the two: "tanpa jalur ilegal", "not the illegal way".
_BETWEEN = frozenset({"jalur", "lewat", "melalui", "secara", "cara", "via", "the", "an", "a"})
_MAX_BETWEEN = 2


def normalize(text: str, lexicon: Lexicon | None = None) -> str:
    """Cleaned text with the lexicon applied, negated "illegal" read as "legal"."""
    words = clean(text).split()
    if lexicon is not None:
        words = lexicon.apply(words)
    return " ".join(_negations_read(words))


def _negations_read(words: list[str]) -> list[str]:
    """ "tidak ilegal" -> "resmi", "tanpa jalur ilegal" -> "jalur resmi"."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i] in NEGATORS:
            j = i + 1
            while j < len(words) and j - i <= _MAX_BETWEEN and words[j] in _BETWEEN:
                j += 1
            if j < len(words) and words[j] in OPPOSITES:
                out += [*words[i + 1 : j], OPPOSITES[words[j]]]
                i = j + 1
                continue
        out.append(words[i])
        i += 1
    return out


def contains_phrase(text: str, phrase: str) -> bool:
    """Whole-word phrase test on normalised text ("kurung" is not in "dikurungi")."""
    return f" {phrase} " in f" {text} "
