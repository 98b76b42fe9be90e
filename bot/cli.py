"""Command line: `python main.py [chat|ask|check-offer|eval|check-kb ...]`.

Every error ends in one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import NoReturn

from bot import backup, demo, launch, ocr, runtime
from bot import keys as key_store
from bot.channels import console
from bot.channels.console_officials import ConsoleOfficials
from bot.channels.whatsapp.store import WhatsAppStore
from bot.clock import utc_now
from bot.config import PROJECT_ROOT, ConfigError, Settings, env_file_warning, load_settings
from bot.crossval import FOLDS, cross_validate, fit_gate
from bot.crypto import EncryptionKeyError, generate_hash_key, generate_key
from bot.engine import Engine
from bot.evaluation import QuestionFileError, evaluate, format_report, load_questions
from bot.knowledge import (
    MESSAGES_FILE,
    KnowledgeBase,
    KnowledgeError,
    load_knowledge,
    load_messages,
)
from bot.language import detect
from bot.matching import GATE, Matcher
from bot.messages import Incoming, UserKey
from bot.offers import check_offer, offer_reply
from bot.outbox import Outbox
from bot.sessions import MemorySessionStore
from bot.storage import Database, StorageError, UsageLog, media_folders


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
    offer.add_argument(
        "--image", type=Path, metavar="FILE", help="read the offer from a screenshot (Tesseract)"
    )
    evaluate_cmd = commands.add_parser(
        "eval", help="measure the matcher on question files (default: every set there is)"
    )
    evaluate_cmd.add_argument("files", type=Path, nargs="*", metavar="FILE")
    evaluate_cmd.add_argument(
        "--cross-validate",
        type=int,
        nargs="?",
        const=FOLDS,
        metavar="FOLDS",
        help=f"page-grouped cross-validation on the training messages ({FOLDS} folds; "
        "trains once per fold)",
    )
    evaluate_cmd.add_argument(
        "--fit-gate",
        action="store_true",
        help="fit matching.GATE, the stories' confidence, on cross-validated training "
        "messages and print it (trains once per fold)",
    )
    commands.add_parser("check-kb", help="check the knowledge base and list every problem")
    links = commands.add_parser(
        "links", help="print t.me and wa.me links for posters and pamphlets"
    )
    links.add_argument("--username", help="the bot's username (default: asked from Telegram)")
    unanswered = commands.add_parser(
        "unanswered", help="most frequent unanswered questions and most 👎 topics"
    )
    unanswered.add_argument("--limit", type=int, default=20)
    commands.add_parser(
        "gen-key",
        help="print a new REPORTS_ENCRYPTION_KEY, REPORTS_HASH_KEY and TELEGRAM_WEBHOOK_SECRET",
    )
    commands.add_parser(
        "rotate-key",
        help="re-encrypt all stored data with the first key of REPORTS_ENCRYPTION_KEY",
    )
    backup_cmd = commands.add_parser(
        "backup",
        help="copy the database and evidence files (still encrypted) while the bot runs, "
        "to PATH.tar, or into the folder PATH as a dated copy (older ones past "
        "BACKUP_KEEP_DAYS deleted)",
    )
    backup_cmd.add_argument("path", type=Path, metavar="PATH")
    restore_cmd = commands.add_parser(
        "restore", help="put a backup in place of the database (the bot must be stopped)"
    )
    restore_cmd.add_argument("path", type=Path, metavar="PATH")
    outbox = commands.add_parser("outbox", help="list pending and failed deliveries")
    outbox.add_argument("--all", action="store_true", help="include delivered rows")
    outbox.add_argument(
        "--retry", action="store_true", help="queue given-up (failed) rows again, once fixed"
    )
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
    # Whatever this process creates (the data folder, the database and its journal files)
    # is for this user alone: 0700 folders, 0600 files, whatever the shell's umask says.
    os.umask(0o077)
    # Piped input may hold anything; a broken byte must not end the run.
    for stream in (sys.stdin, sys.stdout):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        args = _parser().parse_args(argv)
        warning = env_file_warning(PROJECT_ROOT / ".env")
        if warning:
            print(warning, file=sys.stderr)
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
        # KEY=VALUE lines, ready for .env; to rotate, put only the new encryption key first.
        print(f"REPORTS_ENCRYPTION_KEY={generate_key()}")
        print(f"REPORTS_HASH_KEY={generate_hash_key()}")
        print(f"TELEGRAM_WEBHOOK_SECRET={secrets.token_urlsafe(32)}")
        return 0
    if args.command == "rotate-key":
        return asyncio.run(_rotate_key(settings))
    if args.command == "outbox":
        return asyncio.run(_outbox(settings, args.all, args.retry))
    if args.command == "backup":
        return _backup(settings, args.path)
    if args.command == "restore":
        return _restore(settings, args.path)
    if args.command == "check-kb":
        return _check_kb(settings.knowledge_dir)
    kb = load_knowledge(settings.knowledge_dir)
    if args.command == "ask":
        if args.question is None and not args.json:
            raise UsageError("ask needs a question, or --json to read questions from stdin")
        matcher = Matcher(kb, cache_dir=settings.model_cache_dir)
        return asyncio.run(_ask(matcher, args.question, args.json))
    if args.command == "check-offer":
        return _check_offer(kb, args.text, args.json, args.image)
    if args.command == "eval" and args.fit_gate:
        return _fit_gate(settings, args.files, args.cross_validate or FOLDS)
    if args.command == "eval" and args.cross_validate is not None:
        return _cross_validate(settings, args.files, args.cross_validate)
    if args.command == "eval":
        return _eval(kb, settings, args.files)
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
    asyncio.run(launch.run_channels(settings, kb))
    return 0


async def _chat(settings: Settings, kb: KnowledgeBase) -> None:
    """The terminal chat; without a real key, the demo (bot/demo.py) shows reporting too."""
    if settings.reports_key:
        async with runtime.open_services(settings, kb) as services:
            await console.run(services.engine)
        return
    settings = demo.demo_settings(settings)
    async with runtime.open_services(settings, kb, officials_present=True) as services:
        assert services.outbox and services.group_desk  # the demo key is set
        officials = ConsoleOfficials(services.outbox, services.group_desk)
        banner = demo.BANNER.format(folder=settings.database_path.parent)  # the demo's
        await console.run(services.engine, officials=officials, banner=banner)


def _links(kb: KnowledgeBase, settings: Settings, username: str | None) -> int:
    if username is None and settings.telegram_token:
        from bot.channels.telegram.app import bot_username

        username = asyncio.run(bot_username(settings))
    if username is None and not settings.whatsapp_number:
        raise UsageError(
            "links needs --username, TELEGRAM_BOT_TOKEN to ask Telegram, or WHATSAPP_NUMBER"
        )
    if username is not None:
        base = f"https://t.me/{username.lstrip('@')}?start="
        print(f"{'start':<28} https://t.me/{username.lstrip('@')}")
        for payload in ("lapor", "lapor_hilang", "cek", "langganan"):
            print(f"{payload:<28} {base}{payload}")
        for group in kb.groups:
            for topic in group.entry_ids:
                print(f"{topic:<28} {base}topik_{topic}")
    if settings.whatsapp_number:
        # WhatsApp has no start payloads: the link fills in a first message, a command word.
        chat = f"https://wa.me/{settings.whatsapp_number}"
        print(f"{'whatsapp':<28} {chat}")
        for word in ("lapor", "cek", "langganan"):
            print(f"{'whatsapp ' + word:<28} {chat}?text={word}")
    return 0


@asynccontextmanager
async def _existing_database(
    settings: Settings, demo_too: bool = True
) -> AsyncIterator[tuple[Database, Settings] | None]:
    """The bot's database and the settings that open it, or None when there is nothing to
    show. Without a real key the terminal chat keeps a demo database of its own: `demo_too`
    shows that one, named as the demo; otherwise it is only named."""
    path = settings.database_path
    demo_path = demo.demo_folder(settings) / demo.DATABASE_NAME
    if not path.exists() and not settings.reports_key and demo_path.exists():
        if not demo_too:
            print(f"no database at {path}; the terminal demo's own is {demo_path} (demo data)")
            yield None
            return
        settings = demo.demo_settings(settings)
        path = settings.database_path
        print(f"DEMO: the terminal demo's database at {path} (demo data, never real reports)")
    if not path.exists():
        print(f"no database yet at {path}: nothing recorded")
        yield None
        return
    database = await Database.open(path)
    try:
        yield database, settings
    finally:
        await database.close()


async def _outbox(settings: Settings, include_sent: bool, retry: bool = False) -> int:
    async with _existing_database(settings) as opened:
        if opened is None:
            return 0
        database, settings = opened
        for row in await WhatsAppStore(database).undelivered():
            error = f"  last error: {row.last_error}" if row.last_error else ""
            print(
                f"whatsapp #{row.id:<5} {row.status:<8} tries {row.attempts:<3} "
                f"since {row.created_at}{error}"
            )
        keys = await key_store.open_keys(
            database, settings.reports_key.value, settings.hash_key.value
        )
        cipher = keys.cipher
        if cipher is None:
            print("reporting is off (no REPORTS_ENCRYPTION_KEY): no outbox")
            return 0
        outbox = Outbox(database, cipher)
        if retry:
            # A running bot picks them up within a second (its idle look-up).
            print(f"{await outbox.retry_failed()} given-up row(s) queued again")
        entries = await outbox.entries(include_sent)
    if not entries:
        print("outbox empty: every report and message has been delivered")
    for entry in entries:
        error = f"  last error: {entry.last_error}" if entry.last_error else ""
        print(
            f"#{entry.id:<5} {entry.status:<8} {entry.role:<12} case {entry.report_code or '-':<15}"
            f" tries {entry.attempts:<3} since {entry.created_at}{error}"
        )
    return 0


async def _rotate_key(settings: Settings) -> int:
    async with _existing_database(settings, demo_too=False) as opened:
        if opened is None:
            return 0
        database = opened[0]
        if not settings.reports_key:
            raise EncryptionKeyError("REPORTS_ENCRYPTION_KEY is not set: nothing to rotate")
        keys = await key_store.open_keys(
            database, settings.reports_key.value, settings.hash_key.value, rehash=True
        )
        assert keys.cipher is not None  # both keys are set, or open_keys raised

        def progress(done: int) -> None:
            print(f"re-encrypted {done} values so far", flush=True)

        changed = await key_store.rotate(database, keys.cipher, on_batch=progress)
    files = key_store.rotate_files(media_folders(settings.database_path), keys.cipher)
    print(
        f"done: {changed} values and {files.rotated} evidence files re-encrypted with the "
        "first key of REPORTS_ENCRYPTION_KEY."
    )
    for path in files.unreadable:
        print(f"{path} opens with none of the keys: left as it is", file=sys.stderr)
    if files.unreadable:
        print("Keep the older keys until those files are accounted for.", file=sys.stderr)
        return 1
    if keys.cipher.key_count > 1:
        print("The older keys are no longer needed: remove them from REPORTS_ENCRYPTION_KEY.")
    return 0


def _backup(settings: Settings, target: Path) -> int:
    copied = backup.backup(settings.database_path, target, settings.backup_keep_days, utc_now())
    print(f"backup written: {copied.path} ({copied.cases} cases, {copied.files} evidence files)")
    for old in copied.deleted:
        print(f"deleted {old.name}: older than {settings.backup_keep_days} days")
    return 0


def _restore(settings: Settings, source: Path) -> int:
    restored = backup.restore(source, settings.database_path, utc_now())
    print(
        f"restored {source} to {settings.database_path} "
        f"({restored.cases} cases, {restored.files} evidence files)."
    )
    for aside in restored.set_aside:
        print(f"what it replaced is kept as {aside}: delete it once the bot runs well")
    print("Start the bot with the keys in use when the backup was made.")
    return 0


async def _unanswered(settings: Settings, limit: int) -> int:
    async with _existing_database(settings) as opened:
        if opened is None:
            return 0
        summary = await UsageLog(opened[0]).summary(limit)
    print("Most frequent unanswered questions (add them to a topic's questions or the lexicon):")
    for question, count in summary.unanswered or [("(none)", 0)]:
        print(f"  {count:>4}  {question}")
    print("Topics with most 👎 (check the answer's wording and facts):")
    for topic, down, up in summary.unhelpful or [("(none)", 0, 0)]:
        print(f"  {down:>4} 👎 {up:>4} 👍  {topic}")
    return 0


# The sets `eval` measures when given none, the one to judge by first: messages real people
# wrote that nothing was tuned on; then the development set (outside the repository), the
# validation questions, and the training messages the model learns from (which flatter it).
EVAL_SETS = (
    PROJECT_ROOT / "tests" / "data" / "real-messages-validation.yaml",
    PROJECT_ROOT.parent / "shared" / "eval" / "dev-questions.yaml",
    PROJECT_ROOT / "tests" / "data" / "validation-questions.yaml",
    PROJECT_ROOT / "tests" / "data" / "fresh-questions.yaml",
    PROJECT_ROOT / "tests" / "data" / "fresh-questions-2.yaml",
    PROJECT_ROOT / "tests" / "data" / "fresh-questions-3.yaml",
    PROJECT_ROOT / "tests" / "data" / "fresh-questions-4.yaml",
    PROJECT_ROOT / "knowledge" / "real-messages.yaml",
)


def _eval(kb: KnowledgeBase, settings: Settings, files: list[Path]) -> int:
    if not files:
        files = [path for path in EVAL_SETS if path.exists()]
        for missing in sorted(set(EVAL_SETS) - set(files)):
            print(f"(no {missing}: not measured)")
    sets = [(path, load_questions(path)) for path in files]  # a bad file fails before work
    matcher = Matcher(kb, cache_dir=settings.model_cache_dir)
    print(f"topic model: {matcher.scorer.source}")
    for path, questions in sets:
        print(f"\n=== {path.name} ({len(questions)} questions)")
        print(format_report(evaluate(matcher, questions)))
    return 0


def _cross_validate(settings: Settings, files: list[Path], folds: int) -> int:
    _check_folds("--cross-validate", "measures", files, folds)
    directory = settings.knowledge_dir
    print(f"=== {MESSAGES_FILE}: {folds}-fold cross-validation, grouped by page")
    print(format_report(cross_validate(directory, folds, _to_stderr)))
    return 0


def _fit_gate(settings: Settings, files: list[Path], folds: int) -> int:
    _check_folds("--fit-gate", "learns from", files, folds)
    weights = fit_gate(settings.knowledge_dir, folds, _to_stderr)
    print(f"GATE = {weights}  # (one of ours, topic probability, log words, intercept)")
    print(f"in use: {GATE} (bot/matching.py)")
    return 0


def _check_folds(option: str, does: str, files: list[Path], folds: int) -> None:
    """Both fold commands train on the knowledge base's own messages, page by page."""
    if files:
        raise UsageError(f"{option} {does} the training messages, not files")
    if folds < 2:
        raise UsageError(f"{option} needs at least 2 folds")


