"""Which language to answer in: English when the user writes English, else Indonesian.

Minangkabau is understood through the lexicon and answered in Indonesian. Markup and web
addresses say nothing about the writer's language ("<a href=…>klik</a> paspor ditahan
agen" is Indonesian), so they are dropped first. A message without the common words
("bantuan", "paspor ditahan") is read with the knowledge base's own vocabulary: words
only its Indonesian texts use, or only its English ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.normalize import MAX_CHARS, clean

DEFAULT = "id"

# Common English function words that do not occur as Indonesian or Minang words (the
# matcher weighs them little, too).
ENGLISH_FUNCTION_WORDS = frozenset(
    "the is are was were am a an my your his her our their i you he she we they it "
    "what how why when where who which can could should would will do does did have has "
    "to of in on for with from about this that these those be been being not no and or "
    "if me him them there".split()
)
# Words that mark a message as English, with a few of the bot's own topic words.
_ENGLISH = ENGLISH_FUNCTION_WORDS | frozenset(
    "please help work job abroad legal legally safe thanks thank".split()
)
# Frequent Indonesian / Minangkabau words, so a mixed message leans the right way.
_INDONESIAN = frozenset(
    "yang yg di ke dari dan atau apa apakah bagaimana gimana gmn cara bisa bs tidak "
    "gak gk ga tak saya sy aku ambo awak kak min pak bu ini itu ada mau kerja untuk "
    "dengan dgn sudah udh belum blm kalau klo jadi jd nya baa caro indak apo nan "
    "dek lah ya sih dong kok juga jg tolong bantuan makasih terima kasih".split()
)
# Tags (<a href=…>, </b>) and web addresses: never the writer's own words.
# (Bounded repeats: a 4,000-letter word must not cost a scan from every letter.)
_MARKUP = re.compile(
    r"<[^<>]{0,500}>|\S{0,60}(?:://|www\.)\S{0,500}"
    r"|\S{1,60}\.(?:com|net|org|id|io|me|ly|co|info|my|sg|hk|tw)\b\S{0,500}",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Vocabulary:
    """Words only the Indonesian texts of the knowledge base use, and words only its English
    texts use: "paspor", "ditahan" / "passport", "held"."""

    indonesian: frozenset[str] = frozenset()
    english: frozenset[str] = frozenset()

    @classmethod
    def from_texts(cls, indonesian: Iterable[str], english: Iterable[str]) -> Vocabulary:
        id_words = {word for said in indonesian for word in clean(said).split()}
        en_words = {word for said in english for word in clean(said).split()}
        return cls(
            frozenset(w for w in id_words - en_words if w.isalpha()),
            frozenset(w for w in en_words - id_words if w.isalpha()),
        )


def detect(text: str, vocabulary: Vocabulary | None = None) -> str | None:
    """'en' or 'id', or None when the text gives no sign (e.g. "menu", "ok")."""
    words = clean(_MARKUP.sub(" ", text[:MAX_CHARS])).split()
    english = sum(word in _ENGLISH for word in words)
    indonesian = sum(word in _INDONESIAN for word in words)
    if english >= 2 and english > indonesian:
        return "en"
    if indonesian > english or (indonesian and indonesian == english):
        return "id"
    if english == 1 and len(words) <= 2:
        return "en"  # "help", "hello there"
    if vocabulary is not None and not english:
        # Two words at least: one word ("stop", "visa") is no sign of a language.
        own_id = sum(word in vocabulary.indonesian for word in words)
        own_en = sum(word in vocabulary.english for word in words)
        if max(own_id, own_en) >= 2 and own_id != own_en:
            return "id" if own_id > own_en else "en"
    return None
