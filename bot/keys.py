"""Opening the database's keys at start-up, the migrations that need them, and rotation.

Schema migrations (bot.storage) are plain SQL; a few changes need the keys as well:
re-hashing who-is-who with REPORTS_HASH_KEY, encrypting officials' ids written in clear
by older versions, converting the old plain-keyed sessions, replacing WhatsApp message ids
kept in clear by their hashes. They run here, each in one transaction, the first time the
bot starts with the keys they need.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.broadcast.subscribers import subscriber_key
from bot.case_links import marks_of
from bot.crypto import Cipher, EncryptionKeyError, Hasher, is_token, message_key, split_keys
from bot.messages import UserKey
from bot.storage import Database

log = logging.getLogger(__name__)

MISSING_HASH_KEY = (
    "REPORTS_HASH_KEY is not set. Reporting now needs it beside REPORTS_ENCRYPTION_KEY: run "
    "`python main.py gen-key`, add its REPORTS_HASH_KEY=... line to .env (keep your "
    "REPORTS_ENCRYPTION_KEY as it is) and start again; the database is then migrated"
)
ROTATE_BATCH = 200  # values re-encrypted per transaction by rotate-key
MAX_PASSES = 10  # times one batch is read again because the live bot changed it meanwhile


@dataclass(frozen=True)
class Keys:
    cipher: Cipher | None  # None: reporting is off
    hasher: Hasher | None  # None: sessions are not stored (nothing to key them by)


async def _meta(database: Database, name: str) -> Any:
    rows = await database.fetchall("SELECT value FROM meta WHERE name = ?", (name,))
    return rows[0][0] if rows else None


async def open_keys(
    database: Database, encryption_keys: str, hash_key: str, *, rehash: bool = False
) -> Keys:
    """The keys, checked against the database; refuses a wrong or missing key when data
    written with it exists, since starting anyway would strand every stored report.

    Reporting needs both keys. With the encryption key but no hash key the bot does not
    start at all (rather than report with a weaker hash, or silently stop delivering the
    cases it holds): an upgrade is a moment an operator watches, and the message says
    exactly what to add. `rehash=True` (rotate-key) re-hashes with a new hash key when
    the old one was lost, instead of refusing.
    """
    key_check = await _meta(database, "key_check")
    if encryption_keys and not hash_key:
        raise EncryptionKeyError(MISSING_HASH_KEY)
    if not encryption_keys and key_check is not None:
        raise EncryptionKeyError(
            "encrypted reports exist but REPORTS_ENCRYPTION_KEY is not set; "
            "set the key they were written with"
        )
    if hash_key and hash_key in split_keys(encryption_keys):
        raise EncryptionKeyError(
            "REPORTS_HASH_KEY must be a key of its own, not one of REPORTS_ENCRYPTION_KEY's"
        )
    hasher = Hasher(hash_key) if hash_key else None
    cipher = Cipher(encryption_keys, hasher) if hasher and encryption_keys else None
    if cipher is not None:
        if key_check is None:
            await database.write(
                "INSERT INTO meta (name, value) VALUES ('key_check', ?)", (cipher.key_check(),)
            )
        else:
            cipher.verify(key_check)
    if hasher is not None:
        hash_check = await _meta(database, "hash_check")
        if hash_check is not None and not rehash:
            hasher.verify(hash_check)
        elif hash_check is None or hash_check != hasher.check():
            await _rehash(database, hasher, cipher, forget_sessions=hash_check is not None)
    await _convert_legacy_sessions(database, hasher, cipher)
    await _hash_message_ids(database, cipher)
    if cipher is not None:
        await _mark_old_reports(database, cipher)
    return Keys(cipher, hasher)


async def _mark_old_reports(database: Database, cipher: Cipher) -> None:
    """Reports from before recruiter marks existed get theirs once, so a new report naming
    the same number finds an older open case too (bot.case_links)."""
    if await _meta(database, "report_marks") is not None:
        return
    async with database.transaction() as db:
        marks = []
        async with db.execute("SELECT id, content FROM reports") as cursor:
            async for rid, content in cursor:
                marks += [(rid, mark) for mark in marks_of(cipher.decrypt(content), cipher)]
        await db.executemany(
            "INSERT OR IGNORE INTO report_marks (report_id, mark) VALUES (?, ?)", marks
        )
        await db.execute("INSERT INTO meta (name, value) VALUES ('report_marks', 'done')")


async def _rehash(
    database: Database, hasher: Hasher, cipher: Cipher | None, *, forget_sessions: bool
) -> None:
    """Recompute every keyed hash from the encrypted data it stands for, encrypt officials'
    ids that older versions kept in clear, and round old drafts' times to the hour."""
    async with database.transaction() as db:
        if cipher is not None:
            updates: list[tuple[str, tuple[object, ...]]] = []
            async with db.execute("SELECT id, reporter, assigned_to FROM reports") as cursor:
                async for rid, reporter, assigned in cursor:
                    who = hasher.lookup_hash(str(_user(cipher.decrypt(reporter))))
                    sealed = cipher.seal(assigned) if isinstance(assigned, str) else assigned
                    updates.append(
                        (
                            "UPDATE reports SET reporter_hash = ?, assigned_to = ? WHERE id = ?",
                            (who, sealed, rid),
                        )
                    )
            async with db.execute("SELECT user_key, content, created_at, updated_at, reminded_at FROM drafts") as cursor:  # fmt: skip
                async for key, content, created, updated, reminded in cursor:
                    who = hasher.lookup_hash(str(_user(cipher.decrypt(content)["user"])))
                    updates.append(
                        (
                            "UPDATE drafts SET user_key = ?, created_at = ?, updated_at = ?, "
                            "reminded_at = ? WHERE user_key = ?",
                            (who, _hour(created), _hour(updated), _hour(reminded), key),
                        )
                    )
            async with db.execute(
                "SELECT id, payload FROM outbox WHERE recipient_hash NOT LIKE 'officials%'"
            ) as cursor:
                async for oid, payload in cursor:
                    recipient = cipher.decrypt(payload)["recipient"]
                    who = hasher.lookup_hash(str(_user(recipient)))
                    updates.append(
                        ("UPDATE outbox SET recipient_hash = ? WHERE id = ?", (who, oid))
                    )
            async with db.execute(  # WhatsApp messages waiting (a sent row keeps no content)
                "SELECT id, content FROM wa_outgoing WHERE typeof(content) = 'blob'"
            ) as cursor:
                async for wid, content in cursor:
                    who = hasher.lookup_hash(str(cipher.decrypt(content)["recipient"]))
                    updates.append(
                        ("UPDATE wa_outgoing SET recipient_hash = ? WHERE id = ?", (who, wid))
                    )
            async with db.execute(  # messages not yet handled; the others cannot be re-keyed
                "SELECT rowid, content FROM wa_inbox WHERE typeof(content) = 'blob'"
            ) as cursor:
                async for rowid, content in cursor:
                    data = cipher.decrypt(content)
                    wamid = data.get("wamid") or data["message"].get("id")
                    updates.append(
                        (
                            "UPDATE wa_inbox SET wamid = ? WHERE rowid = ?",
                            (hasher.message_key(str(wamid)), rowid),
                        )
                    )
            async with db.execute("SELECT user_hash, user FROM wa_updates_off") as cursor:
                async for old_key, user in cursor:
                    who = hasher.lookup_hash(str(cipher.decrypt(user)))
                    updates.append(
                        (
                            "UPDATE wa_updates_off SET user_hash = ? WHERE user_hash = ?",
                            (who, old_key),
                        )
                    )
            async with db.execute("SELECT user_hash, user FROM updates_off") as cursor:
                async for old_key, user in cursor:
                    who = hasher.lookup_hash(str(_user(cipher.decrypt(user))))
                    updates.append(
                        ("UPDATE updates_off SET user_hash = ? WHERE user_hash = ?", (who, old_key))
                    )
            # Broadcast subscribers, and the campaigns' rows that still know them.
            async with db.execute("SELECT subscriber_hash, address FROM subscribers") as cursor:
                async for old_key, address in cursor:
                    who = subscriber_key(cipher, _user(cipher.decrypt(address)))
                    for table in ("subscribers", "campaign_recipients"):
                        updates.append(
                            (
                                f"UPDATE {table} SET subscriber_hash = ? WHERE subscriber_hash = ?",
                                (who, old_key),
                            )
                        )
            async with db.execute(
                "SELECT id, actor, kind FROM report_events WHERE typeof(actor) = 'text'"
            ) as cursor:
                async for eid, actor, kind in cursor:
                    # an assignment used to repeat the official's id as its value
                    value_sql = ", value = 'tangani'" if kind == "assign" else ""
                    updates.append(
                        (
                            f"UPDATE report_events SET actor = ?{value_sql} WHERE id = ?",
                            (cipher.seal(actor), eid),
                        )
                    )
            # A recruiter's marks come from the report's answers: computed again.
            async with db.execute("SELECT id, content FROM reports") as cursor:
                async for rid, content in cursor:
                    for mark in marks_of(cipher.decrypt(content), cipher):
                        updates.append(
                            (
                                "INSERT OR IGNORE INTO report_marks (report_id, mark) "
                                "VALUES (?, ?)",
                                (rid, mark),
                            )
                        )
            await db.execute("DELETE FROM report_marks")
            for sql, parameters in updates:
                await db.execute(sql, parameters)
        # Hashes of what is not kept at all (the message a reporter may quote, an official's
        # id beside their name, WhatsApp's id of a broadcast, who answered a poll) cannot be
        # computed again: a quote then still reaches the case by "Kirim ke petugas?", a name
        # is learned again at the next press, a broadcast's late delivery report is not
        # counted, and a poll answer changed after the rotation counts as a new one.
        await db.execute("DELETE FROM case_quotes")
        await db.execute("DELETE FROM official_names")
        if forget_sessions:  # hashed with a lost key: they cannot be found again
            await db.execute("DELETE FROM sessions")
        await db.execute(
            "INSERT OR REPLACE INTO meta (name, value) VALUES ('hash_check', ?)", (hasher.check(),)
        )
    log.info("lookup hashes recomputed with REPORTS_HASH_KEY")


