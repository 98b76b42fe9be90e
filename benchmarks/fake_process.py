"""tests/fake_telegram.py's FakeTelegram in a process of its own, for the load benchmark.

The child starts ``FakeTelegram()`` (which listens on 127.0.0.1 only), sends back
``(token, base_url, base_file_url)`` and then serves commands from a ``multiprocessing``
Pipe, one at a time:

    ("send_text", user_id, text)       inject a text update; no answer
    ("sends", index)                   answer the successful sendMessage calls from number
                                       ``index`` on, as ``(chat_id, at)`` pairs
    ("wait_for_call", method, timeout) answer None once ``method`` was called, else the
                                       fake's timeout report
    ("now",)                           answer the child's time.monotonic()
    ("stop",)                          stop the fake and exit

``at`` is the child's ``time.monotonic()`` when the request arrived. On Linux that is
CLOCK_MONOTONIC, one clock for the whole system, so the parent can subtract its own
``time.monotonic()`` readings from it (``FakeProcess.start`` checks this).

The child is started with 'spawn' (a fresh interpreter: the parent has threads, so 'fork'
would be unsafe). Only commands whose answer the parent waits for are answered, and the
parent has at most one of them outstanding, so answers never get mixed up.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import time
from multiprocessing.connection import Connection
from typing import Any, Self

START_METHOD = "spawn"
LOCALHOST_PREFIX = "http://127.0.0.1:"


def serve(conn: Connection) -> None:
    """The child process: run the fake and answer the parent's commands until "stop"."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from tests.fake_telegram import FakeTelegram

    with FakeTelegram() as tg:
        conn.send((tg.token, tg.base_url, tg.base_file_url))
        sends: list[tuple[int, float]] = []  # successful sendMessage calls, in order
        scanned = 0  # how many of tg.calls are already in sends
        while True:
            try:
                command, *args = conn.recv()
            except EOFError:  # the parent is gone
                break
            if command == "send_text":
                tg.send_text(*args)
            elif command == "sends":
                calls = tg.calls
                for call in calls[scanned:]:
                    if call.method == "sendMessage" and call.ok:
                        sends.append((call.params["chat_id"], call.at))
                scanned = len(calls)
                conn.send(sends[args[0] :])
            elif command == "wait_for_call":
                method, timeout = args
                try:
                    tg.wait_for_call(method, timeout=timeout)
                except AssertionError as timed_out:  # the fake's report of all calls
                    conn.send(str(timed_out))
                else:
                    conn.send(None)
            elif command == "now":
                conn.send(time.monotonic())
            elif command == "stop":
                break
            else:
                raise ValueError(f"unknown command {command!r}")


class FakeProcess:
    """The parent's handle on the child; use as ``with FakeProcess() as tg:``."""

    def __init__(self) -> None:
        context = multiprocessing.get_context(START_METHOD)
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(
            target=serve, args=(child_conn,), name="fake-telegram", daemon=True
        )
        self._child_conn = child_conn
        self._lock = asyncio.Lock()  # at most one question to the child at a time
        self.token = self.base_url = self.base_file_url = ""

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self, timeout: float = 60) -> None:
        """Start the child, wait for its address and check the clocks agree (blocking)."""
        self._process.start()
        self._child_conn.close()  # the child has its own copy; EOF when the child dies
        self.token, self.base_url, self.base_file_url = self._receive(timeout)
        if not self.base_url.startswith(LOCALHOST_PREFIX):
            raise RuntimeError(f"fake Telegram is not on 127.0.0.1: {self.base_url}")
        before = time.monotonic()
        self._conn.send(("now",))
        child_now = self._receive(10)
        after = time.monotonic()
        if not before <= child_now <= after:
            raise RuntimeError(
                f"time.monotonic() differs between processes ({before} <= {child_now} <= "
                f"{after} fails): reply times would be wrong"
            )

    def _receive(self, timeout: float) -> Any:
        if not self._conn.poll(timeout):
            raise TimeoutError(f"fake Telegram process did not answer within {timeout:g} s")
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            self._process.join(5)
            raise RuntimeError(
                f"fake Telegram process exited (code {self._process.exitcode})"
            ) from None

    def close(self) -> None:
        """Ask the child to stop; terminate (then kill) it if it does not exit promptly."""
        if self._process.pid is None:  # never started
            return
        if self._process.is_alive():
            with contextlib.suppress(OSError):  # the pipe is broken when the child died
                self._conn.send(("stop",))
            self._process.join(15)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()

    # ---- commands, from the event loop ------------------------------------------------

    def send_text(self, user_id: int, text: str) -> None:
        """Inject a text update (a pipe write, no round trip)."""
        self._conn.send(("send_text", user_id, text))

    async def sends(self, index: int, timeout: float = 30) -> list[tuple[int, float]]:
        """Successful sendMessage calls from number ``index`` on, as (chat_id, at)."""
        result: list[tuple[int, float]] = await self._ask(timeout, "sends", index)
        return result

    async def wait_for_call(self, method: str, timeout: float) -> None:
        """Wait (in the child) until the bot called ``method``."""
        if report := await self._ask(timeout + 10, "wait_for_call", method, timeout):
            raise TimeoutError(report)

    async def _ask(self, timeout: float, *command: Any) -> Any:
        """Send a command and wait for its answer without blocking the event loop."""
        async with self._lock:
            self._conn.send(command)
            async with asyncio.timeout(timeout):
                await self._readable()
            try:
                return self._conn.recv()
            except (EOFError, OSError):  # EOF or a reset pipe: the child died
                raise RuntimeError("fake Telegram process exited") from None

    async def _readable(self) -> None:
        if self._conn.poll():
            return
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = self._conn.fileno()

        def wake() -> None:
            loop.remove_reader(fd)
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, wake)
        try:
            await ready
        finally:
            loop.remove_reader(fd)
