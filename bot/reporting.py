"""The reporter's side of reporting inside a conversation: /lapor, /batal, /status,
and answering officials. The engine asks `route` first; None means "not mine".
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.replies import intent_of, words_of
from bot.flows.report import ACTION as FLOW_ACTION
from bot.flows.report import ReportFlow
from bot.messages import Button, Incoming, Reply, keep_files
from bot.officials import REPLY_ACTION, Desk
from bot.reports import ReportStore
from bot.sessions import Session
from bot.texts import text

REPORT_MODE = "report"
REPLY_MODE = "reply:"  # + case code: the next message goes to the officials
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

    async def route(self, incoming: Incoming, lang: str, session: Session) -> Routed:
        user = incoming.user
        choice = incoming.choice
        limited = await self._over_cap(incoming, lang, session)
        if limited is not None:
            return limited
        if choice is not None:
            if choice.startswith(f"{FLOW_ACTION}:"):
                return await self._in_flow(incoming, lang, session)
            if choice.startswith(f"{REPLY_ACTION}:"):
                return await self._start_reply(incoming, choice.partition(":")[2], lang, session)
            command = choice.removeprefix("cmd:")
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
        if session.mode == REPORT_MODE:
            if intent_of(words_of(incoming.text)) == "menu" and not incoming.attachments:
                return [self._paused(lang)], session.with_changes(mode=None)
            return await self._in_flow(incoming, lang, session)
        relaying = bool(session.mode and session.mode.startswith(REPLY_MODE)) or bool(
            incoming.reply_to and incoming.reply_to.isdigit()
        )
        if incoming.edited and relaying:  # what reached the officials cannot be unsaid
            return [Reply(text("edit_not_relayed", lang))], session
        if session.mode and session.mode.startswith(REPLY_MODE):
            return await self._relay_reply(incoming, session.mode[len(REPLY_MODE) :], lang, session)
        if incoming.reply_to and incoming.reply_to.isdigit():  # a swipe-reply to an official
            report = await self.store.by_message_to(user, int(incoming.reply_to))
            if report is not None:
                return await self._relay_reply(incoming, report.code, lang, session)
        return None

    async def _start(
        self, incoming: Incoming, kind: str | None, lang: str, session: Session
    ) -> Routed:
        replies = await self.flow.start(incoming.user, lang, kind)
        return replies, session.with_changes(mode=REPORT_MODE)

    async def _in_flow(self, incoming: Incoming, lang: str, session: Session) -> Routed:
        replies = await self.flow.handle(incoming, lang)
        mode = REPORT_MODE if await self.flow.is_active(incoming.user) else None
        return replies, session.with_changes(mode=mode)

    def _paused(self, lang: str) -> Reply:
        """A typed "menu" inside the report: the draft waits; the menu is one tap away."""
        buttons = (
            (Button(text("report_continue_button", lang), "cmd:lapor"),),
            (Button(text("main_menu", lang), "menu"),),
        )
        return Reply(text("report_paused", lang), buttons=buttons)

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
        mine = await self.store.of_reporter(incoming.user)
        if not code:
            if not mine:
                return Reply(text("status_none", lang))
            lines = [text("status_list", lang)]
            lines += [f"• {r.code}: {text(f'case_status_{r.status}', lang)}" for r in mine]
            return Reply("\n".join(lines))
        report = next((r for r in mine if r.code == code.strip().upper()), None)
        if report is None:  # someone else's code looks exactly like a wrong one
            return Reply(text("status_not_found", lang))
        status = text(f"case_status_{report.status}", lang)
        lines = [text("status_of", lang, code=report.code, status=status)]
        for at, message in await self.store.messages_to_reporter(report):
            lines.append(f"\n{at[:16].replace('T', ' ')} — {message}")
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
        if incoming.text and self.flow.is_danger(incoming.text):
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
        await self.desk.to_officials(report, incoming.text.strip(), tuple(kept))
        self.flow.on_commit()
        replies.append(Reply(text("reply_sent", lang, code=code)))
        return replies, session.with_changes(mode=None)


def _command(raw: str) -> tuple[str, str, str]:
    """("lapor", " ", "ABC") for "/lapor@bot ABC"; ("", "", "") for plain text."""
    stripped = raw.strip()
    if not stripped.startswith("/"):
        return "", "", ""
    word, separator, argument = stripped[1:].partition(" ")
    return word.split("@", 1)[0].casefold(), separator, argument.strip()
