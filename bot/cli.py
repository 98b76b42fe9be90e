"""Command line: `python main.py [chat|ask|check-offer|eval|check-kb ...]`.

Every error ends in one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import NoReturn

from bot import runtime
from bot.channels import console
from bot.channels.whatsapp.store import WhatsAppStore
from bot.config import ConfigError, Settings, load_settings
from bot.crypto import EncryptionKeyError, generate_key
from bot.engine import Engine, offer_reply
from bot.evaluation import QuestionFileError, evaluate, format_report, load_questions
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.language import detect
from bot.matching import Matcher
from bot.offers import check_offer
from bot.outbox import Outbox
from bot.sessions import MemorySessionStore
from bot.storage import Database, StorageError, UsageLog


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see: python main.py --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python main.py", description="Migran Aman chatbot.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.add_parser(
        "run", help="start every configured channel (Telegram, WhatsApp), else the terminal chat"
    )
    commands.add_parser("chat", help="chat in the terminal (reads stdin when piped)")
    ask = commands.add_parser("ask", help="answer one question, or stdin lines with --json")
    ask.add_argument("question", nargs="?", help="the question (omit with --json to read stdin)")
    ask.add_argument("--json", action="store_true", help="one JSON object a line")
    offer = commands.add_parser("check-offer", help="look for warning signs in a job offer")
    offer.add_argument("text", nargs="?", help="the offer text (omit to read stdin)")
    offer.add_argument("--json", action="store_true", help="print JSON")
    evaluate_cmd = commands.add_parser("eval", help="measure the matcher on a question file")
    evaluate_cmd.add_argument("file", type=Path)
    commands.add_parser("check-kb", help="check the knowledge base and list every problem")
    links = commands.add_parser(
        "links", help="print t.me and wa.me links for posters and pamphlets"
    )
    links.add_argument("--username", help="the bot's username (default: asked from Telegram)")
    unanswered = commands.add_parser(
        "unanswered", help="most frequent unanswered questions and most 👎 topics"
    )
    unanswered.add_argument("--limit", type=int, default=20)
    commands.add_parser("gen-key", help="print a new REPORTS_ENCRYPTION_KEY")
    outbox = commands.add_parser("outbox", help="list pending and failed deliveries")
    outbox.add_argument("--all", action="store_true", help="include delivered rows")
    return parser


# Failures a user can cause or fix: one line on stderr and an exit status, no traceback.
EXPECTED_FAILURES: tuple[tuple[type[Exception], str, int], ...] = (
    (UsageError, "error", 2),
    (QuestionFileError, "error", 2),
    (ConfigError, "configuration error", 2),
    (EncryptionKeyError, "encryption key error", 2),
    (StorageError, "database error", 1),
)


def main(argv: Sequence[str] | None = None) -> int:
    # Piped input may hold anything; a broken byte must not end the run.
    for stream in (sys.stdin, sys.stdout):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        args = _parser().parse_args(argv)
        settings = load_settings()
        return _dispatch(args, settings)
    except KnowledgeError as error:
        print(
            f"knowledge base has {len(error.problems)} problem(s); run: python main.py check-kb",
            file=sys.stderr,
        )
        return 1
    except tuple(kind for kind, _, _ in EXPECTED_FAILURES) as error:
        label, status = next(
            (lb, st) for kind, lb, st in EXPECTED_FAILURES if isinstance(error, kind)
        )
        print(f"{label}: {error}", file=sys.stderr)
        return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `... | head`: the reader has all it wanted
        sys.stderr.close()
        return 0


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "gen-key":
        print(generate_key())
        return 0
    if args.command == "outbox":
        return asyncio.run(_outbox(settings, args.all))
    if args.command == "check-kb":
        return _check_kb(settings.knowledge_dir)
    kb = load_knowledge(settings.knowledge_dir)
    if args.command == "ask":
        return _ask(kb, args.question, args.json)
    if args.command == "check-offer":
        return _check_offer(kb, args.text, args.json)
    if args.command == "eval":
        questions = load_questions(args.file)
        print(format_report(evaluate(Matcher(kb), questions)))
        return 0
    if args.command == "links":
        return _links(kb, settings, args.username)
    if args.command == "unanswered":
        return asyncio.run(_unanswered(settings, args.limit))
    if args.command == "chat" or not (settings.telegram_enabled or settings.whatsapp):
        if args.command != "chat":
            print(
                "TELEGRAM_BOT_TOKEN is not set and WhatsApp is not configured: "
                "starting the terminal chat.",
                file=sys.stderr,
            )
        asyncio.run(_chat(settings, kb))
        return 0
    runtime.configure_logging(settings.log_level)
    asyncio.run(runtime.run_channels(settings, kb))
    return 0


async def _chat(settings: Settings, kb: KnowledgeBase) -> None:
    async with runtime.open_services(settings, kb) as services:
        await console.run(services.engine)


def _links(kb: KnowledgeBase, settings: Settings, username: str | None) -> int:
    if username is None and settings.telegram_token:
        from bot.channels.telegram import bot_username

        username = asyncio.run(bot_username(settings))
    if username is None and not settings.whatsapp_number:
        raise UsageError(
            "links needs --username, TELEGRAM_BOT_TOKEN to ask Telegram, or WHATSAPP_NUMBER"
        )
    if username is not None:
        base = f"https://t.me/{username.lstrip('@')}?start="
        print(f"{'start':<28} https://t.me/{username.lstrip('@')}")
        for payload in ("lapor", "cek"):
            print(f"{payload:<28} {base}{payload}")
        for group in kb.groups:
            for topic in group.entry_ids:
                print(f"{topic:<28} {base}topik_{topic}")
    if settings.whatsapp_number:
        # WhatsApp has no start payloads: the link fills in a first message, a command word.
        chat = f"https://wa.me/{settings.whatsapp_number}"
        print(f"{'whatsapp':<28} {chat}")
        for word in ("lapor", "cek"):
            print(f"{'whatsapp ' + word:<28} {chat}?text={word}")
    return 0


@asynccontextmanager
async def _existing_database(settings: Settings) -> AsyncIterator[Database | None]:
    """The bot's database, or None when the bot has never run here (nothing to show)."""
    if not settings.database_path.exists():
        print(f"no database yet at {settings.database_path}: nothing recorded")
        yield None
        return
    database = await Database.open(settings.database_path)
    try:
        yield database
    finally:
        await database.close()


