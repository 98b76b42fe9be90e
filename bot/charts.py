"""The /statistik picture: reports per week by status, top destinations, by kecamatan
(by city/regency for someone who sees several); and a poll's answers per choice, by
region (`/siaran hasil`).

matplotlib's object API on the Agg canvas (a Figure of our own, no pyplot and its global
figure registry), imported only when a chart is drawn: the bot's start and the CLI do not
pay for it. Drawing takes a moment of CPU, so callers run it in a thread; one chart is
drawn at a time because matplotlib does not promise thread safety.

Only counts and the names of places, countries, weeks and statuses go in: nothing
that identifies a reporter.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from typing import TYPE_CHECKING

from bot.reports import STATUSES
from bot.statistics import STATUS_LABELS, Statistics

if TYPE_CHECKING:  # for the type checker only: importing matplotlib costs half a second
    from matplotlib.axes import Axes

TOP = 8  # bars per ranking; the rest are summed as "lainnya"
COLOURS = {
    "baru": "#9e9e9e",
    "diterima": "#1f77b4",
    "ditindaklanjuti": "#ff7f0e",
    "selesai": "#2ca02c",
    "tidak_valid": "#d62728",
}
_one_at_a_time = threading.Lock()


def statistics_png(stats: Statistics) -> bytes:
    with _one_at_a_time:
        return _draw(stats)


def _draw(stats: Statistics) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(9, 9), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(2, 2, height_ratios=(1.15, 1))
    figure.suptitle(_plain(f"{stats.period.label}: {stats.total} laporan", 120))

    timeline = figure.add_subplot(grid[0, :])
    labels = [_plain(label) for label, _ in stats.timeline]
    positions = range(len(labels))
    bottom = [0] * len(labels)
    for status in STATUSES:
        heights = [counts[status] for _, counts in stats.timeline]
        if any(heights):
            timeline.bar(
                positions,
                heights,
                bottom=bottom,
                color=COLOURS[status],
                label=_plain(STATUS_LABELS[status]),
            )
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    timeline.set_xticks(list(positions), labels, rotation=45, ha="right", fontsize=8)
    timeline.set_title(
        "Laporan per " + ("minggu (mulai Senin)" if stats.period.weekly else "bulan")
    )
    timeline.yaxis.set_major_locator(MaxNLocator(integer=True))
    timeline.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title="Status")

    _ranking(figure.add_subplot(grid[1, 0]), "Negara tujuan", "negara", stats.by_destination)
    if stats.by_region:  # several regions' kecamatan side by side would mislead
        _ranking(figure.add_subplot(grid[1, 1]), "Kota/kabupaten", "wilayah", stats.by_region)
    else:
        _ranking(figure.add_subplot(grid[1, 1]), "Kecamatan", "kecamatan", stats.by_area)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def poll_png(title: str, options: tuple[str, ...], by_region: dict[str, list[int]]) -> bytes:
    """One bar per choice, its answers stacked by region: counts only."""
    with _one_at_a_time:
        return _draw_poll(title, options, by_region)


def _draw_poll(title: str, options: tuple[str, ...], by_region: dict[str, list[int]]) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 1.6 + 0.7 * len(options)), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    figure.suptitle(_plain(title, 120))
    labels = [_plain(option) for option in reversed(options)]
    left = [0] * len(options)
    for region, counts in sorted(by_region.items(), key=lambda item: -sum(item[1])):
        widths = list(reversed(counts))
        axes.barh(labels, widths, left=left, label=_plain(region))
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title="Wilayah")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _ranking(axes: Axes, title: str, noun: str, counted: tuple[tuple[str, int], ...]) -> None:
    """Horizontal bars, most first (at the top); past TOP, the rest in one bar."""
    from matplotlib.ticker import MaxNLocator

    shown = list(counted[:TOP])
    if len(counted) > TOP:
        shown.append((f"{len(counted) - TOP} {noun} lain", sum(n for _, n in counted[TOP:])))
    names = [_plain(name) for name, _ in reversed(shown)]
    values = [n for _, n in reversed(shown)]
    axes.barh(names, values, color="#4c72b0")
    axes.set_title(title)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(axis="y", labelsize=8)


def _plain(label: str, longest: int = 40) -> str:
    """What the bundled font can draw, taken literally: no emoji (missing glyphs only
    warn), no control characters, and no "$", which would start mathtext."""
    kept = "".join(char for char in label if unicodedata.category(char)[0] in "LNPZ")
    return " ".join(kept.replace("$", "").split())[:longest] or "-"
