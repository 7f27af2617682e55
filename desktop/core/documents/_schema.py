"""The documents database's schema as ordered migrations, tracked by ``PRAGMA user_version``.

Like the conversation store's (``desktop/core/store/_migrations.py``): migration ``n`` turns
version ``n - 1`` into ``n`` in one transaction with the version bump; append, never edit one
that has shipped. A different application id than the conversation store's, so neither file
is ever mistaken for the other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from desktop.core.errors import StorageError

Migration = Callable[[sqlite3.Connection], None]

# "HRTD": Hearth documents.
APPLICATION_ID = 0x48525444

# FTS5 over the chunk text and its context (file name, heading path). unicode61 with
# remove_diacritics 2 folds case and accents in any Latin, Greek or Cyrillic text
# ("Größe" ~ "grosse" does not hold, but "éte" ~ "ete" does); CJK runs are indexed as
# overlapping bigrams by the code that fills the table (_text.search_text), which costs
# nothing for other scripts, unlike a second trigram index over everything.
# Contentless: the text lives once, in chunks; deletions hand the indexed values back.
FTS_TOKENIZER = "unicode61 remove_diacritics 2"


def _initial_schema(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(
        """
        CREATE TABLE collections (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            name       TEXT NOT NULL UNIQUE,
            privacy    TEXT NOT NULL DEFAULT 'device' CHECK (privacy IN ('device', 'send')),
            created_at REAL NOT NULL
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE roots (
            collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
            path          TEXT    NOT NULL,
            PRIMARY KEY (collection_id, path)
        )
        """
    )
    # state: pending (to index), indexing (a big file's batches are being written; a restart
    # drops them and starts the file again), done, failed (reason says why, in words).
    conn.execute(
        """
        CREATE TABLE files (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
            path          TEXT    NOT NULL,
            size          INTEGER NOT NULL,
            mtime_ns      INTEGER NOT NULL,
            sha256        TEXT,
            state         TEXT    NOT NULL DEFAULT 'pending'
                          CHECK (state IN ('pending', 'indexing', 'done', 'failed')),
            reason        TEXT,
            chunks        INTEGER NOT NULL DEFAULT 0,
            embed_model   TEXT,
            indexed_at    REAL,
            UNIQUE (collection_id, path)
        )
        """
    )
    conn.execute("CREATE INDEX files_by_state ON files (collection_id, state)")
    # No cascade from files: the FTS rows must be deleted with their values first
    # (_writer.delete_chunks does both).
    conn.execute(
        """
        CREATE TABLE chunks (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            file_id    INTEGER NOT NULL REFERENCES files (id),
            ordinal    INTEGER NOT NULL,
            position   TEXT    NOT NULL,
            page       INTEGER,
            context    TEXT    NOT NULL,
            text       TEXT    NOT NULL
        )
        """
    )
    conn.execute("CREATE INDEX chunks_by_file ON chunks (file_id, ordinal)")
    conn.execute(
        "CREATE VIRTUAL TABLE chunks_fts USING fts5("
        f"body, context, content='', tokenize='{FTS_TOKENIZER}')"
    )
    # One vector per chunk and model; float32, L2-normalised, little-endian.
    conn.execute(
        """
        CREATE TABLE vectors (
            chunk_id INTEGER NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
            model    TEXT    NOT NULL,
            vector   BLOB    NOT NULL,
            PRIMARY KEY (chunk_id, model)
        ) WITHOUT ROWID
        """
    )
    conn.execute("CREATE INDEX vectors_by_model ON vectors (model)")


MIGRATIONS: list[Migration] = [_initial_schema]


def latest_version() -> int:
    return len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version the file is at (``PRAGMA user_version``)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_is_documents(conn: sqlite3.Connection, path: str) -> None:
    """Refuse a file another program or a newer Hearth wrote, before anything changes it."""
    version = user_version(conn)
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    has_tables = conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None
    if app_id == APPLICATION_ID and version > latest_version():
        raise StorageError(
            f"{path} was written by a newer version of Hearth (documents database version "
            f"{version}; this one knows up to {latest_version()}); it was left unchanged"
        )
    if app_id != APPLICATION_ID and (app_id != 0 or version != 0 or has_tables):
        raise StorageError(
            f"{path} is not a Hearth documents database; it was left unchanged. Move it "
            "elsewhere or set HEARTH_DATA_DIR to another folder"
        )
