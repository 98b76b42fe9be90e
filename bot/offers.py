"""Score a pasted job offer against the warning signs in knowledge/warning_signs.yaml."""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge import KnowledgeBase, WarningSign
from bot.normalize import clean, contains_phrase, normalize

LEVELS = ("rendah", "sedang", "tinggi")


@dataclass(frozen=True)
class OfferCheck:
    level: str  # rendah / sedang / tinggi
    score: int  # sum of the weights of the signs found
    signs: tuple[WarningSign, ...]


def check_offer(text: str, kb: KnowledgeBase) -> OfferCheck:
    # Phrases are tried on the text as typed and after the lexicon, so that both
    # "visa turis" and "visa turist" / "pasport ditahan" are found.
    forms = {clean(text), normalize(text, kb.lexicon)}
    found = tuple(sign for sign in kb.warning_signs if _shows(sign, forms))
    score = sum(sign.weight for sign in found)
    level = "rendah"
    if score >= kb.risk_levels.get("tinggi", 0) and found:
        level = "tinggi"
    elif score >= kb.risk_levels.get("sedang", 0) and found:
        level = "sedang"
    return OfferCheck(level=level, score=score, signs=found)


def _shows(sign: WarningSign, forms: set[str]) -> bool:
    for form in forms:
        if any(contains_phrase(form, clean(phrase)) for phrase in sign.phrases):
            return True
        if any(pattern.search(form) for pattern in sign.patterns):
            return True
    return False
