"""What the reporter sees of the report flow: each question with its buttons, the answer
kept, the summary and the list of parts to change. Pure: it reads a draft, changes nothing.
"""

from __future__ import annotations

from bot.excerpt import excerpt, number
from bot.flows.place import PlaceQuestion
from bot.flows.steps import KIND_STEP, Step, kind_options, steps_of
from bot.messages import Button, Reply
from bot.normalize import clean
from bot.regions import Region, Regions
from bot.reports import Draft
from bot.texts import text

SUMMARY = "summary"
ACTION = "lapor"  # prefix of this flow's button actions: "lapor:opt:ya", "lapor:back", ...
MAX_SHOWN = 300  # of an answer echoed back in "Tersimpan: «…»"
SUMMARY_CHARS = 300  # of each answer on the summary
# A draft key: the step the flow went on to by itself after a typed answer (its ⬅️ reads
# "✏️ Ubah jawaban", and a "lanjut" right after only confirms).
MOVED = "_moved"


def draft_kind(draft: Draft) -> str:
    return str(draft.answers.get("kind", "tawaran"))  # drafts from before kinds existed


def draft_steps(draft: Draft) -> tuple[Step, ...]:
    return steps_of(draft_kind(draft))


def on_a_step(draft: Draft) -> bool:
    return draft.step in {s.name for s in draft_steps(draft)}


def draft_step(draft: Draft) -> Step:
    return next(s for s in draft_steps(draft) if s.name == draft.step)


