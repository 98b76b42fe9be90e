"""Turns: one at a time, an urgent caller ahead of the queue, and no turn lost to a caller
that gave up waiting."""

from __future__ import annotations

import asyncio

from bot.turns import Turns


async def take(turns: Turns, name: str, order: list[str], urgent: bool = False) -> None:
    async with turns(urgent):
        order.append(name)
        await asyncio.sleep(0.005)  # like a statement in the database thread


async def test_callers_take_turns_one_at_a_time_in_order() -> None:
    turns = Turns()
    inside = 0
    most = 0

    async def work() -> None:
        nonlocal inside, most
        async with turns():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.001)
            inside -= 1

    await asyncio.gather(*(work() for _ in range(20)))
    order: list[str] = []
    await asyncio.gather(*(take(turns, str(n), order) for n in range(5)))

    assert most == 1
    assert order == ["0", "1", "2", "3", "4"]


async def test_an_urgent_caller_goes_after_the_holder_and_before_the_queue() -> None:
    turns = Turns()
    order: list[str] = []
    holder = asyncio.create_task(take(turns, "holder", order))
    await asyncio.sleep(0)  # the holder has the turn
    queued = [asyncio.create_task(take(turns, f"queued{n}", order)) for n in range(3)]
    await asyncio.sleep(0)
    urgent = asyncio.create_task(take(turns, "urgent", order, urgent=True))

    await asyncio.wait_for(asyncio.gather(holder, *queued, urgent), timeout=2)

    assert order == ["holder", "urgent", "queued0", "queued1", "queued2"]


async def test_a_caller_cancelled_while_waiting_does_not_keep_the_others_waiting() -> None:
    turns = Turns()
    order: list[str] = []
    holder = asyncio.create_task(take(turns, "holder", order))
    await asyncio.sleep(0)
    gives_up = asyncio.create_task(take(turns, "gives up", order))
    after = asyncio.create_task(take(turns, "after", order))
    await asyncio.sleep(0)
    gives_up.cancel()

    await asyncio.wait_for(asyncio.gather(holder, after), timeout=2)
    # And the turns are free again.
    await asyncio.wait_for(take(turns, "later", order), timeout=2)

    assert order == ["holder", "after", "later"]
    assert gives_up.cancelled()


async def test_a_caller_cancelled_just_as_its_turn_came_passes_it_on() -> None:
    turns = Turns()
    order: list[str] = []
    entered = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with turns():
            entered.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await entered.wait()
    next_one = asyncio.create_task(take(turns, "next", order))
    after = asyncio.create_task(take(turns, "after", order))
    await asyncio.sleep(0)
    release.set()
    await asyncio.sleep(0)  # the holder leaves and hands the turn to next_one...
    next_one.cancel()  # ...which is cancelled before it could run

    await asyncio.wait_for(asyncio.gather(holder, after), timeout=2)

    assert order == ["after"]