async def _outbox(settings: Settings, include_sent: bool) -> int:
    async with _existing_database(settings) as database:
        if database is None:
            return 0
        for row in await WhatsAppStore(database).undelivered():
            error = f"  last error: {row.last_error}" if row.last_error else ""
            print(
                f"whatsapp #{row.id:<5} {row.status:<8} tries {row.attempts:<3} "
                f"since {row.created_at}{error}"
            )
        cipher = await runtime.open_cipher(database, settings.reports_key.value)
        if cipher is None:
            print("reporting is off (no REPORTS_ENCRYPTION_KEY): no outbox")
            return 0
        entries = await Outbox(database, cipher).entries(include_sent)
    if not entries:
        print("outbox empty: every report and message has been delivered")
    for entry in entries:
        error = f"  last error: {entry.last_error}" if entry.last_error else ""
        print(
            f"#{entry.id:<5} {entry.status:<8} {entry.role:<12} case {entry.report_code or '-':<15}"
            f" tries {entry.attempts:<3} since {entry.created_at}{error}"
        )
    return 0


async def _unanswered(settings: Settings, limit: int) -> int:
    async with _existing_database(settings) as database:
        if database is None:
            return 0
        summary = await UsageLog(database).summary(limit)
    print("Most frequent unanswered questions (add them to a topic's questions or the lexicon):")
    for question, count in summary.unanswered or [("(none)", 0)]:
        print(f"  {count:>4}  {question}")
    print("Topics with most 👎 (check the answer's wording and facts):")
    for topic, down, up in summary.unhelpful or [("(none)", 0, 0)]:
        print(f"  {down:>4} 👎 {up:>4} 👍  {topic}")
    return 0


def _check_kb(directory: Path) -> int:
    try:
        kb = load_knowledge(directory)
    except KnowledgeError as error:
        for problem in error.problems:
            print(problem)
        print(f"{len(error.problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    questions = sum(len(e.questions) for e in kb.entries.values())
    print(
        f"OK: {len(kb.entries)} topics in {len(kb.groups)} groups, {questions} example questions, "
        f"{len(kb.contacts)} contacts, {len(kb.warning_signs)} warning signs, "
        f"{len(kb.lexicon.words)} lexicon words"
    )
    return 0


def _ask(kb: KnowledgeBase, question: str | None, as_json: bool) -> int:
    if question is None and not as_json:
        raise UsageError("ask needs a question, or --json to read questions from stdin")
    engine = Engine(kb, MemorySessionStore())
    lines = [question] if question is not None else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        match = engine.matcher.match(line)
        lang = detect(line) or "id"
        reply = engine.reply_to_match(match, lang)
        if as_json:
            record = {
                "question": line,
                "topic": match.topic,
                "score": match.score,
                "alternatives": list(match.alternatives),
                "answer": reply.text,
            }
            print(json_line(record), flush=True)
        else:
            print(console.render(reply))
    return 0


# Characters that str.splitlines() and many readers treat as line ends, but that json.dumps
# leaves raw with ensure_ascii=False: escaped, so one record is always exactly one line.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(record: object) -> str:
    return json.dumps(record, ensure_ascii=False).translate(_LINE_BREAKS)


def _check_offer(kb: KnowledgeBase, text: str | None, as_json: bool) -> int:
    offer = text if text is not None else sys.stdin.read()
    result = check_offer(offer, kb)
    lang = detect(offer) or "id"
    if as_json:
        record = {
            "level": result.level,
            "score": result.score,
            "signs": [
                {"id": s.id, "weight": s.weight, "explanation": s.explanation[lang]}
                for s in result.signs
            ],
        }
        print(json_line(record))
    else:
        print(console.render(offer_reply(result, lang)))
    return 0
