"""Keys and files: private file modes, two separate keys, rotation, and the upgrade of a
database written by the previous version."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import stat
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from bot import keys as key_store
from bot.config import Settings, env_file_warning
from bot.crypto import EncryptionKeyError, generate_hash_key, generate_key
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.messages import UserKey
from bot.runtime import open_services
from bot.storage import MIGRATIONS, Database
from tests.conftest import run_main, sqlite_file
from tests.test_reports import Reporter, fill_report

HASH_KEY = generate_hash_key()


def environ(tmp_path: Path, **values: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "REPORTS_"))}
    return {**clean, "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"), **values}


def settings(tmp_path: Path, key: str, hash_key: str = HASH_KEY) -> Settings:
    return Settings.from_environ(
        {
            "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"),
            "REPORTS_ENCRYPTION_KEY": key,
            "REPORTS_HASH_KEY": hash_key,
        }
    )


def test_gen_key_prints_lines_ready_for_env(tmp_path: Path) -> None:
    result = run_main("gen-key", env=environ(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert set(lines) == {"REPORTS_ENCRYPTION_KEY", "REPORTS_HASH_KEY", "TELEGRAM_WEBHOOK_SECRET"}
    assert lines["REPORTS_HASH_KEY"] != lines["REPORTS_ENCRYPTION_KEY"]
    Settings.from_environ({**lines, "TELEGRAM_WEBHOOK_URL": "https://x.example/hook"})


def test_data_folder_and_database_are_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a common shell default: files readable by everyone
    try:
        env = environ(tmp_path, REPORTS_ENCRYPTION_KEY=generate_key(), REPORTS_HASH_KEY=HASH_KEY)
        result = run_main("chat", env=env, stdin="halo\n")
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "data"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.glob("bot.sqlite3*"))
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)


def test_readable_env_file_is_warned_about(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("REPORTS_ENCRYPTION_KEY=x\n")
    env_file.chmod(0o644)
    warning = env_file_warning(env_file)
    assert warning and "chmod 600" in warning
    env_file.chmod(0o600)
    assert env_file_warning(env_file) is None
    env_file.chmod(0o640)  # as deploy/ sets it up: readable by the bot's own group only
    assert env_file_warning(env_file) is None


def test_encryption_key_without_hash_key_names_what_to_add(tmp_path: Path) -> None:
    env = environ(tmp_path, REPORTS_ENCRYPTION_KEY=generate_key())
    result = run_main("chat", env=env, stdin="halo\n")
    assert result.returncode == 2
    assert "REPORTS_HASH_KEY is not set" in result.stderr and "gen-key" in result.stderr
    assert "Traceback" not in result.stderr


async def test_rotation_interrupted_then_rerun_leaves_everything_readable(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    old, new = generate_key(), generate_key()
    async with open_services(settings(tmp_path, old), kb, matcher) as opened:
        person = Reporter(opened)
        codes = [await fill_report(person) for _ in range(2)]
    path = tmp_path / "data" / "bot.sqlite3"

    class Crash(Exception):
        pass

    def crash(done: int) -> None:
        raise Crash  # the process dies right after the first batch's COMMIT

    database = await Database.open(path)
    try:
        keys = await key_store.open_keys(database, f"{new},{old}", HASH_KEY)
        assert keys.cipher
        with pytest.raises(Crash):
            await key_store.rotate(database, keys.cipher, batch=1, on_batch=crash)
    finally:
        await database.close()
    # Half done: the new key alone does not open everything, both keys together do.
    async with open_services(settings(tmp_path, new), kb, matcher) as opened:
        assert opened.reports
        with pytest.raises(EncryptionKeyError):
            await opened.reports.all_cases()
    async with open_services(settings(tmp_path, f"{new},{old}"), kb, matcher) as opened:
        assert opened.reports
        assert sorted(r.code for r in await opened.reports.all_cases()) == sorted(codes)

    env = environ(tmp_path, REPORTS_ENCRYPTION_KEY=f"{new},{old}", REPORTS_HASH_KEY=HASH_KEY)
    result = run_main("rotate-key", env=env)
    assert result.returncode == 0, result.stderr
    assert "done:" in result.stdout and "remove them" in result.stdout
    again = run_main("rotate-key", env=env)
    assert "done: 0 values" in again.stdout
    stored = b"".join(p.read_bytes() for p in path.parent.glob("bot.sqlite3*"))
    tokens = re.findall(rb"gAAAAA[A-Za-z0-9_=-]{50,}", stored)
    assert tokens and not [t for t in tokens if opens(old, t)]  # nothing left under the old key

    async with open_services(settings(tmp_path, new), kb, matcher) as opened:
        person = Reporter(opened)
        await person.say("/status")
        assert all(code in person.text for code in codes)


def opens(key: str, token: bytes) -> bool:
    try:
        Fernet(key.encode()).decrypt(token)
    except InvalidToken:
        return False
    return True


def old_lookup_hash(key: str, value: str) -> str:
    derived = hashlib.sha256(b"lookup:" + key.encode("ascii")).digest()
    return hmac.new(derived, value.encode(), hashlib.sha256).hexdigest()


def previous_version_database(path: Path, key: str, user: UserKey, code: str) -> None:
    """A database as the previous version left it: schema 2, plain session key and mode,
    a report found by a hash derived from the encryption key, an official's id in clear."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fernet = Fernet(key.encode())

    def seal(value: object) -> bytes:
        return fernet.encrypt(json.dumps(value).encode())

    with sqlite_file(path) as db:
        for statements in MIGRATIONS[:2]:
            for statement in statements:
                db.execute(statement)
        db.execute("PRAGMA user_version=2")
        db.execute(
            "INSERT INTO meta VALUES ('key_check', ?)", (fernet.encrypt(b"migran-aman key check"),)
        )
        db.execute(
            "INSERT INTO sessions VALUES (?, 'en', 'en', ?, '2026-11-30T10:17:42+00:00')",
            (str(user), f"reply:{code}"),
        )
        answers = {"offer": "Kerja di Kamboja", "evidence": [], "contact": "anonim"}
        db.execute(
            "INSERT INTO reports (code, draft_id, reporter_hash, reporter, content, urgent, risk,"
            " area, destination, status, assigned_to, created_at, updated_at) VALUES "
            "(?, 'd1', ?, ?, ?, 0, 'tinggi', 'Pariaman Tengah', 'Kamboja', 'diterima', '8106472953',"
            " '2026-11-30T10:17:42+00:00', '2026-11-30T10:17:42+00:00')",
            (code, old_lookup_hash(key, str(user)), seal(list(vars(user).values())), seal(answers)),
        )
        db.execute(
            "INSERT INTO report_events (report_id, actor, kind, value, at) VALUES "
            "(1, '8106472953', 'assign', '8106472953', '2026-11-30T10:20:00+00:00')"
        )