def _to_stderr(line: str) -> None:
    """Progress of a long command, apart from its result on stdout."""
    print(line, file=sys.stderr)


def _check_kb(directory: Path) -> int:
    try:
        kb = load_knowledge(directory)
        messages = load_messages(kb)
    except KnowledgeError as error:
        for problem in error.problems:
            print(problem)
        print(f"{len(error.problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    questions = sum(len(e.questions) for e in kb.entries.values())
    print(
        f"OK: {len(kb.entries)} topics in {len(kb.groups)} groups, {questions} example questions, "
        f"{len(kb.contacts)} contacts, {len(kb.countries)} countries, "
        f"{len(kb.warning_signs)} warning signs, {len(kb.lexicon.words)} lexicon words, "
        f"{len(messages)} labelled messages to learn from"
    )
    return 0


async def _ask(matcher: Matcher, question: str | None, as_json: bool) -> int:
    """Each line answered as a first message from a new person, through the same engine the
    chat uses (closings, the emergency answer by country, the reply's language)."""
    engine = Engine(matcher.kb, MemorySessionStore(), matcher=matcher)
    lines = [question] if question is not None else (line.rstrip("\n") for line in sys.stdin)
    for number, line in enumerate(lines):
        person = UserKey("ask", str(number), str(number))
        turn = await engine.respond(Incoming(person, text=line))
        if as_json:
            record = {
                "question": line,
                "topic": turn.topic,
                "score": turn.score,
                "alternatives": list(turn.alternatives),
                "answer": "\n\n".join(reply.text for reply in turn.replies),
            }
            print(json_line(record), flush=True)
        else:
            print("\n\n".join(console.render(reply) for reply in turn.replies))
    return 0


# Characters that str.splitlines() and many readers treat as line ends, but that json.dumps
# leaves raw with ensure_ascii=False: escaped, so one record is always exactly one line.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(record: object) -> str:
    return json.dumps(record, ensure_ascii=False).translate(_LINE_BREAKS)


def _check_offer(kb: KnowledgeBase, text: str | None, as_json: bool, image: Path | None) -> int:
    if image is not None:
        offer = _read_picture(image)
    else:
        offer = text if text is not None else sys.stdin.read()
    if not offer.strip():
        raise UsageError("check-offer needs the offer's text (an argument or stdin) or --image")
    result = check_offer(offer, kb)
    lang = detect(offer) or "id"
    if as_json:
        record: dict[str, object] = {
            "level": result.level,
            "score": result.score,
            "signs": [
                {"id": s.id, "weight": s.weight, "bar": s.bar, "explanation": s.explanation[lang]}
                for s in result.signs
            ],
        }
        if image is not None:
            record["text"] = offer
        print(json_line(record))
    else:
        if image is not None:
            print(f"{offer}\n")
        print(console.render(offer_reply(result, kb, lang)))
    return 0


def _read_picture(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    reader = ocr.ImageReader()
    try:
        return asyncio.run(reader.read(data))
    except ocr.OcrError as error:
        raise UsageError(OCR_PROBLEMS[error.reason].format(path=path)) from None
    finally:
        reader.close()


OCR_PROBLEMS = {
    "unavailable": "cannot read pictures: install tesseract-ocr and tesseract-ocr-ind (README)",
    "unreadable": "{path} is not a picture Tesseract can read (PNG, JPEG or WebP)",
    "not_screenshot": "{path} is far too long and narrow for a screenshot: not read",
    "too_large": "{path} is too large to read",
    "busy": "the picture reader is busy",
}