class Screens:
    def __init__(self, place: PlaceQuestion, regions: Regions) -> None:
        self.place = place
        self.regions = regions

    def region_of(self, draft: Draft) -> Region:
        """The region the report goes to: the place's, else the default one."""
        return self.regions.get(str(draft.answers.get("region", "")))

    def saved(self, value: str, lang: str) -> Reply:
        """The open answer of a long step, echoed, with ➡️ Lanjut / ⬅️ Kembali."""
        answer = self.shown(value, MAX_SHOWN, lang)
        return Reply(text("report_saved", lang, answer=answer), buttons=self.saved_buttons(lang))

    def shown(self, value: str, limit: int, lang: str) -> str:
        """An answer as the reporter sees it again: the start of a long one, and how much
        more is kept."""
        shown, more = excerpt(value, limit)
        if more:
            shown += "… " + text("report_more_saved", lang, count=number(more, lang))
        return shown

    def current(self, draft: Draft, lang: str, show_answer: bool = False) -> Reply:
        if draft.step == SUMMARY:
            return self.summary(draft, lang)
        if draft.step == KIND_STEP:
            rows = tuple(
                (Button(o.label[lang], f"{ACTION}:kind:{o.value}"),) for o in kind_options()
            )
            cancel = (Button(text("report_cancel_button", lang), f"{ACTION}:cancel"),)
            return Reply(text("report_kind", lang), buttons=(*rows, cancel))
        return self.prompt(draft, lang, show_answer)

    def prompt(self, draft: Draft, lang: str, show_answer: bool = False) -> Reply:
        """ "N/M question" with its buttons; `show_answer`: with the answer it holds, to
        replace by typing or keep with ➡️ Tetap."""
        if draft.step in (SUMMARY, KIND_STEP):
            return self.current(draft, lang)
        steps = draft_steps(draft)
        position = [s.name for s in steps].index(draft.step) + 1
        step = draft_step(draft)
        if step.place:
            question = self.place.prompt(step.prompt, draft.answers, lang)
        else:
            question = step.prompt[lang].replace("{region}", self.region_of(draft).name)
        shown = f"{position}/{len(steps)} {question}"
        keep = show_answer and self.has_answer(draft, step)
        if keep:
            answer = text("report_current_answer", lang, answer=self.answer_of(draft, step, lang))
            shown = f"{answer}\n\n{shown}"
        return Reply(shown, buttons=self.step_buttons(draft, lang, keep))

    def answer_of(self, draft: Draft, step: Step, lang: str) -> str:
        """A step's answer as the reporter reads it: a button's label, files and note, or
        the start of what was typed."""
        if step.evidence:
            files = text("report_files", lang, count=str(len(draft.answers.get("evidence", []))))
            note = str(draft.answers.get("evidence_note", ""))
            return f"{files}; {self.shown(note, MAX_SHOWN, lang)}" if note else files
        value = str(draft.answers.get(step.name, ""))
        label = next((o.label[lang] for o in step.options if o.value == value), None)
        return label or self.shown(value, MAX_SHOWN, lang)

    def step_buttons(
        self, draft: Draft, lang: str, keep: bool = False
    ) -> tuple[tuple[Button, ...], ...]:
        """The step's options, ➡️ Tetap when its answer is shown to change, and ⬅️ Kembali
        (✏️ Ubah jawaban right after the flow moved on by itself: the same press) / Batal."""
        step = draft_step(draft)
        rows: list[tuple[Button, ...]]
        rows = [(Button(o.label[lang], f"{ACTION}:opt:{o.value}"),) for o in step.options]
        if step.place:
            rows = self.place.buttons(draft.answers, lang)
        if keep:
            rows.append((Button(text("report_keep_answer_button", lang), f"{ACTION}:next"),))
        back = "report_change_last_button" if draft.answers.get(MOVED) == step.name else None
        navigation = (
            Button(text(back or "report_back_button", lang), f"{ACTION}:back"),
            Button(text("report_cancel_button", lang), f"{ACTION}:cancel"),
        )
        return (*rows, navigation)

    def saved_buttons(self, lang: str) -> tuple[tuple[Button, ...], ...]:
        return (
            (
                Button(text("report_next_button", lang), f"{ACTION}:next"),
                Button(text("report_back_button", lang), f"{ACTION}:back"),
            ),
        )

    def field_list(self, draft: Draft, lang: str) -> Reply:
        rows = [
            (Button(text(f"report_field_{s.name}", lang), f"{ACTION}:change:{s.name}"),)
            for s in draft_steps(draft)
            if s.editable
        ]
        rows.append((Button(text("report_to_summary_button", lang), f"{ACTION}:summary"),))
        return Reply(text("report_which", lang), buttons=tuple(rows))

    def summary(self, draft: Draft, lang: str) -> Reply:
        lines = [text("report_summary", lang)]
        kind = next(o for o in kind_options() if o.value == draft_kind(draft))
        lines.append(f"• {text('report_field_kind', lang)}: {kind.label[lang]}")
        for step in draft_steps(draft):
            if not step.editable:
                continue
            value = self.shown(str(draft.answers.get(step.name, "-")), SUMMARY_CHARS, lang)
            if step.evidence:
                value = text(
                    "report_files", lang, count=str(len(draft.answers.get("evidence", [])))
                )
                if draft.answers.get("evidence_note"):
                    note = str(draft.answers["evidence_note"])
                    value += f"; {self.shown(note, SUMMARY_CHARS, lang)}"
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

    def safe_line(self, draft: Draft, lang: str) -> str:
        if draft.step in (SUMMARY, KIND_STEP):
            return text("report_safe_summary", lang)
        steps = [s.name for s in draft_steps(draft)]
        number = steps.index(draft.step) + 1
        return text("report_safe_step", lang, step=str(number), total=str(len(steps)))

    def safe_note(self, draft: Draft, lang: str, danger: bool, buttons: bool = False) -> Reply:
        """After the emergency contacts: the report waits where it is."""
        if not danger:
            return Reply(text("report_at_summary", lang))
        shown = self.current(draft, lang).buttons if buttons else ()
        return Reply(self.safe_line(draft, lang), buttons=shown)

    def has_answer(self, draft: Draft, step: Step) -> bool:
        if step.evidence:
            return bool(draft.answers.get("evidence") or draft.answers.get("evidence_note"))
        return bool(draft.answers.get(step.name))

    def labels(self, step: Step) -> set[str]:
        label = {lang: text(f"report_field_{step.name}", lang) for lang in ("id", "en")}
        return {clean(value) for value in label.values()}
