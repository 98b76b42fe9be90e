"""Who subscribed to the awareness broadcasts, and nothing that names them in clear.

A subscriber is found by a keyed hash of their user key (REPORTS_HASH_KEY, a purpose of
its own, so the list does not join to reports or sessions); their address (Telegram chat
or WhatsApp id) is kept only encrypted, for sending. In clear: the channel, the place
they gave (region and kecamatan, or none), their language, the day they subscribed, the
hour before which they get no further broadcast, and on WhatsApp the hour they last
wrote (whether a normal message can still reach them). Unsubscribing deletes the row;
the campaigns they were in forget who they were (bot.broadcast.campaigns).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.clock import Clock, day_stamp, hour_stamp, utc_now
from bot.crypto import Cipher
from bot.messages import UserKey
from bot.storage import Database


@dataclass(frozen=True)
class Listed:
    """A subscriber as campaigns count and choose them: no address."""

    key: str
    channel: str
    region: str | None  # None: they skipped the place question
    area: str | None  # kecamatan, None: the whole region
    language: str
    rest_until: str | None  # no broadcast before this (one a day at most)
    seen_at: str | None  # WhatsApp: the hour they last wrote


@dataclass(frozen=True)
class Subscriber:
    key: str
    user: UserKey
    region: str | None
    area: str | None
    language: str


def subscriber_key(cipher: Cipher, user: UserKey) -> str:
    return cipher.lookup_hash(f"subscriber:{user}")


def address_of(raw: list[object]) -> UserKey:
    channel, chat_id, user_id = raw
    return UserKey(str(channel), str(chat_id), str(user_id))


class SubscriberStore:
    def __init__(self, database: Database, cipher: Cipher, clock: Clock = utc_now) -> None:
        self.database = database
        self.cipher = cipher
        self.clock = clock
        # Keys of everyone subscribed, read once: a WhatsApp message from someone who is
        # not (nearly everyone) then costs no query to learn that (`seen`).
        self._known: set[str] | None = None
        self._seen: dict[str, str] = {}  # key -> the hour last stored as seen_at
        # Called after someone left: a campaign whose last rows were theirs is finished
        # (the campaigns' worker, which may be asleep, looks; bot.runtime sets it).
        self.left: Callable[[], None] = lambda: None

    def key(self, user: UserKey) -> str:
        return subscriber_key(self.cipher, user)

    async def get(self, user: UserKey) -> Subscriber | None:
        key = self.key(user)
        rows = await self.database.fetchall(
            "SELECT region, area, language FROM subscribers WHERE subscriber_hash = ?", (key,)
        )
        if not rows:
            return None
        region, area, language = rows[0]
        return Subscriber(key, user, _text(region), _text(area), str(language))

    async def subscribe(
        self, user: UserKey, region: str | None, area: str | None, language: str
    ) -> None:
        """A new subscriber, or a subscriber's new place and language."""
        key = self.key(user)
        now = self.clock()
        seen = hour_stamp(now) if user.channel == "whatsapp" else None  # they just wrote
        await self.database.write(
            "INSERT INTO subscribers (subscriber_hash, address, channel, region, area, "
            "language, since, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (subscriber_hash) DO UPDATE SET region = excluded.region, "
            "area = excluded.area, language = excluded.language",
            (
                key,
                self.cipher.encrypt([user.channel, user.chat_id, user.user_id]),
                user.channel,
                region,
                area,
                language,
                day_stamp(now),
                seen,
            ),
        )
        (await self._keys()).add(key)

    async def set_language(self, user: UserKey, language: str) -> None:
        key = self.key(user)
        if key in await self._keys():
            await self.database.write(
                "UPDATE subscribers SET language = ? WHERE subscriber_hash = ?", (language, key)
            )

    async def unsubscribe(self, user: UserKey) -> bool:
        """False when they were not subscribed."""
        return await self.forget(self.key(user))

    async def forget(self, key: str, refused: bool = False) -> bool:
        """Delete the subscription (not a flag: the row goes). What was still to be sent to
        them is dropped; campaigns that reached them count them as unsubscribed since, and
        no longer know who they were. `refused`: the platform said they blocked the bot or
        stopped marketing messages (their pending rows are marked so)."""
        async with self.database.transaction() as db:
            cursor = await db.execute("DELETE FROM subscribers WHERE subscriber_hash = ?", (key,))
            existed = cursor.rowcount > 0
            await db.execute(
                "UPDATE campaign_recipients SET status = ?, subscriber_hash = NULL "
                "WHERE subscriber_hash = ? AND status = 'pending'",
                ("blocked" if refused else "dropped", key),
            )
            await db.execute(
                "UPDATE campaign_recipients SET left_since = (status = 'sent'), "
                "subscriber_hash = NULL WHERE subscriber_hash = ?",
                (key,),
            )
        (await self._keys()).discard(key)
        self._seen.pop(key, None)
        self.left()
        return existed

    async def known(self, key: str) -> bool:
        """Still subscribed (from memory: no query)."""
        return key in await self._keys()

    async def seen(self, user: UserKey) -> None:
        """They wrote (WhatsApp): a normal message reaches them for 24 hours. Stored to the
        hour, at most once an hour per subscriber."""
        key = self.key(user)
        if key not in await self._keys():
            return
        hour = hour_stamp(self.clock())
        if self._seen.get(key) == hour:
            return
        self._seen[key] = hour
        await self.database.write(
            "UPDATE subscribers SET seen_at = ? WHERE subscriber_hash = ?", (hour, key)
        )

    async def listed(self) -> list[Listed]:
        rows = await self.database.fetchall(
            "SELECT subscriber_hash, channel, region, area, language, rest_until, seen_at "
            "FROM subscribers"
        )
        return [
            Listed(str(k), str(c), _text(r), _text(a), str(lang), _text(rest), _text(seen))
            for k, c, r, a, lang, rest, seen in rows
        ]

    async def count(self) -> int:
        rows = await self.database.fetchall("SELECT COUNT(*) FROM subscribers")
        return int(rows[0][0])

    async def _keys(self) -> set[str]:
        if self._known is None:
            rows = await self.database.fetchall("SELECT subscriber_hash FROM subscribers")
            self._known = {str(row[0]) for row in rows}
        return self._known


def in_window(seen_at: str | None, now: dt.datetime) -> bool:
    """WhatsApp delivers a normal message within 24 hours of the person's last message.
    `seen_at` is rounded down to the hour: an hour is kept as margin."""
    if seen_at is None:
        return False
    return now < dt.datetime.fromisoformat(seen_at) + dt.timedelta(hours=23)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
