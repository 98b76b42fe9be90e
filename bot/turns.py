"""Turns on one shared resource (the database connection), where an urgent caller goes
ahead of everyone already waiting.

Under load a dozen writers may queue for the one SQLite connection. Most of them can wait:
an answer committed 20 ms later is not noticed. A WhatsApp webhook cannot: Meta waits for
its 200, which is sent only after the inbox commit, and a commit stuck behind the queue
made the acknowledgement tail several times the time of the commit itself. The urgent
caller still waits for whoever holds the turn; only the queue behind is skipped. An
urgent caller that keeps coming would starve the others, so it must be rare or batched
(the inbox's commits run one batch at a time).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Turns:
    """``async with turns():`` like an asyncio.Lock; ``turns(urgent=True)`` jumps the queue."""

    def __init__(self) -> None:
        self._busy = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def __call__(self, urgent: bool = False) -> AsyncIterator[None]:
        await self._acquire(self._urgent if urgent else self._normal)
        try:
            yield
        finally:
            self._hand_over()

    async def _acquire(self, queue: deque[asyncio.Future[None]]) -> None:
        if not self._busy:
            self._busy = True
            return
        turn = asyncio.get_running_loop().create_future()
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._hand_over()  # given the turn, then cancelled: the next one has it
            elif turn in queue:  # else already passed over as done
                queue.remove(turn)
            raise

    def _hand_over(self) -> None:
        for queue in (self._urgent, self._normal):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # still busy: the turn passes straight on
                    return
        self._busy = False
