"""The Telegram side of the load benchmark, in a process of its own: the fake Bot API of
tests/fake_telegram.py and the simulated users who talk to the bot through it.

In production Telegram and its users are on other machines. Here they share this
machine's cores with the bot, but not its process: none of their Python work runs under
the bot's GIL or counts in its CPU time, so the bot's process measures the bot alone.

The child is started with 'spawn' (a fresh interpreter: the parent has threads, so 'fork'
would be unsafe), sends back ``(token, base_url, base_file_url)`` and then serves commands
from a ``multiprocessing`` Pipe, one at a time:

    ("wait_for_call", method, timeout)  answer None once the bot called ``method``, else
                                        the fake's report of all calls
    ("talk", plan, seconds)             every user of ``plan`` ({user id: questions}) asks
                                        at once; answer a Conversation when all questions
                                        are answered or ``seconds`` have passed
    ("ask_every", plan, every, seconds) each user of ``plan`` asks a question every
                                        ``every`` seconds (not waiting for the answer), the
                                        users spread over the interval, for ``seconds``;
                                        answer a Conversation once the last is answered
    ("reached", low, high)              (chats in range(low, high) that got a sendMessage,
                                        sendMessage calls to them): a broadcast's progress
    ("stop",)                           stop the fake and exit

A simulated user asks the next question the moment the bot's answer to the previous one
reaches the fake, from inside the fake's request handling: there is no polling, so the
users add no delay of their own. Each question gets exactly one sendMessage in return, so
the k-th sendMessage in a private chat answers that chat's k-th question.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from tests.fake_telegram import Call, FakeTelegram

START_METHOD = "spawn"
LOCALHOST_PREFIX = "http://127.0.0.1:"


@dataclass(frozen=True)
class Conversation:
    """What the users saw, measured in the child with time.monotonic()."""

    waits: list[float]  # seconds from asking to the bot's answer, in order of answers
    seconds: float  # from the first question to the last answer (or the time limit)
    unanswered: int  # questions still without an answer at the end
    extra: int  # sendMessage calls nobody waited for (a question answered twice)
    cpu: float  # CPU seconds the Telegram side (fake and users) used meanwhile


class Users:
    """The simulated users: one question in flight each, the next asked on each answer."""

    def __init__(self, tg: FakeTelegram, plan: dict[int, list[str]]) -> None:
        self.tg = tg
        self.total = sum(len(questions) for questions in plan.values())
        self.waits: list[float] = []
        self.extra = 0
        self.finished = threading.Event()
        self._to_ask = {user: deque(questions) for user, questions in plan.items() if questions}
        self._asked_at: dict[int, float] = {}
        self._lock = threading.Lock()  # answers arrive on many connection threads at once

    def start(self) -> float:
        """Everyone asks their first question; returns when that began."""
        with self._lock:
            started = time.monotonic()
            for user in list(self._to_ask):
                self._ask(user)
        if not self.total:
            self.finished.set()
        return started

    def on_call(self, call: Call) -> None:
        if call.method != "sendMessage" or not call.ok:
            return
        chat_id = call.params["chat_id"]
        with self._lock:
            asked = self._asked_at.pop(chat_id, None)
            if asked is None:
                self.extra += 1
                return
            self.waits.append(call.at - asked)
            if self._to_ask.get(chat_id):
                self._ask(chat_id)
            if len(self.waits) == self.total:
                self.finished.set()

    def _ask(self, user: int) -> None:
        questions = self._to_ask[user]
        question = questions.popleft()
        if not questions:
            del self._to_ask[user]
        self._asked_at[user] = time.monotonic()
        self.tg.send_text(user, question)

    def conversation(self, started: float, cpu: float) -> Conversation:
        with self._lock:
            waits = list(self.waits)
            return Conversation(
                waits=waits,
                seconds=time.monotonic() - started,
                unanswered=self.total - len(waits),
                extra=self.extra,
                cpu=cpu,
            )


class Askers:
    """Users who ask on a timetable, whether or not the last answer came: the k-th answer
    in a chat answers its k-th question."""

    def __init__(self, tg: FakeTelegram, plan: dict[int, list[str]]) -> None:
        self.tg = tg
        self.plan = {user: deque(questions) for user, questions in plan.items()}
        self.total = sum(len(questions) for questions in plan.values())
        self.waits: list[float] = []
        self.extra = 0
        self.finished = threading.Event()
        self._asked: dict[int, deque[float]] = {user: deque() for user in plan}
        self._lock = threading.Lock()

    def run(self, every: float) -> float:
        """Ask on the timetable (blocking: a thread of the child); returns the start."""
        started = time.monotonic()
        users = list(self.plan)
        rounds = max(len(q) for q in self.plan.values()) if users else 0
        for round_number in range(rounds):
            for number, user in enumerate(users):
                at = started + (round_number + number / len(users)) * every
                time.sleep(max(0.0, at - time.monotonic()))
                if self.plan[user]:
                    with self._lock:
                        self._asked[user].append(time.monotonic())
                    self.tg.send_text(user, self.plan[user].popleft())
        return started

    def on_call(self, call: Call) -> None:
        if call.method != "sendMessage" or not call.ok:
            return
        chat_id = call.params["chat_id"]
        with self._lock:
            asked = self._asked.get(chat_id)
            if asked is None:
                return  # not one of the askers (a broadcast's subscriber)
            if not asked:
                self.extra += 1
                return
            self.waits.append(call.at - asked.popleft())
            if len(self.waits) == self.total:
                self.finished.set()

    def conversation(self, started: float, cpu: float) -> Conversation:
        with self._lock:
            return Conversation(
                waits=list(self.waits),
                seconds=time.monotonic() - started,
                unanswered=self.total - len(self.waits),
                extra=self.extra,
                cpu=cpu,
            )


def serve(conn: Connection) -> None:
    """The child process: run the fake and answer the parent's commands until "stop"."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from tests.fake_telegram import FakeTelegram

    # Chats the bot writes to first (a broadcast's subscribers) exist without add_chat.
    with FakeTelegram(auto_create_chats=True) as tg:
        conn.send((tg.token, tg.base_url, tg.base_file_url))
        while True:
            try:
                command, *args = conn.recv()
            except EOFError:  # the parent is gone
                break
            if command == "wait_for_call":
                method, timeout = args
                try:
                    tg.wait_for_call(method, timeout=timeout)
                except AssertionError as timed_out:  # the fake's report of all calls
                    conn.send(str(timed_out))
                else:
                    conn.send(None)
            elif command == "talk":
                plan, seconds = args
                users = Users(tg, plan)
                tg.watch(users.on_call)
                cpu = time.process_time()
                started = users.start()
                users.finished.wait(seconds)
                conn.send(users.conversation(started, time.process_time() - cpu))
            elif command == "ask_every":
                plan, every, seconds = args
                askers = Askers(tg, plan)
                tg.watch(askers.on_call)
                cpu = time.process_time()
                started = askers.run(every)
                askers.finished.wait(seconds)
                conn.send(askers.conversation(started, time.process_time() - cpu))
            elif command == "reached":
                low, high = args
                calls = [
                    c
                    for c in tg.calls_to("sendMessage")
                    if c.ok and low <= int(c.params["chat_id"]) < high
                ]
                conn.send((len({c.params["chat_id"] for c in calls}), len(calls)))
            elif command == "stop":
                break
            else:
                raise ValueError(f"unknown command {command!r}")


