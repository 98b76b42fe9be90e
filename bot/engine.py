"""The conversation core: one `Incoming` in, a list of `Reply` out.

It knows commands, menus, answers, the offer check and the fallback; it knows
nothing about Telegram, WhatsApp or the terminal.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Protocol

from rapidfuzz import fuzz, process

from bot import language
from bot.broadcast.citizen import Subscriptions
from bot.case_updates import UpdatesSwitch
from bot.countries import Country
from bot.courtesy import closing_of
from bot.emergency import (
    COUNTRY_FIRST_TOPICS,
    country_named,
    country_sources,
    with_country_first,
)
from bot.flows.replies import intent_of, words_of
from bot.knowledge import PHONE_LIKE, Entry, KnowledgeBase
from bot.matching import Match, Matcher
from bot.messages import Button, Incoming, Reply, UserKey
from bot.normalize import MAX_CHARS, clean, normalize
from bot.ocr import ImageReader, OcrError
from bot.offers import ACTION as OFFER_ACTION
from bot.offers import check_offer, offer_reply, why_reply
from bot.reporting import REPORT_MODE, Reporting
from bot.safe_text import clean_incoming
from bot.sessions import CHECKED_MODE, OFFER_MODE, Session, SessionStore
from bot.texts import ABROAD_HELP_CONTACT, HUMAN_HELP_CONTACT, text

GREETING_TOPIC = "sapaan"
PRIVACY_TOPIC = "privasi"
REPORT_TOPIC = "cara-melapor"
MAX_RELATED_BUTTONS = 3
# A topic whose answer names this command gets a button that starts that report.
MISSING_REPORT_COMMAND = "/lapor_hilang"
# A story about these gets a button to report it: a person held or forced, a recruiter, a
# scam offer, a held passport, debt bondage; about a relative out of reach, the missing report.
MISSING_TOPIC = "keluarga-hilang-kontak"
REPORT_TOPICS = frozenset(
    {
        "darurat",
        "calo",
        "lowongan-online",
        "tanda-bahaya",
        "paspor-ditahan",
        "jeratan-utang",
        "eksploitasi-anak",
        "pengantin-pesanan",
    }
)

# Command words in both languages -> the action they start.
COMMANDS = {
    "start": "start",
    "mulai": "start",
    "menu": "menu",
    "bantuan": "help",
    "help": "help",
    "cek": "cek",
    "check": "cek",
    "bahasa": "language",
    "language": "language",
    "privasi": "privacy",
    "privacy": "privacy",
    "lapor": "report",
    "lapor_hilang": "report",
    "report": "report",
    "batal": "cancel",
    "cancel": "cancel",
    "status": "status",
    # Broadcasts (bot/broadcast/citizen.py answers these when they are on).
    "langganan": "broadcasts",
    "subscribe": "broadcasts",
    "berhenti_langganan": "broadcasts",
    "unsubscribe": "broadcasts",
}
# Whole typed messages that mean a command outside a report ("batal" alone is not the
# topic about withdrawing before departure: there is nothing to cancel).
TYPED_COMMANDS = {"batal": "/batal", "cancel": "/batal", "batalkan": "/batal", "batalin": "/batal"}
# "status laporan saya gimana?", "laporan sy sampai mana", "my report status": /status. Only
# about one's own report: "cara cek status pengaduan ke KP2MI" stays a question.
_STATUS_QUESTION = re.compile(
    r"\b(?:status|perkembangan|kabar|progress|update)\b.*\b(?:laporan|kasus|aduan|"
    r"pengaduan|report|case)\b|\b(?:laporan|kasus|report|case)\b.*\b(?:status|perkembangan|"
    r"sampai mana|gimana|bagaimana|progress)\b"
)
_MINE = re.compile(r"\b(?:saya|sy|aku|ku|ambo|kami|my|mine|our)\b|(?:laporan|kasus)ku\b")
_CASE_CODE = re.compile(r"\b[A-Za-z]{2,5}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}\b")


@dataclass(frozen=True)
class Turn:
    """What the engine answered, and why: the topic it chose (None: none, or not a question),
    its 0-100 confidence and the topics it offered besides. `ask --json` prints these."""

    replies: list[Reply]
    topic: str | None = None
    score: int = 0
    alternatives: tuple[str, ...] = ()


class UsageRecorder(Protocol):
    """Where unanswered questions and 👍/👎 go, so editors learn what to add."""

    async def unanswered(self, question: str, lang: str) -> None: ...

    async def feedback(self, topic: str, helpful: bool) -> None: ...


class Engine:
    def __init__(
        self,
        kb: KnowledgeBase,
        sessions: SessionStore,
        matcher: Matcher | None = None,
        usage: UsageRecorder | None = None,
        reporting: Reporting | None = None,
        reader: ImageReader | None = None,
        subscriptions: Subscriptions | None = None,
        switch: UpdatesSwitch | None = None,
    ) -> None:
        self.kb = kb
        self.matcher = matcher or Matcher(kb)
        self.sessions = sessions
        self.usage = usage
        self.reporting = reporting  # None: reports are not configured (no key / no database)
        self.reader = reader or ImageReader()  # screenshots of job adverts, for the offer check
        self.subscriptions = subscriptions  # None: broadcasts are off (no key)
        self.switch = switch  # case updates off/on ("berhenti", "aktifkan"); None: no key
        self.vocabulary = _vocabulary(kb)  # for messages without common words ("bantuan")

    async def handle(self, incoming: Incoming) -> list[Reply]:
        return (await self.respond(incoming)).replies

    async def respond(self, incoming: Incoming) -> Turn:
        """`handle`, and what the answer was about (the command line prints it)."""
        incoming = clean_incoming(incoming)  # nothing invisible or bidi is stored or shown
        if incoming.revoked is not None and self.reporting is None:
            return Turn([])  # a deleted message is never answered
        stored = session = await self.sessions.get(incoming.user)
        lang, session = self._language(incoming, session)
        incoming = _typed_command(incoming, session)
        routed = asked = None
        if _menu_in_report(incoming, session):
            routed = [self._report_paused(lang)], session.with_changes(mode=None)
        elif (switched := await self._switched(incoming, session)) is not None:
            routed = [switched], session
        elif self.subscriptions is not None and (
            subscribed := await self.subscriptions.route(incoming, lang, session)
        ):
            routed = subscribed
        elif self.reporting is not None:
            asked = self.reporting.held_question(incoming, session)
            if asked is None:
                routed = await self.reporting.route(incoming, lang, session)
        if asked is not None:  # "❓ Ini pertanyaan": the held message is a question
            turn, session = await self._text(asked[0], lang, asked[1])
        elif routed is not None:
            turn, session = Turn(routed[0]), routed[1]
        elif incoming.choice is not None:
            replies, session = await self._choice(incoming.choice, lang, session)
            turn = Turn(replies)
        elif _offer_picture(incoming, session):
            replies, session = await self._check_picture(incoming, lang, session)
            turn = Turn(replies)
        elif incoming.attachments and not incoming.text.strip():
            turn = Turn(
                [Reply(text("media_outside_report", lang), buttons=self._menu_buttons(lang))]
            )
        else:
            turn, session = await self._text(incoming.text, lang, session)
        if session != stored:  # most messages change nothing: spare the database a write
            await self.sessions.put(incoming.user, session)
        return turn

    async def _switched(self, incoming: Incoming, session: Session) -> Reply | None:
        """ "berhenti" / "aktifkan" and their buttons: case updates off (and the broadcasts
        with them) or on again."""
        if self.switch is None:
            return None
        wanted = self.switch.wanted(incoming, session)
        if wanted is None:
            return None
        return await self.switch.switch(incoming.user, *wanted)

    async def busy(self, user: UserKey) -> bool:
        """Writing a report: a broadcast waits until it is sent or cancelled."""
        if self.reporting is None or (await self.sessions.get(user)).mode != REPORT_MODE:
            return False
        return await self.reporting.flow.is_active(user)

    # --- language --------------------------------------------------------------------

    def _language(self, incoming: Incoming, session: Session) -> tuple[str, Session]:
        detected = language.detect(incoming.text, self.vocabulary) if incoming.text else None
        if detected:
            session = session.with_changes(last_language=detected)
        hint = incoming.language_hint if incoming.language_hint == "en" else None
        lang = session.language or detected or session.last_language or hint
        return lang or language.DEFAULT, session

    # --- free text -------------------------------------------------------------------

    async def _text(self, raw: str, lang: str, session: Session) -> tuple[Turn, Session]:
        stripped = raw.strip()
        if stripped.startswith("/"):
            replies, session = self._command(stripped, lang, session)
            return Turn(replies), session
        if not normalize(stripped):  # "", "?", "🤔🤔🤔": no words to answer
            return Turn([self._what_i_do(lang, empty=not stripped)]), session
        closing = closing_of(stripped)
        if closing is not None:
            reply = Reply(text(f"closing_{closing}", lang), buttons=(self._main_menu_row(lang),))
            return Turn([reply], GREETING_TOPIC, 100), session.with_changes(mode=None)
        match = self.matcher.match(stripped)
        if session.offer_open and match.rule != "trigger":
            return Turn([self._verdict(stripped, lang)]), self._checked(session, stripped)
        replies = await self._answer_match(stripped, match, lang)
        return Turn(replies, match.topic, match.score, match.alternatives), session.with_changes(
            mode=None
        )

    async def _answer_match(self, question: str, match: Match, lang: str) -> list[Reply]:
        if match.topic is None and self.usage is not None:
            # Kept for the editors in plain text, so phone numbers people typed are masked.
            kept = PHONE_LIKE.sub("[nomor]", normalize(question, self.kb.lexicon))
            await self.usage.unanswered(kept, lang)
        return [self.reply_to_match(match, lang, question)]

    def reply_to_match(self, match: Match, lang: str, question: str = "") -> Reply:
        """The answer, or "I don't know" with any topics close enough to offer. The
        emergency answer puts the numbers of a country the question names first."""
        country = (
            country_named(self.kb, [question]) if match.topic in COUNTRY_FIRST_TOPICS else None
        )
        if match.topic is not None:
            # Danger first too: what else the message is about goes one tap away.
            entry = self.kb.entries[match.topic]
            report = _report_for((match.topic, *match.alternatives)) if match.story else None
            return self.answer(entry, lang, match.alternatives, country=country, report=report)
        unsure = self.dont_know(lang)
        if not match.alternatives:
            return unsure
        rows = tuple((self._topic_button(t, lang),) for t in match.alternatives)
        body = f"{unsure.text}\n\n{text('maybe_meant', lang)}"
        return Reply(body, buttons=(*rows, *unsure.buttons))

    def _command(self, raw: str, lang: str, session: Session) -> tuple[list[Reply], Session]:
        word, _, payload = raw[1:].partition(" ")
        word = word.split("@", 1)[0].casefold()  # "/start@migran_aman_bot" in groups
        action = COMMANDS.get(word)
        if action is None:
            return [self._unknown_command(word, lang)], session
        if action == "start":
            return self._start(payload.strip(), lang, session)
        if action == "cek" and payload.strip():  # "/cek loker malaysia lewat dumai"
            offer = payload.strip()
            return [self._verdict(offer, lang)], self._checked(session, offer)
        if action == "cek":
            return [Reply(text("offer_prompt", lang))], session.with_changes(mode=OFFER_MODE)
        reply = {
            "menu": lambda: self.main_menu(lang),
            "help": lambda: self.answer(self.kb.entries[GREETING_TOPIC], lang),
            "language": lambda: self._language_chooser(lang),
            "privacy": lambda: self.answer(self.kb.entries[PRIVACY_TOPIC], lang),
            "report": lambda: self._no_reporting(lang),
            "cancel": lambda: Reply(text("nothing_to_cancel", lang)),
            "status": lambda: self._no_reporting(lang),
            "broadcasts": lambda: Reply(text("broadcasts_unavailable", lang)),
        }[action]()
        return [reply], session.with_changes(mode=None)

    def _checked(self, session: Session, offer: str) -> Session:
        """After a verdict: the offer is kept for 📣 Lapor under it (in the session's mode,
        encrypted at rest, which only reporting's key allows), until the next message."""
        return session.with_changes(mode=CHECKED_MODE + offer if self.reporting else None)

    def _no_reporting(self, lang: str) -> Reply:
        """Without a report store the bot still says how to report elsewhere (and not
        "type /lapor", which just said it cannot)."""
        entry = self.kb.entries[REPORT_TOPIC]
        answer = self.answer(entry, lang)
        elsewhere = "\n".join(line for line in answer.text.splitlines() if "/lapor" not in line)
        return Reply(
            f"{text('report_unavailable', lang)}\n\n{elsewhere}",
            title=answer.title,
            note=answer.note,
            buttons=answer.buttons,
        )

    def _start(self, payload: str, lang: str, session: Session) -> tuple[list[Reply], Session]:
        """/start with a deep-link payload from a poster: "lapor", "cek", "topik_<id>"."""
        if payload in ("cek", "lapor", "lapor_hilang"):
            return self._command(f"/{payload}", lang, session)
        topic = payload.removeprefix("topik_")
        if payload.startswith("topik_") and topic in self.kb.entries:
            return [self.answer(self.kb.entries[topic], lang)], session
        welcome = Reply(text("welcome", lang), buttons=self._menu_buttons(lang))
        return [welcome], session.with_changes(mode=None)

    def _unknown_command(self, word: str, lang: str) -> Reply:
        message = text("unknown_command", lang, command=f"/{word}")
        close = process.extractOne(word, list(COMMANDS), scorer=fuzz.ratio, score_cutoff=60)
        if close is None:
            return Reply(message, buttons=self._menu_buttons(lang))
        suggestion = f"/{close[0]}"
        message += " " + text("command_suggestion", lang, suggestion=suggestion)
        return Reply(message, buttons=((Button(suggestion, f"cmd:{close[0]}"),),))

    # --- screenshots of job adverts --------------------------------------------------

    async def _check_picture(
        self, incoming: Incoming, lang: str, session: Session
    ) -> tuple[list[Reply], Session]:
        """Read the picture and check the text like a pasted offer, showing what was read;
        the offer check stays open for the corrected text."""
        session = session.with_changes(mode=OFFER_MODE)
        try:
            read = await self.reader.read_attachments(incoming.attachments)
        except OcrError as error:
            return [Reply(text(f"offer_image_{error.reason}", lang))], session
        if self.reporting is not None:  # kept (encrypted) for 📣 Lapor under the verdict
            session = session.with_changes(mode=f"{OFFER_MODE}:{read}")
        verdict = self._verdict(read, lang, "offer_result_image")
        return [verdict, Reply(text("offer_read_text", lang, text=read))], session

    def _verdict(self, offer: str, lang: str, heading: str = "offer_result") -> Reply:
        """The offer check's verdict; a text longer than the check reads says so."""
        verdict = offer_reply(check_offer(offer, self.kb), self.kb, lang, heading)
        if len(offer) <= MAX_CHARS:
            return verdict
        note = text("offer_read_part", lang, limit=f"{MAX_CHARS:,}".replace(",", "."))
        return replace(verdict, text=f"{verdict.text}\n\n{note}")

    # --- buttons ---------------------------------------------------------------------

    async def _choice(
        self, choice: str, lang: str, session: Session
    ) -> tuple[list[Reply], Session]:
        kind, _, value = choice.partition(":")
        if kind == "menu":
            return [self.main_menu(lang, replace_previous=True)], session
        if kind == "group" and any(g.id == value for g in self.kb.groups):
            return [self._group_menu(value, lang)], session
        if kind == "topic" and value in self.kb.entries:
            return [self.answer(self.kb.entries[value], lang)], session
        if kind == "lang" and value in ("id", "en"):
            session = session.with_changes(language=value)
            return [Reply(text("language_set", value), buttons=self._menu_buttons(value))], session
        if kind == "cmd" and value in COMMANDS:
            return self._command(f"/{value}", lang, session)
        if kind == OFFER_ACTION and (detail := why_reply(value, self.kb, lang)) is not None:
            return [detail], session
        if kind in ("up", "down") and value in self.kb.entries:
            if self.usage is not None:
                await self.usage.feedback(value, helpful=kind == "up")
            return [Reply(text("thanks_feedback", lang))], session
        return [self.main_menu(lang, text("expired_button", lang))], session

    # --- replies ---------------------------------------------------------------------

    def answer(
        self,
        entry: Entry,
        lang: str,
        also: tuple[str, ...] = (),
        country: Country | None = None,
        report: str | None = None,
    ) -> Reply:
        """`also`: other topics the message is about, offered first ("Mungkin juga: ..."), in
        place of as many of the entry's related topics; `country`: the one the question named
        (the emergency answer shows its numbers first); `report`: the report a story calls
        for ("lapor" or "lapor_hilang")."""
        rows: list[tuple[Button, ...]] = [
            (Button(text("also_about", lang, title=self.kb.entries[t].title[lang]), f"topic:{t}"),)
            for t in also
        ]
        if MISSING_REPORT_COMMAND in entry.answer[lang]:
            report = MISSING_REPORT_COMMAND[1:]
        if report is not None:
            label = text("report_missing_button" if report != "lapor" else "report_button", lang)
            rows.append((Button(label, f"cmd:{report}"),))
        related = [t for t in entry.related if t not in also][: MAX_RELATED_BUTTONS - len(also)]
        rows += [(self._topic_button(topic, lang),) for topic in related]
        bell = self.subscriptions.offer_button(entry.id, lang) if self.subscriptions else None
        if bell is not None and related:
            rows[-1] = (bell,)  # 🔔 instead of the least relevant related topic
        rows.append(self._main_menu_row(lang))
        rows.append(
            (
                Button(text("helpful", lang), f"up:{entry.id}"),
                Button(text("not_helpful", lang), f"down:{entry.id}"),
            )
        )
        answer = with_country_first(self.kb, entry, country, lang)
        return Reply(
            text=answer,
            title=entry.title[lang],
            note=self._source_note(entry, lang, country),
            buttons=tuple(rows),
        )

    def _source_note(self, entry: Entry, lang: str, country: Country | None = None) -> str:
        sources = [source[lang] for source in entry.sources]
        sources += country_sources(self.kb, entry, country)
        note = text("source", lang, sources="; ".join(sources), date=_date(entry.reviewed, lang))
        if entry.verify_note:
            note += " " + text("verify_hint", lang)
        return note

    def dont_know(self, lang: str) -> Reply:
        """Sorry, and who to call: the toll-free line works only inside Indonesia, so the
        ministry's number from abroad goes beside it."""
        lines = [
            self.kb.contacts[key].render(lang)
            for key in (HUMAN_HELP_CONTACT, ABROAD_HELP_CONTACT)
            if key in self.kb.contacts
        ]
        help_lines = "\n".join(f"• {line}" for line in lines)
        return Reply(text("dont_know", lang, contact=help_lines), buttons=self._menu_buttons(lang))

    def _what_i_do(self, lang: str, empty: bool = False) -> Reply:
        """A message without words: what the bot can do, and the menu."""
        said = text("what_i_do", lang)
        if empty:
            said = f"{text('empty_message', lang)} {said}"
        return Reply(said, buttons=self._menu_buttons(lang))

    def _report_paused(self, lang: str) -> Reply:
        """ "menu" inside a report: the menu, its 📣 button continuing the kept draft."""
        resume = Button(text("report_continue_button", lang), "cmd:lapor")
        rows = tuple(
            (resume,) if row[0].action == "cmd:lapor" else row for row in self._menu_buttons(lang)
        )
        return Reply(f"{text('report_paused', lang)}\n\n{text('menu', lang)}", buttons=rows)

    def main_menu(
        self, lang: str, intro: str | None = None, replace_previous: bool = False
    ) -> Reply:
        return Reply(
            intro or text("menu", lang),
            buttons=self._menu_buttons(lang),
            replace_previous=replace_previous,
        )

    def _menu_buttons(self, lang: str) -> tuple[tuple[Button, ...], ...]:
        rows: list[tuple[Button, ...]] = [
            (Button(group.title[lang], f"group:{group.id}"),) for group in self.kb.groups
        ]
        rows.append((Button(text("check_offer_button", lang), "cmd:cek"),))
        rows.append((Button(text("report_button", lang), "cmd:lapor"),))
        if self.subscriptions is not None:
            rows.append((self.subscriptions.button(lang),))
        rows.append((Button(text("language_button", lang), "cmd:bahasa"),))
        return tuple(rows)

    def _group_menu(self, group_id: str, lang: str) -> Reply:
        group = next(g for g in self.kb.groups if g.id == group_id)
        rows: list[tuple[Button, ...]] = [
            (self._topic_button(topic, lang),) for topic in group.entry_ids
        ]
        rows.append(self._main_menu_row(lang))
        return Reply(
            text("menu_group", lang),
            title=group.title[lang],
            buttons=tuple(rows),
            replace_previous=True,
        )

    def _language_chooser(self, lang: str) -> Reply:
        buttons = (Button("Bahasa Indonesia", "lang:id"), Button("English", "lang:en"))
        return Reply(text("choose_language", lang), buttons=(buttons,))

    def _topic_button(self, topic: str, lang: str) -> Button:
        return Button(self.kb.entries[topic].title[lang], f"topic:{topic}")

    def _main_menu_row(self, lang: str) -> tuple[Button, ...]:
        return (Button(text("main_menu", lang), "menu"),)


_MONTHS = {
    "id": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}


def _date(day: dt.date, lang: str) -> str:
    return f"{day.day} {_MONTHS[lang][day.month - 1]} {day.year}"


def _vocabulary(kb: KnowledgeBase) -> language.Vocabulary:
    """The words only the knowledge base's Indonesian texts (answers, titles, the lexicon)
    use, and only its English ones."""
    entries = kb.entries.values()
    indonesian = [e.answer["id"] for e in entries] + [e.title["id"] for e in entries]
    indonesian += [word for pair in kb.lexicon.words.items() for word in pair]
    english = [e.answer["en"] for e in entries] + [e.title["en"] for e in entries]
    return language.Vocabulary.from_texts(indonesian, english)


def _typed_command(incoming: Incoming, session: Session) -> Incoming:
    """Outside a report, "batal" typed alone is /batal and a question about one's report's
    status is /status (with the case code, if it names one)."""
    if session.mode == REPORT_MODE or incoming.choice is not None or incoming.attachments:
        return incoming
    typed = incoming.text.strip()
    if typed.startswith("/"):
        return incoming
    words = words_of(typed)
    if words in TYPED_COMMANDS:
        return replace(incoming, text=TYPED_COMMANDS[words])
    if len(words.split()) > 8:  # a story, not a question about one's report
        return incoming
    plain, code = clean(typed), _CASE_CODE.search(typed)
    asked = _STATUS_QUESTION.search(plain) and _MINE.search(plain)
    if asked or (code and "status" in plain.split()):
        return replace(incoming, text=f"/status {code.group()}" if code else "/status")
    return incoming


def _menu_in_report(incoming: Incoming, session: Session) -> bool:
    """ "menu" (or /menu) typed while a report is open: the report waits, the menu shows."""
    if session.mode != REPORT_MODE or incoming.choice is not None or incoming.attachments:
        return False
    typed = incoming.text.strip()
    if typed.startswith("/"):
        return typed[1:].split("@", 1)[0].casefold() == "menu"
    return intent_of(words_of(typed)) == "menu"


def _offer_picture(incoming: Incoming, session: Session) -> bool:
    """A picture for the offer check: sent after /cek, or with "/cek" as its caption."""
    if not incoming.attachments:
        return False
    word = incoming.text.strip().partition(" ")[0].split("@", 1)[0].casefold()
    return session.offer_open or word in ("/cek", "/check")


def _report_for(topics: tuple[str, ...]) -> str | None:
    """The report a story about these topics calls for: a missing relative's, or one about a
    recruiter or a person held."""
    if MISSING_TOPIC in topics:
        return MISSING_REPORT_COMMAND[1:]
    return "lapor" if REPORT_TOPICS & set(topics) else None
