"""Helpers shared by the store tests."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from desktop.core.store import ConversationStore


class FakeClock:
    """Each reading is one second after the previous: orderings do not hang on timer resolution."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def raw_connection(store: ConversationStore) -> sqlite3.Connection:
    """The store's own connection, for reading per-connection pragmas and forcing failures."""
    conn = store._conn
    assert conn is not None
    return conn


def pragma(conn: sqlite3.Connection, name: str) -> object:
    return conn.execute(f"PRAGMA {name}").fetchone()[0]


def file_pragma(path: Path, name: str) -> object:
    """A pragma read through a separate, short-lived connection (what is in the file)."""
    with closing(sqlite3.connect(path)) as conn:
        return pragma(conn, name)
