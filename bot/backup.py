"""Backups that restore: `python main.py backup PATH` and `python main.py restore PATH`.

A backup is one tar file holding the database, copied with SQLite's online backup API (a
consistent snapshot, taken while the bot runs and writes), and the evidence files waiting
for the officials (bot.storage.MEDIA_FOLDERS). Nothing is decrypted: what was encrypted in
the database or a file stays encrypted in the copy, so a backup is readable only with the
keys (REPORTS_ENCRYPTION_KEY, REPORTS_HASH_KEY) and no key is needed to make one. The file
is written beside its final name, flushed to disk, then renamed: a copy is whole or absent.

Given a folder, `backup` names the copy after the moment (migran-aman-20260107T023000Z.tar)
and deletes the folder's copies older than BACKUP_KEEP_DAYS, so that a case purged after
its retention period does not live on in old copies for longer than that.

`restore` refuses while a bot serves from the database (`in_use`, held by every serving
process), checks the copy before touching anything, and moves the database it replaces
aside rather than deleting it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import secrets
import sqlite3
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.storage import MEDIA_FOLDERS, MIGRATIONS, StorageError

PREFIX = "migran-aman-"
SUFFIX = ".tar"
STAMP = "%Y%m%dT%H%M%SZ"
DATABASE = "database.sqlite3"  # the database's name inside a backup
MEDIA = "media"  # evidence files inside a backup: media/<folder>/<file>
_FILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")
_BACKUP_NAME = re.compile(rf"{re.escape(PREFIX)}(\d{{8}}T\d{{6}}Z){re.escape(SUFFIX)}")


@dataclass(frozen=True)
class Copied:
    path: Path
    cases: int
    files: int
    deleted: list[Path]  # older copies removed (a folder's, past BACKUP_KEEP_DAYS)


@dataclass(frozen=True)
class Restored:
    cases: int
    files: int
    set_aside: list[Path]  # what the restore replaced, moved aside


# --- running beside the bot ------------------------------------------------------------


@contextlib.contextmanager
def in_use(database_path: Path) -> Iterator[None]:
    """Held (shared) while a bot serves from this database: `restore` needs it alone.
    An advisory lock on a file beside the database; the kernel drops it when the process
    ends, however it ends."""
    with _lock(database_path, fcntl.LOCK_SH) as taken:
        if not taken:
            raise StorageError(f"{database_path} is being restored: start the bot once that ends")
        yield


@contextlib.contextmanager
def _lock(database_path: Path, kind: int) -> Iterator[bool]:
    database_path.parent.mkdir(parents=True, exist_ok=True)
    lock = database_path.with_name(database_path.name + ".lock")
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, kind | fcntl.LOCK_NB)
        taken = True
    except BlockingIOError:  # held the other way by another process
        taken = False
    try:
        yield taken
    finally:
        os.close(descriptor)  # and with it the lock


# --- backup ----------------------------------------------------------------------------


def backup(database_path: Path, target: Path, keep_days: int, now: dt.datetime) -> Copied:
    """Copy the database and the evidence files to `target`: that file when it is named
    .tar, else into that folder as a new file named after `now`, the folder's copies older
    than `keep_days` then deleted."""
    if not database_path.is_file():
        raise StorageError(f"no database at {database_path}: nothing to back up")
    into_folder = target.suffix != SUFFIX
    folder = target if into_folder else target.parent
    if not folder.is_dir():
        raise StorageError(f"{folder} is not a folder: create it first (or name a .tar file)")
    path = folder / f"{PREFIX}{now.strftime(STAMP)}{SUFFIX}" if into_folder else target
    snapshot = folder / f".{path.name}.{secrets.token_hex(4)}.sqlite3"
    partial = folder / f".{path.name}.{secrets.token_hex(4)}.partial"
    try:
        cases = _snapshot(database_path, snapshot)
        files = _archive(snapshot, database_path.parent, partial)
        os.replace(partial, path)
        _sync_folder(folder)
    finally:
        snapshot.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    deleted = _prune(folder, now - dt.timedelta(days=keep_days)) if into_folder else []
    return Copied(path, cases, files, deleted)


def _snapshot(database_path: Path, snapshot: Path) -> int:
    """SQLite's online backup, all pages in one step: one consistent moment of the file,
    while the bot goes on writing (WAL). Checked before it is kept; returns its cases."""
    source = sqlite3.connect(database_path, timeout=30)
    copy = sqlite3.connect(snapshot)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
        if copy.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
            raise StorageError(f"the copy of {database_path} failed its integrity check")
        return int(copy.execute("SELECT COUNT(*) FROM reports").fetchone()[0])
    except sqlite3.OperationalError as error:  # e.g. no reports table: not the bot's database
        raise StorageError(f"{database_path} cannot be backed up: {error}") from None
    finally:
        copy.close()
        source.close()


def _archive(snapshot: Path, data_folder: Path, partial: Path) -> int:
    """The tar file: the database first, then each evidence file still there; returns how
    many files. Files delivered (and deleted) after the snapshot are simply not in it."""
    files = 0
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
            archive.add(snapshot, arcname=DATABASE, recursive=False)
            for name in MEDIA_FOLDERS:
                media = data_folder / name
                for path in sorted(media.iterdir()) if media.is_dir() else []:
                    if not _FILE_NAME.fullmatch(path.name):
                        continue  # a temporary file being written or renamed
                    with contextlib.suppress(FileNotFoundError):
                        archive.add(path, arcname=f"{MEDIA}/{name}/{path.name}", recursive=False)
                        files += 1
        raw.flush()
        os.fsync(raw.fileno())
    return files


def _prune(folder: Path, older_than: dt.datetime) -> list[Path]:
    """Delete this folder's backups made before `older_than` (by the moment in the name:
    copying files around changes their times, not their names)."""
    deleted = []
    for path in sorted(folder.iterdir()):
        found = _BACKUP_NAME.fullmatch(path.name)
        if found is None:
            continue
        made = dt.datetime.strptime(found.group(1), STAMP).replace(tzinfo=dt.UTC)
        if made < older_than:
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted


# --- restore ---------------------------------------------------------------------------


def restore(backup_file: Path, database_path: Path, now: dt.datetime) -> Restored:
    """Put the backup's database and evidence files in place of the current ones, which
    are moved aside (named ...before-restore-<moment>). Refused while a bot runs on it."""
    if not backup_file.is_file():
        raise StorageError(f"no backup at {backup_file}")
    with _lock(database_path, fcntl.LOCK_EX) as taken:
        if not taken:
            raise StorageError(
                f"a bot is running on {database_path}: stop it first "
                "(sudo systemctl stop migran-aman), then restore"
            )
        folder = database_path.parent
        staging = folder / f".restoring-{secrets.token_hex(4)}"
        staging.mkdir(mode=0o700)
        try:
            files = _unpack(backup_file, staging)
            cases = _check(staging / DATABASE)
            aside = _set_aside(database_path, now)
            os.replace(staging / DATABASE, database_path)
            for name in MEDIA_FOLDERS:
                if (staging / MEDIA / name).is_dir():
                    os.replace(staging / MEDIA / name, folder / name)
            _sync_folder(folder)
        finally:
            _remove_tree(staging)
    return Restored(cases, files, aside)


def _unpack(backup_file: Path, staging: Path) -> int:
    """Only what a backup holds (the database, evidence files by their plain names), each
    written by us: a tampered file cannot put anything anywhere else."""
    files = 0
    try:
        with tarfile.open(backup_file, mode="r:") as archive:
            for member in archive:
                target = _member_path(member, staging)
                source = archive.extractfile(member)
                assert source is not None  # a regular file (checked)
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                with source, open(target, "xb") as out:
                    while chunk := source.read(1 << 20):
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                files += member.name != DATABASE
    except (tarfile.TarError, OSError) as error:
        raise StorageError(f"{backup_file} is not a readable backup: {error}") from None
    if not (staging / DATABASE).is_file():
        raise StorageError(f"{backup_file} holds no database: not a Migran Aman backup")
    return files


def _member_path(member: tarfile.TarInfo, staging: Path) -> Path:
    parts = member.name.split("/")
    media = len(parts) == 3 and parts[0] == MEDIA and parts[1] in MEDIA_FOLDERS
    if member.isfile() and (
        member.name == DATABASE or (media and _FILE_NAME.fullmatch(parts[2]) is not None)
    ):
        return staging.joinpath(*parts)
    raise StorageError(f"unexpected {member.name!r} in the backup: not a Migran Aman backup")


def _check(database: Path) -> int:
    """The restored database must open, pass its integrity check and be of a version this
    program knows; returns how many cases it holds."""
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            ok = connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            cases = int(connection.execute("SELECT COUNT(*) FROM reports").fetchone()[0])
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise StorageError(f"the backup's database cannot be used: {error}") from None
    if not ok:
        raise StorageError("the backup's database failed its integrity check")
    if version > len(MIGRATIONS):
        raise StorageError("the backup comes from a newer version of the bot: upgrade first")
    return cases


def _set_aside(database_path: Path, now: dt.datetime) -> list[Path]:
    """The current database with its journal files, and the evidence folders, renamed
    ...before-restore-<moment>: kept (a restore may be a mistake), never mixed in."""
    suffix = f".before-restore-{now.strftime(STAMP)}"
    moved = []
    names = [database_path.name + end for end in ("", "-wal", "-shm")]
    for path in [database_path.with_name(n) for n in names] + [
        database_path.parent / name for name in MEDIA_FOLDERS
    ]:
        if path.exists():
            aside = path.with_name(path.name + suffix)
            os.replace(path, aside)
            moved.append(aside)
    return moved


def _remove_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink()
    folder.rmdir()


def _sync_folder(folder: Path) -> None:
    """Make renames in `folder` durable (its directory entry written to disk)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
