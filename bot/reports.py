"""Reports and their drafts in SQLite: nothing acknowledged is ever lost.

A report, its history event and its outbox rows are written in one transaction;
the reporter is given the case code only after that COMMIT. Personal fields and
free text are encrypted with the report key, and so are officials' ids (who changed
a status, who took a case); status, area, destination country and the report's and
events' dates stay plain because statistics and response times need them and they
identify nobody. A draft's times are rounded to the hour: an exact time would match
the report it becomes.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.case_links import marks_of, quote_key
from bot.clock import Clock, hour_stamp, stamp, utc_now
from bot.crypto import Cipher
from bot.messages import UserKey
from bot.storage import Database, batched_writes

STATUSES = ("baru", "diterima", "ditindaklanjuti", "selesai", "tidak_valid")
CLOSED = frozenset({"selesai", "tidak_valid"})
# The officials' categories of a case: id (stored, in button data) -> label (Indonesian,
# the officials' language).
TAGS = {
    "lowongan": "Penipuan lowongan",
    "calo": "Calo / non-prosedural",
    "tppo": "TPPO berat",
    "hilang": "Orang hilang",
    "bukan": "Bukan kasus",
}
OFFICIALS = "officials"  # recipient of rows bound for the officials' chat
COPY_ROLES = ("copy", "copy_update")  # the province's read-only copy of a card, and its edits
# Rows that travel in a case's lane but are not its messages (the daily how-to): no note is
# taken from a reply to them, and they stay out of the case's topic.
UNLINKED_ROLES = frozenset({"howto"})
# Case codes: no 0/O, 1/I/L, so they can be read aloud and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def group_hash(group: str | None) -> str:
    """The outbox key of an officials' group: each region's group waits (Telegram's 429,
    a removed bot) without holding up the others."""
    return OFFICIALS if group is None else f"{OFFICIALS}:{group}"


def new_code(prefix: str) -> str:
    """PRM-7KQ3-XT9D: 31**8 possibilities, drawn with a cryptographic generator."""
    parts = ("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(2))
    return "-".join((prefix, *parts))


@dataclass
class Draft:
    user: UserKey
    draft_id: str
    step: str
    answers: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""


@dataclass(frozen=True)
class Report:
    id: int
    code: str
    reporter: UserKey
    answers: dict[str, Any]
    urgent: bool
    risk: str
    area: str
    destination: str
    status: str
    assigned_to: str | None
    card_message_id: int | None
    created_at: str
    closed_at: str | None
    card_chat_id: int | None = None
    assigned_name: str | None = None  # the official's display name when they took it
    tags: tuple[str, ...] = ()  # ids of TAGS, in TAGS' order
    region: str = ""  # its region's id; "" before regions: the default region
    forwarded: tuple[str, ...] = ()  # agencies the officials handed it to (FORWARD_AGENCIES)
    related: tuple[str, ...] = ()  # codes of other open cases naming the same recruiter
    topic_id: int | None = None  # its own forum topic in card_chat_id (OFFICIALS_TOPICS)


@dataclass(frozen=True)
class CaseHead:
    """A case's plain columns: all that deadlines and reminders need, nothing decrypted."""

    id: int
    code: str
    urgent: bool
    region: str
    created_at: str


@dataclass(frozen=True)
class OutboxRow:
    """What to deliver and to whom; `payload` is the channel-neutral message."""

    role: str  # card, evidence, card_update, copy, copy_update, relay, notice, reminder, alert, digest
    recipient: UserKey | None  # None: the officials' chat
    payload: dict[str, Any]
    report_id: int | None = None
    urgent: bool = False  # delivered before every non-urgent row still waiting
    # For the officials' side (recipient None): which region's group, or regions.PROVINCE;
    # None: the default region's.
    group: str | None = None
    # Queued only the first time this slot is named (group_notices), e.g. the how-to once a
    # day per group; None: always queued.
    once: str | None = None


def _user(raw: Any) -> UserKey:
    channel, chat_id, user_id = raw
    return UserKey(str(channel), str(chat_id), str(user_id))


