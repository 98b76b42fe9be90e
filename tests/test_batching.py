"""Batcher: concurrent requests served as one batch, each caller getting its own answer."""

from __future__ import annotations

import asyncio

import pytest

from bot.batching import Batcher


class Squares:
    """A batch function that records the batches it was given."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[dict[int, str]] = []
        self.fail_on = fail_on

    async def __call__(self, items: dict[int, str]) -> dict[int, int]:
        self.batches.append(dict(items))
        await asyncio.sleep(0.01)  # like a database round trip
        if self.fail_on in items:
            raise OSError("disk full")
        return {key: key * key for key in items}


async def test_a_lone_request_runs_at_once_as_a_batch_of_one() -> None:
    run = Squares()
    batcher = Batcher(run)

    assert await asyncio.wait_for(batcher(3, "a"), timeout=1) == 9
    assert run.batches == [{3: "a"}]


async def test_requests_arriving_together_share_batches_and_get_their_own_answers() -> None:
    run = Squares()
    batcher = Batcher(run)

    first = await asyncio.gather(*(batcher(n, "x") for n in range(100)))
    # While that ran, more came: they wait for the next batch, not one each.
    assert first == [n * n for n in range(100)]
    assert len(run.batches) <= 2
    assert sorted(key for batch in run.batches for key in batch) == list(range(100))


async def test_the_later_value_for_a_key_wins_within_a_batch() -> None:
    run = Squares()
    batcher = Batcher(run)

    await asyncio.gather(batcher(1, "old"), batcher(1, "new"))
    assert run.batches == [{1: "new"}]


async def test_a_failed_batch_fails_its_callers_and_the_next_batch_still_runs() -> None:
    run = Squares(fail_on=2)
    batcher = Batcher(run)

    results = await asyncio.gather(batcher(1, "x"), batcher(2, "x"), return_exceptions=True)
    assert [type(result) for result in results] == [OSError, OSError]
    assert await batcher(5, "x") == 25


async def test_one_caller_giving_up_does_not_cancel_the_batch_for_the_others() -> None:
    run = Squares()
    batcher = Batcher(run)

    impatient = asyncio.create_task(batcher(1, "x"))
    patient = asyncio.create_task(batcher(2, "x"))
    await asyncio.sleep(0)
    impatient.cancel()
    assert await patient == 4
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert run.batches == [{1: "x", 2: "x"}]
