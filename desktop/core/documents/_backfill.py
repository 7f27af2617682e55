"""The second phase of indexing: vectors for chunks that have none for the current model.

Indexing writes chunks and their full-text rows first, so a folder can be searched by words
as soon as its files are read, however slow the embedding model is on this CPU. Vectors
follow here in small batches, each committed on its own: a stop, Ctrl+C or kill -9 loses at
most one batch, and the next run picks up the chunks still without a vector. A file counts
as embedded (``files.embed_model``) once every chunk of it has its vector.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from desktop.core.documents._db import transaction
from desktop.core.documents._rows import to_blob
from desktop.core.documents._vectors import DocumentEmbedder

VECTOR_BATCH = 32  # chunks embedded per transaction


class Stopped(Exception):  # noqa: N818 - a signal, not an error
    """The stop flag was set between two batches."""


def missing_vectors(conn: sqlite3.Connection, collection_id: int, model: str) -> int:
    """Chunks of the collection's indexed files without a vector of ``model``."""
    row = conn.execute(
        "SELECT COUNT(*) FROM chunks AS c JOIN files AS f ON f.id = c.file_id"
        " WHERE f.collection_id = ? AND f.state = 'done' AND NOT EXISTS"
        " (SELECT 1 FROM vectors AS v WHERE v.chunk_id = c.id AND v.model = ?)",
        (collection_id, model)).fetchone()
    return int(row[0])


def backfill(conn: sqlite3.Connection, collection_id: int, embedder: DocumentEmbedder, *,
             should_stop: Callable[[], bool], on_batch: Callable[[int], None]) -> int:
    """Embed every chunk of the collection that lacks a vector of this model; returns how
    many were embedded. Vectors of other models in the collection are dropped first (the
    setting changed: they can no longer be searched). Raises ``Stopped``."""
    model = embedder.model_name
    with transaction(conn):
        conn.execute(
            "DELETE FROM vectors WHERE model != ? AND chunk_id IN (SELECT c.id FROM chunks"
            " AS c JOIN files AS f ON f.id = c.file_id WHERE f.collection_id = ?)",
            (model, collection_id))
        conn.execute("UPDATE files SET embed_model = NULL WHERE collection_id = ?"
                     " AND embed_model IS NOT NULL AND embed_model != ?", (model, collection_id))
    done = 0
    after = 0  # chunk ids rise: each batch starts after the last one seen
    while True:
        if should_stop():
            raise Stopped
        rows = conn.execute(
            "SELECT c.id, c.file_id, c.text FROM chunks AS c JOIN files AS f"
            " ON f.id = c.file_id WHERE f.collection_id = ? AND f.state = 'done'"
            " AND c.id > ? AND NOT EXISTS (SELECT 1 FROM vectors AS v"
            " WHERE v.chunk_id = c.id AND v.model = ?) ORDER BY c.id LIMIT ?",
            (collection_id, after, model, VECTOR_BATCH)).fetchall()
        if not rows:
            break
        vectors = embedder.embed_documents([text for _, _, text in rows])
        with transaction(conn):
            # INSERT OR IGNORE: the file may have been indexed again meanwhile by another
            # process; a chunk that is gone is skipped by the foreign key's absence check.
            for (chunk_id, _, _), vector in zip(rows, vectors, strict=True):
                conn.execute(
                    "INSERT OR IGNORE INTO vectors (chunk_id, model, vector)"
                    " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM chunks WHERE id = ?)",
                    (chunk_id, model, to_blob(vector), chunk_id))
            for file_id in {file_id for _, file_id, _ in rows}:
                conn.execute(
                    "UPDATE files SET embed_model = ? WHERE id = ? AND NOT EXISTS"
                    " (SELECT 1 FROM chunks AS c WHERE c.file_id = files.id AND NOT EXISTS"
                    "  (SELECT 1 FROM vectors AS v WHERE v.chunk_id = c.id AND v.model = ?))",
                    (model, file_id, model))
        after = rows[-1][0]
        done += len(rows)
        on_batch(done)
    # Files without chunks (empty ones) have nothing to embed.
    with transaction(conn):
        conn.execute("UPDATE files SET embed_model = ? WHERE collection_id = ?"
                     " AND state = 'done' AND chunks = 0", (model, collection_id))
    return done
