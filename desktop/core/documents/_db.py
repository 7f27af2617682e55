"""Opening ``documents.sqlite3``: private file modes, WAL, foreign keys, migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from desktop.core import paths, sqlite_errors
from desktop.core.documents import _schema
from desktop.core.errors import StorageError
from desktop.core.sqlite_errors import Database

FILE_NAME = "documents.sqlite3"
# Indexing holds the write lock for one file's chunks at a time (a batch for a big file):
# another process's search or indexing waits this long at most.
BUSY_TIMEOUT_S = 30.0


def default_path() -> Path:
    """Where the user's documents database is (it may not exist yet): checking for it costs
    no NumPy, unlike opening a ``Library``."""
    return paths.data_dir() / FILE_NAME


DOCUMENTS = Database(
    "the documents database",
    "{path} is corrupt; move it elsewhere and add the documents again (the documents "
    "themselves are untouched)")


def mapped_errors(path: Path, action: str) -> AbstractContextManager[None]:
    """Re-raise any ``sqlite3.Error`` inside the block as a ``StorageError``."""
    return sqlite_errors.mapped_errors(path, action, DOCUMENTS)


def open_database(path: Path) -> sqlite3.Connection:
    """Open or create the file (0600, folder 0700), refuse foreign or newer ones, migrate."""
    try:
        paths.private_folder(path.parent)
    except OSError as exc:
        raise StorageError(f"could not create the folder {path.parent} for the documents "
                           f"database: {exc.strerror or exc}") from exc
    paths.create_private(path, "-wal", "-shm")
    with mapped_errors(path, "open the documents database"):
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False)
        try:
            _schema.check_is_documents(conn, str(path))
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            _migrate(conn)
        except BaseException:
            conn.close()
            raise
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any exception (KeyboardInterrupt too)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply every migration the database lacks, each in one transaction with its version."""
    for target, migration in enumerate(_schema.MIGRATIONS, start=1):
        with transaction(conn):
            if _schema.user_version(conn) < target:
                migration(conn)
                conn.execute(f"PRAGMA user_version = {target}")
