"""The citizen's side of the broadcasts, inside a conversation: subscribing (`/langganan`,
"langganan", "subscribe", the 🔔 button), the place question (the regions' cities and
kecamatan, "lewati" allowed), unsubscribing (`/berhenti_langganan`, "berhenti
langganan", "stop info", "unsubscribe", the button under every broadcast) and a poll's
answer. The engine asks `route` first; None means "not mine".

Inside a report the typed words are the report's business (never an answer there,
bot/flows/replies.py); the slash commands and the buttons work anywhere.
"""

from __future__ import annotations

import json
from typing import Any

from bot.broadcast.campaigns import CampaignStore
from bot.broadcast.message import POLL, UNSUBSCRIBE
from bot.broadcast.subscribers import SubscriberStore
from bot.flows.place import CHOSEN, OUTSIDE_AREA, PlaceQuestion
from bot.flows.replies import words_of
from bot.messages import Button, Incoming, Reply, UserKey
from bot.regions import Regions
from bot.reporting import REPORT_MODE
from bot.sessions import Session
from bot.texts import text

ACTION = "langganan"  # button data "langganan:<what>"
SUBSCRIBE_MODE = "langganan:"  # + the place question's state (JSON)
START_COMMANDS = frozenset({"langganan", "subscribe"})
STOP_COMMANDS = frozenset({"berhenti_langganan", "unsubscribe"})
START_WORDS = frozenset(
    {"langganan", "berlangganan", "langganan info", "subscribe", "info peringatan",
     "info dan peringatan", "langganan peringatan", "mau langganan"}
)  # fmt: skip
STOP_WORDS = frozenset(
    {"berhenti langganan", "stop langganan", "stop info", "unsubscribe", "berhenti info",
     "batal langganan", "berhenti berlangganan", "stop berlangganan", "henti langganan"}
)  # fmt: skip
# Answers after which 🔔 takes the place of the least relevant related topic: warning
# signs, scams, and leaving to work abroad.
OFFER_TOPICS = frozenset(
    {"tanda-bahaya", "lowongan-online", "calo", "magang-beasiswa", "syarat-bekerja",
     "langkah-prosedural", "opp"}
)  # fmt: skip
PLACE_STEP = "place"
MAX_PLACE_WORDS = 5  # longer: a question, not a place

Routed = tuple[list[Reply], Session] | None


