"""Awareness broadcasts (issue 20) through a SIGKILL: `python main.py` sends a campaign
through the fake Bot API, is killed mid-campaign and started again; every subscriber gets
it, and only what was in flight at the kill may arrive twice."""

from __future__ import annotations

import asyncio
import time

from bot.broadcast.campaigns import CampaignStore
from bot.broadcast.compose import Refused, compose
from bot.broadcast.sender import IN_FLIGHT
from bot.broadcast.subscribers import SubscriberStore
from bot.clock import utc_now
from bot.keys import open_keys
from bot.messages import UserKey
from bot.regions import single_region
from bot.storage import Database
from tests.fake_telegram import FakeTelegram
from tests.test_crash_recovery import OFFICIAL, OFFICIALS, Bots, bots, tg  # noqa: F401 (fixtures)

NORTH = "Pariaman Utara"


async def prepare_campaign(launcher: Bots, chats: range) -> None:
    """Subscribers and an approved campaign in the database `python main.py` will open."""
    database = await Database.open(launcher.database)
    try:
        keys = await open_keys(
            database,
            launcher.environ["REPORTS_ENCRYPTION_KEY"],
            launcher.environ["REPORTS_HASH_KEY"],
        )
        assert keys.cipher is not None
        people = SubscriberStore(database, keys.cipher)
        for number in chats:
            await people.subscribe(
                UserKey("telegram", str(number), str(number)), "kota-pariaman", NORTH, "id"
            )
        campaigns = CampaignStore(database, keys.cipher, people, "kota-pariaman")
        made = compose("Waspada lowongan palsu.", single_region(OFFICIALS, frozenset(), "PRM"),
                       frozenset({"kota-pariaman"}), False, utc_now())  # fmt: skip
        assert not isinstance(made, Refused)
        campaign = await campaigns.create(OFFICIALS, "kota-pariaman", made, str(OFFICIAL))
        assert (await campaigns.approve(campaign.id, str(OFFICIAL), 1))[0] == "approved"
    finally:
        await database.close()


def test_a_sigkill_mid_campaign_and_a_restart_deliver_the_rest(
    tg: FakeTelegram,  # noqa: F811
    bots: Bots,  # noqa: F811
) -> None:
    chats = range(7000, 7120)
    for number in chats:
        tg.add_chat(number, "private")
    asyncio.run(prepare_campaign(bots, chats))
    # Pacing shortened by settings (the logic is production's), so the test takes seconds.
    bots.environ.update(TELEGRAM_MESSAGES_PER_SECOND="200", TELEGRAM_BROADCAST_PER_SECOND="150")

    def received() -> list[int]:
        return [
            int(c.params["chat_id"])
            for c in tg.calls_to("sendMessage")
            if c.ok and "Waspada" in str(c.params.get("text"))
        ]

    first = bots.start()
    deadline = time.monotonic() + 30
    while len(received()) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    bots.kill(first)
    assert 40 <= len(set(received())) < len(chats), "killed mid-campaign"
    bots.start()
    deadline = time.monotonic() + 40
    while len(set(received())) < len(chats) and time.monotonic() < deadline:
        time.sleep(0.05)
    got = received()
    assert set(got) == set(chats), f"skipped: {sorted(set(chats) - set(got))}\n{bots.logs()}"
    duplicates = len(got) - len(set(got))
    assert duplicates <= IN_FLIGHT, duplicates  # only what was in flight at the kill
    print(f"{len(chats)} subscribers, {duplicates} duplicate(s) after one SIGKILL")
