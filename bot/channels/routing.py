"""Outbox rows to the channel of their recipient.

Officials work in one place (the Telegram group), while reporters write from Telegram or
WhatsApp: a reply or status update for a reporter must go back the way they came, and
never to another platform's user who happens to have the same number as an id.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.outbox import Delivery, TemporaryFailure, Transport


class ChannelRouter:
    def __init__(self, officials: Transport, channels: Mapping[str, Transport]) -> None:
        self.officials = officials
        self.channels = channels

    async def deliver(self, item: Delivery) -> int | None:
        if item.recipient is None:
            return await self.officials.deliver(item)
        transport = self.channels.get(item.recipient.channel)
        if transport is None:  # e.g. WhatsApp settings removed: kept until it runs again
            raise TemporaryFailure(f"the {item.recipient.channel} channel is not running")
        return await transport.deliver(item)
