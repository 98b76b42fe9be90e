"""Many concurrent requests to the database, served as one.

When a crowd arrives at once (a radio announcement, an outreach in a village), hundreds
of new users need their session read and written within the same second. One SELECT and
one committed INSERT each would queue on the database one by one, every commit with its
own fsync. A `Batcher` lets requests that arrive while a batch is running gather into the
next one, which is then read with one query or written in one transaction: the same
result for each caller, at a fraction of the cost, and no waiting at all when the bot is
quiet (a lone request is a batch of one, run at once).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")
Result = TypeVar("Result")


class Batcher(Generic[Key, Value, Result]):
    """``await batcher(key, value)`` runs ``run({key: value, ...})`` for a whole batch and
    returns what it gave for ``key`` (None if nothing).

    Batches run one at a time, in order, so a later request for a key is never overtaken
    by an earlier one. Within one batch the later value for a key wins, as it would if the
    two had run one after the other. If ``run`` fails, every caller in that batch gets the
    error.
    """

    def __init__(self, run: Callable[[dict[Key, Value]], Awaitable[dict[Key, Result]]]) -> None:
        self._run = run
        self._pending: dict[Key, Value] = {}
        self._next: asyncio.Future[dict[Key, Result]] | None = None
        self._worker: asyncio.Task[None] | None = None

    async def __call__(self, key: Key, value: Value) -> Result | None:
        self._pending[key] = value
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            # Callers that were cancelled no longer look at the outcome; asyncio would
            # otherwise log a failed batch as "exception was never retrieved".
            self._next.add_done_callback(_retrieve)
        batch = self._next
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        # shield: one caller being cancelled must not cancel the batch for the others.
        results = await asyncio.shield(batch)
        return results.get(key)

    async def _drain(self) -> None:
        while self._next is not None:
            items, batch = self._pending, self._next
            self._pending, self._next = {}, None
            try:
                results = await self._run(items)
            except asyncio.CancelledError:  # shutting down: nobody waits forever
                batch.cancel()
                if self._next is not None:
                    self._next.cancel()
                    self._next, self._pending = None, {}
                raise
            except Exception as error:
                batch.set_exception(error)
            else:
                batch.set_result(results)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
