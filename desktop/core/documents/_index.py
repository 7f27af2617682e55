"""One indexing run over a collection: find what changed, index file by file (phase one:
chunks and their full-text rows, searchable by words at once), then, with an embedding
model, give the chunks vectors (phase two, ``_backfill``).

Resumable by construction: each file's state lives in the database and is written in the
same transaction as its chunks. A small file is one transaction (old chunks out, new chunks
in, state ``done``); a big file is written in batches under state ``indexing``, and a run
that finds a file in that state (the process was killed, or stopped mid-file) deletes its
partial chunks in the first batch of the next attempt. So a restart never duplicates a
chunk and never re-chunks a file that was done.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from desktop.core.documents import _backfill, _rows, _scan
from desktop.core.documents._chunk import Chunk, Chunker
from desktop.core.documents._db import transaction
from desktop.core.documents._extract import Unreadable, read_blocks
from desktop.core.documents._types import IndexProgress, IndexReport
from desktop.core.documents._vectors import DocumentEmbedder
from desktop.core.errors import KnownError

ProgressCallback = Callable[[IndexProgress], None]
BATCH_CHUNKS = 256  # chunks per transaction for a big file; bounds memory and lock time


@dataclass(slots=True)
class _Pending:
    file_id: int
    path: str
    size: int


class StopFlag(Protocol):
    """Asks a run to stop (``threading.Event``, ``desktop.core.chat.StopSignal``)."""

    def is_set(self) -> bool: ...


class Stopped(Exception):  # noqa: N818 - a signal, not an error
    """The stop event was set; what was committed stays, the rest is done next run."""


class IndexRun:
    """Indexes the collection ``collection_id`` on ``conn`` (a connection of its own)."""

    def __init__(self, conn: sqlite3.Connection, collection_id: int, name: str, *,
                 chunker: Chunker, embedder: DocumentEmbedder | None, max_bytes: int,
                 progress: ProgressCallback | None = None,
                 stop: StopFlag | None = None, everything: bool = False) -> None:
        self._conn = conn
        self._collection_id = collection_id
        self._name = name
        self._chunker = chunker
        self._embedder = embedder
        self._max_bytes = max_bytes
        self._progress = progress
        self._stop: StopFlag = stop or threading.Event()
        self._everything = everything
        self._started = time.monotonic()
        self._done = self._failed_count = self._chunks = self._bytes = 0
        self._total = self._bytes_total = 0
        self._in_file = 0  # characters chunked so far in the current file: its progress
        self._embedded = self._vectors_total = 0
        self._vectors_started = 0.0
        self._failed: list[tuple[str, str]] = []

    def run(self) -> IndexReport:
        """Sync with the disk, then index every pending file; stops early on ``stop``."""
        removed, unchanged = self.sync()
        pending = [_Pending(*row) for row in self._conn.execute(
            "SELECT id, path, size FROM files WHERE collection_id = ?"
            " AND state IN ('pending', 'indexing') ORDER BY path", (self._collection_id,))]
        self._total = len(pending)
        self._bytes_total = sum(p.size for p in pending)
        stopped = False
        self._report(None)
        try:
            for item in pending:
                if self._stop.is_set():
                    raise Stopped
                self._index_file(item)
                self._report(None)
            if self._embedder is not None:
                self._vectors()
        except (Stopped, _backfill.Stopped):
            stopped = True
        return IndexReport(self._name, self._done - self._failed_count, tuple(self._failed),
                           removed, unchanged, self._chunks, time.monotonic() - self._started,
                           stopped, self._embedded)

    def _vectors(self) -> None:
        """Phase two: vectors for the chunks without one (see ``_backfill``)."""
        assert self._embedder is not None
        self._vectors_total = _backfill.missing_vectors(self._conn, self._collection_id,
                                                        self._embedder.model_name)
        self._vectors_started = time.monotonic()
        self._report(None)

        def on_batch(done: int) -> None:
            self._embedded = done
            self._report(None)

        try:
            _backfill.backfill(self._conn, self._collection_id, self._embedder,
                               should_stop=self._stop.is_set, on_batch=on_batch)
        except KnownError:
            return  # the model could not be loaded (the library says why): words alone

    def sync(self) -> tuple[int, int]:
        """Mark new, changed and (with ``everything``) all files pending; forget deleted
        ones; record what cannot be indexed. Returns (removed, unchanged)."""
        roots = [r for (r,) in self._conn.execute(
            "SELECT path FROM roots WHERE collection_id = ? ORDER BY path",
            (self._collection_id,))]
        known = {row[1]: row for row in self._conn.execute(
            "SELECT id, path, size, mtime_ns, sha256, state FROM files"
            " WHERE collection_id = ?", (self._collection_id,))}
        seen: set[str] = set()
        unchanged = 0
        for item in _scan.walk(roots, max_bytes=self._max_bytes):
            seen.add(item.path)
            row = known.get(item.path)
            if row is not None and isinstance(item, _scan.Found) and self._same_stat(row, item):
                unchanged += 1  # the common case: no transaction at all
                continue
            with transaction(self._conn):
                if isinstance(item, _scan.Refused):
                    self._refuse(row, item)
                elif row is None:
                    self._conn.execute(
                        "INSERT INTO files (collection_id, path, size, mtime_ns)"
                        " VALUES (?, ?, ?, ?)",
                        (self._collection_id, item.path, item.size, item.mtime_ns))
                elif self._is_unchanged(row, item):
                    unchanged += 1
                else:
                    self._conn.execute(
                        "UPDATE files SET state = 'pending', size = ?, mtime_ns = ?"
                        " WHERE id = ?",
                        (item.size, item.mtime_ns, row[0]))
        removed = 0
        for path, row in known.items():
            if path not in seen:
                with transaction(self._conn):
                    _rows.delete_file(self._conn, row[0])
                removed += 1
        return removed, unchanged

    def _refuse(self, row: tuple[object, ...] | None, item: _scan.Refused) -> None:
        if row is None:
            self._conn.execute(
                "INSERT INTO files (collection_id, path, size, mtime_ns, state, reason)"
                " VALUES (?, ?, 0, 0, 'failed', ?)", (self._collection_id, item.path,
                                                      item.reason))
        else:
            file_id = int(str(row[0]))
            _rows.delete_file_chunks(self._conn, file_id)
            self._conn.execute("UPDATE files SET state = 'failed', reason = ?, chunks = 0"
                               " WHERE id = ?", (item.reason, file_id))
        self._failed.append((item.path, item.reason))

    def _same_stat(self, row: tuple[object, ...], item: _scan.Found) -> bool:
        """Done, and the same size and modification time (vectors are phase two's)."""
        _, _, size, mtime_ns, _, state = row
        return (not self._everything and state == "done" and size == item.size
                and mtime_ns == item.mtime_ns)

    def _is_unchanged(self, row: tuple[object, ...], item: _scan.Found) -> bool:
        """Done, with a new time but the same content (then the new time is kept; the same
        size and time were ``_same_stat``); a failed file is always tried again (a
        permission may have been fixed without a new mtime)."""
        file_id, _, size, _, sha256, state = row
        if self._everything or state in ("pending", "indexing", "failed"):
            return False
        if size == item.size and sha256 is not None and _scan.content_hash(item.path) == sha256:
            self._conn.execute("UPDATE files SET mtime_ns = ? WHERE id = ?",
                               (item.mtime_ns, file_id))
            return True
        return False

    def _index_file(self, item: _Pending) -> None:
        path = Path(item.path)
        written = 0
        started_batches = False
        try:
            sha256 = _scan.content_hash(item.path)
            for batch, last in _batches(self._chunker.chunks(read_blocks(path),
                                                             title=path.name)):
                with transaction(self._conn):  # vectors come after, in phase two
                    if not started_batches:
                        _rows.delete_file_chunks(self._conn, item.file_id)
                    _rows.insert_chunks(self._conn, item.file_id, batch)
                    written += len(batch)
                    if last:
                        self._finish(item, written, sha256)
                    else:
                        self._conn.execute("UPDATE files SET state = 'indexing' WHERE id = ?",
                                           (item.file_id,))
                started_batches = True
                self._chunks += len(batch)
                self._in_file = min(item.size, self._in_file + sum(len(c.text) for c in batch))
                if not last:
                    self._report(item.path)
                    if self._stop.is_set():
                        raise Stopped
        except Unreadable as exc:
            self._fail(item, str(exc))
        except (MemoryError, RecursionError):
            self._fail(item, "it is too large or too deeply nested to read")
        self._done += 1
        self._bytes += item.size
        self._in_file = 0

    def _finish(self, item: _Pending, chunks: int, sha256: str | None) -> None:
        self._conn.execute(
            "UPDATE files SET state = 'done', reason = NULL, chunks = ?, sha256 = ?,"
            " embed_model = NULL, indexed_at = ? WHERE id = ?",
            (chunks, sha256, time.time(), item.file_id))

    def _fail(self, item: _Pending, reason: str) -> None:
        with transaction(self._conn):
            _rows.delete_file_chunks(self._conn, item.file_id)
            self._conn.execute("UPDATE files SET state = 'failed', reason = ?, chunks = 0"
                               " WHERE id = ?", (reason, item.file_id))
        self._failed.append((item.path, reason))
        self._failed_count += 1

    def _report(self, current: str | None) -> None:
        if self._progress is None:
            return
        self._progress(IndexProgress(
            self._name, self._done, self._total, self._failed_count, self._chunks,
            self._bytes + self._in_file, self._bytes_total, time.monotonic() - self._started,
            current, self._embedded, self._vectors_total,
            time.monotonic() - self._vectors_started if self._vectors_started else 0.0))


def _batches(chunks: Iterator[Chunk]) -> Iterator[tuple[list[Chunk], bool]]:
    """Chunks in lists of ``BATCH_CHUNKS``, each with whether it is the last (an empty file
    gives one empty last batch, so its state is still written)."""
    batch: list[Chunk] = []
    for chunk in chunks:
        if len(batch) == BATCH_CHUNKS:
            yield batch, False
            batch = []
        batch.append(chunk)
    yield batch, True
