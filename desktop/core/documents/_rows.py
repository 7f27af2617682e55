"""Writing and deleting chunks with their full-text rows and vectors, always together.

The FTS table is contentless (the text is stored once, in ``chunks``), so a row can only be
deleted from it by handing back the exact values indexed; every chunk deletion goes
through ``delete_file_chunks`` for that reason.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np

from desktop.core.documents._chunk import Chunk
from desktop.core.documents._text import search_text


def to_blob(vector: np.ndarray) -> bytes:
    """A vector as stored: little-endian float32."""
    return np.asarray(vector, dtype="<f4").tobytes()


def insert_chunks(conn: sqlite3.Connection, file_id: int, chunks: Sequence[Chunk]) -> None:
    """Store ``chunks`` of a file with their FTS rows (vectors come later: ``_backfill``)."""
    for chunk in chunks:
        cursor = conn.execute(
            "INSERT INTO chunks (file_id, ordinal, position, page, context, text)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (file_id, chunk.ordinal, chunk.position, chunk.page, chunk.context, chunk.text))
        conn.execute("INSERT INTO chunks_fts (rowid, body, context) VALUES (?, ?, ?)",
                     (cursor.lastrowid, search_text(chunk.text), search_text(chunk.context)))


def delete_file_chunks(conn: sqlite3.Connection, file_id: int) -> None:
    """Delete every chunk of a file with its FTS rows and vectors."""
    cursor = conn.execute("SELECT id, text, context FROM chunks WHERE file_id = ?", (file_id,))
    while rows := cursor.fetchmany(1000):  # a 200 MB log's chunks never all sit in memory
        conn.executemany(
            "INSERT INTO chunks_fts (chunks_fts, rowid, body, context)"
            " VALUES ('delete', ?, ?, ?)",
            [(chunk_id, search_text(text), search_text(context))
             for chunk_id, text, context in rows])
    conn.execute("DELETE FROM vectors WHERE chunk_id IN"
                 " (SELECT id FROM chunks WHERE file_id = ?)", (file_id,))
    conn.execute("DELETE FROM chunks WHERE file_id = ?", (file_id,))


def delete_file(conn: sqlite3.Connection, file_id: int) -> None:
    """Forget a file and everything indexed from it."""
    delete_file_chunks(conn, file_id)
    conn.execute("DELETE FROM files WHERE id = ?", (file_id,))
