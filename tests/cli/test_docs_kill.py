"""``hearth docs add`` killed (kill -9) or interrupted (Ctrl+C) while indexing: the next run
resumes, re-chunks nothing that was done, and the database holds no duplicate."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from desktop.core.documents import default_path
from tests.cli.support import REPO

FILES = 300


def _corpus(folder: Path) -> None:
    folder.mkdir()
    paragraph = ("The harbour office records every ship that enters the bay, its cargo, its "
                 "crew and the hour of the tide. ")
    for n in range(FILES):
        body = "\n\n".join(f"Entry {n}.{p}: " + paragraph * 6 for p in range(40))
        (folder / f"ledger-{n:03d}.txt").write_text(body, encoding="utf-8")


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "desktop", "docs", *args], cwd=REPO,
                            env=dict(os.environ), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for_files(process: subprocess.Popen[str], done: int, timeout_s: float = 120) -> str:
    """Standard error read until the progress says ``done`` files are indexed."""
    assert process.stderr is not None
    deadline = time.monotonic() + timeout_s
    seen = ""
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen += line
        if f": {done}/{FILES} files" in line:
            return seen
    raise AssertionError(f"indexing did not reach {done} files:\n{seen}")


def _rows(db: Path) -> tuple[dict[str, str], list[tuple[int, int, int]]]:
    with sqlite3.connect(db) as conn:
        states = dict(conn.execute("SELECT path, state FROM files").fetchall())
        chunks = conn.execute("SELECT id, file_id, ordinal FROM chunks ORDER BY id").fetchall()
    return states, chunks


def _check(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO chunks_fts (chunks_fts) VALUES ('integrity-check')")
        assert conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM chunks GROUP BY file_id,"
                            " ordinal HAVING COUNT(*) > 1)").fetchone()[0] == 0
        files_total = conn.execute("SELECT SUM(chunks) FROM files").fetchone()[0]
        assert conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == files_total


def test_kill_9_during_indexing_then_the_next_add_resumes(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _corpus(docs)
    db = default_path()
    process = _start(["add", "ledgers", str(docs)])
    try:
        _wait_for_files(process, 20)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    states, chunks = _rows(db)
    done_before = {p for p, s in states.items() if s == "done"}
    assert 20 <= len(done_before) < FILES, "the kill came too late to test resuming"
    _check(db)

    again = subprocess.run([sys.executable, "-m", "desktop", "docs", "add", "ledgers",
                            str(docs)], cwd=REPO, env=dict(os.environ), capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{len(done_before)} unchanged" in again.stdout
    states_after, chunks_after = _rows(db)
    assert set(states_after.values()) == {"done"} and len(states_after) == FILES
    done_ids = _ids_of(db, done_before)  # once: not a connection per chunk
    done_chunks = [c for c in chunks if c[1] in done_ids]
    assert done_chunks == [c for c in chunks_after if c[1] in done_ids]
    _check(db)


def _ids_of(db: Path, file_paths: set[str]) -> set[int]:
    with sqlite3.connect(db) as conn:
        return {i for i, p in conn.execute("SELECT id, path FROM files") if p in file_paths}


def test_ctrl_c_stops_cleanly_and_reindex_goes_on(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _corpus(docs)
    db = default_path()
    process = _start(["add", "ledgers", str(docs)])
    try:
        _wait_for_files(process, 10)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert "'hearth docs reindex ledgers' goes on from here" in err
    assert "files to go" in err
    states, _ = _rows(db)
    assert 10 <= sum(s == "done" for s in states.values()) < FILES
    _check(db)
    again = subprocess.run([sys.executable, "-m", "desktop", "docs", "reindex", "ledgers"],
                           cwd=REPO, env=dict(os.environ), capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    states, _ = _rows(db)
    assert set(states.values()) == {"done"} and len(states) == FILES
    _check(db)
