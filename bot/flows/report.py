"""The report flow: steps described as data, one generic driver, a validator per step.

Two kinds of report share the driver: a suspicious job offer, and a family member abroad
who cannot be reached. The draft and the current step are saved after every answer, so a
restart or a day away resumes exactly where the user was. People type rather than press:
typed answers to button steps ("blm", "gk tau", "alun"), navigation words ("kembali",
"batal") and several short messages for one answer are all understood (bot/flows/replies.py).
Any message that sounds like danger shows the emergency contacts first and marks the
report urgent. What the reporter sees of each step is drawn by bot/flows/screens.py.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.countries import statistics_name
from bot.courtesy import closing_of
from bot.emergency import EMERGENCY_TOPIC, country_named, with_country_first
from bot.excerpt import excerpt, number
from bot.flows.place import PlaceQuestion
from bot.flows.receipt import ReceiptPolicy, receipt
from bot.flows.replies import (
    AFFIRM,
    COMMAND_WORDS,
    DONE,
    FINISHED,
    NO,
    NOT_YET,
    UNKNOWN,
    delete_answer,
    intent_of,
    kind_of,
    words_of,
)
from bot.flows.screens import (
    ACTION,
    MAX_SHOWN,
    MOVED,
    SUMMARY,
    Screens,
    draft_kind,
    draft_step,
    draft_steps,
    on_a_step,
)
from bot.flows.steps import (
    KIND_STEP,
    KINDS,
    Option,
    Step,
    field_named,
    option_for,
    validate_offer,
)
from bot.knowledge import PHONE_LIKE, KnowledgeBase
from bot.matching import Matcher
from bot.messages import Attachment, Button, Incoming, Reply, UserKey, keep_files
from bot.normalize import clean
from bot.ocr import ImageReader, OcrError
from bot.offers import check_offer
from bot.regions import PARIAMAN_PLACES, Regions, single_region
from bot.reports import Draft, OutboxRow, Report, ReportStore
from bot.texts import text

# An answer is kept whole up to this (a story pasted in three Telegram messages); beyond
# it the reporter is told what was not kept. Screens show the start and say how much more.
MAX_ANSWER = 10_000
MAX_EVIDENCE = 20
# Button data is parsed strictly: anything else (a forged or mangled press) changes nothing.
_BUTTON = re.compile(
    r"(?P<verb>back|next|cancel|drop|resume|send|edit|summary)"
    r"|(?P<kind>opt|change|kind):(?P<value>[A-Za-z][A-Za-z _-]{0,39})"
    r"|(?P<where>region|place):(?P<place>[a-z0-9][a-z0-9-]{0,39})"
)
# Keys of a draft that steer the flow and never reach the report (and MOVED, screens.py).
EDITING, OPEN, CONFIRM, DECLINED = "_editing", "_open", "_confirm", "_declined"
# Which message gave which answer (channel message id -> [[step, text] | ["evidence", ref]]),
# so that a message the user deletes is taken out of the draft too.
SOURCES = "_sources"
MAX_SOURCES = 50
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


def said_unknown(typed: str) -> bool:
    """ "gk tau", "indak tau", "I don't know"."""
    return words_of(typed) in UNKNOWN


def phone_only(typed: str) -> bool:
    """A phone number with at most two words beside it: "0812 1111 2222 (ibunya)"."""
    if PHONE_LIKE.search(typed) is None:
        return False
    return len(clean(PHONE_LIKE.sub(" ", typed)).split()) <= 2


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
        self.screens = Screens(self.place, self.regions)
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
            for key in (DECLINED, CONFIRM, MOVED):
                draft.answers.pop(key, None)
            await self.store.save_draft(draft)
            replies = [Reply(text("report_resume", lang)), self.screens.current(draft, lang)]
            if draft.answers.get(OPEN) == draft.step:  # what is typed next joins this answer
                replies.append(self.screens.saved(str(draft.answers.get(draft.step, "")), lang))
            return replies
        draft = Draft(user, secrets.token_hex(16), KIND_STEP)
        intro = Reply(text("report_intro", lang))
        if kind == "tawaran" and offer and not validate_offer(offer):
            replies = await self._choose_kind(draft, kind, lang)
            draft = await self._reload(draft)
            draft.answers["offer"] = offer[:MAX_ANSWER]  # not open: what is typed replaces it
            await self.store.save_draft(draft)
            saved = self.screens.saved(offer[:MAX_ANSWER], lang)
            note = f"{text('report_offer_from_check', lang)}\n\n{saved.text}"
            return [intro, *replies, replace(saved, text=note)]
        if kind in KINDS:
            return [intro, *await self._choose_kind(draft, kind, lang)]
        await self.store.save_draft(draft)
        return [intro, self.screens.current(draft, lang)]

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

    def _remember_source(
        self, draft: Draft, incoming: Incoming, step: str, value: str | None = None
    ) -> None:
        """Called only where the message is kept as `step`'s answer (`value`: the option it
        chose), so deleting a "lanjut" or a "makasih" never takes words out of a story."""
        if incoming.message_id is None:
            return
        sources: dict[str, Any] = draft.answers.setdefault(SOURCES, {})
        # The files a message brought are added where they are kept (_keep_evidence), under
        # the references the channel gave them then.
        given: list[list[str]] = sources.setdefault(incoming.message_id, [])
        kept = value or incoming.text.strip()[:MAX_ANSWER]
        if kept and [step, kept] not in given:
            given.append([step, kept])
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
        # The step the flow moved to by itself after the last typed answer ("lanjut" now
        # only confirms); it holds for this one message.
        marked = draft.answers.pop(MOVED, None)
        moved = marked == draft.step
        replies: list[Reply] = []
        danger = bool(typed) and self.is_danger(typed)
        if danger:
            draft.answers["urgent"] = True
            replies.append(self.emergency(lang, draft, typed))
        if danger or marked is not None:
            await self.store.save_draft(draft)
        if draft.answers.get(CONFIRM) == "cancel":  # "delete this report?" takes yes or no only
            if not (incoming.attachments and on_a_step(draft) and draft_step(draft).evidence):
                said = None if incoming.attachments else delete_answer(words_of(typed))
                return replies + await self._cancel_answered(draft, said, lang)
            draft.answers.pop(CONFIRM)  # evidence sent instead: the reporter goes on, keep it
        if incoming.attachments:
            return replies + await self._answer(draft, incoming, danger, lang)
        if not clean(typed):  # "", "😭", "??": no words to keep
            return [
                *replies,
                Reply(text("report_no_words", lang)),
                self.screens.current(draft, lang),
            ]
        if danger and self.is_cry(typed) and not self._urgent_step(draft):
            # A bare "tolong": the emergency answer, and the report waits where it is.
            return [*replies, self.screens.safe_note(draft, lang, danger, buttons=True)]
        intent = intent_of(words_of(typed))
        if intent == "back":
            return replies + await self._back(draft, lang)
        if intent == "cancel":
            return replies + await self.ask_cancel(draft.user, lang)
        if intent == "edit" and draft.step != SUMMARY:
            return replies + await self._edit_typed(draft, moved, lang)
        if intent == "skip" and draft.step not in (KIND_STEP, SUMMARY):
            return replies + await self._skip(draft, lang)
        if draft.step == KIND_STEP:
            return replies + await self._typed_kind(draft, typed, danger, lang)
        if draft.step == SUMMARY:
            return replies + await self._summary_typed(draft, typed, intent, danger, lang)
        if intent == "next":
            return replies + await self._next_typed(draft, lang, moved)
        return replies + await self._answer(draft, incoming, danger, lang)

    # --- the generic driver ----------------------------------------------------------

    async def _answer(
        self, draft: Draft, incoming: Incoming, danger: bool, lang: str
    ) -> list[Reply]:
        step = draft_step(draft)
        typed = incoming.text.strip()
        if draft.answers.get(OPEN) == step.name and not incoming.attachments:
            after = self._following(draft)
            if after is not None and self._clearly_answers(draft, after, typed):
                # "iya takut", "0812…", "naras": the next question's answer, not more of this one
                await self._move(draft, after.name, lang)
                return await self._answer(await self._reload(draft), incoming, danger, lang)
        if step.evidence:
            if not incoming.attachments and option_for(step, typed):  # "selesai", "gk ada"
                return await self._move(draft, self._next(draft), lang, typed=True)
            if not incoming.attachments and self._not_an_answer(draft, step, typed):
                return self._not_stored(draft, step, typed, lang)
            self._remember_source(draft, incoming, "evidence_note")
            return await self._collect(
                draft, incoming.attachments, typed, danger, lang, incoming.message_id
            )
        if step.place and typed and not incoming.attachments:
            if self._not_an_answer(draft, step, typed):
                return self._not_stored(draft, step, typed, lang)
            if not any(char.isalpha() for char in typed):  # "0812…" is no place
                return [Reply(text("report_place_needs", lang)), self.screens.prompt(draft, lang)]
            self._remember_source(draft, incoming, step.name)
            return await self._place_typed(draft, step, typed, danger, lang)
        picked = None if draft.answers.get(OPEN) == step.name else option_for(step, typed)
        if picked is None and step.urgent_on and danger:
            picked = step.urgent_on  # "dia dikurung!" answers "is anyone in danger?"
        if picked is not None:
            self._remember_source(draft, incoming, step.name, picked)
            return await self._store_option(draft, step, picked, lang, typed=True)
        if words_of(typed) in FINISHED:  # "selesai", "sudah": as ➡️ Lanjut, once answered
            return await self._next_typed(draft, lang, moved=False)
        if typed and self._not_an_answer(draft, step, typed):
            return self._not_stored(draft, step, typed, lang)
        if not step.free_text:
            if danger:  # the emergency answer came first; no scolding about buttons after it
                return [self.screens.safe_note(draft, lang, danger, buttons=True)]
            labels = " / ".join(o.label[lang] for o in step.options)
            return [
                Reply(text("report_use_buttons", lang, options=labels)),
                self.screens.prompt(draft, lang),
            ]
        notes: list[Reply] = []
        if step.name == "offer" and incoming.attachments:
            self._remember_source(draft, incoming, step.name)  # the picture is kept anyway
            typed, notes = await self._offer_picture(
                draft, incoming.attachments, typed, lang, incoming.message_id
            )
        if not typed:
            return [*notes, self.screens.prompt(draft, lang)]
        self._remember_source(draft, incoming, step.name)
        return notes + await self._store_text(draft, step, typed, danger, lang)

    def _not_an_answer(self, draft: Draft, step: Step, typed: str) -> bool:
        """Words that are never this step's answer: commands, thanks, "selesai" where it
        is no button, and a bare yes / no / don't-know where the step has no such button."""
        words = words_of(typed)
        if words in COMMAND_WORDS or closing_of(typed) is not None:
            return True
        if step.evidence:  # any other typed word is a note about the evidence, but a bare
            return words in AFFIRM  # "ya" is no note: send the files, or Selesai
        if words in FINISHED:
            return True
        bare = words in AFFIRM | NO | NOT_YET | DONE or said_unknown(typed)
        open_answer = draft.answers.get(OPEN) == step.name  # its buttons no longer apply
        return bare and (open_answer or option_for(step, typed) is None)

    def _not_stored(self, draft: Draft, step: Step, typed: str, lang: str) -> list[Reply]:
        """Say why the message was not kept, and ask again (an open answer stays open)."""
        words = words_of(typed)
        shown = excerpt(typed, 40)[0]
        if words in COMMAND_WORDS:
            note = text("report_command_inside", lang, said=shown)
        elif closing_of(typed) is not None:
            note = text("report_thanks", lang)
        elif words in FINISHED:  # where there is no such button: answer first
            return [Reply(text("report_answer_first", lang)), self.screens.prompt(draft, lang)]
        elif said_unknown(typed) and step.skip is None:
            note = text("report_needs_answer", lang)
        else:
            note = text("report_not_an_answer", lang, said=shown)
        if draft.answers.get(OPEN) == step.name:
            saved = self.screens.saved(str(draft.answers.get(step.name, "")), lang)
            return [replace(saved, text=f"{note}\n\n{saved.text}")]
        return [Reply(note), self.screens.prompt(draft, lang)]

    def _clearly_answers(self, draft: Draft, step: Step, typed: str) -> bool:
        """A message that answers `step` unmistakably: one of its buttons typed, a phone
        number where one is asked for, a known place where the place is asked for."""
        if step.evidence or not typed:
            return False
        if option_for(step, typed) is not None:
            return True
        if step.phone and phone_only(typed):
            return True
        return step.place and self.place.names_place(draft.answers, typed)

    async def _place_typed(
        self, draft: Draft, step: Step, typed: str, danger: bool, lang: str
    ) -> list[Reply]:
        outcome = self.place.typed(step.name, draft.answers, typed[:MAX_ANSWER], lang)
        if outcome.next == "done":
            saved = str(draft.answers.get(step.name, ""))
            return await self._move(draft, self._next(draft), lang, typed=True, saved=saved)
        if outcome.next == "free":
            return await self._store_text(draft, step, typed, danger, lang)
        await self.store.save_draft(draft)
        note = [Reply(outcome.note)] if outcome.note else []
        return [*note, self.screens.prompt(draft, lang)]

    async def _place_pressed(self, draft: Draft, where: str, value: str, lang: str) -> list[Reply]:
        step = draft_step(draft)
        if where == "region":
            outcome = self.place.pressed_region(draft.answers, value)
        else:
            outcome = self.place.pressed(step.name, draft.answers, value, lang)
        if outcome.next == "done":
            return await self._move(draft, self._next(draft), lang)
        await self.store.save_draft(draft)
        return [self.screens.prompt(draft, lang)]

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
        except OcrError as error:
            # Kept as evidence all the same; the reporter learns why the offer is still asked
            # for ("no writing found", "too long for a screenshot"). A file is just evidence.
            if error.reason != "not_image":
                notes.append(Reply(text(f"offer_image_{error.reason}", lang)))
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
        """A free-text answer. On the long steps, text typed before ➡️ Lanjut is added to
        the same answer (a story sent as three short messages); every other step takes
        one message and moves on at once, showing what was kept."""
        previous = draft.answers.get(step.name)
        if draft.answers.get(OPEN) == step.name and isinstance(previous, str):
            value = f"{previous} {typed}"
        else:
            value = typed
        value, cut = value[:MAX_ANSWER], max(0, len(value) - MAX_ANSWER)
        problem = step.validate(value) if step.validate else None
        if problem:
            return [Reply(text(f"report_{problem}", lang)), self.screens.prompt(draft, lang)]
        draft.answers[step.name] = value
        full = self._full_note(cut, lang)
        if not step.long:
            moved = await self._move(draft, self._next(draft), lang, typed=True, saved=value)
            notes = [full] if full else []
            if danger:  # where the report waits, above the question it waits at
                notes.append(self.screens.safe_line(await self._reload(draft), lang))
            if notes:
                moved[-1] = replace(moved[-1], text="\n\n".join([*notes, moved[-1].text]))
            return moved
        draft.answers[OPEN] = step.name
        await self.store.save_draft(draft)
        saved = self.screens.saved(value, lang)
        extra = [full] if full else []
        if danger:
            extra.append(self.screens.safe_line(draft, lang))
        if extra:
            saved = replace(saved, text="\n\n".join([saved.text, *extra]))
        return [saved]

    def _full_note(self, cut: int, lang: str) -> str:
        """Said when an answer reached MAX_ANSWER: nothing is dropped without a word."""
        if not cut:
            return ""
        limit = number(MAX_ANSWER, lang)
        return text("report_answer_full", lang, limit=limit, cut=number(cut, lang))

    async def _store_option(
        self, draft: Draft, step: Step, value: str, lang: str, typed: bool = False
    ) -> list[Reply]:
        """`typed`: the button was typed ("blm"): say what was understood."""
        draft.answers[step.name] = value
        replies: list[Reply] = []
        if step.urgent_on and value == step.urgent_on:
            if not draft.answers.get("urgent"):
                replies.append(self.emergency(lang, draft))
            draft.answers["urgent"] = True
        if step.name == "consent" and value == "tidak":
            return await self._decline(draft, lang)
        label = next((o.label[lang] for o in step.options if o.value == value), value)
        after = self._next(draft)
        return replies + await self._move(draft, after, lang, typed=typed, saved=label)

    async def _button(self, draft: Draft, data: str, lang: str) -> list[Reply]:
        parsed = _BUTTON.fullmatch(data)
        if parsed is None:
            return [self.screens.current(draft, lang)]
        verb, kind, value = parsed.group("verb"), parsed.group("kind"), parsed.group("value")
        draft.answers.pop(MOVED, None)
        if draft.answers.get(CONFIRM) == "cancel" and verb not in ("drop", "resume", "cancel"):
            return await self.ask_cancel(draft.user, lang)  # an old button: the question again
        if verb == "drop":
            return await self._drop(draft, lang)
        if verb == "resume":
            draft.answers.pop(CONFIRM, None)
            draft.answers.pop(DECLINED, None)
            return await self._move(draft, draft.step, lang)
        if verb == "cancel":
            return await self.ask_cancel(draft.user, lang)
        if verb == "back":
            return await self._back(draft, lang)
        if verb == "next" and draft.step not in (KIND_STEP, SUMMARY):
            return await self._next_typed(draft, lang, moved=False)
        if verb == "send" and draft.step == SUMMARY:
            return await self._submit(draft, lang)
        if verb == "summary" and draft.step == SUMMARY:
            return [self.screens.summary(draft, lang)]
        if verb == "edit" and draft.step == SUMMARY:
            return [self.screens.field_list(draft, lang)]
        if kind == "kind" and draft.step == KIND_STEP and value in KINDS:
            return await self._choose_kind(draft, value, lang)
        editable = {s.name for s in draft_steps(draft) if s.editable}
        if kind == "change" and draft.step == SUMMARY and value in editable:
            draft.answers[EDITING] = True
            return await self._move(draft, value, lang, show_answer=True)
        where = parsed.group("where")
        if where and draft.step in {s.name for s in draft_steps(draft) if s.place}:
            return await self._place_pressed(draft, where, parsed.group("place"), lang)
        if kind == "opt" and on_a_step(draft) and draft_step(draft).place:
            # a kecamatan button from before regions, still on someone's screen
            return await self._place_typed(draft, draft_step(draft), value, False, lang)
        if kind == "opt" and draft.step in {s.name for s in draft_steps(draft)}:
            step = draft_step(draft)
            if any(option.value == value for option in step.options):
                if step.evidence:
                    return await self._move(draft, self._next(draft), lang)
                return await self._store_option(draft, step, value, lang)
        return [self.screens.current(draft, lang)]  # an old button: show where the user is

    async def _choose_kind(self, draft: Draft, kind: str, lang: str) -> list[Reply]:
        draft.answers["kind"] = kind
        replies = await self._move(draft, draft_steps(draft)[0].name, lang)
        if kind == "hilang":  # who to call comes before any question
            lines = [text("report_missing_help", lang)]
            lines += [f"• {self.kb.contacts[k].render(lang)}" for k in MISSING_CONTACTS]
            replies.insert(0, Reply("\n".join(lines), title=text("report_missing_title", lang)))
        return replies

    async def _typed_kind(self, draft: Draft, typed: str, danger: bool, lang: str) -> list[Reply]:
        kind = kind_of(typed)
        if kind is None:
            if danger:
                return [self.screens.safe_note(draft, lang, danger, buttons=True)]
            return [Reply(text("report_choose_kind", lang)), self.screens.current(draft, lang)]
        replies = await self._choose_kind(draft, kind, lang)
        if len(words_of(typed).split()) > 3:  # the story itself: the first answer, kept
            draft = await self._reload(draft)
            replies += await self._store_text(draft, draft_step(draft), typed, danger, lang)
        return replies

    async def _next_typed(self, draft: Draft, lang: str, moved: bool) -> list[Reply]:
        """➡️ Lanjut or a typed "lanjut": on, once this step has an answer. `moved`: the
        flow came to this step by itself after a typed answer; "lanjut" only confirms."""
        step = draft_step(draft)
        if moved:
            return [Reply(text("report_already_saved", lang)), self.screens.prompt(draft, lang)]
        if step.evidence or draft.answers.get(step.name):
            return await self._move(draft, self._next(draft), lang)
        return [Reply(text("report_answer_first", lang)), self.screens.prompt(draft, lang)]

    async def _back(self, draft: Draft, lang: str) -> list[Reply]:
        """One question back, showing the answer it holds: a new message replaces it,
        ➡️ Tetap keeps it."""
        if draft.answers.pop(EDITING, False):  # editing one field: back to the summary
            return await self._move(draft, SUMMARY, lang)
        names = [s.name for s in draft_steps(draft)]
        if draft.step == SUMMARY:
            return await self._move(draft, names[-1], lang, show_answer=True)
        if draft.step == KIND_STEP:
            return [self.screens.current(draft, lang)]
        if draft_step(draft).place and self.place.back(draft.answers):
            await self.store.save_draft(draft)
            return [self.screens.prompt(draft, lang)]
        index = names.index(draft.step)
        if index == 0 and "kind" in draft.answers:
            return await self._move(draft, KIND_STEP, lang)
        return await self._move(draft, names[max(0, index - 1)], lang, show_answer=True)

    async def _edit_typed(self, draft: Draft, moved: bool, lang: str) -> list[Reply]:
        """ "ubah" / "edit" / "ganti" (the ✏️ button typed): right after the flow moved on
        by itself, the answer just given; on an answered step, this one; else the last."""
        step = draft_step(draft)
        if moved or not self.screens.has_answer(draft, step):
            return await self._back(draft, lang)
        return await self._move(draft, step.name, lang, show_answer=True)

    async def _skip(self, draft: Draft, lang: str) -> list[Reply]:
        """ "skip" / "lewati": the step's "don't know" (or "no evidence", "anonymous")
        where it has one; a question that must be answered says so."""
        step = draft_step(draft)
        if step.skip is None:
            return [Reply(text("report_needs_answer", lang)), self.screens.prompt(draft, lang)]
        if step.evidence:
            return await self._move(draft, self._next(draft), lang, typed=True)
        return await self._store_option(draft, step, step.skip, lang, typed=True)

    async def _summary_typed(
        self, draft: Draft, typed: str, intent: str | None, danger: bool, lang: str
    ) -> list[Reply]:
        """At the summary: "kirim" sends, "ubah" lists the parts, a part's name ("tempat",
        "ubah kontak") opens it; anything else shows the summary again, numbered the same."""
        words = words_of(typed)
        if intent == "send":
            return await self._submit(draft, lang)
        if intent == "edit":
            return [self.screens.field_list(draft, lang)]
        field = field_named(draft_steps(draft), words, self.screens.labels)
        if field is not None:
            draft.answers[EDITING] = True
            return await self._move(draft, field.name, lang, show_answer=True)
        return [self.screens.safe_note(draft, lang, danger), self.screens.summary(draft, lang)]

    async def _cancel_answered(self, draft: Draft, said: str | None, lang: str) -> list[Reply]:
        """The answer to "delete this report?": yes deletes, no keeps and goes on where the
        reporter was; anything else asks again, and nothing of it is kept."""
        if said == "yes":
            return await self._drop(draft, lang)
        if said == "no":
            draft.answers.pop(CONFIRM, None)
            draft.answers.pop(DECLINED, None)
            return [Reply(text("report_kept", lang)), *await self._move(draft, draft.step, lang)]
        return await self.ask_cancel(draft.user, lang)

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
            return [Reply(text("report_send_media", lang)), self.screens.prompt(draft, lang)]
        held = len(draft.answers.get("evidence", []))
        refused = await self._keep_evidence(draft, attachments, lang, source)
        evidence: list[Any] = draft.answers["evidence"]
        if refused and not note and len(evidence) == held:  # nothing kept: say why, only
            buttons = self.screens.step_buttons(draft, lang)
            return [*refused[:-1], replace(refused[-1], buttons=buttons)]
        cut = 0
        if note:
            earlier = str(draft.answers.get("evidence_note", ""))
            whole = f"{earlier} {note}".strip()
            draft.answers["evidence_note"], cut = whole[:MAX_ANSWER], len(whole) - MAX_ANSWER
        await self.store.save_draft(draft)
        lines = []
        if note:
            lines.append(text("report_note_saved", lang))
        if cut > 0:
            lines.append(self._full_note(cut, lang))
        if attachments or not note:
            lines.append(text("report_media_saved", lang, count=str(len(evidence))))
        else:
            lines.append(text("report_more_or_done", lang))
        if danger:
            lines.append(self.screens.safe_line(draft, lang))
        return [*refused, Reply("\n".join(lines), buttons=self.screens.step_buttons(draft, lang))]

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

    async def _move(
        self,
        draft: Draft,
        step: str,
        lang: str,
        typed: bool = False,
        saved: str | None = None,
        show_answer: bool = False,
    ) -> list[Reply]:
        """To `step`, shown. `typed`: after a typed answer, so "lanjut" next only confirms
        and ✏️ offers to change it; `saved`: that answer, shown above the next question;
        `show_answer`: the step is shown with the answer it holds (back, ✏️)."""
        draft.answers.pop(OPEN, None)
        if step != draft.step:
            self.place.forget(draft.answers)
        if typed and step not in (KIND_STEP, SUMMARY):
            draft.answers[MOVED] = step
        draft = replace(draft, step=step)
        await self.store.save_draft(draft)
        shown = self.screens.current(draft, lang, show_answer)
        if saved is not None:
            kept = text(
                "report_kept_answer", lang, answer=self.screens.shown(saved, MAX_SHOWN, lang)
            )
            shown = replace(shown, text=f"{kept}\n\n{shown.text}")
        return [shown]

    async def _reload(self, draft: Draft) -> Draft:
        return await self.store.get_draft(draft.user) or draft

    def missing(self, draft: Draft) -> str | None:
        """The first step without a valid answer, or None when the draft may be sent.

        Checked at send whatever buttons were pressed: forged button data cannot skip a
        question or the consent."""
        if draft_kind(draft) not in KINDS:
            return KIND_STEP
        for step in draft_steps(draft):
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
        answers["kind"] = draft_kind(draft)
        missing_person = answers["kind"] == "hilang"
        offer = check_offer(
            str(answers.get("taken_by" if missing_person else "offer", "")), self.kb
        )
        answers["signs"] = [sign.id for sign in offer.signs]
        urgent = bool(answers.get("urgent")) or any(
            s.urgent_on and answers.get(s.name) == s.urgent_on for s in draft_steps(draft)
        )
        place = answers.get("family_area" if missing_person else "location", "")
        destination = answers.get("where" if missing_person else "destination", "")
        region = self.screens.region_of(draft)
        answers["region"] = region.id
        if self.regions.many:  # shown on the card: the province's copy mixes regions
            answers["region_name"] = region.name
        report, _ = await self.store.submit(
            replace(draft, answers=answers),
            urgent=urgent,
            risk=offer.level,
            area=str(answers.get("area") or area_of(str(place), region.places)),
            destination=statistics_name(str(destination), self.kb.countries),
            deliveries=self.deliveries_for,
            region=region.id,
            code_prefix=region.code_prefix,
        )
        self.on_commit()
        return [self.receipt(report, lang)]

    def receipt(self, report: Report, lang: str) -> Reply:
        answers = report.answers
        where = [str(answers.get("destination", "")), str(answers.get("where", ""))]
        emergency = self.emergency(lang, said=" ".join(where)).text if report.urgent else None
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

    def is_cry(self, message: str) -> bool:
        """A cry for help and nothing else ("tolong!!", "help me"): never an answer."""
        match = self.matcher.match(message)
        return match.rule == "standalone" and match.topic == EMERGENCY_TOPIC

    def emergency(self, lang: str, draft: Draft | None = None, said: str = "") -> Reply:
        """The emergency answer, without its "report via /lapor" line: the person is
        reporting already, or is told where the report stands right after it. A country
        the message (`said`) or the report names has its numbers first."""
        entry = self.kb.entries[EMERGENCY_TOPIC]
        answers = draft.answers if draft is not None else {}
        named = [said, *(str(answers.get(key, "")) for key in ("destination", "where"))]
        country = country_named(self.kb, named)
        rendered = with_country_first(self.kb, entry, country, lang)
        kept = [line for line in rendered.splitlines() if "/lapor" not in line]
        return Reply("\n".join(kept), title=entry.title[lang])

    def _urgent_step(self, draft: Draft) -> bool:
        """On "is anyone in danger?" (or "do you fear for them?") a cry for help answers yes."""
        return on_a_step(draft) and draft_step(draft).urgent_on is not None

    def _following(self, draft: Draft) -> Step | None:
        """The question after this one (None at the last, or while editing one answer)."""
        if draft.answers.get(EDITING):
            return None
        steps = draft_steps(draft)
        index = [s.name for s in steps].index(draft.step)
        return steps[index + 1] if index + 1 < len(steps) else None

    def _next(self, draft: Draft) -> str:
        if draft.answers.pop(EDITING, False):
            return SUMMARY
        names = [s.name for s in draft_steps(draft)]
        index = names.index(draft.step)
        return names[index + 1] if index + 1 < len(names) else SUMMARY


__all__ = ["ACTION", "SUMMARY", "Option", "ReportFlow", "Step", "area_of"]
