"""One model, many clients: turns wait in a bounded FIFO queue and run one at a time.

The local model can answer one question at a time (one engine process, one KV cache), and the
store records each turn in order, so every turn goes through one worker thread. Whether a
question goes to the cloud is only decided inside the turn (the router reads the whole
conversation), so cloud-routed requests wait their turn too.

A request whose client goes away is taken out of the queue if it has not started, or stopped
at once if it has (``StopSignal``: the engine's abort callback ends the answer at the next
token, also mid-prompt), so the next client starts without waiting for the abandoned answer.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from typing import Protocol

from desktop.core.chat import StopSignal

_LOG = logging.getLogger("hearth.server")


class QueueFull(Exception):
    """The queue holds as many waiting turns as it may; ``retry_after_s`` is a measured guess."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the queue is full; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class Job(Protocol):
    """A turn waiting for, or holding, the model."""

    stop: StopSignal

    def cancelled(self) -> bool: ...

    def run(self) -> None: ...


class TurnQueue:
    """Runs submitted jobs one at a time, first come first served, on a thread of its own.

    ``limit``: how many may wait (the running one not counted); one more is ``QueueFull``.
    """

    def __init__(self, *, limit: int) -> None:
        self._limit = limit
        self._waiting: deque[Job] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self._durations: deque[float] = deque(maxlen=8)  # recent turns, for Retry-After
        self._running: Job | None = None
        self._worker = threading.Thread(target=self._work, name="hearth-turns", daemon=True)
        self._worker.start()

    def submit(self, job: Job) -> None:
        with self._ready:
            if self._closed:
                raise QueueFull(1)
            if len(self._waiting) >= self._limit:
                raise QueueFull(self._retry_after())
            self._waiting.append(job)
            self._ready.notify()

    def withdraw(self, job: Job) -> bool:
        """Take ``job`` out of the queue; False when it has already started (or ended)."""
        with self._ready:
            try:
                self._waiting.remove(job)
            except ValueError:
                return False
            return True

    def waiting(self) -> int:
        with self._ready:
            return len(self._waiting)

    def close(self, timeout: float = 10.0) -> None:
        """Refuse new jobs, stop the running one, drop the waiting ones, join the worker."""
        with self._ready:
            self._closed = True
            dropped = list(self._waiting)
            self._waiting.clear()
            self._ready.notify_all()
            if self._running is not None:
                dropped.append(self._running)
        for job in dropped:
            job.stop.set()
        self._worker.join(timeout)

    def _retry_after(self) -> int:
        # Measured: the mean of the last turns' durations, times the turns ahead (at least 1 s).
        mean = sum(self._durations) / len(self._durations) if self._durations else 1.0
        return max(1, math.ceil(mean * (len(self._waiting) + 1)))

    def _next(self) -> Job | None:
        with self._ready:
            while not self._waiting and not self._closed:
                self._ready.wait()
            self._running = self._waiting.popleft() if self._waiting else None
            return self._running

    def _work(self) -> None:
        while (job := self._next()) is not None:
            if job.cancelled():
                continue
            started = time.monotonic()
            try:
                job.run()
            except Exception:  # noqa: BLE001 - a bug in a job: logged, the next one runs
                _LOG.exception("a turn failed")
            self._durations.append(time.monotonic() - started)
