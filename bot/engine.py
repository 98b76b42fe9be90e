"""The conversation core: one `Incoming` in, a list of `Reply` out.

It knows commands, menus, answers, the offer check and the fallback; it knows
nothing about Telegram, WhatsApp or the terminal.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from rapidfuzz import fuzz, process

from bot import language
from bot.knowledge import PHONE_LIKE, Entry, KnowledgeBase
from bot.matching import Match, Matcher
from bot.messages import Button, Incoming, Reply
from bot.normalize import MAX_CHARS, normalize
from bot.ocr import ImageReader, OcrError
from bot.offers import ACTION as OFFER_ACTION
from bot.offers import check_offer, offer_reply, why_reply
from bot.reporting import Reporting
from bot.safe_text import clean_incoming
from bot.sessions import CHECKED_MODE, OFFER_MODE, Session, SessionStore
from bot.texts import HUMAN_HELP_CONTACT, text

GREETING_TOPIC = "sapaan"
PRIVACY_TOPIC = "privasi"
REPORT_TOPIC = "cara-melapor"
MAX_RELATED_BUTTONS = 3
# A topic whose answer names this command gets a button that starts that report.
MISSING_REPORT_COMMAND = "/lapor_hilang"

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
}


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
    ) -> None:
        self.kb = kb
        self.matcher = matcher or Matcher(kb)
        self.sessions = sessions
        self.usage = usage
        self.reporting = reporting  # None: reports are not configured (no key / no database)
        self.reader = reader or ImageReader()  # screenshots of job adverts, for the offer check

    async def handle(self, incoming: Incoming) -> list[Reply]:
        incoming = clean_incoming(incoming)  # nothing invisible or bidi is stored or shown
        if incoming.revoked is not None and self.reporting is None:
            return []  # a deleted message is never answered
        stored = session = await self.sessions.get(incoming.user)
        lang, session = self._language(incoming, session)
        routed = asked = None
        if self.reporting is not None:
            asked = self.reporting.held_question(incoming, session)
            if asked is None:
                routed = await self.reporting.route(incoming, lang, session)
        if asked is not None:  # "❓ Ini pertanyaan": the held message is a question
            replies, session = await self._text(asked[0][:MAX_CHARS], lang, asked[1])
        elif routed is not None:
            replies, session = routed
        elif incoming.choice is not None:
            replies, session = await self._choice(incoming.choice, lang, session)
        elif _offer_picture(incoming, session):
            replies, session = await self._check_picture(incoming, lang, session)
        elif incoming.attachments and not incoming.text.strip():
            replies = [Reply(text("media_outside_report", lang), buttons=self._menu_buttons(lang))]
        else:
            replies, session = await self._text(incoming.text[:MAX_CHARS], lang, session)
        if session != stored:  # most messages change nothing: spare the database a write
            await self.sessions.put(incoming.user, session)
        return replies

    # --- language --------------------------------------------------------------------

    def _language(self, incoming: Incoming, session: Session) -> tuple[str, Session]:
        detected = language.detect(incoming.text) if incoming.text else None
        if detected:
            session = session.with_changes(last_language=detected)
        hint = incoming.language_hint if incoming.language_hint == "en" else None
        lang = session.language or detected or session.last_language or hint
        return lang or language.DEFAULT, session

    # --- free text -------------------------------------------------------------------

    async def _text(self, raw: str, lang: str, session: Session) -> tuple[list[Reply], Session]:
        stripped = raw.strip()
        if stripped.startswith("/"):
            return self._command(stripped, lang, session)
        if not normalize(stripped):
            return [Reply(text("empty", lang), buttons=self._menu_buttons(lang))], session
        match = self.matcher.match(stripped)
        if session.offer_open and match.rule != "trigger":
            verdict = offer_reply(check_offer(stripped, self.kb), self.kb, lang)
            return [verdict], self._checked(session, stripped)
        return await self._answer_match(stripped, match, lang), session.with_changes(mode=None)

    async def _answer_match(self, question: str, match: Match, lang: str) -> list[Reply]:
        if match.topic is None and self.usage is not None:
            # Kept for the editors in plain text, so phone numbers people typed are masked.
            kept = PHONE_LIKE.sub("[nomor]", normalize(question, self.kb.lexicon))
            await self.usage.unanswered(kept, lang)
        return [self.reply_to_match(match, lang)]

    def reply_to_match(self, match: Match, lang: str) -> Reply:
        """The answer, or "I don't know" with any topics close enough to offer."""
        if match.topic is not None and match.rule == "trigger":
            # Danger first, and the question the message also asked one tap away.
            return self.answer(self.kb.entries[match.topic], lang, also=match.alternatives)
        if match.topic is not None:
            return self.answer(self.kb.entries[match.topic], lang, match.alternatives)
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
            offer = payload.strip()[:MAX_CHARS]
            verdict = offer_reply(check_offer(offer, self.kb), self.kb, lang)
            return [verdict], self._checked(session, offer)
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
        read = read[:MAX_CHARS]
        if self.reporting is not None:  # kept (encrypted) for 📣 Lapor under the verdict
            session = session.with_changes(mode=f"{OFFER_MODE}:{read}")
        verdict = offer_reply(check_offer(read, self.kb), self.kb, lang, "offer_result_image")
        return [verdict, Reply(text("offer_read_text", lang, text=read))], session

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
        alternatives: tuple[str, ...] = (),
        also: tuple[str, ...] = (),
    ) -> Reply:
        """`alternatives`: topics the question may have meant ("Maksud Anda: ..."); `also`:
        topics the message asked about besides this one, offered first as plain buttons."""
        rows: list[tuple[Button, ...]] = [(self._topic_button(topic, lang),) for topic in also]
        if MISSING_REPORT_COMMAND in entry.answer[lang]:
            label = text("report_missing_button", lang)
            rows.append((Button(label, f"cmd:{MISSING_REPORT_COMMAND[1:]}"),))
        for topic in alternatives:
            title = self.kb.entries[topic].title[lang]
            rows.append((Button(text("did_you_mean", lang, title=title), f"topic:{topic}"),))
        for topic in entry.related[:MAX_RELATED_BUTTONS]:
            if topic not in alternatives and topic not in also:
                rows.append((self._topic_button(topic, lang),))
        rows.append(self._main_menu_row(lang))
        rows.append(
            (
                Button(text("helpful", lang), f"up:{entry.id}"),
                Button(text("not_helpful", lang), f"down:{entry.id}"),
            )
        )
        return Reply(
            text=self.kb.render_answer(entry, lang),
            title=entry.title[lang],
            note=self._source_note(entry, lang),
            buttons=tuple(rows),
        )

    def _source_note(self, entry: Entry, lang: str) -> str:
        note = text(
            "source",
            lang,
            sources="; ".join(source[lang] for source in entry.sources),
            date=_date(entry.reviewed, lang),
        )
        if entry.verify_note:
            note += " " + text("verify_hint", lang)
        return note

    def dont_know(self, lang: str) -> Reply:
        contact = self.kb.contacts.get(HUMAN_HELP_CONTACT)
        help_line = contact.render(lang) if contact else "Disnaker"
        return Reply(text("dont_know", lang, contact=help_line), buttons=self._menu_buttons(lang))

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


def _offer_picture(incoming: Incoming, session: Session) -> bool:
    """A picture for the offer check: sent after /cek, or with "/cek" as its caption."""
    if not incoming.attachments:
        return False
    word = incoming.text.strip().partition(" ")[0].split("@", 1)[0].casefold()
    return session.offer_open or word in ("/cek", "/check")
