"""Short jobs off the GUI thread: keyring calls, connection tests, ledger roll-ups, route previews.

Model and cloud answers have their own long-lived thread (``worker.py``); everything else that
may block (a keyring waiting to be unlocked, a network round trip, a read of every receipt) runs
here, on a small thread pool, and reports back on the GUI thread:

    JobRunner.run(work) ─► pool thread: work() ─► queued signal ─► GUI thread: on_done(result)
                                                                          or on_failed(message)

A ``KnownError`` becomes ``on_failed(message)``; any other exception is a bug and goes to the
runner's ``crashed`` signal as a crash report, as the inference worker's do.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from desktop.core.errors import KnownError
from desktop.ui.notices import crash_report

Done = Callable[[Any], object]
Failed = Callable[[str], object]


class _Relay(QObject):
    """Lives on the GUI thread; the pool thread emits, so the slots run on the GUI thread."""

    returned = Signal(object)
    failed = Signal(str)
    crashed = Signal(str)


class ProgressRelay(QObject):
    """Created on the GUI thread; a job thread emits ``progressed`` (a download's or an index
    run's progress), and the slots connected to it run on the GUI thread.

    Signals:
        progressed(object): the job's progress value.
    """

    progressed = Signal(object)


class _Runnable(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except KnownError as exc:
            self._relay.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug: reported, never lost
            report = crash_report(type(exc), exc, exc.__traceback__)
            print(report, file=sys.stderr)
            self._relay.crashed.emit(report)
        else:
            self._relay.returned.emit(result)


class Job(QObject):
    """One piece of work on the pool; its callbacks run on the GUI thread.

    The callbacks are skipped once ``context`` (the widget that asked) has been deleted, so a
    dialog closed while its job runs is never called back.
    """

    def __init__(self, runner: JobRunner, on_done: Done | None, on_failed: Failed | None,
                 context: QObject | None) -> None:
        super().__init__(runner)
        self._runner = runner
        self._on_done = on_done
        self._on_failed = on_failed
        self._context = context
        self.relay = _Relay(self)
        self.relay.returned.connect(self._returned)
        self.relay.failed.connect(self._failed)
        self.relay.crashed.connect(self._crashed)
        self.finished = False

    def _alive(self) -> bool:
        return self._context is None or shiboken6.isValid(self._context)

    @Slot(object)
    def _returned(self, result: object) -> None:
        if self._on_done is not None and self._alive():
            self._on_done(result)
        self._end()

    @Slot(str)
    def _failed(self, message: str) -> None:
        if self._on_failed is not None and self._alive():
            self._on_failed(message)
        self._end()

    @Slot(str)
    def _crashed(self, report: str) -> None:
        if self._on_failed is not None and self._alive():
            self._on_failed("")
        self._runner.crashed.emit(report)
        self._end()

    def _end(self) -> None:
        self.finished = True
        self._runner.job_ended(self)


class JobRunner(QObject):
    """Runs short jobs on its own small pool of threads.

    Signals:
        crashed(str): a job raised something other than a ``KnownError``; the crash report.
        idle(): the last running job ended.
    """

    crashed = Signal(str)
    idle = Signal()

    def __init__(self, parent: QObject | None = None, *, threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._jobs: set[Job] = set()

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def run(self, work: Callable[[], Any], *, on_done: Done | None = None,
            on_failed: Failed | None = None, context: QObject | None = None) -> Job:
        """Run ``work()`` off the GUI thread; ``on_done(result)`` or ``on_failed(message)``
        follow on the GUI thread (``on_failed("")`` after a bug, which ``crashed`` reports)."""
        job = Job(self, on_done, on_failed, context)
        self._jobs.add(job)
        self._pool.start(_Runnable(work, job.relay))
        return job

    def job_ended(self, job: Job) -> None:
        self._jobs.discard(job)
        job.deleteLater()
        if not self._jobs:
            self.idle.emit()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Wait for the running jobs' threads (not their callbacks); False on timeout."""
        return bool(self._pool.waitForDone(timeout_ms))