class ReportStore:
    def __init__(
        self,
        database: Database,
        cipher: Cipher,
        code_prefix: str = "PRM",
        default_region: str = "",
        clock: Clock = utc_now,
    ) -> None:
        self.database = database
        self.cipher = cipher
        self.clock = clock  # dates cases, events, messages and drafts (bot.clock)
        self.code_prefix = code_prefix
        self.default_region = default_region  # the region of reports stored without one
        self.scope: frozenset[str] | None = None  # None: every region's reports are visible
        # Keyed hashes of everyone who filed a report (read once, then kept current): the
        # question "does this person have an open case?", asked of nearly every message,
        # costs no query for the many who never reported.
        self._reporters: set[str] | None = None
        self._purge_listeners: list[Callable[[list[str]], None]] = []
        # Many reporters at once (after an outreach) save a draft at every step: batched.
        self._draft_saves = batched_writes(
            database,
            "INSERT INTO drafts (user_key, draft_id, step, content, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_key) DO UPDATE SET "
            "draft_id = excluded.draft_id, step = excluded.step, content = excluded.content, "
            "updated_at = excluded.updated_at, reminded_at = NULL",
        )

    def scoped(self, regions: frozenset[str]) -> ReportStore:
        """The same store, seeing only these regions' reports: an official of one region
        reads and acts through it, so another region's case is simply "not found"."""
        view = copy.copy(self)
        view.scope = regions
        return view

    def _now(self) -> str:
        return stamp(self.clock())

    def recipient_hash(self, recipient: UserKey | None, group: str | None = None) -> str:
        if recipient is None:
            return group_hash(group)
        return self.cipher.lookup_hash(str(recipient))

    # --- drafts ----------------------------------------------------------------------

    async def get_draft(self, user: UserKey) -> Draft | None:
        rows = await self.database.fetchall(
            "SELECT draft_id, step, content, created_at, updated_at FROM drafts WHERE user_key = ?",
            (self.recipient_hash(user),),
        )
        if not rows:
            return None
        draft_id, step, content, created, updated = rows[0]
        stored = self.cipher.decrypt(content)
        return Draft(user, draft_id, step, dict(stored["answers"]), created, updated)

    async def save_draft(self, draft: Draft) -> None:
        at = hour_stamp(self.clock())
        key = self.recipient_hash(draft.user)
        await self._draft_saves(
            key,
            (
                key,
                draft.draft_id,
                draft.step,
                # The user key is kept inside, encrypted, for the idle-draft reminder.
                self.cipher.encrypt({"user": _fields(draft.user), "answers": draft.answers}),
                draft.created_at or at,
                at,
            ),
        )

    async def delete_draft(self, user: UserKey) -> None:
        draft = await self.get_draft(user)
        await self.database.write(
            "DELETE FROM drafts WHERE user_key = ?", (self.recipient_hash(user),)
        )
        if draft is not None:
            self._forget(draft)

    # --- reports ---------------------------------------------------------------------

    async def submit(
        self,
        draft: Draft,
        *,
        urgent: bool,
        risk: str,
        area: str,
        destination: str,
        deliveries: Callable[[Report], Iterable[OutboxRow]],
        region: str = "",
        code_prefix: str | None = None,
    ) -> tuple[Report, bool]:
        """Commit the report and its deliveries at once; (report, created now?).

        Submitting the same draft twice (a re-delivered button press) returns
        the first report instead of making a second one.
        """
        at = self._now()
        await self._known_reporters()
        async with self.database.transaction() as db:
            existing = await self._by(db, "draft_id = ?", draft.draft_id)
            if existing is not None:
                return existing, False
            code = await self._unused_code(db, code_prefix or self.code_prefix)
            cursor = await db.execute(
                "INSERT INTO reports (code, draft_id, reporter_hash, reporter, content, urgent, "
                "risk, area, destination, status, created_at, updated_at, region) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'baru', ?, ?, ?)",
                (
                    code,
                    draft.draft_id,
                    self.recipient_hash(draft.user),
                    self.cipher.encrypt(_fields(draft.user)),
                    self.cipher.encrypt(draft.answers),
                    int(urgent),
                    risk,
                    area,
                    destination,
                    at,
                    at,
                    region or None,
                ),
            )
            for mark in marks_of(draft.answers, self.cipher):
                await db.execute(
                    "INSERT OR IGNORE INTO report_marks (report_id, mark) VALUES (?, ?)",
                    (cursor.lastrowid, mark),
                )
            report = await self._by(db, "id = ?", cursor.lastrowid)
            if report is None:
                raise RuntimeError("the report just inserted cannot be read back")
            await self._event(db, report.id, "reporter", "status", "baru")
            for row in deliveries(report):
                await self._enqueue(db, row)
            await db.execute(
                "DELETE FROM drafts WHERE user_key = ?", (self.recipient_hash(draft.user),)
            )
        (await self._known_reporters()).add(self.recipient_hash(draft.user))
        return report, True

    async def by_code(self, code: str) -> Report | None:
        found = await self._select("code = ?", (code.strip().upper(),))
        return found[0] if found else None

    async def by_id(self, report_id: int) -> Report | None:
        found = await self._select("id = ?", (report_id,))
        return found[0] if found else None

    async def of_reporter(self, user: UserKey) -> list[Report]:
        return await self._select("reporter_hash = ? ORDER BY id", (self.recipient_hash(user),))

    async def open_cases(self) -> list[Report]:
        return await self._select(
            "status NOT IN ('selesai', 'tidak_valid') ORDER BY created_at, id", ()
        )

    async def open_heads(self) -> list[CaseHead]:
        """The open cases' plain columns, oldest first: the reminder check reads them every
        minute, so it decrypts nothing (a thousand cases' content would hold up the bot)."""
        rows = await self.database.fetchall(
            "SELECT id, code, urgent, region, created_at FROM reports "
            "WHERE status NOT IN ('selesai', 'tidak_valid') ORDER BY created_at, id"
        )
        heads = [
            CaseHead(int(i), str(c), bool(u), str(r or self.default_region), str(t))
            for i, c, u, r, t in rows
        ]
        return heads if self.scope is None else [h for h in heads if h.region in self.scope]

    async def all_cases(self) -> list[Report]:
        return await self._select("1 = 1 ORDER BY id", ())

    async def by_case_message(self, chat_id: int, message_id: int) -> tuple[Report, str] | None:
        """The case a message in the officials' chat belongs to, and what that message is
        ("case": card, evidence, relay; "prompt": asks an official for a reply to send)."""
        rows = await self.database.fetchall(
            "SELECT report_id, kind FROM case_messages WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        if not rows:
            return None
        report = await self.by_id(int(rows[0][0]))
        return None if report is None else (report, str(rows[0][1]))

    async def copy_message_id(self, report_id: int, chat_id: int) -> int | None:
        """The province's read-only copy of a case's card in `chat_id`, to keep it current."""
        rows = await self.database.fetchall(
            "SELECT MAX(message_id) FROM case_messages "
            "WHERE chat_id = ? AND report_id = ? AND kind = 'copy'",
            (chat_id, report_id),
        )
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    async def remember_case_message(
        self, chat_id: int, message_id: int, report: Report, kind: str
    ) -> None:
        await self.database.write(
            "INSERT OR REPLACE INTO case_messages (chat_id, message_id, report_id, kind) "
            "VALUES (?, ?, ?, ?)",
            (chat_id, message_id, report.id, kind),
        )

    async def since(self, user: UserKey, hours: float) -> list[Report]:
        """This reporter's reports created in the last `hours`."""
        cutoff = stamp(self.clock() - dt.timedelta(hours=hours))
        return [r for r in await self.of_reporter(user) if r.created_at >= cutoff]

    async def messages_since(self, report: Report, direction: str, hours: float) -> int:
        cutoff = stamp(self.clock() - dt.timedelta(hours=hours))
        rows = await self.database.fetchall(
            "SELECT COUNT(*) FROM report_messages WHERE report_id = ? AND direction = ? "
            "AND at >= ?",
            (report.id, direction, cutoff),
        )
        return int(rows[0][0])

    async def thread(self, report: Report) -> list[tuple[str, str, str]]:
        """(at, direction, text) of every message of the case: relays both ways and notes."""
        rows = await self.database.fetchall(
            "SELECT at, direction, body FROM report_messages WHERE report_id = ? ORDER BY id",
            (report.id,),
        )
        return [(str(at), str(d), str(self.cipher.decrypt(body))) for at, d, body in rows]

    async def save_relay_draft(self, report: Report, body: str) -> int:
        async with self.database.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO relay_drafts (report_id, body, created_at) VALUES (?, ?, ?)",
                (report.id, self.cipher.encrypt(body), self._now()),
            )
            return int(cursor.lastrowid or 0)

    async def relay_draft(self, report: Report, draft_id: int) -> str | None:
        rows = await self.database.fetchall(
            "SELECT body FROM relay_drafts WHERE id = ? AND report_id = ?", (draft_id, report.id)
        )
        return str(self.cipher.decrypt(rows[0][0])) if rows else None

    async def drop_relay_draft(self, draft_id: int) -> None:
        await self.database.write("DELETE FROM relay_drafts WHERE id = ?", (draft_id,))

    async def by_quote(self, user: UserKey, message_id: str) -> Report | None:
        """The case of a message the bot sent this user (an official's message, a status
        change), when the user quotes it (bot.case_links)."""
        reports = await self._select(
            "id = (SELECT report_id FROM case_quotes WHERE quote_hash = ?)",
            (quote_key(self.cipher, user, message_id),),
        )
        return reports[0] if reports else None

    async def open_of_reporter(self, user: UserKey) -> list[tuple[Report, str | None]]:
        """This reporter's open cases, newest first, each with when the officials last wrote
        to the reporter about it (None: never)."""
        key = self.recipient_hash(user)
        if key not in await self._known_reporters():
            return []
        rows = await self.database.fetchall(
            "SELECT id, (SELECT MAX(at) FROM report_messages m WHERE m.report_id = reports.id "
            "AND m.direction = 'to_reporter') FROM reports WHERE reporter_hash = ? "
            "AND status NOT IN ('selesai', 'tidak_valid') ORDER BY id DESC",
            (key,),
        )
        found = []
        for report_id, last in rows:
            report = await self.by_id(int(report_id))
            if report is not None:
                found.append((report, None if last is None else str(last)))
        return found

    async def change(
        self,
        report: Report,
        actor: str,
        *,
        status: str | None = None,
        assign: bool = False,
        name: str | None = None,
        deliveries: Iterable[OutboxRow] = (),
        message: tuple[str, str] | None = None,
    ) -> Report:
        """Record a status change or assignment (`name`: the official's display name) with
        who and when, plus its deliveries; `message`: (direction, text) for the case thread,
        e.g. the reason a case was closed. A status notice to the reporter replaces one that
        has not gone out yet: one notice per change, not one per press."""
        at = self._now()
        async with self.database.transaction() as db:
            if status is not None:
                closed = at if status in CLOSED else None
                await db.execute(
                    "UPDATE reports SET status = ?, closed_at = ?, updated_at = ? WHERE id = ?",
                    (status, closed, at, report.id),
                )
                await self._event(db, report.id, actor, "status", status)
            if assign:
                await db.execute(
                    "UPDATE reports SET assigned_to = ?, assigned_name = ?, updated_at = ? "
                    "WHERE id = ?",
                    (self.cipher.seal(actor), self.cipher.seal(name), at, report.id),
                )
                # who took it is the (encrypted) actor; the value must not repeat it in clear
                await self._event(db, report.id, actor, "assign", "tangani")
            if message is not None:
                await db.execute(
                    "INSERT INTO report_messages (report_id, direction, body, at) "
                    "VALUES (?, ?, ?, ?)",
                    (report.id, message[0], self.cipher.encrypt(message[1]), at),
                )
            for row in deliveries:
                if row.role == "notice":
                    await db.execute(
                        "DELETE FROM outbox WHERE report_id = ? AND role = 'notice' "
                        "AND status = 'pending'",
                        (report.id,),
                    )
                await self._enqueue(db, row)
            updated = await self._by(db, "id = ?", report.id)
        return updated or report

    async def forward(
        self,
        report: Report,
        actor: str,
        agency: str,
        deliveries: Callable[[Report], Iterable[OutboxRow]],
    ) -> tuple[Report, bool]:
        """Record that the case was handed to `agency`; (the case now, changed?)."""
        if agency in report.forwarded:
            return report, False
        async with self.database.transaction() as db:
            await db.execute(
                "UPDATE reports SET forwarded = ?, updated_at = ? WHERE id = ?",
                ("\n".join((*report.forwarded, agency)), self._now(), report.id),
            )
            await self._event(db, report.id, actor, "forward", agency)
            updated = await self._by(db, "id = ?", report.id) or report
            for row in deliveries(updated):
                await self._enqueue(db, row)
        return updated, True

    async def set_topic(self, report_id: int, chat_id: int, topic_id: int) -> None:
        """The forum topic the case's messages go to in its group (OFFICIALS_TOPICS)."""
        async with self.database.transaction() as db:
            await db.execute(
                "UPDATE reports SET topic_id = ?, card_chat_id = ? WHERE id = ?",
                (topic_id, chat_id, report_id),
            )
            # Whatever is written in the topic belongs to the case (a note, a reply prompt).
            await db.execute(
                "INSERT OR REPLACE INTO case_messages (chat_id, message_id, report_id, kind) "
                "VALUES (?, ?, ?, 'case')",
                (chat_id, topic_id, report_id),
            )

    async def tag(
        self,
        report: Report,
        actor: str,
        tag: str,
        on: bool,
        deliveries: Callable[[Report], Iterable[OutboxRow]],
    ) -> tuple[Report, bool]:
        """Set or clear one category; (the case now, changed?). Only a change is recorded
        (with who and when) and delivered: a second press of a stale button does nothing."""
        async with self.database.transaction() as db:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO report_tags (report_id, tag) VALUES (?, ?)"
                if on
                else "DELETE FROM report_tags WHERE report_id = ? AND tag = ?",
                (report.id, tag),
            )
            changed = cursor.rowcount > 0
            updated = await self._by(db, "id = ?", report.id) or report
            if changed:
                await self._event(db, report.id, actor, "tag", f"{'+' if on else '-'}{tag}")
                for row in deliveries(updated):
                    await self._enqueue(db, row)
        return updated, changed

    async def add_message(
        self,
        report: Report,
        direction: str,
        body: str,
        deliveries: Iterable[OutboxRow],
        sent_by: str | None = None,
    ) -> None:
        """A message in the case thread ("to_reporter" / "from_reporter" / "note") and its
        relay; `sent_by`: the official who sent it to the reporter, an event of its own."""
        async with self.database.transaction() as db:
            await db.execute(
                "INSERT INTO report_messages (report_id, direction, body, at) VALUES (?, ?, ?, ?)",
                (report.id, direction, self.cipher.encrypt(body), self._now()),
            )
            if sent_by is not None:
                await self._event(db, report.id, sent_by, "pesan", "dikirim ke pelapor")
            for row in deliveries:
                await self._enqueue(db, row)

    async def deliver_once(
        self, marker: str, markers: Iterable[tuple[object, ...]], deliveries: Iterable[OutboxRow]
    ) -> bool:
        """Record that something was announced (`marker`: an INSERT OR IGNORE, run for each
        of `markers`) and queue its `deliveries` in one transaction, only if a marker is new:
        a reminder or digest is queued once, whatever restarts or repeated checks happen."""
        async with self.database.transaction() as db:
            new = 0
            for parameters in markers:
                cursor = await db.execute(marker, parameters)
                new += cursor.rowcount
            if not new:
                return False
            for row in deliveries:
                await self._enqueue(db, row)
        return True

    async def messages_to_reporter(self, report: Report) -> list[tuple[str, str]]:
        rows = await self.database.fetchall(
            "SELECT at, body FROM report_messages WHERE report_id = ? AND direction = 'to_reporter' "
            "ORDER BY id",
            (report.id,),
        )
        return [(str(at), str(self.cipher.decrypt(body))) for at, body in rows]

    async def events(self, report: Report) -> list[tuple[str, str, str, str]]:
        rows = await self.database.fetchall(
            "SELECT at, actor, kind, value FROM report_events WHERE report_id = ? ORDER BY id",
            (report.id,),
        )
        return [(str(a), str(self.cipher.unseal(b)), str(c), str(d)) for a, b, c, d in rows]

    def on_purge(self, listener: Callable[[list[str]], None]) -> None:
        """`listener` gets the evidence references of every case purged and every draft
        dropped from now on: a channel that keeps evidence outside the database (WhatsApp's
        files) deletes them."""
        self._purge_listeners.append(listener)

    async def purge_closed(self, older_than_days: int) -> int:
        """Delete cases closed before the retention period; secure_delete overwrites them."""
        cutoff = stamp(self.clock() - dt.timedelta(days=older_than_days))
        where = "closed_at IS NOT NULL AND closed_at < ?"
        async with self.database.transaction() as db:
            async with db.execute(f"SELECT content FROM reports WHERE {where}", (cutoff,)) as rows:
                refs = [r for (content,) in await rows.fetchall() for r in self._evidence(content)]
            async with db.execute(  # evidence still waiting to go up, the reporter's included
                "SELECT payload FROM outbox WHERE status != 'sent' AND report_id IN "
                f"(SELECT id FROM reports WHERE {where})",
                (cutoff,),
            ) as rows:
                refs += [r for (payload,) in await rows.fetchall() for r in self._media(payload)]
            cursor = await db.execute(f"DELETE FROM reports WHERE {where}", (cutoff,))
            purged = cursor.rowcount
        for listener in self._purge_listeners:
            listener(refs)
        return purged

    def _evidence(self, content: bytes) -> list[str]:
        answers = self.cipher.decrypt(content)
        return [str(ref) for _, ref in answers.get("evidence", [])]

    def _media(self, payload: bytes) -> list[str]:
        data = self.cipher.decrypt(payload).get("payload", {})
        single = data.get("media")
        items = [single] if isinstance(single, dict) else data.get("album") or []
        return [str(m["ref"]) for m in items if isinstance(m, dict) and "ref" in m]

    async def idle_drafts(self, idle_hours: float, reminded: bool) -> list[Draft]:
        """Drafts untouched for `idle_hours`, either not yet reminded or already reminded."""
        cutoff = stamp(self.clock() - dt.timedelta(hours=idle_hours))
        condition = "reminded_at IS NOT NULL" if reminded else "reminded_at IS NULL"
        rows = await self.database.fetchall(
            f"SELECT draft_id, step, content, created_at, updated_at FROM drafts "
            f"WHERE updated_at < ? AND {condition}",
            (cutoff,),
        )
        drafts = []
        for draft_id, step, content, created, updated in rows:
            stored = self.cipher.decrypt(content)
            user = _user(stored["user"])
            drafts.append(Draft(user, draft_id, step, dict(stored["answers"]), created, updated))
        return drafts

    async def remind(self, draft: Draft, deliveries: Iterable[OutboxRow]) -> None:
        async with self.database.transaction() as db:
            await db.execute(
                "UPDATE drafts SET reminded_at = ? WHERE draft_id = ?",
                (hour_stamp(self.clock()), draft.draft_id),
            )
            for row in deliveries:
                await self._enqueue(db, row)

    async def discard_draft(self, draft: Draft) -> None:
        await self.database.write("DELETE FROM drafts WHERE draft_id = ?", (draft.draft_id,))
        self._forget(draft)

    def _forget(self, draft: Draft) -> None:
        """A dropped draft's evidence files go at once."""
        self.forget_evidence([str(ref) for _, ref in draft.answers.get("evidence", [])])

    def forget_evidence(self, refs: list[str]) -> None:
        """Evidence nothing will send any more (a dropped draft's, a deleted message's):
        the purge listeners delete the files a channel keeps for it."""
        for listener in self._purge_listeners:
            listener(refs)

    async def referenced_media(self) -> set[str]:
        """Every file reference something still needs: a draft's evidence, and the media of
        outbox rows not yet delivered. A stored file that is in neither belongs to nobody."""
        drafts = await self.database.fetchall("SELECT content FROM drafts")
        waiting = await self.database.fetchall("SELECT payload FROM outbox WHERE status != 'sent'")
        refs = {
            str(ref)
            for (content,) in drafts
            for _, ref in self.cipher.decrypt(content)["answers"].get("evidence", [])
        }
        return refs | {ref for (payload,) in waiting for ref in self._media(payload)}

    # --- helpers ---------------------------------------------------------------------

    async def _known_reporters(self) -> set[str]:
        if self._reporters is None:
            rows = await self.database.fetchall("SELECT DISTINCT reporter_hash FROM reports")
            self._reporters = {str(row[0]) for row in rows}
        return self._reporters

    async def _unused_code(self, db: aiosqlite.Connection, prefix: str) -> str:
        while True:
            code = new_code(prefix)
            async with db.execute("SELECT 1 FROM reports WHERE code = ?", (code,)) as cursor:
                if await cursor.fetchone() is None:
                    return code

    async def _event(
        self, db: aiosqlite.Connection, report_id: int, actor: str, kind: str, value: str
    ) -> None:
        await db.execute(
            "INSERT INTO report_events (report_id, actor, kind, value, at) VALUES (?, ?, ?, ?, ?)",
            (report_id, self.cipher.seal(actor), kind, value, self._now()),
        )

    async def _enqueue(self, db: aiosqlite.Connection, row: OutboxRow) -> None:
        if row.once is not None:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO group_notices (slot, at) VALUES (?, ?)",
                (row.once, self._now()),
            )
            if not cursor.rowcount:
                return  # already shown in this slot
        envelope: dict[str, Any] = {"payload": row.payload, "recipient": _fields(row.recipient)}
        if row.group is not None:
            envelope["group"] = row.group
        await db.execute(
            "INSERT INTO outbox (report_id, role, recipient_hash, payload, created_at, priority) "
            "VALUES (?, ?, ?, ?, ?, CASE WHEN ? THEN 0 "
            "ELSE COALESCE((SELECT 1 - urgent FROM reports WHERE id = ?), 1) END)",
            (
                row.report_id,
                row.role,
                self.recipient_hash(row.recipient, row.group),
                self.cipher.encrypt(envelope),
                self._now(),
                int(row.urgent),
                row.report_id,
            ),
        )

    _COLUMNS = (
        "id, code, reporter, content, urgent, risk, area, destination, status, assigned_to, "
        "card_message_id, created_at, closed_at, card_chat_id, assigned_name, "
        "(SELECT group_concat(tag) FROM report_tags WHERE report_id = reports.id), region, "
        "forwarded, topic_id, "
        # other open cases sharing a recruiter mark with this one (bot.case_links)
        "(SELECT group_concat(o.code) FROM reports o WHERE o.id != reports.id "
        "AND o.status NOT IN ('selesai', 'tidak_valid') AND o.id IN (SELECT b.report_id "
        "FROM report_marks a JOIN report_marks b ON b.mark = a.mark "
        "WHERE a.report_id = reports.id))"
    )

    async def _by(self, db: aiosqlite.Connection, where: str, value: object) -> Report | None:
        async with db.execute(
            f"SELECT {self._COLUMNS} FROM reports WHERE {where}", (value,)
        ) as cursor:
            row = await cursor.fetchone()
        return self._report(row) if row else None

    async def _select(self, where: str, parameters: tuple[object, ...]) -> list[Report]:
        rows = await self.database.fetchall(
            f"SELECT {self._COLUMNS} FROM reports WHERE {where}", parameters
        )
        found = [self._report(row) for row in rows]
        if self.scope is None:
            return found
        return [report for report in found if report.region in self.scope]

    def _report(self, row: Any) -> Report:
        (
            rid,
            code,
            reporter,
            content,
            urgent,
            risk,
            area,
            dest,
            status,
            assigned,
            card,
            created,
            closed,
            card_chat,
            assigned_name,
            tags,
            region,
            forwarded,
            topic_id,
            related,
        ) = row
        return Report(
            id=int(rid),
            code=str(code),
            reporter=_user(self.cipher.decrypt(reporter)),
            answers=dict(self.cipher.decrypt(content)),
            urgent=bool(urgent),
            risk=str(risk),
            area=str(area),
            destination=str(dest),
            status=str(status),
            assigned_to=self.cipher.unseal(assigned),
            card_message_id=card,
            created_at=str(created),
            closed_at=closed,
            card_chat_id=card_chat,
            assigned_name=self.cipher.unseal(assigned_name),
            tags=tuple(tag for tag in TAGS if tag in str(tags or "").split(",")),
            region=str(region or self.default_region),
            forwarded=tuple(str(forwarded).split("\n")) if forwarded else (),
            related=tuple(sorted(str(related).split(","))) if related else (),
            topic_id=topic_id,
        )


def _fields(user: UserKey | None) -> list[str] | None:
    return None if user is None else [user.channel, user.chat_id, user.user_id]
