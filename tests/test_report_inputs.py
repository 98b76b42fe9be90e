"""Every report step × every kind of thing people type there (issue 18): a word meant to
move around the flow, to thank, to pause or to subscribe is never stored as an answer, and
no step refuses an input it could understand. Real engine, real SQLite; each case starts
from a draft saved at that step, as after a restart."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.flows.report import MAX_ANSWER, SUMMARY
from bot.flows.steps import KIND_STEP, KINDS, Step, option_for
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import Incoming, UserKey
from bot.reporting import REPORT_MODE
from bot.reports import Draft
from bot.runtime import Services, open_services
from bot.sessions import Session
from tests.test_report_typing import make_settings

STORY = (
    "Kakak saya ditawari kerja pabrik oleh orang yang datang ke kampung, katanya gaji "
    "besar dan semua biaya ditanggung, lalu diminta menyerahkan KTP dan ijazah. "
) * 40
STORY = STORY[:5000]  # fmt: skip
PHONE = "0812 1111 2222"
INPUTS = {
    "yes": "ya",
    "no": "tidak",
    "dont_know": "gak tau",
    "skip": "skip",
    "back": "kembali",
    "cancel": "batal",
    "menu": "menu",
    "help": "tolong",
    "thanks": "makasih ya",
    "emoji": "😭🙏",
    "phone": PHONE,
    "story": STORY,
    "empty": "",
    "subscribe": "langganan",
    "unsubscribe": "berhenti langganan",
    "stop_info": "stop info",
}
# A valid answer for every step, to fill the draft up to the step under test.
VALID = {
    "offer": "Lowongan admin di Kamboja, gaji 15 juta",
    "recruiter": "tidak tahu",
    "location": "Pariaman Tengah",
    "destination": "Kamboja",
    "departed": "belum",
    "danger": "tidak",
    "contact": "anonim",
    "consent": "ya",
    "person": "adik saya Rina, 22 tahun",
    "since": "sejak 3 minggu",
    "where": "Malaysia",
    "taken_by": "calo dari kampung",
    "family_area": "Pariaman Timur",
    "fear": "tidak",
}
KEEP = object()  # the step's answer must be what it was


def places() -> list[tuple[str, str]]:
    """(kind, step) for every question of both kinds, the first question and the summary."""
    found = [("tawaran", KIND_STEP)]
    for kind, steps in KINDS.items():
        found += [(kind, step.name) for step in steps]
    return [*found, ("tawaran", SUMMARY)]


def expected(step: Step, name: str) -> Any:
    """What the step holds after `name` was typed there."""
    said = INPUTS[name]
    if name == "skip":
        return step.skip if step.skip and not step.evidence else KEEP
    if name == "help":  # a bare cry for help: "yes" to "is anyone in danger?", else nothing
        return step.urgent_on if step.urgent_on else KEEP
    if name in ("yes", "no", "dont_know"):
        picked = option_for(step, said)
        return KEEP if step.evidence or picked is None else picked
    if name in ("phone", "story"):
        if step.evidence:
            return said
        if name == "story" and step.name == "contact":
            return KEEP  # too long for a contact: it says so
        if step.free_text and not (step.place and name == "phone"):
            return said
    return KEEP


async def at_step(services: Services, user: UserKey, kind: str, name: str) -> Draft:
    """A draft at this step, every earlier question answered."""
    assert services.reports is not None
    answers: dict[str, Any] = {"kind": kind}
    if name != KIND_STEP:
        for step in KINDS[kind]:
            if step.name == name:
                break
            if not step.evidence:
                answers[step.name] = VALID[step.name]
    draft = Draft(user, secrets.token_hex(16), name, answers)
    await services.reports.save_draft(draft)
    await services.engine.sessions.put(user, Session(mode=REPORT_MODE))
    return draft


def held(answers: dict[str, Any], step: Step) -> Any:
    return answers.get("evidence_note" if step.evidence else step.name)


@pytest.fixture
async def services(tmp_path: Path, kb: KnowledgeBase, matcher: Matcher) -> AsyncIterator[Services]:
    async with open_services(make_settings(tmp_path), kb, matcher) as opened:
        yield opened


@pytest.mark.parametrize(("kind", "name"), places())
async def test_every_kind_of_input_at_every_step(services: Services, kind: str, name: str) -> None:
    assert services.reports is not None
    for number, (label, said) in enumerate(INPUTS.items()):
        user = UserKey("table", f"{kind}-{name}", str(number))
        before = await at_step(services, user, kind, name)
        replies = await services.engine.handle(Incoming(user, text=said))
        shown = "\n".join(reply.text for reply in replies)
        case = f"{label!r} at {kind}/{name}: {shown[:300]!r}"
        assert replies and all(reply.text.strip() for reply in replies), case
        draft = await services.reports.get_draft(user)
        assert await services.reports.of_reporter(user) == [], case  # nothing is sent
        if label == "cancel" and set(before.answers) == {"kind"}:
            continue  # nothing typed yet: deleted without a question, nothing lost
        assert draft is not None, case  # nothing typed here deletes without a yes
        if name == SUMMARY:
            plain = {k: v for k, v in draft.answers.items() if k[0] != "_" and k != "urgent"}
            assert plain == before.answers, case
            assert "Periksa laporan" in shown or label in ("back", "cancel", "menu", "help"), case
            continue
        if name == KIND_STEP:
            chosen = draft.answers.get("kind") if label == "story" else None
            assert draft.answers.get("offer") == (STORY if chosen else None), case
            continue
        step = next(s for s in KINDS[kind] if s.name == name)
        want = expected(step, label)
        got = held(draft.answers, step)
        if want is KEEP:
            assert got == held(before.answers, step), case
            if label not in ("back", "cancel", "menu", "skip"):
                total = len(KINDS[kind])
                asked = f"/{total} " in shown or f"dari {total}" in shown
                assert asked, f"not asked again: {case}"
        else:
            assert got == want, case
        if label == "story" and want == STORY:
            assert len(got) == len(STORY) <= MAX_ANSWER, case  # whole, never cut
