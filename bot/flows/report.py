"""The report flow: steps described as data, one generic driver, a validator per step.

The draft and the current step are saved after every answer, so a restart or a
day away resumes exactly where the user was. Any message that matches the
emergency topic shows the emergency contacts first and marks the report urgent.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import Attachment, Button, Incoming, Reply, UserKey
from bot.normalize import clean
from bot.offers import check_offer
from bot.reports import Draft, OutboxRow, Report, ReportStore
from bot.texts import text

EMERGENCY_TOPIC = "darurat"
MAX_ANSWER = 2000
MAX_EVIDENCE = 20
# Kota Pariaman's four kecamatan, offered as buttons and used for statistics.
AREAS = ("Pariaman Utara", "Pariaman Tengah", "Pariaman Selatan", "Pariaman Timur")
OUTSIDE = "Di luar Kota Pariaman"
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


@dataclass(frozen=True)
class Option:
    value: str
    label: dict[str, str]


def _opt(value: str, id_label: str, en_label: str | None = None) -> Option:
    return Option(value, {"id": id_label, "en": en_label or id_label})


UNKNOWN = _opt("tidak tahu", "Tidak tahu", "I don't know")


@dataclass(frozen=True)
class Step:
    name: str
    prompt: dict[str, str]
    options: tuple[Option, ...] = ()
    free_text: bool = True  # False: only the options are accepted
    evidence: bool = False  # collects attachments until "selesai"


STEPS: tuple[Step, ...] = (
    Step(
        "offer",
        {
            "id": "1/9 Apa yang ditawarkan? Ceritakan tawarannya, atau tempel teks iklan / chat-nya.",
            "en": "1/9 What was offered? Describe the offer, or paste the advert / chat text.",
        },
    ),
    Step(
        "recruiter",
        {
            "id": "2/9 Siapa yang menawarkan? Nama, perusahaan, nomor HP atau akun media sosial — "
            "apa saja yang Anda tahu.",
            "en": "2/9 Who made the offer? Name, company, phone number or social-media account — "
            "anything you know.",
        },
        options=(UNKNOWN,),
    ),
    Step(
        "location",
        {
            "id": "3/9 Di mana orang itu mendekati Anda? Pilih kecamatan, atau tulis kelurahan/desa.",
            "en": "3/9 Where did they approach you? Choose the kecamatan, or type the village.",
        },
        options=(*(_opt(a, a) for a in AREAS), _opt(OUTSIDE, OUTSIDE, "Outside Kota Pariaman")),
    ),
    Step(
        "destination",
        {
            "id": "4/9 Ke negara mana, dan untuk pekerjaan apa?",
            "en": "4/9 To which country, and for what job?",
        },
        options=(UNKNOWN,),
    ),
    Step(
        "departed",
        {
            "id": "5/9 Apakah sudah ada yang berangkat?",
            "en": "5/9 Has anyone already left?",
        },
        options=(_opt("ya", "Ya, sudah", "Yes"), _opt("belum", "Belum", "Not yet"), UNKNOWN),
        free_text=False,
    ),
    Step(
        "danger",
        {
            "id": "6/9 Apakah ada yang dalam bahaya SEKARANG (dikurung, diancam, dipukul)?",
            "en": "6/9 Is anyone in danger RIGHT NOW (locked up, threatened, beaten)?",
        },
        options=(_opt("ya", "Ya", "Yes"), _opt("tidak", "Tidak", "No"), UNKNOWN),
        free_text=False,
    ),
    Step(
        "evidence",
        {
            "id": "7/9 Kirim bukti bila ada: foto, tangkapan layar, dokumen, pesan suara. Boleh "
            "beberapa. Tekan Selesai bila sudah.",
            "en": "7/9 Send evidence if you have any: photos, screenshots, documents, voice notes. "
            "Several are fine. Press Done when finished.",
        },
        options=(_opt("selesai", "Selesai", "Done"),),
        free_text=False,
        evidence=True,
    ),
    Step(
        "contact",
        {
            "id": "8/9 Bagaimana petugas bisa menghubungi Anda? Tulis nomor HP atau nama, atau "
            "pilih Anonim. Petugas tetap bisa membalas lewat bot ini tanpa tahu siapa Anda.",
            "en": "8/9 How can officials reach you? Type a phone number or name, or choose "
            "Anonymous. Officials can still reply through this bot without knowing who you are.",
        },
        options=(_opt("anonim", "Anonim", "Anonymous"),),
    ),
    Step(
        "consent",
        {
            "id": "9/9 Boleh laporan ini diteruskan ke petugas Gugus Tugas TPPO Kota Pariaman?",
            "en": "9/9 May this report be forwarded to the Kota Pariaman anti-trafficking task force?",
        },
        options=(_opt("ya", "Ya, teruskan", "Yes, forward it"), _opt("tidak", "Tidak", "No")),
        free_text=False,
    ),
)
STEP_NAMES = tuple(step.name for step in STEPS)
SUMMARY = "summary"
ACTION = "lapor"  # prefix of this flow's button actions: "lapor:opt:ya", "lapor:back", ...


def validate_offer(value: str) -> str | None:
    return "too_short" if len(clean(value)) < 5 else None


def validate_contact(value: str) -> str | None:
    return "too_long" if len(value) > 200 else None


VALIDATORS: dict[str, Callable[[str], str | None]] = {
    "offer": validate_offer,
    "contact": validate_contact,
}


def area_of(location: str) -> str:
    for area in AREAS:
        if clean(area) in clean(location):
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
    ) -> None:
        self.store = store
        self.kb = kb
        self.matcher = matcher
        self.deliveries_for = deliveries_for  # card and evidence rows for the officials
        self.on_commit = on_commit  # wakes the outbox worker

    # --- entry points ----------------------------------------------------------------

    async def start(self, user: UserKey, lang: str) -> list[Reply]:
        draft = await self.store.get_draft(user)
        if draft is not None:
            return [Reply(text("report_resume", lang)), self._prompt(draft, lang)]
        draft = Draft(user, secrets.token_hex(16), STEP_NAMES[0])
        await self.store.save_draft(draft)
        return [Reply(text("report_intro", lang)), self._prompt(draft, lang)]

    async def cancel(self, user: UserKey, lang: str) -> list[Reply]:
        await self.store.delete_draft(user)
        return [Reply(text("report_cancelled", lang))]

    async def has_draft(self, user: UserKey) -> bool:
        return await self.store.get_draft(user) is not None

    async def handle(self, incoming: Incoming, lang: str) -> list[Reply]:
        """A message or button while the user is inside the flow."""
        draft = await self.store.get_draft(incoming.user)
        if draft is None:
            return await self._stale(incoming, lang)
        replies: list[Reply] = []
        if incoming.text and self.is_danger(incoming.text):
            draft.answers["urgent"] = True
            await self.store.save_draft(draft)
            replies.append(self.emergency(lang))
        choice = incoming.choice or ""
        if choice.startswith(f"{ACTION}:"):
            replies += await self._button(draft, choice.removeprefix(f"{ACTION}:"), lang)
        elif draft.step == SUMMARY:
            replies.append(self._summary(draft, lang))
        else:
            replies += await self._answer(draft, incoming, lang)
        return replies

    # --- the generic driver ----------------------------------------------------------

    async def _answer(self, draft: Draft, incoming: Incoming, lang: str) -> list[Reply]:
        step = _step(draft.step)
        value = incoming.text.strip()
        if step.evidence:
            if not incoming.attachments and _option_for(step, value):  # typed "selesai"
                return await self._move(draft, _next(draft), lang)
            return await self._collect(draft, incoming.attachments, lang)
        if not step.free_text:
            picked = _option_for(step, value)
            if picked is None:
                return [Reply(text("report_use_buttons", lang)), self._prompt(draft, lang)]
            value = picked
        if not value:
            return [self._prompt(draft, lang)]
        validator = VALIDATORS.get(step.name)
        problem = validator(value) if validator else None
        if problem:
            return [Reply(text(f"report_{problem}", lang)), self._prompt(draft, lang)]
        return await self._store_answer(draft, step, value[:MAX_ANSWER], lang)

    async def _button(self, draft: Draft, action: str, lang: str) -> list[Reply]:
        kind, _, value = action.partition(":")
        if kind == "cancel":
            return await self.cancel(draft.user, lang)
        if kind == "back":
            return await self._move(draft, _previous(draft.step), lang)
        if kind == "send" and draft.step == SUMMARY:
            return await self._submit(draft, lang)
        if kind == "edit" and draft.step == SUMMARY:
            rows = tuple(
                (Button(text(f"report_field_{s.name}", lang), f"{ACTION}:change:{s.name}"),)
                for s in STEPS
                if s.name != "consent"
            )
            return [Reply(text("report_which", lang), buttons=rows)]
        if kind == "change" and value in STEP_NAMES:
            draft.answers["editing"] = True
            return await self._move(draft, value, lang)
        if kind == "opt" and draft.step in STEP_NAMES:
            step = _step(draft.step)
            if any(option.value == value for option in step.options):
                if step.evidence:
                    return await self._move(draft, _next(draft), lang)
                return await self._store_answer(draft, step, value, lang)
        return [self._current(draft, lang)]  # an old button: show where the user is

    async def _store_answer(self, draft: Draft, step: Step, value: str, lang: str) -> list[Reply]:
        draft.answers[step.name] = value
        replies: list[Reply] = []
        if step.name == "danger" and value == "ya":
            draft.answers["urgent"] = True
            replies.append(self.emergency(lang))
        if step.name == "consent" and value == "tidak":
            await self.store.delete_draft(draft.user)
            return [Reply(text("report_no_consent", lang))]
        return replies + await self._move(draft, _next(draft), lang)

    async def _collect(
        self, draft: Draft, attachments: tuple[Attachment, ...], lang: str
    ) -> list[Reply]:
        if not attachments:
            return [Reply(text("report_send_media", lang)), self._prompt(draft, lang)]
        evidence: list[Any] = draft.answers.setdefault("evidence", [])
        room = MAX_EVIDENCE - len(evidence)
        evidence.extend([a.kind, a.ref] for a in attachments[:room])
        await self.store.save_draft(draft)
        count = str(len(evidence))
        return [
            Reply(
                text("report_media_saved", lang, count=count),
                buttons=self._step_buttons(draft, lang),
            )
        ]

    async def _move(self, draft: Draft, step: str, lang: str) -> list[Reply]:
        draft = replace(draft, step=step)
        await self.store.save_draft(draft)
        return [self._current(draft, lang)]

    def _current(self, draft: Draft, lang: str) -> Reply:
        return self._summary(draft, lang) if draft.step == SUMMARY else self._prompt(draft, lang)

    def _prompt(self, draft: Draft, lang: str) -> Reply:
        if draft.step == SUMMARY:
            return self._summary(draft, lang)
        return Reply(_step(draft.step).prompt[lang], buttons=self._step_buttons(draft, lang))

    def _step_buttons(self, draft: Draft, lang: str) -> tuple[tuple[Button, ...], ...]:
        step = _step(draft.step)
        rows = [(Button(o.label[lang], f"{ACTION}:opt:{o.value}"),) for o in step.options]
        navigation = [Button(text("report_cancel_button", lang), f"{ACTION}:cancel")]
        if draft.step != STEP_NAMES[0]:
            navigation.insert(0, Button(text("report_back_button", lang), f"{ACTION}:back"))
        return (*rows, tuple(navigation))

    def _summary(self, draft: Draft, lang: str) -> Reply:
        lines = [text("report_summary", lang)]
        for step in STEPS:
            if step.name == "consent":
                continue
            value = draft.answers.get(step.name, "-")
            if step.evidence:
                value = text(
                    "report_files", lang, count=str(len(draft.answers.get("evidence", [])))
                )
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

    async def _submit(self, draft: Draft, lang: str) -> list[Reply]:
        answers = draft.answers
        offer = check_offer(str(answers.get("offer", "")), self.kb)
        answers["signs"] = [sign.id for sign in offer.signs]
        urgent = bool(answers.get("urgent")) or answers.get("danger") == "ya"
        report, _ = await self.store.submit(
            draft,
            urgent=urgent,
            risk=offer.level,
            area=area_of(str(answers.get("location", ""))),
            destination=country_of(str(answers.get("destination", ""))),
            deliveries=self.deliveries_for,
        )
        self.on_commit()
        return [receipt(report, lang)]

    async def _stale(self, incoming: Incoming, lang: str) -> list[Reply]:
        """A button from a finished flow, e.g. Telegram re-delivering the "Kirim" press."""
        reports = await self.store.of_reporter(incoming.user)
        if incoming.choice == f"{ACTION}:send" and reports:
            return [receipt(reports[-1], lang)]
        return [Reply(text("report_none_active", lang))]

    def is_danger(self, message: str) -> bool:
        # A sign of danger anywhere, or a bare cry for help ("tolong!!"), not the ranking:
        # "tolong, ini nomor agennya" is an answer to the form's question.
        match = self.matcher.match(message)
        return match.rule in ("trigger", "standalone") and match.topic == EMERGENCY_TOPIC

    def emergency(self, lang: str) -> Reply:
        entry = self.kb.entries[EMERGENCY_TOPIC]
        return Reply(self.kb.render_answer(entry, lang), title=entry.title[lang])


def receipt(report: Report, lang: str) -> Reply:
    return Reply(
        text("report_receipt", lang, code=report.code), title=text("report_received", lang)
    )


def _step(name: str) -> Step:
    return STEPS[STEP_NAMES.index(name)]


def _next(draft: Draft) -> str:
    if draft.answers.pop("editing", False):
        return SUMMARY
    index = STEP_NAMES.index(draft.step)
    return STEP_NAMES[index + 1] if index + 1 < len(STEP_NAMES) else SUMMARY


def _previous(step: str) -> str:
    if step == SUMMARY:
        return STEP_NAMES[-1]
    return STEP_NAMES[max(0, STEP_NAMES.index(step) - 1)]


def _option_for(step: Step, typed: str) -> str | None:
    """A typed answer to a buttons-only step: "ya", "Belum", "tidak tahu"."""
    words = clean(typed)
    for option in step.options:
        if words in (clean(option.value), *(clean(label) for label in option.label.values())):
            return option.value
    return None
