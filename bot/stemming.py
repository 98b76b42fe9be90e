"""Indonesian stemming (PySastrawi) for the matcher's index and the topic model's words:
"pekerjaan", "dipekerjakan" and "kerja" meet as one word."""

from __future__ import annotations

from functools import lru_cache

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from bot.normalize import Lexicon, normalize


class Stemmer:
    """Sastrawi's stemmer with a cache: the same few thousand words recur."""

    def __init__(self) -> None:
        factory = StemmerFactory()
        self._stemmer = factory.create_stemmer()
        # Sastrawi's root-word list ("kata dasar"): real words, never typos of another.
        self.roots = frozenset(str(word) for word in factory.get_words() if word)
        self.stem = lru_cache(maxsize=50_000)(self._stem)

    def _stem(self, word: str) -> str:
        if not word.isalpha() or len(word) <= 3:
            return word
        return str(self._stemmer.stem(word)) or word


_SHARED: Stemmer | None = None


def stemmer() -> Stemmer:
    global _SHARED
    if _SHARED is None:
        _SHARED = Stemmer()
    return _SHARED


def analyse(text: str, lexicon: Lexicon) -> list[str]:
    """Normalised, stemmed words."""
    stem = stemmer().stem
    return [stem(word) for word in normalize(text, lexicon).split()]
