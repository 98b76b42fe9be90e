"""Chaos at 200 reports: `python -m benchmarks.chaos [--reports N]`.

The scenario of tests/chaos_script.py (the test runs it with 50): `python main.py` as a
subprocess, every report filed while the officials' group refuses the bot, then the group
alternating 403, 500, 429 and success while the bot is SIGKILLed three times. Prints how
long filing and delivery took, what the group refused, the duplicates (at most one per
kill is the documented window) and whether every urgent card went out first.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bot.crypto import generate_key
from tests.chaos_script import KILLS, run
from tests.fake_telegram import FakeTelegram
from tests.test_crash_recovery import OFFICIALS, Bots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, FakeTelegram() as tg:
        tg.add_chat(OFFICIALS, "supergroup", title="Gugus Tugas TPPO")
        bots = Bots(tg, Path(folder), generate_key())
        try:
            outcome = run(tg, bots, args.reports)
        finally:
            bots.close()
    print(f"reports filed:             {outcome.reports} ({outcome.urgent} urgent)")
    print(f"filing (group refusing):   {outcome.seconds_filing:.1f} s")
    print(f"delivery with {KILLS} SIGKILLs: {outcome.seconds_delivering:.1f} s")
    print(f"requests to the group:     {outcome.requests_to_group}")
    print(f"refused by the group:      {dict(outcome.refused)}")
    print(f"duplicated cards:          {outcome.duplicates} (window: at most {KILLS})")
    print(f"urgent cards all first:    {outcome.order_ok}")
    print(f"outbox at the end:         {outcome.outbox_listing.strip()}")
    if outcome.duplicates > KILLS or not outcome.order_ok:
        raise SystemExit("FAILED")


if __name__ == "__main__":
    main()
