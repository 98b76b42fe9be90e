"""The reporter's side of reporting inside a conversation: /lapor, /batal, /status,
and answering officials. The engine asks `route` first; None means "not mine".

A reporter's answer to the officials must never be taken for a question. It reaches the
case when it quotes one of the bot's messages about it (a swipe-reply), after ↩️ Balas
petugas, and, from a reporter with an open case whom the officials wrote to lately, when
they confirm it is for the case ("Kirim ke petugas?"). Signs of danger from a reporter
with an open case go to its group at once, marked urgent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot import deadlines
from bot.cards import REPLY_ACTION
from bot.flows.report import ACTION as FLOW_ACTION
from bot.flows.report import ReportFlow
from bot.messages import Button, Incoming, Reply, keep_files
from bot.officials import Desk
from bot.reports import Report, ReportStore
from bot.response import moment_of
from bot.sessions import Session
from bot.texts import text

REPORT_MODE = "report"
REPLY_MODE = "reply:"  # + case code: the next message goes to the officials
# + case code, newline, text: a message waiting for "is this for the officials?"
HELD_MODE = "held:"
TO_CASE = "kekasus"  # "kekasus:kirim" sends the held message, "kekasus:tanya" answers it
# Free text is offered to a case whose officials wrote to the reporter this recently.
OFFER_WITHIN = dt.timedelta(days=7)
MESSAGES_SHOWN = 3  # officials' messages per case in the list "status" shows
# Command (and deep-link payload) -> the kind of report it starts; None asks which kind.
REPORT_COMMANDS: dict[str, str | None] = {"lapor": None, "report": None, "lapor_hilang": "hilang"}
CANCEL_COMMANDS = {"batal", "cancel"}
STATUS_COMMANDS = {"status"}

Routed = tuple[list[Reply], Session] | None


@dataclass(frozen=True)
class Caps:
    """Limits per reporter, so one account cannot fill the task force's group."""

    reports_per_day: int = 3
    messages_per_hour: int = 10  # to the officials, per case
    evidence_per_report: int = 20


