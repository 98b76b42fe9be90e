"""The one SQLite database: preferences, conversation state and usage statistics.

Durability first: WAL with synchronous=FULL (a committed row survives a power
cut), a busy timeout, an integrity check at start-up, schema migrations applied
in order, and one lock around every transaction so concurrent handlers never
interleave inside one.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.batching import Batcher
from bot.clock import Clock, day_stamp, hour_stamp, stamp, utc_now
from bot.crypto import Cipher, Hasher
from bot.messages import UserKey
from bot.sessions import Session
from bot.turns import Turns

BUSY_TIMEOUT_MS = 10_000
Row = tuple[object, ...]  # one row's statement parameters
# strftime formats of the rounded times stored on rows about a person, in the ISO form of
# bot.clock's hour_stamp() and day_stamp() (used by a migration that rounds old rows).
HOUR = "%Y-%m-%dT%H:00:00+00:00"
DAY = "%Y-%m-%dT00:00:00+00:00"
# Folders beside the database holding evidence files, each encrypted with the report key
# until it reaches the officials: rotate-key re-encrypts them, backups include them.
WHATSAPP_MEDIA = "whatsapp-media"
MEDIA_FOLDERS = (WHATSAPP_MEDIA,)
# A migration step run after its migration's transaction (VACUUM cannot run inside one):
# rewrites the file without the free pages that may still hold what the migration removed.
VACUUM = "VACUUM"

# Each migration runs once, in order, in one transaction; PRAGMA user_version
# records how many ran. Never edit a released migration: add a new one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE sessions (
            user_key TEXT PRIMARY KEY,
            language TEXT,
            last_language TEXT,
            mode TEXT,
            updated_at TEXT NOT NULL
        )""",
        # Normalised question text only, never who asked.
        """CREATE TABLE unanswered (
            id INTEGER PRIMARY KEY,
            question TEXT NOT NULL,
            language TEXT NOT NULL,
            asked_at TEXT NOT NULL
        )""",
        "CREATE INDEX unanswered_question ON unanswered (question)",
        """CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            topic TEXT NOT NULL,
            helpful INTEGER NOT NULL,
            given_at TEXT NOT NULL
        )""",
    ),
    (
        # Key-value facts about the database itself, e.g. the encryption key check.
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
        # A report being written: its content is encrypted like a report's.
        """CREATE TABLE drafts (
            user_key TEXT PRIMARY KEY,
            draft_id TEXT NOT NULL,
            step TEXT NOT NULL,
            content BLOB NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            reminded_at TEXT
        )""",
        # Encrypted: content (every answer), reporter (to write back). Plain: what
        # statistics need and what is not personal (status, area, country, dates).
        """CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            draft_id TEXT NOT NULL UNIQUE,
            reporter_hash TEXT NOT NULL,
            reporter BLOB NOT NULL,
            content BLOB NOT NULL,
            urgent INTEGER NOT NULL,
            risk TEXT NOT NULL,
            area TEXT NOT NULL,
            destination TEXT NOT NULL,
            status TEXT NOT NULL,
            assigned_to TEXT,
            card_message_id INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            closed_at TEXT
        )""",
        "CREATE INDEX reports_reporter ON reports (reporter_hash)",
        "CREATE INDEX reports_status ON reports (status, created_at)",
        """CREATE TABLE report_events (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        """CREATE TABLE report_messages (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            direction TEXT NOT NULL,
            body BLOB NOT NULL,
            at TEXT NOT NULL
        )""",
        # Officials' chat message ids that belong to a case (its card and relayed
        # messages), so that a reply to any of them reaches the right reporter.
        """CREATE TABLE case_messages (
            message_id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE
        )""",
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            report_id INTEGER REFERENCES reports (id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            recipient_hash TEXT NOT NULL,
            payload BLOB NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_message_id INTEGER,
            created_at TEXT NOT NULL,
            sent_at TEXT
        )""",
        "CREATE INDEX outbox_pending ON outbox (status, recipient_hash, id)",
    ),
    (
        # Sessions were keyed "telegram:<chat>:<user>" in clear and their mode could read
        # "reply:<case code>": a plain link from a person to a case. The new table is keyed
        # by an HMAC (REPORTS_HASH_KEY), the mode is encrypted when reporting is on, and
        # updated_at is rounded to the hour. The old rows are converted (or, without the
        # hash key, deleted) at start-up by bot.keys, which has the keys this SQL lacks.
        "ALTER TABLE sessions RENAME TO legacy_sessions",
        """CREATE TABLE sessions (
            session_key TEXT PRIMARY KEY,
            language TEXT,
            last_language TEXT,
            mode,
            updated_at TEXT NOT NULL
        )""",
    ),
    (
        # Rows go out in order within one report only ("lanes"), urgent reports first.
        "ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE outbox ADD COLUMN sent_chat_id INTEGER",
        "DROP INDEX outbox_pending",
        "CREATE INDEX outbox_lanes ON outbox (status, recipient_hash, report_id, id)",
        # A message id means something only in its chat: the card's chat is kept with it.
        "ALTER TABLE reports ADD COLUMN card_chat_id INTEGER",
        # Case messages by (chat, message). Old rows are dropped: their chat is unknown, and
        # matching them by message id alone could reach the wrong case in a new group.
        "DROP TABLE case_messages",
        """CREATE TABLE case_messages (
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            PRIMARY KEY (chat_id, message_id)
        )""",
        # An official's message to a reporter, shown as a preview until Kirim is pressed.
        """CREATE TABLE relay_drafts (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            body BLOB NOT NULL,
            created_at TEXT NOT NULL
        )""",
    ),
    (
        # WhatsApp messages as received, committed before Meta gets its 200. The row (wamid
        # only) stays after handling so that a re-delivery is recognised; its content (who
        # wrote and what, encrypted when REPORTS_ENCRYPTION_KEY is set) is cleared once handled.
        """CREATE TABLE wa_inbox (
            wamid TEXT PRIMARY KEY,
            content BLOB,
            received_at TEXT NOT NULL,
            handled_at TEXT
        )""",
        "CREATE INDEX wa_inbox_pending ON wa_inbox (handled_at)",
        # Messages to WhatsApp users, sent in order per user and retried until Meta takes
        # them. The recipient is kept as a keyed hash (to keep each one's order) and inside
        # the content (encrypted like the inbox's); a sent row keeps neither.
        """CREATE TABLE wa_outgoing (
            id INTEGER PRIMARY KEY,
            recipient_hash TEXT NOT NULL,
            content BLOB NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT
        )""",
        "CREATE INDEX wa_outgoing_pending ON wa_outgoing (status, recipient_hash, id)",
    ),
    (
        # Officials' categories of a case (the 🏷️ buttons): plain ids, statistics count them
        # and they say nothing about who reported.
        """CREATE TABLE report_tags (
            report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (report_id, tag)
        )""",
        # The official's name as Telegram showed it when they took the case ("Saya
        # tangani"), encrypted like their id in assigned_to.
        "ALTER TABLE reports ADD COLUMN assigned_name BLOB",
    ),
    (
        # The region (REGIONS_FILE id) whose officials handle the report; NULL for reports
        # from before regions: the default region's.
        "ALTER TABLE reports ADD COLUMN region TEXT",
    ),
    (
        # Reminders to officials already queued (bot/reminders.py): one per case and deadline
        # ("ack", "act"), committed with its outbox row, so a restart never repeats one.
        """CREATE TABLE response_reminders (
            report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (report_id, kind)
        )""",
        # Weekly digests already queued (bot/digest.py), by the WIB moment they were due.
        "CREATE TABLE digests (slot TEXT PRIMARY KEY, posted_at TEXT NOT NULL)",
    ),
    (
        # WhatsApp reporters who turned case updates off ("berhenti"). Keyed like
        # wa_outgoing's recipients (HMAC with REPORTS_HASH_KEY); the WhatsApp id is kept only
        # encrypted, so that rotate-key can compute the key again with a new hash key.
        """CREATE TABLE wa_updates_off (
            user_hash TEXT PRIMARY KEY,
            user BLOB NOT NULL,
            since TEXT NOT NULL
        )""",
    ),
    (
        # The case a message to a WhatsApp reporter is about: one kept while updates are
        # off (or held for the 24-hour window) goes with its case when the case is purged.
        "ALTER TABLE wa_outgoing ADD COLUMN report_id INTEGER "
        "REFERENCES reports (id) ON DELETE CASCADE",
    ),
    (
        # A delivered row to a reporter kept the chat it went to: in a private chat, the
        # reporter's Telegram id, in clear beside the case. Only officials' groups are kept.
        "UPDATE outbox SET sent_chat_id = NULL WHERE recipient_hash NOT LIKE 'officials%'",
        # Times that could match one person's message to a case or a question, rounded:
        # the WhatsApp inbox to the hour, unanswered questions to the day.
        f"UPDATE wa_inbox SET received_at = strftime('{HOUR}', received_at), "
        f"handled_at = strftime('{HOUR}', handled_at)",
        f"UPDATE unanswered SET asked_at = strftime('{DAY}', asked_at)",
        # ... and the old values gone from the file's free pages and its write-ahead log.
        VACUUM,
    ),
    (
        # The case a reporter's message answers when it quotes (swipe-replies to) one of the
        # bot's messages about it: a keyed hash of (reporter, the platform's message id), so
        # neither the reporter's id nor the message id is kept (bot/case_links.py).
        """CREATE TABLE case_quotes (
            quote_hash TEXT PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            at TEXT NOT NULL
        )""",
        # Keyed hashes of the recruiter numbers and names a report mentions: a new report
        # naming them again points to the other case, and no number is stored in clear.
        """CREATE TABLE report_marks (
            report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
            mark TEXT NOT NULL,
            PRIMARY KEY (report_id, mark)
        )""",
        "CREATE INDEX report_marks_mark ON report_marks (mark)",
        # Officials' names as Telegram showed them, encrypted and found by a keyed hash of
        # their id: the history and the reminders name people, not numbers (bot/roster.py).
        "CREATE TABLE official_names (official_hash TEXT PRIMARY KEY, name BLOB NOT NULL)",
        # Agencies a case was handed to (names from FORWARD_AGENCIES, nobody's data).
        "ALTER TABLE reports ADD COLUMN forwarded TEXT",
        # The case's own topic when the officials' group is a forum (OFFICIALS_TOPICS=1).
        "ALTER TABLE reports ADD COLUMN topic_id INTEGER",
        # Notices a group gets at most once per slot (the how-to: once a day per group).
        "CREATE TABLE group_notices (slot TEXT PRIMARY KEY, at TEXT NOT NULL)",
    ),
    (
        # Subscribers of the awareness broadcasts (bot/broadcast/subscribers.py): a keyed
        # hash of who they are, the address only encrypted; their place, language and
        # channel in clear (they name nobody), the day they subscribed, the hour before
        # which no further broadcast reaches them, and on WhatsApp the hour they last wrote.
        """CREATE TABLE subscribers (
            subscriber_hash TEXT PRIMARY KEY,
            address BLOB NOT NULL,
            channel TEXT NOT NULL,
            region TEXT,
            area TEXT,
            language TEXT NOT NULL,
            since TEXT NOT NULL,
            rest_until TEXT,
            seen_at TEXT
        )""",
        # Officials' campaigns (bot/broadcast/campaigns.py): text, poll options, regions,
        # language and the officials who composed, approved or cancelled it, encrypted.
        """CREATE TABLE campaigns (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            content BLOB NOT NULL,
            status TEXT NOT NULL,
            scheduled_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT
        )""",
        # A campaign's queue: one row per subscriber it reaches, pending until the platform
        # took it. The subscriber's hash goes when they unsubscribe (left_since: after it
        # reached them); message_key is a keyed hash of WhatsApp's id, for its reports.
        """CREATE TABLE campaign_recipients (
            id INTEGER PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
            subscriber_hash TEXT,
            channel TEXT NOT NULL,
            region TEXT,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            due_at TEXT NOT NULL,
            template INTEGER NOT NULL DEFAULT 0,
            via TEXT,
            message_key TEXT,
            delivered INTEGER NOT NULL DEFAULT 0,
            left_since INTEGER NOT NULL DEFAULT 0,
            sent_at TEXT,
            last_error TEXT
        )""",
        "CREATE INDEX campaign_recipients_due ON campaign_recipients (channel, status, due_at)",
        "CREATE INDEX campaign_recipients_subscriber ON campaign_recipients (subscriber_hash)",
        "CREATE INDEX campaign_recipients_message ON campaign_recipients (message_key)",
        "CREATE INDEX campaign_recipients_campaign ON campaign_recipients (campaign_id, status)",
        # One answer per subscriber and poll, under a keyed hash of both: never their key.
        """CREATE TABLE poll_answers (
            answer_key TEXT PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
            choice INTEGER NOT NULL,
            region TEXT
        )""",
        # Reporters outside WhatsApp who turned case updates off (bot/case_updates.py):
        # keyed like the outbox's recipients, the user key only encrypted (for rotate-key).
        "CREATE TABLE updates_off (user_hash TEXT PRIMARY KEY, user BLOB NOT NULL, since TEXT NOT NULL)",
    ),
)


