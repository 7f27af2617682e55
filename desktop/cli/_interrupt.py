"""Ctrl+C for a command that runs a turn: the first stops the answer, a second exits at once.

Python runs a signal handler only in the main thread, and only between bytecodes: while the
main thread waits in a C call (a socket read, llama.cpp decoding a batch), Ctrl+C would wait
with it. So the turn runs on a worker thread and the main thread does nothing but wait for it,
in short slices, ready for a signal. The first SIGINT sets the turn's ``StopSignal`` (the cloud
read loop and llama.cpp's abort callback notice it within a fraction of a second, and the answer
so far is kept, marked stopped); a second one ends the process at once with status 130.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

from desktop.core.chat import StopSignal

T = TypeVar("T")

EXIT_INTERRUPTED = 130
_WAIT_SLICE_S = 0.1


def run_stoppable(work: Callable[[], T], stop: StopSignal) -> T:
    """``work()`` on a worker thread; Ctrl+C sets ``stop``, a second Ctrl+C exits (130).

    Returns what ``work`` returns and raises what it raises. Outside the main thread (where no
    signal handler can be installed) it simply calls ``work``.
    """
    if threading.current_thread() is not threading.main_thread():
        return work()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # noqa: BLE001 - raised again in the main thread
            failure.append(exc)

    def on_interrupt(_signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt  # the second Ctrl+C
        stop.set()

    # A daemon: after a second Ctrl+C the process must not wait for it at exit.
    worker = threading.Thread(target=target, name="hearth-turn", daemon=True)
    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(_WAIT_SLICE_S)
    except KeyboardInterrupt:
        _exit_now()
    finally:
        signal.signal(signal.SIGINT, previous)
    if failure:
        raise failure[0]
    return outcome[0]


def _exit_now() -> None:
    """End the process without waiting for the worker, which may sit inside llama.cpp or a
    read. What was saved is safe (SQLite's journal); the answer so far, saved every 0.4 s, stays
    marked 'streaming' until the window next starts and marks it stopped."""
    print("hearth: interrupted", file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to flush to
            stream.flush()
    os._exit(EXIT_INTERRUPTED)
