"""Score a job offer against the warning signs in knowledge/warning_signs.yaml.

A sign counts when one of its phrases or patterns appears and is not negated: "tidak
dipungut biaya pendaftaran" and "tidak melalui calo" reassure, they do not warn.

The level: TINGGI when a sign is a legal bar (what the law forbids: domestic work for a
Middle East household, an under-age worker, a held passport, a visa that is not a work
visa, fees the law puts on others) or the weights reach the `tinggi` total; SEDANG when any
other sign is found; RENDAH only when none is, so no verdict calls a warning it shows "low".
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from bot.knowledge import KnowledgeBase, WarningSign
from bot.messages import Button, Reply
from bot.normalize import MAX_CHARS, clean, normalize
from bot.texts import text

# The verdict's first message must fit a phone screen; the detail sits behind a button.
FIRST_MESSAGE_LIMIT = 600
ACTION = "offer"  # button actions: "offer:why:<signs>" (the detail), see why_action
VERIFY_TOPIC = "cek-agensi"  # how to check an agency, offered under every verdict

# Where one clause ends: a negative never reaches across it ("Tanpa biaya. Gaji dipotong").
# A dot inside a number ("15.000.000") is not a break.
_CLAUSE_BREAK = re.compile(r"[.!?;,\n]+(?=\s|$)|[!?;\n]+")
_BREAK = "|"  # stands for a clause break in the forms the signs are searched in

# "Not" as typed (chat spelling, Minangkabau) and as the lexicon writes it.
_NOT = frozenset("tidak tdk tak gak ga gk nggak ngga enggak engga ndak indak nda kagak".split())
NEGATIVES = _NOT | frozenset(
    "bukan tanpa bebas non anti no not without never zero jangan jgn "
    # A warning against the sign is no sign either: a poster saying "Waspada calo!".
    "waspada waspadai awas hindari hati beware avoid".split()
)
# Words that may stand between a negative and the sign it negates: "tidak *dipungut*
# biaya", "tidak *ada* potongan gaji", "tidak *melalui* calo", "no *need to pay a* fee".
_LIGHT = frozenset(
    "ada ado dipungut memungut ditarik menarik dikenakan dikenai mengenakan dibebankan "
    "diminta dimintai meminta minta perlu paralu usah harus akan pernah boleh melalui lewat "
    "via pakai pake memakai menggunakan bayar membayar biaya uang sama sekali ke kepada pada "
    "terhadap percaya mau tergiur modus berangkat pergi masuk "
    "any a an the is are will be need needed required charge charged charges ask asked "
    "through use using pay to for do does of".split()
)
_MAX_LIGHT = 3
# What cancels a sign from behind it: "potongan gaji: tidak ada", "biaya admin: gak dipungut".
_NONE_AFTER = frozenset("nihil none ditiadakan dibebaskan".split())
_NOT_AFTER = frozenset("ada ado dipungut dikenakan ditarik diminta".split())
# "Free" after a cost cancels it ("biaya pendaftaran gratis"); after a promise that
# everything is paid it only repeats the promise.
_FREE_AFTER = frozenset("gratis free nol 0".split())
_PROMISE_OF_FREE = re.compile(r"gratis|free|ditanggung|paid|covered")
# "kalau tidak bayar biaya admin ..." is a threat, not a reassurance.
_CONDITIONALS = frozenset("kalau kalo klo kl jika jikalau bila apabila asal if unless".split())


@dataclass(frozen=True)
class OfferCheck:
    level: str  # rendah / sedang / tinggi
    score: int  # sum of the weights of the signs found
    signs: tuple[WarningSign, ...]


def check_offer(text: str, kb: KnowledgeBase) -> OfferCheck:
    clauses = [c for c in _CLAUSE_BREAK.split(text[:MAX_CHARS]) if c.strip()]
    # Phrases are tried on the text as typed and after the lexicon, so that both
    # "visa turis" and "visa turist" / "pasport ditahan" are found.
    forms = {
        f" {_BREAK} ".join(filter(None, (clean(c) for c in clauses))),
        f" {_BREAK} ".join(filter(None, (normalize(c, kb.lexicon) for c in clauses))),
    }
    # Strongest first: on a phone the first lines are the ones read.
    found = tuple(
        sorted((s for s in kb.warning_signs if _shows(s, forms)), key=lambda s: -s.weight)
    )
    score = sum(sign.weight for sign in found)
    level = "rendah"
    if any(sign.bar for sign in found) or (found and score >= kb.risk_levels["tinggi"]):
        level = "tinggi"
    elif found:
        level = "sedang"
    return OfferCheck(level=level, score=score, signs=found)


def _shows(sign: WarningSign, forms: set[str]) -> bool:
    return any(
        not _negated(form, start, end) for form in forms for start, end in _spans(sign, form)
    )


def _spans(sign: WarningSign, form: str) -> Iterator[tuple[int, int]]:
    """Where each occurrence of the sign's phrases and patterns begins and ends in `form`."""
    padded = f" {form} "
    for needle in _needles(sign.phrases):
        position = padded.find(needle)
        while position >= 0:
            # `position` is where the phrase's first letter sits in `form` (padded has one
            # more space in front, and the needle one before the phrase).
            yield position, position + len(needle) - 2
            position = padded.find(needle, position + 1)
    for pattern in sign.patterns:
        for match in pattern.finditer(form):
            yield match.start(), match.end()