async def test_previous_version_database_is_migrated_with_the_new_hash_key(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    key, code = generate_key(), "PRM-AAAA-BBBB"
    user = UserKey("test", "7306154829", "7306154829")
    path = tmp_path / "data" / "bot.sqlite3"
    previous_version_database(path, key, user, code)
    assert b"7306154829" in path.read_bytes()

    async with open_services(settings(tmp_path, key), kb, matcher) as opened:
        assert opened.reports
        session = await opened.engine.sessions.get(user)
        assert (session.language, session.mode) == ("en", f"reply:{code}")
        [report] = await opened.reports.of_reporter(user)  # found through the new hash
        assert report.code == code and report.assigned_to == "8106472953"
        events = await opened.reports.events(report)
        assert [(a, k, v) for _, a, k, v in events] == [("8106472953", "assign", "tangani")]
        person = Reporter(opened, "7306154829")
        await person.say("/status")
        assert code in person.text
        await opened.database.write("PRAGMA wal_checkpoint(TRUNCATE)")
    files = b"".join(p.read_bytes() for p in path.parent.glob("bot.sqlite3*"))
    assert b"7306154829" not in files and f"reply:{code}".encode() not in files
    # A different hash key later is refused: every lookup would silently find nothing.
    with pytest.raises(EncryptionKeyError, match="REPORTS_HASH_KEY is not the key"):
        async with open_services(settings(tmp_path, key, generate_hash_key()), kb, matcher):
            pass


async def test_hash_key_must_be_a_real_key_of_its_own(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    from bot.crypto import Hasher

    for bad in ("", "short", base64.urlsafe_b64encode(b"x" * 16).decode()):
        with pytest.raises(EncryptionKeyError, match="REPORTS_HASH_KEY"):
            Hasher(bad)
    key = generate_key()
    with pytest.raises(EncryptionKeyError, match="a key of its own"):
        async with open_services(settings(tmp_path, f"{generate_key()},{key}", key), kb, matcher):
            pass


async def test_rotation_beside_the_live_bot_keeps_an_answer_saved_meanwhile(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    """The README says rotate-key may run while the bot serves. It reads a batch, then
    writes it back re-encrypted; an answer the bot saved in between must survive."""
    old, new = generate_key(), generate_key()
    async with open_services(settings(tmp_path, old), kb, matcher) as opened:
        person = Reporter(opened)  # a report half written under the old key
        await person.say("/lapor")
        await person.press("Tawaran kerja")
        await person.say("Lowongan admin di Kamboja, visa turis")
    async with open_services(settings(tmp_path, f"{new},{old}"), kb, matcher) as live:
        rotation = await Database.open(tmp_path / "data" / "bot.sqlite3")  # as the CLI does
        try:
            keys = await key_store.open_keys(rotation, f"{new},{old}", HASH_KEY)
            assert keys.cipher
            # Hold rotate-key at its first write, after it read the draft, and meanwhile
            # let the reporter answer the next question (through the live bot).
            read, resume = threading.Event(), threading.Event()

            def hold_first_write(statement: str) -> None:
                if statement.startswith("BEGIN IMMEDIATE") and not read.is_set():
                    read.set()
                    resume.wait(10)

            sqlite = rotation.connection  # sqlite3's own trace hook, set in its thread
            await sqlite._execute(sqlite._conn.set_trace_callback, hold_first_write)  # type: ignore[no-untyped-call]
            rotating = asyncio.create_task(key_store.rotate(rotation, keys.cipher))
            assert await asyncio.to_thread(read.wait, 10)
            person.services = live  # the same reporter, on the restarted bot
            await person.press("Lanjut")
            await person.say("Pak Budi, WA 0812-91")
            resume.set()
            assert await rotating > 0
        finally:
            resume.set()
            await rotation.close()
        draft = await live.reports.get_draft(person.user)  # type: ignore[union-attr]
        assert draft is not None and draft.answers.get("recruiter") == "Pak Budi, WA 0812-91"
    async with open_services(settings(tmp_path, new), kb, matcher) as after:
        draft = await after.reports.get_draft(person.user)  # type: ignore[union-attr]
        assert draft is not None and "Pak Budi" in str(draft.answers.get("recruiter"))
