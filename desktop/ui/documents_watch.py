"""Folder watching while the window runs: a collection whose files change is brought up to
date a moment later, on the window's ``IndexQueue``.

watchdog (inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW on Windows) reports
changes on threads of its own; they reach the GUI thread as a queued signal, and each
collection waits ``QUIET_MS`` after its last change before it is indexed, so that copying a
hundred files is one run. Only creations, deletions, writes and moves count: indexing opens
and reads files, which must not set it off again (and a run that finds nothing changed reads
no file, so it could not loop anyway).

Measured on Linux (watchdog 7.1): importing it takes about 27 ms, done on a job thread once
there is a collection to watch; one thread per watched folder plus one; one inotify watch per
folder inside a watched folder. Watching is a convenience: where it cannot start (the
system's limit on watches reached, a folder gone), the collections are still brought up to date
at each start and by Index now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop.ui.documents_indexing import IndexQueue
from desktop.ui.jobs import JobRunner

if TYPE_CHECKING:
    from desktop.core.documents import CollectionInfo

QUIET_MS = 2000  # after a collection's last change, before it is indexed
STOP_S = 2.0  # waiting for watchdog's threads to end
_COUNTED = frozenset({"created", "deleted", "modified", "moved"})
_log = logging.getLogger(__name__)

Roots = Mapping[str, tuple[str, ...]]


class FolderWatch(QObject):
    """Watches the files and folders of the collections, and indexes one when they change.

    Signals:
        changed(str): a collection's files changed (emitted on a watchdog thread).
    """

    changed = Signal(str)

    def __init__(self, indexer: IndexQueue, jobs: JobRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._indexer = indexer
        self._jobs = jobs
        self._observer: Any = None  # watchdog's Observer, once started
        self._wanted: dict[str, tuple[str, ...]] = {}
        self._timers: dict[str, QTimer] = {}
        self._closed = False
        self.problem: str | None = None  # why watching is off, when it could not start
        self.changed.connect(self._on_changed)  # queued: emitted on watchdog's threads

    @property
    def watching(self) -> tuple[str, ...]:
        """The collections being watched (once watchdog runs)."""
        return tuple(self._wanted) if self._observer is not None else ()

    def watch(self, infos: list[CollectionInfo]) -> None:
        """Watch the roots of ``infos`` instead of what was watched (if they differ)."""
        wanted = {info.name: info.roots for info in infos if info.roots}
        if self._closed or wanted == self._wanted:
            return
        self._wanted = wanted
        old, self._observer = self._observer, None
        emit = self.changed.emit

        def start() -> object:
            _stop(old)
            return _start(wanted, emit) if wanted else None

        self._jobs.run(start, on_done=self._started, on_failed=lambda _message: None,
                       context=self)

    def shut_down(self) -> None:
        """Stop watching (the window is closing)."""
        self._closed = True
        for timer in self._timers.values():
            timer.stop()
        observer, self._observer = self._observer, None
        _stop(observer)

    def _started(self, started: object) -> None:
        observer, self.problem = (started if isinstance(started, tuple) else (None, None))
        if self._closed:
            _stop(observer)
        else:
            self._observer = observer

    @Slot(str)
    def _on_changed(self, name: str) -> None:
        if self._closed or name not in self._wanted:
            return
        timer = self._timers.get(name)
        if timer is None:
            timer = self._timers[name] = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda n=name: self._indexer.index(n))
        timer.start(QUIET_MS)  # again from now: one run after a burst of changes


def _start(wanted: Roots, emit: Callable[[str], object]) -> tuple[Any, str | None]:
    """watchdog's observer over ``wanted``'s roots, started (on a job thread); (None, why)
    where it cannot start."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    class Handler(FileSystemEventHandler):
        def __init__(self, name: str, files: frozenset[str]) -> None:
            self._name = name
            self._files = files  # roots that are files: only their own events count

        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type not in _COUNTED:
                return
            if self._files:
                touched = {str(event.src_path), str(getattr(event, "dest_path", "") or "")}
                if not touched & self._files:
                    return
            emit(self._name)

    observer = Observer()
    observer.daemon = True  # never keeps the process alive
    try:
        for name, roots in wanted.items():
            folders = [Path(r) for r in roots if Path(r).is_dir()]
            files = [Path(r) for r in roots if not Path(r).is_dir()]
            if folders:
                handler = Handler(name, frozenset())
                for folder in folders:
                    observer.schedule(handler, str(folder), recursive=True)
            if files:
                file_handler = Handler(name, frozenset(str(f) for f in files))
                for parent in {f.parent for f in files if f.parent.is_dir()}:
                    observer.schedule(file_handler, str(parent), recursive=False)
        observer.start()
    except OSError as exc:  # e.g. the system's limit on watched folders
        _stop(observer)
        why = f"folders are not watched for changes: {exc.strerror or exc}"
        _log.warning("Documents: %s", why)
        return None, why
    return observer, None


def _stop(observer: Any) -> None:
    if observer is not None and observer.is_alive():
        observer.stop()
        observer.join(STOP_S)
