"""The SQLite store on a real file: durability settings, migrations, restarts."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.crypto import Hasher, generate_hash_key
from bot.messages import UserKey
from bot.sessions import Session
from bot.storage import MIGRATIONS, Database, SqliteSessionStore, StorageError, UsageLog

USER = UserKey("telegram", "42", "42")
HASHER = Hasher(generate_hash_key())


async def test_database_is_durable_and_versioned(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "data" / "bot.sqlite3")
    try:
        assert [tuple(r) for r in await database.fetchall("PRAGMA journal_mode")] == [("wal",)]
        assert [tuple(r) for r in await database.fetchall("PRAGMA synchronous")] == [(2,)]  # FULL
        version = await database.fetchall("PRAGMA user_version")
        assert version[0][0] == len(MIGRATIONS)
    finally:
        await database.close()


async def test_session_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path)
    await SqliteSessionStore(database, HASHER).put(USER, Session(language="en", mode="offer"))
    await database.close()

    reopened = await Database.open(path)
    try:
        session = await SqliteSessionStore(reopened, HASHER).get(USER)
        assert (session.language, session.mode) == ("en", "offer")
        assert (
            await SqliteSessionStore(reopened, HASHER).get(UserKey("telegram", "1", "1"))
            == Session()
        )
    finally:
        await reopened.close()


async def test_corrupt_file_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match="not a usable SQLite database"):
        await Database.open(path)


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path)
    async with database.transaction() as db:
        await db.execute(f"PRAGMA user_version={len(MIGRATIONS) + 5}")
    await database.close()
    with pytest.raises(StorageError, match="newer than this program"):
        await Database.open(path)


async def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with database.transaction() as db:
                await db.execute(
                    "INSERT INTO feedback (topic, helpful, given_at) VALUES ('visa', 0, 'now')"
                )
                raise RuntimeError("crash mid-way")
        assert await database.fetchall("SELECT * FROM feedback") == []
    finally:
        await database.close()


async def test_steps_written_in_one_trip_are_all_or_nothing(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "bot.sqlite3")
    insert = "INSERT INTO feedback (topic, helpful, given_at) VALUES (?, ?, 'now')"
    try:
        await database.write_steps([(insert, [("visa", 1), ("gaji", 0)])])
        with pytest.raises(sqlite3.IntegrityError):  # the second step breaks NOT NULL
            await database.write_steps([(insert, [("paspor", 1)]), (insert, [(None, 1)])])
        rows = await database.fetchall("SELECT topic FROM feedback ORDER BY rowid")
        assert [tuple(row) for row in rows] == [("visa",), ("gaji",)]
        # The connection is usable afterwards: the failed transaction was rolled back.
        await database.write_steps([(insert, [("kontrak", 1)])])
        assert len(await database.fetchall("SELECT topic FROM feedback")) == 3
    finally:
        await database.close()


async def test_usage_summary_ranks_unanswered_and_unhelpful(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        usage = UsageLog(database)
        for question in ("resep rendang", "jadwal timnas", "resep rendang"):
            await usage.unanswered(question, "id")
        await usage.feedback("visa", helpful=False)
        await usage.feedback("visa", helpful=True)
        await usage.feedback("biaya", helpful=True)
        summary = await usage.summary()
        assert summary.unanswered == [("resep rendang", 2), ("jadwal timnas", 1)]
        assert summary.unhelpful == [("visa", 1, 1)]
    finally:
        await database.close()


async def test_a_crowd_arriving_at_once_is_read_and_stored_completely(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path)
    crowd = [UserKey("telegram", str(n), str(n)) for n in range(1000, 1700)]  # > a SELECT chunk
    languages = ["en" if n % 2 else "id" for n in range(len(crowd))]
    store = SqliteSessionStore(database, HASHER)

    assert await asyncio.gather(*(store.get(user) for user in crowd)) == [Session()] * len(crowd)
    await asyncio.gather(
        *(
            store.put(user, Session(last_language=lang))
            for user, lang in zip(crowd, languages, strict=True)
        )
    )
    # Two changes of one user in the same moment: the later one is what stays.
    await asyncio.gather(store.put(USER, Session(mode="offer")), store.put(USER, Session()))
    await database.close()

    reopened = await Database.open(path)
    try:
        fresh = SqliteSessionStore(reopened, HASHER)
        stored = await asyncio.gather(*(fresh.get(user) for user in crowd))
        assert [session.last_language for session in stored] == languages
        assert await fresh.get(USER) == Session()
    finally:
        await reopened.close()
