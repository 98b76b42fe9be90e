"""Which language to answer in: English when the user writes English, else Indonesian.

Minangkabau is understood through the lexicon and answered in Indonesian.
"""

from __future__ import annotations

from bot.normalize import clean

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
    "please help work job abroad legal legally safe".split()
)
# Frequent Indonesian / Minangkabau words, so a mixed message leans the right way.
_INDONESIAN = frozenset(
    "yang yg di ke dari dan atau apa apakah bagaimana gimana gmn cara bisa bs tidak "
    "gak gk ga tak saya sy aku ambo awak kak min pak bu ini itu ada mau kerja untuk "
    "dengan dgn sudah udh belum blm kalau klo jadi jd nya baa caro indak apo nan "
    "dek lah ya sih dong kok juga jg".split()
)


def detect(text: str) -> str | None:
    """'en' or 'id', or None when the text gives no sign (e.g. "menu", "ok")."""
    words = clean(text).split()
    english = sum(word in _ENGLISH for word in words)
    indonesian = sum(word in _INDONESIAN for word in words)
    if english >= 2 and english > indonesian:
        return "en"
    if indonesian > english or (indonesian and indonesian == english):
        return "id"
    if english == 1 and len(words) <= 2:
        return "en"  # "help", "hello there"
    return None