class TelegramSide:
    """The parent's handle on the child; use as ``with TelegramSide() as tg:``."""

    def __init__(self) -> None:
        context = multiprocessing.get_context(START_METHOD)
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(
            target=serve, args=(child_conn,), name="telegram-side", daemon=True
        )
        self._child_conn = child_conn
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
        """Start the child and wait for the fake's address (blocking)."""
        self._process.start()
        self._child_conn.close()  # the child has its own copy; EOF when the child dies
        if not self._conn.poll(timeout):
            raise TimeoutError(f"the Telegram side did not start within {timeout:g} s")
        self.token, self.base_url, self.base_file_url = self._receive()
        if not self.base_url.startswith(LOCALHOST_PREFIX):
            raise RuntimeError(f"fake Telegram is not on 127.0.0.1: {self.base_url}")

    def _receive(self) -> Any:
        try:
            return self._conn.recv()
        except (EOFError, OSError):  # EOF or a reset pipe: the child died
            self._process.join(5)
            raise RuntimeError(
                f"the Telegram side exited (code {self._process.exitcode})"
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

    # ---- commands, from the event loop: the bot keeps running while the child works ----

    async def wait_for_call(self, method: str, timeout: float) -> None:
        """Wait until the bot called ``method``."""
        if report := await self._ask(timeout + 10, "wait_for_call", method, timeout):
            raise TimeoutError(report)

    async def talk(self, plan: dict[int, list[str]], seconds: float) -> Conversation:
        """Let the users ask their questions; see the module docstring."""
        conversation: Conversation = await self._ask(seconds + 30, "talk", plan, seconds)
        return conversation

    async def ask_every(
        self, plan: dict[int, list[str]], every: float, seconds: float
    ) -> Conversation:
        """Users asking on a timetable; see the module docstring. `seconds`: allowed for
        the answers after the last question."""
        rounds = max((len(questions) for questions in plan.values()), default=0)
        conversation: Conversation = await self._ask(
            rounds * every + seconds + 30, "ask_every", plan, every, seconds
        )
        return conversation

    async def reached(self, low: int, high: int) -> tuple[int, int]:
        """(chats in range(low, high) that got a message, messages sent to them)."""
        found: tuple[int, int] = await self._ask(60, "reached", low, high)
        return found

    async def _ask(self, timeout: float, *command: Any) -> Any:
        self._conn.send(command)
        async with asyncio.timeout(timeout):
            await self._readable()
        return self._receive()

    async def _readable(self) -> None:
        if self._conn.poll():
            return
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = self._conn.fileno()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, wake)
        try:
            await ready
        finally:
            loop.remove_reader(fd)
