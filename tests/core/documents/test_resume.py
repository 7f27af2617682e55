"""Stopping and resuming: a run stopped between files or in the middle of a big file goes on
where it ended, without duplicating or re-chunking anything."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from desktop.core.documents import IndexProgress, Library
from desktop.core.documents._index import BATCH_CHUNKS


def _chunk_rows(path: Path) -> list[tuple[int, str, int]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT c.id, f.path, c.ordinal FROM chunks AS c"
                            " JOIN files AS f ON f.id = c.file_id ORDER BY c.id").fetchall()


def _check_integrity(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO chunks_fts (chunks_fts) VALUES ('integrity-check')")
        duplicates = conn.execute("SELECT file_id, ordinal FROM chunks GROUP BY file_id,"
                                  " ordinal HAVING COUNT(*) > 1").fetchall()
        assert duplicates == []


def test_a_stopped_run_resumes_with_the_files_it_had_not_done(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(12):
        (docs / f"note-{n:02d}.txt").write_text(f"Note {n}: the tide table of bay {n}.\n",
                                                encoding="utf-8")
    stop = threading.Event()

    def stop_after_five(progress: IndexProgress) -> None:
        if progress.files_done >= 5:
            stop.set()

    with Library(tmp_path / "documents.sqlite3") as library:
        library.add("notes", [docs])
        first = library.index("notes", progress=stop_after_five, stop=stop)
        assert first.stopped and first.indexed == 5
        assert library.collection("notes").pending == 7
        before = _chunk_rows(library.path)
        second = library.index("notes")
        assert not second.stopped
        assert (second.indexed, second.unchanged) == (7, 5)
        after = _chunk_rows(library.path)
    assert after[:len(before)] == before  # the first five were not chunked again
    assert len(after) == 12
    _check_integrity(tmp_path / "documents.sqlite3")


def test_a_big_file_stopped_between_batches_is_redone_without_duplicates(tmp_path: Path
                                                                         ) -> None:
    big = tmp_path / "big.log"
    line = "2026-11-29 INFO request served in 12 ms by worker seven of the harbour cluster\n"
    with big.open("w", encoding="utf-8") as handle:
        for n in range(9000):  # ~740 kB: about three batches of chunks
            handle.write(f"{n:05d} {line}")
    stop = threading.Event()
    batches: list[int] = []

    def stop_after_first_batch(progress: IndexProgress) -> None:
        if progress.chunks >= BATCH_CHUNKS:
            batches.append(progress.chunks)
            stop.set()

    with Library(tmp_path / "documents.sqlite3") as library:
        library.add("logs", [big])
        first = library.index("logs", progress=stop_after_first_batch, stop=stop)
        assert first.stopped and batches
        with sqlite3.connect(library.path) as conn:
            state, partial = conn.execute("SELECT state, (SELECT COUNT(*) FROM chunks)"
                                          " FROM files").fetchone()
        assert state == "indexing" and partial == BATCH_CHUNKS
        assert library.collection("logs").pending == 1
        second = library.index("logs")
        info = library.collection("logs")
    assert second.indexed == 1 and info.pending == 0
    assert info.chunks == len(_chunk_rows(tmp_path / "documents.sqlite3")) > 2 * BATCH_CHUNKS
    _check_integrity(tmp_path / "documents.sqlite3")