@lru_cache(maxsize=128)
def _needles(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """Each phrase cleaned like the text, once per knowledge base rather than per offer."""
    return tuple(f" {cleaned} " for cleaned in map(clean, phrases) if cleaned)


def _negated(form: str, start: int, end: int) -> bool:
    """A negative just before the sign (past at most a few light words, in the same clause),
    or "gratis" / "tidak ada" right after it: "biaya pendaftaran: gratis"."""
    after = [*form[end:].split()[:2], "", ""]
    if after[0] in _NONE_AFTER or (after[0] in _NOT and after[1] in _NOT_AFTER):
        return True
    if after[0] in _FREE_AFTER and not _PROMISE_OF_FREE.search(form[start:end]):
        return True
    if form[start].isdigit():  # a phone number or an amount: "No. 0812..." is "nomor"
        return False
    before = form[:start].split()
    light = 0
    while before and before[-1] in _LIGHT and light < _MAX_LIGHT:
        before.pop()
        light += 1
    if not before or before[-1] not in NEGATIVES:
        return False
    return len(before) < 2 or before[-2] not in _CONDITIONALS


# --- the verdict as a user reads it (chat and command line) -----------------------------


def offer_reply(
    result: OfferCheck, kb: KnowledgeBase, lang: str, heading: str = "offer_result"
) -> Reply:
    """Level, the signs as short lines, what to do, and how to verify: at most 600
    characters. The explanations come with the "Penjelasan" button."""
    level = text(f"risk_{result.level}", lang).upper()
    advice = {
        "tinggi": text("offer_high", lang),
        "sedang": text("offer_medium", lang),
        "rendah": text("offer_none", lang),
    }[result.level]
    if any(sign.bar for sign in result.signs):
        advice = f"{text('offer_bar', lang)} {advice}"
    head = text(heading, lang, level=level)
    tail = f"{advice}\n\n{text('offer_verify', lang)}"
    lines = [f"⚠️ {sign.title[lang]}" for sign in result.signs]
    shown = len(lines)
    while shown and len(_verdict(head, lines, shown, tail, lang)) > FIRST_MESSAGE_LIMIT:
        shown -= 1
    rows: list[tuple[Button, ...]] = []
    if result.signs:
        rows.append((Button(text("offer_detail_button", lang), why_action(result, kb)),))
    if VERIFY_TOPIC in kb.entries:
        rows.append((Button(kb.entries[VERIFY_TOPIC].title[lang], f"topic:{VERIFY_TOPIC}"),))
    rows.append(
        (
            Button(text("report_button", lang), "cmd:lapor"),
            Button(text("offer_again_button", lang), "cmd:cek"),
        )
    )
    return Reply(_verdict(head, lines, shown, tail, lang), buttons=tuple(rows))


def _verdict(head: str, lines: list[str], shown: int, tail: str, lang: str) -> str:
    signs = lines[:shown]
    if shown < len(lines):
        signs.append(text("offer_more_signs", lang, count=str(len(lines) - shown)))
    middle = "\n".join(signs)
    return "\n\n".join(part for part in (head, middle, tail) if part)


def why_action(result: OfferCheck, kb: KnowledgeBase) -> str:
    """The detail button's action: which signs, as a bit mask over the knowledge base's
    signs (a button carries at most 64 bytes), and a tag of that list, so a button from
    before the signs were edited is refused rather than explaining the wrong signs."""
    ids = [sign.id for sign in kb.warning_signs]
    mask = sum(1 << ids.index(sign.id) for sign in result.signs)
    return f"{ACTION}:why:{mask:x}:{_tag(ids)}"


def why_reply(value: str, kb: KnowledgeBase, lang: str) -> Reply | None:
    """The explanations behind a verdict's button; None when the button is stale."""
    kind, _, rest = value.partition(":")
    mask_hex, _, tag = rest.partition(":")
    ids = [sign.id for sign in kb.warning_signs]
    try:
        mask = int(mask_hex, 16)
    except ValueError:
        return None
    if kind != "why" or tag != _tag(ids) or mask <= 0 or mask >= 1 << len(ids):
        return None
    chosen = (sign for n, sign in enumerate(kb.warning_signs) if mask >> n & 1)
    signs = sorted(chosen, key=lambda sign: -sign.weight)  # in the verdict's order
    body = "\n\n".join(f"⚠️ {sign.title[lang]}\n{sign.explanation[lang]}" for sign in signs)
    rows: list[tuple[Button, ...]] = []
    if VERIFY_TOPIC in kb.entries:
        rows.append((Button(kb.entries[VERIFY_TOPIC].title[lang], f"topic:{VERIFY_TOPIC}"),))
    rows.append((Button(text("report_button", lang), "cmd:lapor"),))
    return Reply(
        f"{body}\n\n{text('offer_verify', lang)}",
        title=text("offer_detail_title", lang),
        buttons=tuple(rows),
    )


def _tag(ids: list[str]) -> str:
    return f"{zlib.crc32('|'.join(ids).encode()) & 0xFFFF:04x}"
