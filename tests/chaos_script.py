"""The chaos scenario of issue 9, shared by tests/test_chaos.py (50 reports, in `make test`)
and benchmarks/chaos.py (200 reports).

`python main.py` runs as a subprocess against the fake Bot API. Every report is filed
while the officials' group refuses the bot (403), so all cards wait together; then the
group alternates 403, success, 500, successes, 429 (retry_after 1 s) and successes, while
the bot is SIGKILLed three times and restarted. What must hold: every card delivered,
each exactly once except for at most one duplicate per kill (the documented window),
urgent cards before every non-urgent one, nothing failed and the queue empty.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from tests.fake_telegram import FakeTelegram
from tests.report_script import SUBMIT, Action, report_steps
from tests.test_crash_recovery import OFFICIALS, Bots, act, cards_delivered, receipt_code

# Pacing and back-off shortened so the scenario fits in seconds; the logic is production's.
CHAOS_ENV = {
    "OFFICIALS_CHAT_PER_MINUTE": "100000",
    "TELEGRAM_MESSAGES_PER_SECOND": "100000",
    "OUTBOX_MAX_BACKOFF_SECONDS": "0.3",
    "OUTBOX_MAX_TRIES": "1000",
}
PATTERN: list[int | None] = [403, None, 500, None, None, 429, None, None, None, None, None, None]
KILLS = 3


@dataclass
class Outcome:
    reports: int
    urgent: int
    seconds_filing: float
    seconds_delivering: float
    requests_to_group: int
    refused: Counter[int]
    duplicates: int
    order_ok: bool
    outbox_listing: str


def file_reports(tg: FakeTelegram, users: list[int], urgent: set[int]) -> dict[int, str]:
    """Every user files a report side by side; the urgent ones answer "Ya" to danger."""
    for action in (*report_steps(photos=0), SUBMIT):
        calm_group = [u for u in users if u not in urgent]
        if action == ("press", "Tidak", "7/9"):
            danger: Action = ("press", "Ya", "7/9")
            act(tg, [u for u in users if u in urgent], danger)
            act(tg, calm_group, action)
        else:
            act(tg, users, action)
    return {user: receipt_code(tg, user) for user in users}


def run(tg: FakeTelegram, bots: Bots, reports: int, first_user: int = 7000) -> Outcome:
    bots.environ.update(CHAOS_ENV)
    users = list(range(first_user, first_user + reports))
    urgent = set(users[3::5])  # one in five, scattered through the queue
    tg.fail("sendMessage", chat_id=OFFICIALS, status=403, times=None)  # the bot is out
    bot = bots.start()
    started = time.monotonic()
    codes = file_reports(tg, users, urgent)
    filing = time.monotonic() - started
    assert len(set(codes.values())) == reports
    urgent_codes = {codes[u] for u in urgent}

    tg.clear_failures()
    before = len(tg.calls)
    tg.cycle_failures(OFFICIALS, PATTERN, retry_after=1)
    tg.delay("sendMessage", 0.02)  # a kill then often finds a request in flight
    started = time.monotonic()
    for share in range(1, KILLS + 1):  # killed after a quarter, half, three quarters
        goal = reports * share // (KILLS + 1)
        tg.wait_for(lambda _, g=goal: len(cards_delivered(tg)) >= g, timeout=60)
        bots.kill(bot)
        bot = bots.start()
    bots.wait_until_delivered(timeout=90)
    delivering = time.monotonic() - started
    tg.clear_failures()
    tg.delay("sendMessage", 0)
    bots.terminate(bot)

    delivered = cards_delivered(tg)
    assert set(delivered) == set(codes.values()), set(codes.values()) - set(delivered)
    first_seen: list[str] = []
    for call in tg.calls_to("sendMessage"):
        code = _card_code(call.params.get("text", "")) if call.status == 200 else None
        if code and call.params.get("chat_id") == OFFICIALS and code not in first_seen:
            first_seen.append(code)
    last_urgent = max(first_seen.index(code) for code in urgent_codes)
    first_calm = min(i for i, code in enumerate(first_seen) if code not in urgent_codes)
    group_calls = [c for c in tg.calls[before:] if c.params.get("chat_id") == OFFICIALS]
    return Outcome(
        reports=reports,
        urgent=len(urgent_codes),
        seconds_filing=filing,
        seconds_delivering=delivering,
        requests_to_group=len(group_calls),
        refused=Counter(c.status for c in group_calls if c.status != 200),
        duplicates=sum(n - 1 for n in delivered.values()),
        order_ok=last_urgent < first_calm,
        outbox_listing=bots.outbox_command(),
    )


def _card_code(text: str) -> str | None:
    marker = "Kode: "
    start = text.find(marker)
    return text[start + len(marker) : start + len(marker) + 13] if start >= 0 else None
