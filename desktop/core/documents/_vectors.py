"""Vector search: an exact scan, by sqlite-vec inside SQLite when the extension loads, else
by NumPy over the stored float32 vectors; and reciprocal rank fusion of rankings."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Protocol

import numpy as np

RRF_K = 60  # the constant of Cormack et al. (2009), also GPT4All LocalDocs' choice

# The NumPy scan keeps the collections' vectors in memory between searches and is much the
# faster (measured, tests/perf/bench_docs.py: 100k x 384 vectors, top 50: about 12 ms
# against about 390 ms for sqlite-vec's vec_distance_cosine over the table). Above this
# size the memory matters more than the time, and sqlite-vec, when it loads, scans inside
# SQLite with flat memory instead.
NUMPY_BUDGET_BYTES = 256 * 1024 * 1024


class DocumentEmbedder(Protocol):
    """What indexing and search need of an embedding model (``desktop.core.local.Embedder``)."""

    @property
    def model_name(self) -> str: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], *, k: int = RRF_K
                           ) -> list[tuple[int, float]]:
    """Ids best first by the sum over rankings of 1 / (k + rank), rank counted from 1;
    ties keep the order of first appearance (the first ranking's order wins)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


def load_sqlite_vec(conn: sqlite3.Connection) -> str | None:
    """Load sqlite-vec into ``conn``; None on success, else why not (in words)."""
    if not hasattr(conn, "enable_load_extension"):
        return ("this Python's sqlite3 module was built without extension loading, so "
                "vectors are scanned with NumPy")
    try:
        import sqlite_vec  # type: ignore[import-untyped]  # ships no type information
    except ImportError:
        return "the sqlite-vec package is not installed, so vectors are scanned with NumPy"
    try:
        conn.enable_load_extension(True)
        try:
            sqlite_vec.load(conn)
        finally:
            conn.enable_load_extension(False)
    except sqlite3.Error as exc:
        return f"sqlite-vec did not load ({exc}), so vectors are scanned with NumPy"
    return None


_SELECTION = (
    " FROM vectors AS v JOIN chunks AS c ON c.id = v.chunk_id"
    " JOIN files AS f ON f.id = c.file_id"
    " WHERE v.model = ? AND f.collection_id IN ({ids})"
)


class VectorScan:
    """Exact top-k by cosine similarity (the vectors are normalised: a dot product): by NumPy,
    or by sqlite-vec for vectors past ``NUMPY_BUDGET_BYTES`` when it can be loaded.

    The NumPy path keeps the matrix of the collections asked for in memory until the
    database changes (``PRAGMA data_version`` for other connections' writes,
    ``total_changes`` for this one's).
    """

    def __init__(self, conn: sqlite3.Connection, *, use_sqlite_vec: bool) -> None:
        self._conn = conn
        self.use_sqlite_vec = use_sqlite_vec
        self._cache_key: tuple[object, ...] | None = None
        self._ids = np.zeros(0, dtype=np.int64)
        self._matrix = np.zeros((0, 0), dtype=np.float32)

    def top(self, collection_ids: Sequence[int], model: str, query: np.ndarray, k: int
            ) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity), best first, at most ``k``."""
        if not collection_ids or k <= 0:
            return []
        # A matrix already in memory is within the budget: counting the vectors again would
        # cost several times the scan itself (measured at 100k x 384: 19 ms against 3.5 ms).
        if (self.use_sqlite_vec
                and self._key(tuple(sorted(collection_ids)), model) != self._cache_key
                and self._matrix_bytes(collection_ids, model, len(query)) > NUMPY_BUDGET_BYTES):
            return self.top_sqlite_vec(collection_ids, model, query, k)
        return self.top_numpy(collection_ids, model, query, k)

    def _matrix_bytes(self, collection_ids: Sequence[int], model: str, dims: int) -> int:
        marks = ",".join("?" * len(collection_ids))
        row = self._conn.execute("SELECT COUNT(*)" + _SELECTION.format(ids=marks),
                                 (model, *collection_ids)).fetchone()
        return int(row[0]) * dims * 4

    def top_sqlite_vec(self, collection_ids: Sequence[int], model: str, query: np.ndarray,
                       k: int) -> list[tuple[int, float]]:
        """The sqlite-vec scan (public so tests and the benchmark can run it on small sets)."""
        marks = ",".join("?" * len(collection_ids))
        rows = self._conn.execute(
            "SELECT v.chunk_id, vec_distance_cosine(v.vector, ?) AS d"
            + _SELECTION.format(ids=marks) + " ORDER BY d LIMIT ?",
            (np.asarray(query, dtype="<f4").tobytes(), model, *collection_ids, k)).fetchall()
        return [(int(chunk_id), 1.0 - float(d)) for chunk_id, d in rows]

    def top_numpy(self, collection_ids: Sequence[int], model: str, query: np.ndarray, k: int
                  ) -> list[tuple[int, float]]:
        """The NumPy scan (public so tests can compare it with sqlite-vec's)."""
        ids, matrix = self._load(tuple(sorted(collection_ids)), model)
        if not len(ids):
            return []
        scores = matrix @ np.asarray(query, dtype=np.float32)
        count = min(k, len(ids))
        best = np.argpartition(-scores, count - 1)[:count]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(ids[i]), float(scores[i])) for i in best]

    def _key(self, collection_ids: tuple[int, ...], model: str) -> tuple[object, ...]:
        """What the cached matrix depends on: the selection and the database's state."""
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        return (collection_ids, model, version, self._conn.total_changes)

    def _load(self, collection_ids: tuple[int, ...], model: str
              ) -> tuple[np.ndarray, np.ndarray]:
        key = self._key(collection_ids, model)
        if key != self._cache_key:
            marks = ",".join("?" * len(collection_ids))
            rows = self._conn.execute(
                "SELECT v.chunk_id, v.vector" + _SELECTION.format(ids=marks)
                + " ORDER BY v.chunk_id", (model, *collection_ids)).fetchall()
            self._ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            if rows:
                self._matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4"
                                             ).reshape(len(rows), -1).astype(np.float32)
            else:
                self._matrix = np.zeros((0, 0), dtype=np.float32)
            self._cache_key = key
        return self._ids, self._matrix