class Reporting:
    def __init__(
        self, flow: ReportFlow, desk: Desk, store: ReportStore, caps: Caps | None = None
    ) -> None:
        self.flow = flow
        self.desk = desk
        self.store = store
        self.caps = caps or Caps()

    def held_question(self, incoming: Incoming, session: Session) -> tuple[str, Session] | None:
        """ "❓ Ini pertanyaan": the held message, to be answered as a question."""
        held = _held(session)
        if incoming.choice != f"{TO_CASE}:tanya" or held is None:
            return None
        return held[1], session.with_changes(mode=None)

    async def route(self, incoming: Incoming, lang: str, session: Session) -> Routed:
        user = incoming.user
        choice = incoming.choice
        limited = await self._over_cap(incoming, lang, session)
        if limited is not None:
            return limited
        if incoming.revoked is not None:  # a deleted message is never answered
            if session.mode == REPORT_MODE:
                await self.flow.forget(incoming.user, incoming.revoked)
            return [], session
        if choice is not None:
            if choice.startswith(f"{FLOW_ACTION}:"):
                return await self._in_flow(incoming, lang, session)
            if choice == f"{TO_CASE}:kirim":
                return await self._send_held(incoming, lang, session)
            if choice.startswith(f"{REPLY_ACTION}:"):
                return await self._start_reply(incoming, choice.partition(":")[2], lang, session)
            command = choice.removeprefix("cmd:")
            offer = session.checked_offer
            if choice == "cmd:lapor" and offer:  # 📣 Lapor under an offer check's verdict
                replies = await self.flow.start(incoming.user, lang, "tawaran", offer=offer)
                return replies, session.with_changes(mode=REPORT_MODE)
            if choice.startswith("cmd:") and command in REPORT_COMMANDS:  # menu, topic, offer check
                return await self._start(incoming, REPORT_COMMANDS[command], lang, session)
            return None
        command, _, argument = _command(incoming.text)
        if command == "start" and argument in REPORT_COMMANDS:  # t.me/<bot>?start=lapor_hilang
            command = argument
        if command in REPORT_COMMANDS:
            return await self._start(incoming, REPORT_COMMANDS[command], lang, session)
        if command in CANCEL_COMMANDS:
            replies = await self.flow.ask_cancel(user, lang)
            mode = REPORT_MODE if await self.flow.has_draft(user) else None  # "ya" follows
            return replies, session.with_changes(mode=mode)
        if command in STATUS_COMMANDS:
            return [await self.status(incoming, argument, lang)], session
        if command:
            return None  # any other command leaves a draft paused; /lapor resumes it
        # A swipe-reply to one of the bot's messages about a case answers that case, also
        # while another report is being written.
        quoted = await self.store.by_quote(user, incoming.reply_to) if incoming.reply_to else None
        replying = bool(session.mode and session.mode.startswith(REPLY_MODE))
        if incoming.edited and (replying or quoted):  # what reached them cannot be unsaid
            return [Reply(text("edit_not_relayed", lang))], session
        if quoted is not None:
            return await self._relay_reply(incoming, quoted.code, lang, session)
        if session.mode == REPORT_MODE:  # ("menu" typed here: the engine shows the menu)
            return await self._in_flow(incoming, lang, session)
        if replying and session.mode:
            return await self._relay_reply(incoming, session.mode[len(REPLY_MODE) :], lang, session)
        if incoming.edited:
            return None
        if (session.offer_open or incoming.attachments) and not self.flow.is_danger(incoming.text):
            return None  # an advert to check, a picture; danger goes to the case all the same
        return await self._for_a_case(incoming, lang, session)

    async def _for_a_case(self, incoming: Incoming, lang: str, session: Session) -> Routed:
        """Free text from a reporter with an open case: danger goes to the case's group at
        once; after a recent message from the officials, it is offered to the case instead
        of being answered as a question. None: it is a question like any other."""
        typed = incoming.text.strip()
        if not typed:
            return None
        cases = await self.store.open_of_reporter(incoming.user)
        if not cases:
            return None
        written = [(report, last) for report, last in cases if last is not None]
        latest = max(written, key=lambda found: found[1] or "") if written else None
        if self.flow.is_danger(typed):
            report = latest[0] if latest else cases[0][0]
            return await self._relay_reply(incoming, report.code, lang, session)
        if latest is None or self.desk.responses.now() - moment_of(latest[1] or "") > OFFER_WITHIN:
            return None
        report = latest[0]
        held = _held(session)
        if held is not None and held[0] == report.code:  # several messages, one question
            typed = f"{held[1]}\n{typed}"
        return [self._offer_to_case(report, typed, lang)], session.with_changes(
            mode=f"{HELD_MODE}{report.code}\n{typed}"
        )

    def _offer_to_case(self, report: Report, typed: str, lang: str) -> Reply:
        shown = typed if len(typed) <= 300 else typed[:299] + "…"
        buttons = (
            (Button(text("to_case_send_button", lang), f"{TO_CASE}:kirim"),),
            (Button(text("to_case_question_button", lang), f"{TO_CASE}:tanya"),),
        )
        return Reply(text("to_case_offer", lang, code=report.code, message=shown), buttons=buttons)

    async def _send_held(self, incoming: Incoming, lang: str, session: Session) -> Routed:
        held = _held(session)
        if held is None:  # an old button: the message was sent, answered or replaced
            return [Reply(text("to_case_gone", lang))], session
        code, body = held
        return await self._relay_reply(
            Incoming(incoming.user, text=body), code, lang, session.with_changes(mode=None)
        )

    async def _start(
        self, incoming: Incoming, kind: str | None, lang: str, session: Session
    ) -> Routed:
        replies = await self.flow.start(incoming.user, lang, kind)
        return replies, session.with_changes(mode=REPORT_MODE)

    async def _in_flow(self, incoming: Incoming, lang: str, session: Session) -> Routed:
        replies = await self.flow.handle(incoming, lang)
        mode = REPORT_MODE if await self.flow.is_active(incoming.user) else None
        return replies, session.with_changes(mode=mode)

    async def _over_cap(self, incoming: Incoming, lang: str, session: Session) -> Routed:
        """A polite refusal when this step would pass one of the reporter's caps."""
        user = incoming.user
        command, _, argument = _command(incoming.text)
        starting = (
            command in REPORT_COMMANDS
            or (command == "start" and argument in REPORT_COMMANDS)
            or (incoming.choice or "").removeprefix("cmd:") in REPORT_COMMANDS
        )
        sending = incoming.choice == f"{FLOW_ACTION}:send"
        if starting or sending:
            if starting and await self.flow.has_draft(user):
                return None  # resuming a draft is fine; sending it is checked at Kirim
            recent = await self.store.since(user, 24)
            if sending and not await self.flow.has_draft(user):
                return None  # a repeated Kirim: the flow shows the receipt again
            if len(recent) >= self.caps.reports_per_day:
                count = str(len(recent))
                return [Reply(text("cap_reports", lang, count=count))], session
            return None
        if incoming.attachments and session.mode == REPORT_MODE:
            draft = await self.store.get_draft(user)
            held = len(draft.answers.get("evidence", [])) if draft else 0
            if draft is not None and held >= self.caps.evidence_per_report:
                count = str(self.caps.evidence_per_report)
                done = Button(text("report_done_button", lang), f"{FLOW_ACTION}:opt:selesai")
                return [Reply(text("cap_evidence", lang, count=count), buttons=((done,),))], session
        return None

    async def status(self, incoming: Incoming, code: str, lang: str) -> Reply:
        """`status`: every case of this reporter with the officials' latest messages;
        `status CODE`: one case with all of them. Times in WIB, as the receipt gives them."""
        mine = await self.store.of_reporter(incoming.user)
        if not code:
            if not mine:  # a way on, not a dead end: report, or the menu
                begin = Button(text("report_button", lang), "cmd:lapor")
                menu = Button(text("main_menu", lang), "menu")
                return Reply(text("status_none", lang), buttons=((begin,), (menu,)))
            lines = [text("status_list", lang)]
            for case in reversed(mine):  # newest first
                status = text(f"case_status_{case.status}", lang)
                lines.append(f"\n• {case.code}: {status}")
                messages = await self.store.messages_to_reporter(case)
                for at, message in messages[-MESSAGES_SHOWN:]:
                    lines.append(f"  {_when(at, lang)} — {message}")
                if len(messages) > MESSAGES_SHOWN:
                    lines.append("  " + text("status_more", lang, code=case.code))
            return Reply("\n".join(lines))
        report = next((r for r in mine if r.code == code.strip().upper()), None)
        if report is None:  # someone else's code looks exactly like a wrong one
            return Reply(text("status_not_found", lang))
        status = text(f"case_status_{report.status}", lang)
        lines = [text("status_of", lang, code=report.code, status=status)]
        for at, message in await self.store.messages_to_reporter(report):
            lines.append(f"\n{_when(at, lang)} — {message}")
        if len(lines) == 1:
            lines.append(text("status_no_messages", lang))
        return Reply("\n".join(lines))

    async def _start_reply(
        self, incoming: Incoming, code: str, lang: str, session: Session
    ) -> Routed:
        mine = await self.store.of_reporter(incoming.user)
        if not any(r.code == code for r in mine):
            return [Reply(text("status_not_found", lang))], session
        return [Reply(text("reply_prompt", lang, code=code))], session.with_changes(
            mode=REPLY_MODE + code
        )

    async def _relay_reply(
        self, incoming: Incoming, code: str, lang: str, session: Session
    ) -> Routed:
        replies: list[Reply] = []
        danger = bool(incoming.text) and self.flow.is_danger(incoming.text)
        if danger:
            replies.append(self.flow.emergency(lang))
        report = next(
            (r for r in await self.store.of_reporter(incoming.user) if r.code == code), None
        )
        if report is None:
            return [*replies, Reply(text("status_not_found", lang))], session.with_changes(
                mode=None
            )
        sent = await self.store.messages_since(report, "from_reporter", 1)
        if sent >= self.caps.messages_per_hour:
            count = str(sent)
            refusal = Reply(text("cap_messages", lang, code=code, count=count))
            return [*replies, refusal], session.with_changes(mode=None)
        # Files are fetched only now, past the hourly cap (a channel that stores them
        # downloads here).
        kept, refused = await keep_files(incoming.attachments, len(incoming.attachments))
        replies += [Reply(text(f"media_{r.reason}", lang, limit=str(r.limit))) for r in refused]
        if not incoming.text.strip() and not kept:
            return replies, session.with_changes(mode=None)
        await self.desk.to_officials(report, incoming.text.strip(), tuple(kept), urgent=danger)
        self.flow.on_commit()
        replies.append(
            Reply(text("reply_sent_urgent" if danger else "reply_sent", lang, code=code))
        )
        return replies, session.with_changes(mode=None)


def _held(session: Session) -> tuple[str, str] | None:
    """(case code, text) of a message waiting for "is this for the officials?"."""
    if not session.mode or not session.mode.startswith(HELD_MODE):
        return None
    code, _, body = session.mode[len(HELD_MODE) :].partition("\n")
    return code, body


def _when(stamp: str, lang: str) -> str:
    return deadlines.short_moment(moment_of(stamp), lang)


def _command(raw: str) -> tuple[str, str, str]:
    """("lapor", " ", "ABC") for "/lapor@bot ABC"; ("", "", "") for plain text."""
    stripped = raw.strip()
    if not stripped.startswith("/"):
        return "", "", ""
    word, separator, argument = stripped[1:].partition(" ")
    return word.split("@", 1)[0].casefold(), separator, argument.strip()
