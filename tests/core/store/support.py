"""Helpers shared by the store tests."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from desktop.core.receipt import Receipt
from desktop.core.store import ConversationStore


def a_receipt(**fields: object) -> Receipt:
    """A local answer's receipt; ``fields`` override any of its values."""
    values: dict[str, object] = dict(
        tier="local", provider="llama.cpp", model="tiny", endpoint=None, privacy="on-device",
        bytes_sent=0, tokens_in=5, tokens_out=2, ttft_s=0.1, decode_tok_per_s=30.0,
        cost_usd=None, cloud_equivalent_usd=None, reason="routine question",
        created_at=1_700_000_000.5)
    values.update(fields)
    return Receipt(**values)  # type: ignore[arg-type]


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