async def _hash_message_ids(database: Database, cipher: Cipher | None) -> None:
    """WhatsApp's inbox kept each wamid (base64 of data holding the sender's number) in
    clear: replaced by its hash as the WhatsApp channel computes it (bot.crypto
    `message_key`), then the file is rewritten so that the old ids are nowhere on disk."""
    rows = await database.fetchall(
        "SELECT rowid, wamid FROM wa_inbox WHERE length(wamid) != 64 OR wamid GLOB '*[^0-9a-f]*'"
    )
    if not rows:
        return
    hasher = cipher.hasher if cipher is not None else None
    await database.write_many(  # only where it still is (a CLI may run beside the bot)
        "UPDATE wa_inbox SET wamid = ? WHERE rowid = ? AND wamid = ?",
        [(message_key(str(wamid), hasher), rowid, wamid) for rowid, wamid in rows],
    )
    await database.vacuum()
    log.info("WhatsApp message ids in the inbox replaced by their hashes")


async def _convert_legacy_sessions(
    database: Database, hasher: Hasher | None, cipher: Cipher | None
) -> None:
    """Sessions of older versions, keyed by plain Telegram ids: re-keyed with the hash key
    when there is one, else deleted (they hold only a language choice and a mode)."""
    rows = await database.fetchall(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'legacy_sessions'"
    )
    if not rows:
        return
    async with database.transaction() as db:
        if hasher is not None:
            async with db.execute(
                "SELECT user_key, language, last_language, mode, updated_at FROM legacy_sessions"
            ) as cursor:
                old = list(await cursor.fetchall())
            for user_key, language, last_language, mode, updated in old:
                sealed = cipher.seal(mode) if cipher is not None else mode
                await db.execute(
                    "INSERT OR IGNORE INTO sessions (session_key, language, last_language, mode, "
                    "updated_at) VALUES (?, ?, ?, ?, ?)",
                    (hasher.session_key(user_key), language, last_language, sealed, _hour(updated)),
                )
        await db.execute("DROP TABLE legacy_sessions")
    log.info("sessions of the previous version %s", "re-keyed" if hasher else "deleted")


