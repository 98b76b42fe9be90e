"""The chaos test of issue 9 at 24 reports (the 200-report run: benchmarks/chaos.py)."""

from __future__ import annotations

from tests.chaos_script import KILLS, run
from tests.fake_telegram import FakeTelegram
from tests.test_crash_recovery import Bots, bots, tg  # noqa: F401 (fixtures)


def test_two_dozen_reports_through_a_failing_group_and_three_kills(
    tg: FakeTelegram,  # noqa: F811
    bots: Bots,  # noqa: F811
) -> None:
    outcome = run(tg, bots, reports=24)
    print(outcome)
    assert outcome.duplicates <= KILLS, outcome  # at most one per kill: the documented window
    assert outcome.order_ok, "a non-urgent card went out before an urgent one"
    assert {403, 429, 500} <= set(outcome.refused), outcome.refused
    assert "outbox empty" in outcome.outbox_listing, outcome.outbox_listing
