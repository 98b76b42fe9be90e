"""Resident memory of a process and everything it started, read from /proc: what a bot
that reads pictures in child processes really holds (tests and benchmarks/ocr.py)."""

from __future__ import annotations

import os
import signal
import threading


def resident(root: int) -> int:
    """Resident bytes of `root` and all its descendants."""
    parents: dict[int, int] = {}
    sizes: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        parents[int(entry.name)] = int(fields[1])
        sizes[int(entry.name)] = int(fields[21]) * page  # rss, in pages
    family, grew = {root}, True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in family} - family
        family |= children
        grew = bool(children)
    return sum(sizes.get(pid, 0) for pid in family)


class PeakMemory:
    """The peak of `resident(pid)`, sampled every 20 ms while the block runs. With
    `kill_above`, a tree that passes it has its root killed at once (a test of code that
    would otherwise take the whole machine's memory)."""

    def __init__(self, pid: int, kill_above: int | None = None) -> None:
        self.pid, self.kill_above, self.peak = pid, kill_above, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> PeakMemory:
        self.peak = resident(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, resident(self.pid))
            if self.kill_above is not None and self.peak > self.kill_above:
                os.kill(self.pid, signal.SIGKILL)
                return
