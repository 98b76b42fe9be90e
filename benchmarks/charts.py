"""The /statistik chart: what the first chart after start-up costs, and each one after it.

    python -m benchmarks.charts            (or: make bench)

1. Importing matplotlib in a fresh interpreter, which the first /statistik pays (start-up
   and the CLI never import it; tests/test_officials_stats.py checks that).
2. Counting and drawing a 90-day and a 365-day chart of CASES made-up cases over the
   regions of a province. The drawing runs in a thread in the bot; here it is timed alone.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import subprocess
import sys
import time

from bot import charts
from bot.messages import UserKey
from bot.reports import STATUSES, TAGS, Report
from bot.statistics import count, last_days

CASES = 300
ROUNDS = 5
AREAS = [f"Kecamatan {n}" for n in range(1, 16)]
COUNTRIES = ["Malaysia", "Kamboja", "Arab Saudi", "Taiwan", "Hong Kong", "Myanmar", "Jepang"]
REGIONS = {f"region-{n}": f"Kabupaten {n}" for n in range(1, 21)}


def made_up_cases(now: dt.datetime, rng: random.Random) -> list[Report]:
    return [
        Report(
            id=number,
            code=f"BEN-{number:04d}",
            reporter=UserKey("telegram", str(number), str(number)),
            answers={},
            urgent=rng.random() < 0.1,
            risk="tinggi",
            area=rng.choice(AREAS),
            destination=rng.choice(COUNTRIES),
            status=rng.choice(STATUSES),
            assigned_to=None,
            card_message_id=None,
            created_at=(now - dt.timedelta(days=rng.uniform(0, 360))).isoformat(),
            closed_at=None,
            tags=tuple(rng.sample(sorted(TAGS), 1)),
            region=rng.choice(sorted(REGIONS)),
        )
        for number in range(CASES)
    ]


def import_seconds() -> float:
    code = "import time; t = time.perf_counter(); "
    code += "from matplotlib.backends.backend_agg import FigureCanvasAgg; "
    code += "from matplotlib.figure import Figure; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def main() -> None:
    imports = sorted(import_seconds() for _ in range(3))
    print(f"matplotlib import (first chart only): {imports[0]:.2f}-{imports[-1]:.2f} s")
    now = dt.datetime.now(dt.UTC)
    cases = made_up_cases(now, random.Random(12))
    for days, names in ((90, None), (365, REGIONS)):
        start = time.perf_counter()
        stats = count(cases, last_days(days, now), names)
        counted = time.perf_counter() - start
        times, size = [], 0
        for _ in range(ROUNDS):
            start = time.perf_counter()
            size = len(charts.statistics_png(stats))
            times.append(time.perf_counter() - start)
        view = "by region" if names else "by kecamatan"
        print(
            f"{days} days, {stats.total} cases, {view}: counted in {counted * 1000:.1f} ms, "
            f"chart median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}), PNG {size // 1024} kB"
        )


if __name__ == "__main__":
    main()
