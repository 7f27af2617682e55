"""Indexing in the window: one collection at a time on a job thread, the others queued.

The window owns one ``IndexQueue``: at start it brings every collection up to date (files
added, changed or deleted while Hearth was closed), and the Documents panel asks it for more
(Index now, files just added). The panel shows what it reports, also a run that began before
the panel was opened. Quitting stops the run after the file being read; the next run goes on
from there (the library keeps each file's state).

    index(name) ─► job thread: Library.index(name, progress, stop) ─► finished(report)
                        │ progressed(IndexProgress), queued to the GUI thread
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from desktop.ui.jobs import JobRunner, ProgressRelay

if TYPE_CHECKING:  # the library (and NumPy with it) loads on a job thread, when first needed
    from desktop.core.documents import IndexProgress, IndexReport, Library


class IndexQueue(QObject):
    """Indexes collections one after another, off the GUI thread.

    ``library`` is called on the job thread (it may open the library the first time).

    Signals:
        started(str): a run over this collection began.
        progressed(object): the run's ``IndexProgress``.
        finished(object): the run's ``IndexReport`` (``stopped`` when it was asked to stop).
        failed(str, str): the run over this collection failed; why, in words ("" after a bug,
            which the runner's ``crashed`` reports).
    """

    started = Signal(str)
    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(str, str)

    def __init__(self, library: Callable[[], Library], jobs: JobRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._jobs = jobs
        self.indexing: str | None = None
        self.last_progress: IndexProgress | None = None
        self.last_report: IndexReport | None = None
        self._queue: list[str] = []
        self._stop: threading.Event | None = None
        self._closed = False
        self._relay = ProgressRelay(self)
        self._relay.progressed.connect(self._on_progress)

    @property
    def queued(self) -> tuple[str, ...]:
        return tuple(self._queue)

    @property
    def stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def index(self, name: str) -> None:
        """Index ``name`` now, or after the run in progress (once in the queue)."""
        if self._closed:
            return
        if self.indexing is not None:
            if name != self.indexing and name not in self._queue:
                self._queue.append(name)
            return
        self.indexing, self.last_progress = name, None
        self._stop = stop = threading.Event()
        emit = self._relay.progressed.emit

        def work() -> IndexReport:
            return self._library().index(name, progress=emit, stop=stop)

        self.started.emit(name)
        self._jobs.run(work, on_done=self._done, on_failed=self._failed, context=self)

    def index_all(self, names: list[str]) -> None:
        """Bring each of ``names`` up to date, in order."""
        for name in names:
            self.index(name)

    @Slot()
    def stop(self) -> None:
        """Stop after the file being read and forget the queue; what is indexed stays."""
        self._queue.clear()
        if self._stop is not None:
            self._stop.set()

    def shut_down(self) -> None:
        """Stop, and start nothing more (the window is closing); wait on the job runner."""
        self._closed = True
        self.stop()

    @Slot(object)
    def _on_progress(self, progress: IndexProgress) -> None:
        if self.indexing is not None:
            self.last_progress = progress
            self.progressed.emit(progress)

    def _done(self, report: IndexReport) -> None:
        self.last_report = report
        self._ended()
        self.finished.emit(report)
        self._next()

    def _failed(self, message: str) -> None:
        name = self.indexing or ""
        self._ended()
        self.failed.emit(name, message)
        self._next()

    def _ended(self) -> None:
        self.indexing, self._stop = None, None

    def _next(self) -> None:
        if self._queue and not self._closed:
            self.index(self._queue.pop(0))