class StorageError(Exception):
    """The database cannot be used safely; the message says why."""


def media_folders(database_path: Path) -> list[Path]:
    return [database_path.parent / name for name in MEDIA_FOLDERS]


class Database:
    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self._turns = Turns()  # one statement or transaction at a time

    @classmethod
    async def open(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        database = cls(connection, path)
        try:
            await database._configure()
            await database._check_integrity()
            await database._migrate()
        except sqlite3.DatabaseError as error:
            await connection.close()
            raise StorageError(f"{path} is not a usable SQLite database: {error}") from None
        except BaseException:
            await connection.close()
            raise
        return database

    async def close(self) -> None:
        await self.connection.close()

    async def _configure(self) -> None:
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL",
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys=ON",
            "PRAGMA secure_delete=ON",  # deleted personal data is overwritten, not left in pages
        ):
            await self.connection.execute(pragma)

    async def _check_integrity(self) -> None:
        async with self.connection.execute("PRAGMA quick_check") as cursor:
            rows = await cursor.fetchall()
        if [tuple(row) for row in rows] != [("ok",)]:
            raise StorageError(f"{self.path} failed its integrity check; restore a backup")

    async def _migrate(self) -> None:
        async with self.connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StorageError(
                f"{self.path} has schema version {version}, newer than this program knows "
                f"({len(MIGRATIONS)}); upgrade the program"
            )
        for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
            async with self.transaction() as db:
                for statement in statements:
                    if statement != VACUUM:
                        await db.execute(statement)
                await db.execute(f"PRAGMA user_version={number}")
            if VACUUM in statements:
                await self.vacuum()

    async def vacuum(self) -> None:
        """Rewrite the file without free pages, then empty the write-ahead log: values just
        removed or replaced are then nowhere on disk (secure_delete covers deletions only
        within the file, not the log's copies of old pages)."""
        async with self._turns():
            await self.connection.execute("VACUUM")
            await self.connection.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, one at a time; ROLLBACK on any error."""
        async with self._turns():
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            await self.connection.execute("COMMIT")

    async def write(self, sql: str, parameters: tuple[object, ...] = ()) -> int:
        """One statement, committed on its own; returns how many rows it changed.

        The connection is in autocommit mode, so a lone statement is already a transaction
        of its own, atomic and durable: BEGIN and COMMIT around it would only be two more
        trips to the database thread.
        """
        async with self._turns():
            cursor = await self.connection.execute(sql, parameters)
            return cursor.rowcount

    async def write_returning(
        self, sql: str, parameters: Row, urgent: bool = False
    ) -> list[aiosqlite.Row]:
        """One statement committed on its own (as `write`), with the rows its RETURNING
        clause names, in a single trip to the database thread: when the rows are back, the
        commit is done (the statement ran to its end in autocommit mode). `urgent`: ahead
        of every other statement waiting (bot.turns), for a caller someone waits on."""
        async with self._turns(urgent):
            return list(await self.connection.execute_fetchall(sql, parameters))

    async def write_many(self, sql: str, rows: list[Row]) -> None:
        """One statement for many rows, in one transaction: one commit (one fsync) for all."""
        await self.write_steps([(sql, rows)])

    async def write_steps(self, steps: list[tuple[str, list[Row]]]) -> None:
        """Statements, each run for its rows in order, in one transaction, in one trip to
        the database thread; ROLLBACK on any error.

        Under load every trip waits for a turn of the busy event loop, and `transaction`
        takes three or more (BEGIN, each statement, COMMIT) while holding the connection,
        so everyone else waits that long too. Here the whole transaction runs in the
        thread at once (aiosqlite's `_execute`: it has no public way to run a function
        there; pinned in the lock files)."""

        def run(connection: sqlite3.Connection) -> None:
            connection.execute("BEGIN IMMEDIATE")
            try:
                for sql, rows in steps:
                    connection.executemany(sql, rows)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

        async with self._turns():
            await self.connection._execute(run, self.connection._conn)  # type: ignore[no-untyped-call]

    async def fetchall(self, sql: str, parameters: tuple[object, ...] = ()) -> list[aiosqlite.Row]:
        """The rows of one query, in one trip to the database thread."""
        async with self._turns():
            return list(await self.connection.execute_fetchall(sql, parameters))


class SqliteSessionStore:
    """Conversation state that survives a restart, with a write-through memory cache:
    this process is the only writer, so a cached session is always the stored one.

    Rows are found by a keyed hash of the user key, never the user key itself; the mode
    (which may name a case) is encrypted when a cipher is given (reporting on).

    Reads of uncached sessions and writes are batched (bot.batching): a crowd of new
    users costs a few queries and commits, not two round trips and an fsync each.
    """

    CACHE_SIZE = 10_000
    READ_CHUNK = 500  # user keys per SELECT ... IN (...), well below SQLite's limit

    def __init__(
        self,
        database: Database,
        hasher: Hasher,
        cipher: Cipher | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.database = database
        self.hasher = hasher
        self.cipher = cipher
        self.clock = clock  # a session's time, to the hour (bot.clock)
        self._cache: OrderedDict[UserKey, Session] = OrderedDict()
        self._reads: Batcher[str, None, Session] = Batcher(self._read_many)
        self._writes = batched_writes(
            database,
            "INSERT INTO sessions (session_key, language, last_language, mode, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_key) DO UPDATE SET "
            "language = excluded.language, last_language = excluded.last_language, "
            "mode = excluded.mode, updated_at = excluded.updated_at",
        )

    async def get(self, user: UserKey) -> Session:
        cached = self._cache.get(user)
        if cached is not None:
            self._cache.move_to_end(user)
            return cached
        session = await self._reads(self.hasher.session_key(str(user)), None) or Session()
        self._remember(user, session)
        return session

    def _remember(self, user: UserKey, session: Session) -> None:
        self._cache[user] = session
        self._cache.move_to_end(user)
        while len(self._cache) > self.CACHE_SIZE:
            self._cache.popitem(last=False)

    async def put(self, user: UserKey, session: Session) -> None:
        key = self.hasher.session_key(str(user))
        mode = self.cipher.seal(session.mode) if self.cipher else session.mode
        await self._writes(
            key, (key, session.language, session.last_language, mode, hour_stamp(self.clock()))
        )
        self._remember(user, session)

    async def _read_many(self, wanted: dict[str, None]) -> dict[str, Session]:
        keys = list(wanted)
        found: dict[str, Session] = {}
        for start in range(0, len(keys), self.READ_CHUNK):
            chunk = keys[start : start + self.READ_CHUNK]
            rows = await self.database.fetchall(
                "SELECT session_key, language, last_language, mode FROM sessions "
                f"WHERE session_key IN ({', '.join('?' * len(chunk))})",
                tuple(chunk),
            )
            for key, language, last_language, mode in rows:
                found[key] = Session(language, last_language, self._open_mode(mode))
        return found

    def _open_mode(self, stored: object) -> str | None:
        # Written before reporting was switched on: plain (and then never a case code).
        if isinstance(stored, bytes) and self.cipher is not None:
            return self.cipher.unseal(stored)
        return stored if isinstance(stored, str) else None


@dataclass(frozen=True)
class UsageSummary:
    unanswered: list[tuple[str, int]]  # (question, times asked), most frequent first
    unhelpful: list[tuple[str, int, int]]  # (topic, 👎, 👍), most 👎 first


class UsageLog:
    """What the bot could not answer and how answers were rated: no user ids kept.

    Rows from many users at once are inserted in batches (bot.batching), one commit each.
    """

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self.database = database
        self.clock = clock  # when a question was asked (to the day) or feedback given
        self._numbers = itertools.count()  # batch keys: every row is a new one
        self._unanswered = batched_writes(
            database, "INSERT INTO unanswered (question, language, asked_at) VALUES (?, ?, ?)"
        )
        self._feedback = batched_writes(
            database, "INSERT INTO feedback (topic, helpful, given_at) VALUES (?, ?, ?)"
        )

    async def unanswered(self, question: str, lang: str) -> None:
        # The day only: an exact time would match the message that asked it (a name kept
        # in the question then leads to a person).
        await self._unanswered(next(self._numbers), (question[:500], lang, day_stamp(self.clock())))

    async def feedback(self, topic: str, helpful: bool) -> None:
        await self._feedback(next(self._numbers), (topic, int(helpful), stamp(self.clock())))

    async def summary(self, limit: int = 20) -> UsageSummary:
        unanswered = await self.database.fetchall(
            "SELECT question, COUNT(*) AS n FROM unanswered GROUP BY question "
            "ORDER BY n DESC, MAX(asked_at) DESC LIMIT ?",
            (limit,),
        )
        unhelpful = await self.database.fetchall(
            "SELECT topic, SUM(helpful = 0) AS down, SUM(helpful = 1) AS up FROM feedback "
            "GROUP BY topic HAVING down > 0 ORDER BY down DESC, topic LIMIT ?",
            (limit,),
        )
        return UsageSummary(
            unanswered=[(str(q), int(n)) for q, n in unanswered],
            unhelpful=[(str(t), int(d), int(u)) for t, d, u in unhelpful],
        )


def batched_writes(database: Database, sql: str) -> Batcher[Hashable, Row, None]:
    """``await writes(key, row)`` runs ``sql`` with ``row``, batched (bot.batching): the
    rows of a batch are written in order, in one transaction, and a later row for the same
    key replaces an earlier one still waiting."""

    async def write(rows: dict[Hashable, Row]) -> dict[Hashable, None]:
        await database.write_many(sql, list(rows.values()))
        return {}

    return Batcher(write)