class Subscriptions:
    def __init__(
        self, subscribers: SubscriberStore, campaigns: CampaignStore, regions: Regions
    ) -> None:
        self.subscribers = subscribers
        self.campaigns = campaigns
        self.regions = regions
        self.place = PlaceQuestion(regions, ACTION)

    def button(self, lang: str) -> Button:
        return Button(text("subscribe_button", lang), f"{ACTION}:mulai")

    def offer_button(self, topic: str, lang: str) -> Button | None:
        return self.button(lang) if topic in OFFER_TOPICS else None

    async def route(self, incoming: Incoming, lang: str, session: Session) -> Routed:
        user = incoming.user
        if incoming.choice is not None:
            kind, _, value = incoming.choice.partition(":")
            if kind == POLL:
                return await self._poll(user, value, lang, session)
            if kind == ACTION:
                return await self._pressed(user, value, lang, session)
            if kind == "lang" and value in ("id", "en"):  # /bahasa: their broadcasts too
                await self.subscribers.set_language(user, value)
            return None
        if incoming.attachments or incoming.revoked is not None:
            return None
        typed = incoming.text.strip()
        command, _, argument = typed[1:].partition(" ") if typed.startswith("/") else ("", "", "")
        command = command.split("@", 1)[0].casefold()
        if command in START_COMMANDS or (command == "start" and argument.strip() == ACTION):
            return await self._start(user, lang, session)
        if command in STOP_COMMANDS:
            return await self._stop(user, lang, session)
        if command or session.mode == REPORT_MODE:
            return None
        if session.mode and session.mode.startswith(SUBSCRIBE_MODE):
            return await self._typed_place(user, typed, lang, session)
        words = words_of(typed)
        if words in START_WORDS:
            return await self._start(user, lang, session)
        if words in STOP_WORDS:
            return await self._stop(user, lang, session)
        if words.isdigit() and len(words) == 1:  # a poll that came as a template
            poll = await self.campaigns.open_template_poll(user)
            if poll is not None:
                return await self._poll(user, f"{poll.id}:{int(words) - 1}", lang, session)
        return None

    # --- subscribing -------------------------------------------------------------------

    async def _start(
        self, user: UserKey, lang: str, session: Session, changing: bool = False
    ) -> Routed:
        existing = await self.subscribers.get(user)
        if existing is not None and not changing:
            shown = self._shown(existing.region, existing.area, lang)
            buttons = (
                (Button(text("subscribe_change_place_button", lang), f"{ACTION}:tempat"),),
                (Button(text("unsubscribe_button", lang), UNSUBSCRIBE),),
            )
            reply = Reply(text("subscribed_already", lang, place=shown), buttons=buttons)
            return [reply], self._leave(session)
        answers: dict[str, Any] = {}
        return [self._ask(answers, lang, intro=not changing)], self._mode(session, answers)

    def _ask(
        self, answers: dict[str, Any], lang: str, intro: bool = False, note: str | None = None
    ) -> Reply:
        # The city/regency first where there are several, then its kecamatan.
        which = "subscribe_kecamatan" if self.place.chosen(answers) else "subscribe_place"
        prompt = {key: text(which, key) for key in ("id", "en")}
        parts = [text("subscribe_intro", lang)] if intro else []
        parts += [note] if note else []
        parts.append(self.place.prompt(prompt, answers, lang))
        rows = self.place.buttons(answers, lang)
        rows.append((Button(text("subscribe_skip_button", lang), f"{ACTION}:lewati"),))
        return Reply("\n\n".join(parts), buttons=tuple(rows))

    async def _pressed(self, user: UserKey, value: str, lang: str, session: Session) -> Routed:
        what, _, rest = value.partition(":")
        if what == "mulai":
            return await self._start(user, lang, session)
        if what == "tempat":
            return await self._start(user, lang, session, changing=True)
        if what == "berhenti":
            return await self._stop(user, lang, session)
        answers = self._answers(session)
        if answers is None:  # a button of a finished question: start again
            return await self._start(user, lang, session)
        if what == "lewati":
            region = answers.get(CHOSEN) if self.regions.many else None
            return await self._done(user, region, None, lang, session)
        if what == "region":
            self.place.pressed_region(answers, rest)
            return [self._ask(answers, lang)], self._mode(session, answers)
        if what == "place":
            outcome = self.place.pressed(PLACE_STEP, answers, rest, lang)
            if outcome.next == "done":
                return await self._placed(user, answers, lang, session)
            return [self._ask(answers, lang, note=outcome.note)], self._mode(session, answers)
        return await self._start(user, lang, session)

    async def _typed_place(self, user: UserKey, typed: str, lang: str, session: Session) -> Routed:
        answers = self._answers(session) or {}
        words = words_of(typed)
        if words in ("lewati", "skip", "lewat", "tidak usah", "gak usah", "ga usah"):
            region = answers.get(CHOSEN) if self.regions.many else None
            return await self._done(user, region, None, lang, session)
        if words in STOP_WORDS:
            return await self._stop(user, lang, session)
        if len(typed.split()) > MAX_PLACE_WORDS:
            return None  # a question: the place question is left (the answer clears it)
        outcome = self.place.typed(PLACE_STEP, answers, typed, lang)
        if outcome.next == "done":
            return await self._placed(user, answers, lang, session)
        if outcome.next == "free":  # no known place
            answers.pop("region", None)
            note = text("subscribe_place_unknown", lang)
            return [self._ask(answers, lang, note=note)], self._mode(session, answers)
        return [self._ask(answers, lang, note=outcome.note)], self._mode(session, answers)

    async def _placed(
        self, user: UserKey, answers: dict[str, Any], lang: str, session: Session
    ) -> Routed:
        if answers.get("area") == OUTSIDE_AREA:  # outside every region: as if skipped
            return await self._done(user, None, None, lang, session)
        region = answers.get("region")
        area = answers.get("area") or None
        return await self._done(user, region, area, lang, session)

    async def _done(
        self, user: UserKey, region: str | None, area: str | None, lang: str, session: Session
    ) -> Routed:
        await self.subscribers.subscribe(user, region, area, lang)
        reply = Reply(
            text("subscribed", lang, place=self._shown(region, area, lang)),
            buttons=((Button(text("main_menu", lang), "menu"),),),
        )
        return [reply], self._leave(session)

    def _shown(self, region: str | None, area: str | None, lang: str) -> str:
        if region is None:
            default = self.regions.default.name
            return text("subscribed_anywhere", lang, region=default)
        name = self.regions.get(region).name
        return f"{area}, {name}" if area else name

    # --- unsubscribing and polls -------------------------------------------------------

    async def _stop(self, user: UserKey, lang: str, session: Session) -> Routed:
        existed = await self.subscribers.unsubscribe(user)
        reply = Reply(text("unsubscribed" if existed else "unsubscribed_not", lang))
        return [reply], self._leave(session)

    async def _poll(self, user: UserKey, value: str, lang: str, session: Session) -> Routed:
        campaign_id, _, choice = value.partition(":")
        if not (campaign_id.isdigit() and choice.lstrip("-").isdigit()):
            return [Reply(text("poll_gone", lang))], session
        answered = await self.campaigns.answer(int(campaign_id), user, int(choice))
        if answered.campaign is None or answered.outcome == "gone":
            return [Reply(text("poll_gone", lang))], session
        if answered.outcome == "not_yours":
            return [Reply(text("poll_not_yours", lang))], session
        key = "poll_changed" if answered.outcome == "changed" else "poll_thanks"
        chosen = answered.campaign.options[answered.choice]
        return [Reply(text(key, lang, choice=chosen))], session

    # --- the question's state in the session -------------------------------------------

    def _answers(self, session: Session) -> dict[str, Any] | None:
        if not session.mode or not session.mode.startswith(SUBSCRIBE_MODE):
            return None
        try:
            found = json.loads(session.mode[len(SUBSCRIBE_MODE) :])
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}

    @staticmethod
    def _mode(session: Session, answers: dict[str, Any]) -> Session:
        return session.with_changes(mode=SUBSCRIBE_MODE + json.dumps(answers, ensure_ascii=False))

    @staticmethod
    def _leave(session: Session) -> Session:
        if session.mode and session.mode.startswith(SUBSCRIBE_MODE):
            return session.with_changes(mode=None)
        return session