async def rotate(
    database: Database,
    cipher: Cipher,
    batch: int = ROTATE_BATCH,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Re-encrypt every stored value with the newest key; returns how many changed.

    Every encrypted column of every table is covered (a Fernet token is recognisable), so
    columns added later need no change here. Each batch is its own transaction and only
    values the newest key cannot open are touched: interrupted at any point, the database
    is readable with all the keys listed, and running it again finishes the job.

    It may run beside the live bot: each value is written back only where it is still the
    one that was read (compare-and-set). One the bot changed meanwhile (a draft's next
    answer, a message cleared once handled, a row deleted and its rowid reused) is left
    as the bot wrote it, and that batch is read once more.
    """
    changed = 0
    for table, column in await _columns(database):
        last, passes = 0, 0
        while True:
            rows = await database.fetchall(
                f'SELECT rowid, "{column}" FROM "{table}" WHERE typeof("{column}") = \'blob\' '
                "AND rowid > ? ORDER BY rowid LIMIT ?",
                (last, batch),
            )
            if not rows:
                break
            stale = [
                (cipher.rotate(value), rowid, value)
                for rowid, value in rows
                if is_token(value) and not cipher.is_current(value)
            ]
            written = await _write_unchanged(database, table, column, stale) if stale else 0
            changed += written
            if written and on_batch is not None:
                on_batch(changed)
            if written < len(stale):  # the bot wrote some of them meanwhile: look again
                passes += 1
                if passes > MAX_PASSES:
                    raise EncryptionKeyError(
                        f"{table} keeps changing under an older key: restart the bot with "
                        "the new key first in REPORTS_ENCRYPTION_KEY, then run this again"
                    )
                continue
            last, passes = int(rows[-1][0]), 0
    # Old pages in the write-ahead log still hold the old ciphertexts: fold them in now.
    await database.fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
    return changed


async def _write_unchanged(
    database: Database, table: str, column: str, values: list[tuple[bytes, int, bytes]]
) -> int:
    """(new, rowid, old): each new value written only where the old one still is; how many."""
    written = 0
    async with database.transaction() as db:
        for new, rowid, old in values:
            cursor = await db.execute(
                f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ? AND "{column}" = ?',
                (new, rowid, old),
            )
            written += cursor.rowcount
    return written


@dataclass(frozen=True)
class FilesRotated:
    rotated: int
    unreadable: list[Path]  # files none of the keys opens: left as they are


def rotate_files(folders: Iterable[Path], cipher: Cipher) -> FilesRotated:
    """Re-encrypt the evidence files in `folders` with the newest key. Each is written
    beside itself, flushed to disk, then renamed over the old one, so a file is always
    whole under one key or the other; one the bot delivered (and deleted) meanwhile is not
    brought back."""
    rotated, unreadable = 0, []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue  # a temporary file (ours, or one being written)
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # delivered meanwhile
                continue
            if not is_token(data) or cipher.is_current(data):
                continue
            try:
                fresh = cipher.rotate(data)
            except EncryptionKeyError:
                unreadable.append(path)
                continue
            if _replace(path, fresh):
                rotated += 1
    return FilesRotated(rotated, unreadable)


def _replace(path: Path, data: bytes) -> bool:
    """Write `data` beside `path`, then rename it over `path` if that still exists; its
    time stays, so the clean-up of old files keeps counting from when it arrived.

    The old time is given to the renamed file, never to the temporary one: the live bot's
    hourly sweep deletes unreferenced files an hour old, and would take a temporary file
    that looked old from under the rename. (A file the bot delivers and deletes between
    the check and the rename comes back under the new key; nothing refers to it, so that
    sweep deletes it.)"""
    temporary = path.with_name(f".{path.name}.rotating")
    with open(temporary, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    try:
        times = path.stat()
    except FileNotFoundError:  # delivered and deleted since it was read
        temporary.unlink()
        return False
    os.replace(temporary, path)
    with contextlib.suppress(FileNotFoundError):  # delivered since the rename
        os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    return True


async def _columns(database: Database) -> list[tuple[str, str]]:
    tables = await database.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    found = []
    for (table,) in tables:
        for column in await database.fetchall(f'PRAGMA table_info("{table}")'):
            found.append((str(table), str(column[1])))
    return found


def _user(raw: Any) -> UserKey:
    channel, chat_id, user_id = raw
    return UserKey(str(channel), str(chat_id), str(user_id))


def _hour(stamp: str | None) -> str | None:
    if stamp is None:
        return None
    moment = dt.datetime.fromisoformat(stamp).replace(minute=0, second=0, microsecond=0)
    return moment.isoformat(timespec="seconds")
