"""The report flow: steps described as data, one generic driver, a validator per step.

Two kinds of report share the driver: a suspicious job offer, and a family member abroad
who cannot be reached. The draft and the current step are saved after every answer, so a
restart or a day away resumes exactly where the user was. People type rather than press:
typed answers to button steps ("blm", "gk tau", "alun"), navigation words ("kembali",
"batal") and several short messages for one answer are all understood (bot/flows/replies.py).
Any message that sounds like danger shows the emergency contacts first and marks the
report urgent.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.flows.place import PlaceQuestion
from bot.flows.receipt import ReceiptPolicy, receipt
from bot.flows.replies import AFFIRM, DENY, intent_of, kind_of, words_of
from bot.flows.steps import (
    KIND_STEP,
    KINDS,
    Option,
    Step,
    kind_options,
    option_for,
    steps_of,
    validate_offer,
)
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import Attachment, Button, Incoming, Reply, UserKey, keep_files
from bot.normalize import clean
from bot.ocr import ImageReader, OcrError
from bot.offers import check_offer
from bot.regions import PARIAMAN_PLACES, Region, Regions, single_region
from bot.reports import Draft, OutboxRow, Report, ReportStore
from bot.texts import text

EMERGENCY_TOPIC = "darurat"
MAX_ANSWER = 2000
MAX_SHOWN = 300  # of an answer echoed back in "Tersimpan: «…»"
MAX_EVIDENCE = 20
SUMMARY = "summary"
ACTION = "lapor"  # prefix of this flow's button actions: "lapor:opt:ya", "lapor:back", ...
# Button data is parsed strictly: anything else (a forged or mangled press) changes nothing.
_BUTTON = re.compile(
    r"(?P<verb>back|next|cancel|drop|resume|send|edit|summary)"
    r"|(?P<kind>opt|change|kind):(?P<value>[A-Za-z][A-Za-z _-]{0,39})"
    r"|(?P<where>region|place):(?P<place>[a-z0-9][a-z0-9-]{0,39})"
)
# Keys of a draft that steer the flow and never reach the report.
EDITING, OPEN, CONFIRM, DECLINED = "_editing", "_open", "_confirm", "_declined"
# Which message gave which answer (channel message id -> [[step, text] | ["evidence", ref]]),
# so that a message the user deletes is taken out of the draft too.
SOURCES = "_sources"
MAX_SOURCES = 50
# Destination names people type -> the country counted in statistics.
COUNTRIES = {
    "malaysia": "Malaysia", "singapura": "Singapura", "singapore": "Singapura",
    "brunei": "Brunei", "taiwan": "Taiwan", "hongkong": "Hong Kong", "hong kong": "Hong Kong",
    "jepang": "Jepang", "japan": "Jepang", "korea": "Korea Selatan",
    "arab": "Arab Saudi", "saudi": "Arab Saudi", "dubai": "Uni Emirat Arab",
    "uea": "Uni Emirat Arab", "emirat": "Uni Emirat Arab", "qatar": "Qatar",
    "kuwait": "Kuwait", "oman": "Oman", "turki": "Turki", "kamboja": "Kamboja",
    "cambodia": "Kamboja", "myanmar": "Myanmar", "laos": "Laos", "thailand": "Thailand",
    "filipina": "Filipina", "philippines": "Filipina", "vietnam": "Vietnam",
    "jerman": "Jerman", "germany": "Jerman", "polandia": "Polandia", "poland": "Polandia",
    "australia": "Australia", "inggris": "Inggris", "amerika": "Amerika Serikat",
}  # fmt: skip
# Contacts shown at once when a family member abroad cannot be reached: the embassy path.
MISSING_CONTACTS = (
    "kbri_kjri",
    "kemlu_pelindungan_wni",
    "kp2mi_call_centre",
    "kp2mi_luar_negeri",
    "polisi",
)
# Where else to report when the reporter does not want this bot to forward it.
ELSEWHERE_CONTACTS = ("polisi", "kp2mi_call_centre", "kp2mi_whatsapp", "lapor_web", "lapor_sms")
# Who to call when no officials' group receives reports.
CALL_INSTEAD = ("polisi", "kp2mi_call_centre", "kp2mi_whatsapp")


def area_of(location: str, places: tuple[str, ...] = PARIAMAN_PLACES) -> str:
    """The kecamatan of a free-text place (drafts from before regions named it this way)."""
    words = clean(location)
    for area in places:
        if clean(area) in words:
            return area
    return "lainnya" if location and location != "tidak tahu" else "tidak diketahui"


def country_of(destination: str) -> str:
    words = f" {clean(destination)} "
    for name, country in COUNTRIES.items():
        if f" {name} " in words:
            return country
    return "tidak diketahui" if destination in ("", "tidak tahu") else "lainnya"


Render = Callable[[Report], list[OutboxRow]]


class ReportFlow:
    def __init__(
        self,
        store: ReportStore,
        kb: KnowledgeBase,
        matcher: Matcher,
        deliveries_for: Render,
        on_commit: Callable[[], None] = lambda: None,
        policy: ReceiptPolicy | None = None,
        reader: ImageReader | None = None,
        regions: Regions | None = None,
    ) -> None:
        self.store = store
        self.regions = regions or single_region(None, frozenset(), store.code_prefix)
        self.place = PlaceQuestion(self.regions, ACTION)
        self.kb = kb
        self.matcher = matcher
        self.deliveries_for = deliveries_for  # card and evidence rows for the officials
        self.on_commit = on_commit  # wakes the outbox worker
        self.policy = policy or ReceiptPolicy()
        self.reader = reader  # screenshots at the offer step; None: kept as evidence only

    # --- entry points ----------------------------------------------------------------

    async def start(
        self, user: UserKey, lang: str, kind: str | None = None, offer: str | None = None
    ) -> list[Reply]:
        """`offer`: the advert the user just checked (📣 Lapor under /cek's verdict), shown
        as the first answer; typing replaces it, ➡️ Lanjut keeps it."""
        draft = await self.store.get_draft(user)
        if draft is not None:
            for key in (DECLINED, CONFIRM):
                draft.answers.pop(key, None)
            await self.store.save_draft(draft)
            replies = [Reply(text("report_resume", lang)), self._current(draft, lang)]
            if draft.answers.get(OPEN) == draft.step:  # what is typed next joins this answer
                replies.append(self._saved(str(draft.answers.get(draft.step, "")), lang))
            return replies
        draft = Draft(user, secrets.token_hex(16), KIND_STEP)
        intro = Reply(text("report_intro", lang))
        if kind == "tawaran" and offer and not validate_offer(offer):
            replies = await self._choose_kind(draft, kind, lang)
            draft = await self._reload(draft)
            draft.answers["offer"] = offer[:MAX_ANSWER]  # not open: what is typed replaces it
            await self.store.save_draft(draft)
            saved = self._saved(offer[:MAX_ANSWER], lang)
            note = f"{text('report_offer_from_check', lang)}\n\n{saved.text}"
            return [intro, *replies, replace(saved, text=note)]
        if kind in KINDS:
            return [intro, *await self._choose_kind(draft, kind, lang)]
        await self.store.save_draft(draft)
        return [intro, self._current(draft, lang)]

    async def ask_cancel(self, user: UserKey, lang: str) -> list[Reply]:
        """/batal, ✖️ Batal or a typed "batal": nothing is deleted without a yes."""
        draft = await self.store.get_draft(user)
        if draft is None:
            return [Reply(text("nothing_to_cancel", lang))]
        if not any(k != "kind" and not k.startswith("_") for k in draft.answers):
            return await self._drop(draft, lang)  # nothing typed yet: nothing to lose
        draft.answers[CONFIRM] = "cancel"
        await self.store.save_draft(draft)
        buttons = (
            (Button(text("report_drop_button", lang), f"{ACTION}:drop"),),
            (Button(text("report_keep_button", lang), f"{ACTION}:resume"),),
        )
        return [Reply(text("report_confirm_cancel", lang), buttons=buttons)]

    async def forget(self, user: UserKey, message_id: str) -> None:
        """The user deleted a message: what it added to the unsent draft goes with it."""
        draft = await self.store.get_draft(user)
        sources = draft.answers.get(SOURCES, {}) if draft is not None else {}
        if draft is None or message_id not in sources:
            return
        dropped: list[str] = []
        for step, value in sources.pop(message_id):
            if step == "evidence":
                kept = [item for item in draft.answers.get("evidence", []) if item[1] != value]
                draft.answers["evidence"] = kept
                dropped.append(value)
                continue
            answer = draft.answers.get(step)
            if isinstance(answer, str) and value and value in answer:
                rest = " ".join(answer.replace(value, "", 1).split())
                if rest:
                    draft.answers[step] = rest
                else:
                    draft.answers.pop(step)
        await self.store.save_draft(draft)
        self.store.forget_evidence(dropped)  # a stored file goes now, not at the next sweep

    def _remember_source(self, draft: Draft, incoming: Incoming, step: str) -> None:
        if incoming.message_id is None:
            return
        given: list[list[str]] = []
        if incoming.text.strip():
            given.append([step, incoming.text.strip()[:MAX_ANSWER]])
        sources: dict[str, Any] = draft.answers.setdefault(SOURCES, {})
        sources[incoming.message_id] = given
        for old in list(sources)[:-MAX_SOURCES]:
            sources.pop(old)

    async def has_draft(self, user: UserKey) -> bool:
        return await self.store.get_draft(user) is not None

    async def is_active(self, user: UserKey) -> bool:
        """A draft the next message belongs to (not one set aside after "Tidak" to consent)."""
        draft = await self.store.get_draft(user)
        return draft is not None and not draft.answers.get(DECLINED)

    async def handle(self, incoming: Incoming, lang: str) -> list[Reply]:
        """A message or button while the user is inside the flow."""
        draft = await self.store.get_draft(incoming.user)
        if draft is None:
            return await self._stale(incoming, lang)
        if incoming.choice is not None:
            data = incoming.choice.removeprefix(f"{ACTION}:")
            return await self._button(draft, data, lang)
        typed = incoming.text.strip()
        replies: list[Reply] = []
        danger = bool(typed) and self.is_danger(typed)
        if danger:
            draft.answers["urgent"] = True
            await self.store.save_draft(draft)
            replies.append(self.emergency(lang))
        words = words_of(typed)
        if draft.answers.pop(CONFIRM, None) == "cancel":
            if words in AFFIRM and not incoming.attachments:
                return await self._drop(draft, lang)
            if words in DENY:  # keep it, and be back inside the report
                draft.answers.pop(DECLINED, None)
                return await self._move(draft, draft.step, lang)
            # Anything else answers the question on screen; a later "ya" must not delete.
            await self.store.save_draft(draft)
        intent = None if incoming.attachments else intent_of(words)
        if intent == "back":
            return replies + await self._back(draft, lang)
        if intent == "cancel":
            await self.store.save_draft(draft)
            return replies + await self.ask_cancel(draft.user, lang)
        if draft.step == KIND_STEP:
            return replies + await self._typed_kind(draft, typed, danger, lang)
        if draft.step == SUMMARY:
            if intent == "send" or words in ("kirim", "send"):
                return replies + await self._submit(draft, lang)
            return [*replies, self._safe_note(draft, lang, danger), self._summary(draft, lang)]
        if intent == "next":
            return replies + await self._next_typed(draft, lang)
        return replies + await self._answer(draft, incoming, danger, lang)

    # --- the generic driver ----------------------------------------------------------

    async def _answer(
        self, draft: Draft, incoming: Incoming, danger: bool, lang: str
    ) -> list[Reply]:
        step = self._step(draft)
        typed = incoming.text.strip()
        self._remember_source(draft, incoming, "evidence_note" if step.evidence else step.name)
        if step.evidence:
            if not incoming.attachments and option_for(step, typed):  # "selesai", "gk ada"
                return await self._move(draft, self._next(draft), lang)
            return await self._collect(
                draft, incoming.attachments, typed, danger, lang, incoming.message_id
            )
        if step.place and typed and not incoming.attachments:
            return await self._place_typed(draft, step, typed, danger, lang)
        picked = None if draft.answers.get(OPEN) == step.name else option_for(step, typed)
        if picked is None and step.urgent_on and danger:
            picked = step.urgent_on  # "dia dikurung!" answers "is anyone in danger?"
        if picked is not None:
            return await self._store_option(draft, step, picked, lang)
        if not step.free_text:
            if danger:  # the emergency answer came first; no scolding about buttons after it
                return [self._safe_note(draft, lang, danger, buttons=True)]
            labels = " / ".join(o.label[lang] for o in step.options)
            return [
                Reply(text("report_use_buttons", lang, options=labels)),
                self._prompt(draft, lang),
            ]
        notes: list[Reply] = []
        if step.name == "offer" and incoming.attachments:
            typed, notes = await self._offer_picture(
                draft, incoming.attachments, typed, lang, incoming.message_id
            )
        if not typed:
            return [*notes, self._prompt(draft, lang)]
        return notes + await self._store_text(draft, step, typed, danger, lang)

    async def _place_typed(
        self, draft: Draft, step: Step, typed: str, danger: bool, lang: str
    ) -> list[Reply]:
        outcome = self.place.typed(step.name, draft.answers, typed[:MAX_ANSWER], lang)
        if outcome.next == "done":
            return await self._move(draft, self._next(draft), lang)
        if outcome.next == "free":
            return await self._store_text(draft, step, typed, danger, lang)
        await self.store.save_draft(draft)
        note = [Reply(outcome.note)] if outcome.note else []
        return [*note, self._prompt(draft, lang)]

    async def _place_pressed(self, draft: Draft, where: str, value: str, lang: str) -> list[Reply]:
        step = self._step(draft)
        if where == "region":
            outcome = self.place.pressed_region(draft.answers, value)
        else:
            outcome = self.place.pressed(step.name, draft.answers, value, lang)
        if outcome.next == "done":
            return await self._move(draft, self._next(draft), lang)
        await self.store.save_draft(draft)
        return [self._prompt(draft, lang)]

    async def _offer_picture(
        self,
        draft: Draft,
        attachments: tuple[Attachment, ...],
        typed: str,
        lang: str,
        source: str | None,
    ) -> tuple[str, list[Reply]]:
        """A screenshot of the advert at the offer step: kept as evidence, and the text read
        from it (where OCR is installed) answers the step, after anything typed with it."""
        notes = await self._keep_evidence(draft, attachments, lang, source)
        await self.store.save_draft(draft)
        if self.reader is None:
            return typed, notes
        try:
            read = await self.reader.read_attachments(attachments)
        except OcrError:
            return typed, notes
        return f"{typed}\n{read}".strip(), notes

    async def _keep_evidence(
        self, draft: Draft, attachments: tuple[Attachment, ...], lang: str, source: str | None
    ) -> list[Reply]:
        """Files join the draft's evidence while there is room; only these are fetched
        (a channel that stores files downloads here). What could not be kept is said.
        `source`: the message they came in, which the user may still delete (`forget`):
        remembered with the references kept, which a channel that stores files changes."""
        evidence: list[Any] = draft.answers.setdefault("evidence", [])
        kept, refused = await keep_files(attachments, MAX_EVIDENCE - len(evidence))
        evidence.extend([a.kind, a.ref] for a in kept)
        given = draft.answers.get(SOURCES, {}).get(source) if source is not None else None
        if given is not None:
            given += [["evidence", a.ref] for a in kept]
        return [Reply(text(f"media_{r.reason}", lang, limit=str(r.limit))) for r in refused]

    async def _store_text(
        self, draft: Draft, step: Step, typed: str, danger: bool, lang: str
    ) -> list[Reply]:
        """A free-text answer; text typed before ➡️ Lanjut is added to the same answer, so
        a story sent as three short messages never spills into the next questions."""
        previous = draft.answers.get(step.name)
        if draft.answers.get(OPEN) == step.name and isinstance(previous, str):
            value = f"{previous} {typed}"
        else:
            value = typed
        value = value[:MAX_ANSWER]
        problem = step.validate(value) if step.validate else None
        if problem:
            return [Reply(text(f"report_{problem}", lang)), self._prompt(draft, lang)]
        draft.answers[step.name] = value
        draft.answers[OPEN] = step.name
        await self.store.save_draft(draft)
        saved = self._saved(value, lang)
        if danger:
            saved = replace(saved, text=f"{saved.text}\n\n{self._safe_line(draft, lang)}")
        return [saved]

    def _saved(self, value: str, lang: str) -> Reply:
        shown = value if len(value) <= MAX_SHOWN else value[: MAX_SHOWN - 1] + "…"
        return Reply(text("report_saved", lang, answer=shown), buttons=self._saved_buttons(lang))

    async def _store_option(self, draft: Draft, step: Step, value: str, lang: str) -> list[Reply]:
        draft.answers[step.name] = value
        replies: list[Reply] = []
        if step.urgent_on and value == step.urgent_on:
            if not draft.answers.get("urgent"):
                replies.append(self.emergency(lang))
            draft.answers["urgent"] = True
        if step.name == "consent" and value == "tidak":
            return await self._decline(draft, lang)
        return replies + await self._move(draft, self._next(draft), lang)

    async def _button(self, draft: Draft, data: str, lang: str) -> list[Reply]:
        parsed = _BUTTON.fullmatch(data)
        if parsed is None:
            return [self._current(draft, lang)]
        verb, kind, value = parsed.group("verb"), parsed.group("kind"), parsed.group("value")
        if verb != "drop":
            draft.answers.pop(CONFIRM, None)
        if verb == "drop":
            return await self._drop(draft, lang)
        if verb == "resume":
            draft.answers.pop(DECLINED, None)
            return await self._move(draft, draft.step, lang)
        if verb == "cancel":
            await self.store.save_draft(draft)
            return await self.ask_cancel(draft.user, lang)
        if verb == "back":
            return await self._back(draft, lang)
        if verb == "next" and draft.step not in (KIND_STEP, SUMMARY):
            return await self._next_typed(draft, lang)
        if verb == "send" and draft.step == SUMMARY:
            return await self._submit(draft, lang)
        if verb == "summary" and draft.step == SUMMARY:
            return [self._summary(draft, lang)]
        if verb == "edit" and draft.step == SUMMARY:
            return [self._field_list(draft, lang)]
        if kind == "kind" and draft.step == KIND_STEP and value in KINDS:
            return await self._choose_kind(draft, value, lang)
        editable = {s.name for s in self._steps(draft) if s.editable}
        if kind == "change" and draft.step == SUMMARY and value in editable:
            draft.answers[EDITING] = True
            return await self._move(draft, value, lang)
        where = parsed.group("where")
        if where and draft.step in {s.name for s in self._steps(draft) if s.place}:
            return await self._place_pressed(draft, where, parsed.group("place"), lang)
        if kind == "opt" and self._on_a_step(draft) and self._step(draft).place:
            # a kecamatan button from before regions, still on someone's screen
            return await self._place_typed(draft, self._step(draft), value, False, lang)
        if kind == "opt" and draft.step in {s.name for s in self._steps(draft)}:
            step = self._step(draft)
            if any(option.value == value for option in step.options):
                if step.evidence:
                    return await self._move(draft, self._next(draft), lang)
                return await self._store_option(draft, step, value, lang)
        return [self._current(draft, lang)]  # an old button: show where the user is

    async def _choose_kind(self, draft: Draft, kind: str, lang: str) -> list[Reply]:
        draft.answers["kind"] = kind
        replies = await self._move(draft, self._steps(draft)[0].name, lang)
        if kind == "hilang":  # who to call comes before any question
            lines = [text("report_missing_help", lang)]
            lines += [f"• {self.kb.contacts[k].render(lang)}" for k in MISSING_CONTACTS]
            replies.insert(0, Reply("\n".join(lines), title=text("report_missing_title", lang)))
        return replies

    async def _typed_kind(self, draft: Draft, typed: str, danger: bool, lang: str) -> list[Reply]:
        kind = kind_of(typed)
        if kind is None:
            if danger:
                return [self._safe_note(draft, lang, danger, buttons=True)]
            return [Reply(text("report_choose_kind", lang)), self._current(draft, lang)]
        replies = await self._choose_kind(draft, kind, lang)
        if len(words_of(typed).split()) > 3:  # the story itself: the first answer, kept
            draft = await self._reload(draft)
            replies += await self._store_text(draft, self._step(draft), typed, danger, lang)
        return replies

    async def _next_typed(self, draft: Draft, lang: str) -> list[Reply]:
        """➡️ Lanjut or a typed "lanjut": on, once this step has an answer."""
        step = self._step(draft)
        if step.evidence or draft.answers.get(step.name):
            return await self._move(draft, self._next(draft), lang)
        return [Reply(text("report_answer_first", lang)), self._prompt(draft, lang)]

    async def _back(self, draft: Draft, lang: str) -> list[Reply]:
        if draft.answers.pop(EDITING, False):  # editing one field: back to the summary
            return await self._move(draft, SUMMARY, lang)
        names = [s.name for s in self._steps(draft)]
        if draft.step == SUMMARY:
            return await self._move(draft, names[-1], lang)
        if draft.step == KIND_STEP:
            return [self._current(draft, lang)]
        if self._step(draft).place and self.place.back(draft.answers):
            await self.store.save_draft(draft)
            return [self._prompt(draft, lang)]
        index = names.index(draft.step)
        if index == 0 and "kind" in draft.answers:
            return await self._move(draft, KIND_STEP, lang)
        return await self._move(draft, names[max(0, index - 1)], lang)

    async def _collect(
        self,
        draft: Draft,
        attachments: tuple[Attachment, ...],
        note: str,
        danger: bool,
        lang: str,
        source: str | None,
    ) -> list[Reply]:
        """Files and typed notes ("ada screenshot nya tp di hp anak sy") both count."""
        if not attachments and not note:
            return [Reply(text("report_send_media", lang)), self._prompt(draft, lang)]
        held = len(draft.answers.get("evidence", []))
        refused = await self._keep_evidence(draft, attachments, lang, source)
        evidence: list[Any] = draft.answers["evidence"]
        if refused and not note and len(evidence) == held:  # nothing kept: say why, only
            return [*refused[:-1], replace(refused[-1], buttons=self._step_buttons(draft, lang))]
        if note:
            earlier = str(draft.answers.get("evidence_note", ""))
            draft.answers["evidence_note"] = f"{earlier} {note}".strip()[:MAX_ANSWER]
        await self.store.save_draft(draft)
        lines = []
        if note:
            lines.append(text("report_note_saved", lang))
        if attachments or not note:
            lines.append(text("report_media_saved", lang, count=str(len(evidence))))
        else:
            lines.append(text("report_more_or_done", lang))
        if danger:
            lines.append(self._safe_line(draft, lang))
        return [*refused, Reply("\n".join(lines), buttons=self._step_buttons(draft, lang))]

    async def _decline(self, draft: Draft, lang: str) -> list[Reply]:
        """ "Tidak" to consent sets the draft aside (deleted with idle drafts) instead of
        throwing eight answers away, and says where else to report."""
        draft.answers[DECLINED] = True
        await self.store.save_draft(draft)
        lines = [text("report_no_consent", lang)]
        lines += [f"• {self.kb.contacts[k].render(lang)}" for k in ELSEWHERE_CONTACTS]
        buttons = (
            (Button(text("report_continue_button", lang), f"{ACTION}:resume"),),
            (Button(text("report_drop_button", lang), f"{ACTION}:drop"),),
        )
        return [Reply("\n".join(lines), buttons=buttons)]

    async def _drop(self, draft: Draft, lang: str) -> list[Reply]:
        await self.store.delete_draft(draft.user)
        return [Reply(text("report_cancelled", lang))]

    async def _move(self, draft: Draft, step: str, lang: str) -> list[Reply]:
        draft.answers.pop(OPEN, None)
        if step != draft.step:
            self.place.forget(draft.answers)
        draft = replace(draft, step=step)
        await self.store.save_draft(draft)
        return [self._current(draft, lang)]

    async def _reload(self, draft: Draft) -> Draft:
        return await self.store.get_draft(draft.user) or draft

    def _current(self, draft: Draft, lang: str) -> Reply:
        if draft.step == SUMMARY:
            return self._summary(draft, lang)
        if draft.step == KIND_STEP:
            rows = tuple(
                (Button(o.label[lang], f"{ACTION}:kind:{o.value}"),) for o in kind_options()
            )
            cancel = (Button(text("report_cancel_button", lang), f"{ACTION}:cancel"),)
            return Reply(text("report_kind", lang), buttons=(*rows, cancel))
        return self._prompt(draft, lang)

    def _prompt(self, draft: Draft, lang: str) -> Reply:
        if draft.step in (SUMMARY, KIND_STEP):
            return self._current(draft, lang)
        steps = self._steps(draft)
        number = [s.name for s in steps].index(draft.step) + 1
        step = self._step(draft)
        if step.place:
            question = self.place.prompt(step.prompt, draft.answers, lang)
        else:
            question = step.prompt[lang].replace("{region}", self._region(draft).name)
        return Reply(f"{number}/{len(steps)} {question}", buttons=self._step_buttons(draft, lang))

    def _step_buttons(self, draft: Draft, lang: str) -> tuple[tuple[Button, ...], ...]:
        step = self._step(draft)
        rows: list[tuple[Button, ...]]
        rows = [(Button(o.label[lang], f"{ACTION}:opt:{o.value}"),) for o in step.options]
        if step.place:
            rows = self.place.buttons(draft.answers, lang)
        navigation = (
            Button(text("report_back_button", lang), f"{ACTION}:back"),
            Button(text("report_cancel_button", lang), f"{ACTION}:cancel"),
        )
        return (*rows, navigation)

    def _saved_buttons(self, lang: str) -> tuple[tuple[Button, ...], ...]:
        return (
            (
                Button(text("report_next_button", lang), f"{ACTION}:next"),
                Button(text("report_back_button", lang), f"{ACTION}:back"),
            ),
        )

    def _field_list(self, draft: Draft, lang: str) -> Reply:
        rows = [
            (Button(text(f"report_field_{s.name}", lang), f"{ACTION}:change:{s.name}"),)
            for s in self._steps(draft)
            if s.editable
        ]
        rows.append((Button(text("report_to_summary_button", lang), f"{ACTION}:summary"),))
        return Reply(text("report_which", lang), buttons=tuple(rows))

    def _summary(self, draft: Draft, lang: str) -> Reply:
        lines = [text("report_summary", lang)]
        kind = next(o for o in kind_options() if o.value == self._kind(draft))
        lines.append(f"• {text('report_field_kind', lang)}: {kind.label[lang]}")
        for step in self._steps(draft):
            if not step.editable:
                continue
            value = draft.answers.get(step.name, "-")
            if step.evidence:
                value = text(
                    "report_files", lang, count=str(len(draft.answers.get("evidence", [])))
                )
                if draft.answers.get("evidence_note"):
                    value += f"; {draft.answers['evidence_note']}"
            lines.append(f"• {text(f'report_field_{step.name}', lang)}: {value}")
        if draft.answers.get("urgent"):
            lines.append(text("report_urgent_marked", lang))
        buttons = (
            (Button(text("report_send_button", lang), f"{ACTION}:send"),),
            (
                Button(text("report_edit_button", lang), f"{ACTION}:edit"),
                Button(text("report_cancel_button", lang), f"{ACTION}:cancel"),
            ),
        )
        return Reply("\n".join(lines), buttons=buttons)

    def _safe_line(self, draft: Draft, lang: str) -> str:
        if draft.step in (SUMMARY, KIND_STEP):
            return text("report_safe_summary", lang)
        steps = [s.name for s in self._steps(draft)]
        number = steps.index(draft.step) + 1
        return text("report_safe_step", lang, step=str(number), total=str(len(steps)))

    def _safe_note(self, draft: Draft, lang: str, danger: bool, buttons: bool = False) -> Reply:
        """After the emergency contacts: the report waits where it is."""
        if not danger:
            return Reply(text("report_at_summary", lang))
        shown = self._current(draft, lang).buttons if buttons else ()
        return Reply(self._safe_line(draft, lang), buttons=shown)

    def missing(self, draft: Draft) -> str | None:
        """The first step without a valid answer, or None when the draft may be sent.

        Checked at send whatever buttons were pressed: forged button data cannot skip a
        question or the consent."""
        if self._kind(draft) not in KINDS:
            return KIND_STEP
        for step in self._steps(draft):
            value = draft.answers.get(step.name)
            if step.evidence:
                continue
            if not isinstance(value, str) or not value.strip():
                return step.name
            if not step.free_text and value not in {o.value for o in step.options}:
                return step.name
            if step.validate and step.validate(value):
                return step.name
        return None if draft.answers.get("consent") == "ya" else "consent"

    async def _submit(self, draft: Draft, lang: str) -> list[Reply]:
        gap = self.missing(draft)
        if gap is not None:
            draft.answers.pop(EDITING, None)
            return [Reply(text("report_incomplete", lang)), *await self._move(draft, gap, lang)]
        answers = {k: v for k, v in draft.answers.items() if not k.startswith("_")}
        answers["kind"] = self._kind(draft)
        missing_person = answers["kind"] == "hilang"
        offer = check_offer(
            str(answers.get("taken_by" if missing_person else "offer", "")), self.kb
        )
        answers["signs"] = [sign.id for sign in offer.signs]
        urgent = bool(answers.get("urgent")) or any(
            s.urgent_on and answers.get(s.name) == s.urgent_on for s in self._steps(draft)
        )
        place = answers.get("family_area" if missing_person else "location", "")
        destination = answers.get("where" if missing_person else "destination", "")
        region = self._region(draft)
        answers["region"] = region.id
        if self.regions.many:  # shown on the card: the province's copy mixes regions
            answers["region_name"] = region.name
        report, _ = await self.store.submit(
            replace(draft, answers=answers),
            urgent=urgent,
            risk=offer.level,
            area=str(answers.get("area") or area_of(str(place), region.places)),
            destination=country_of(str(destination)),
            deliveries=self.deliveries_for,
            region=region.id,
            code_prefix=region.code_prefix,
        )
        self.on_commit()
        return [self.receipt(report, lang)]

    def receipt(self, report: Report, lang: str) -> Reply:
        emergency = self.emergency(lang).text if report.urgent else None
        call = [self.kb.contacts[k].render(lang) for k in CALL_INSTEAD]
        region = self.regions.get(report.region)
        office = text("region_office", lang, office=region.office) if region.office else ""
        return receipt(report, lang, self.policy, emergency, call, region.name, office)

    async def _stale(self, incoming: Incoming, lang: str) -> list[Reply]:
        """A button from a finished flow, e.g. Telegram re-delivering the "Kirim" press."""
        reports = await self.store.of_reporter(incoming.user)
        if incoming.choice == f"{ACTION}:send" and reports:
            return [self.receipt(reports[-1], lang)]
        return [Reply(text("report_none_active", lang))]

    def is_danger(self, message: str) -> bool:
        # A sign of danger anywhere, or a bare cry for help ("tolong!!"), not the ranking:
        # "tolong, ini nomor agennya" is an answer to the form's question.
        match = self.matcher.match(message)
        return match.rule in ("trigger", "standalone") and match.topic == EMERGENCY_TOPIC

    def emergency(self, lang: str) -> Reply:
        """The emergency answer, without its "report via /lapor" line: the person is
        reporting already, or is told where the report stands right after it."""
        entry = self.kb.entries[EMERGENCY_TOPIC]
        lines = self.kb.render_answer(entry, lang).splitlines()
        kept = [line for line in lines if "/lapor" not in line]
        return Reply("\n".join(kept), title=entry.title[lang])

    def _region(self, draft: Draft) -> Region:
        """The region the report goes to: the place's, else the default one."""
        return self.regions.get(str(draft.answers.get("region", "")))

    def _kind(self, draft: Draft) -> str:
        return str(draft.answers.get("kind", "tawaran"))  # drafts from before kinds existed

    def _steps(self, draft: Draft) -> tuple[Step, ...]:
        return steps_of(self._kind(draft))

    def _on_a_step(self, draft: Draft) -> bool:
        return draft.step in {s.name for s in self._steps(draft)}

    def _step(self, draft: Draft) -> Step:
        return next(s for s in self._steps(draft) if s.name == draft.step)

    def _next(self, draft: Draft) -> str:
        if draft.answers.pop(EDITING, False):
            return SUMMARY
        names = [s.name for s in self._steps(draft)]
        index = names.index(draft.step)
        return names[index + 1] if index + 1 < len(names) else SUMMARY


__all__ = ["ACTION", "SUMMARY", "Option", "ReportFlow", "Step", "area_of", "country_of"]
