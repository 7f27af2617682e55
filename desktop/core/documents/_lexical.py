"""Ranking chunks by words: FTS5 BM25, with words too common to tell chunks apart left out.

BM25 scores every chunk that holds any query word; a word found in most chunks (a
stopword of any language, or a word every document of a collection shares) adds almost
nothing to the ranking but makes FTS5 score nearly the whole index. Such words, and stems
that would expand to them, are left out of the query when other words remain; the
document frequencies come from FTS5's own vocabulary table, so no stopword list per language
is needed.
"""

from __future__ import annotations

import sqlite3

from desktop.core.documents._text import fts_query, stem

COMMON_SHARE = 0.5  # a word in more than this share of all chunks is left out
MIN_CHUNKS = 200  # below this the index is small enough to score whole


class LexicalRanking:
    """BM25 ranking of the chunks of some collections, on ``conn``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        # A temporary table (this connection only): nothing is added to the file's schema.
        conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab"
                     " USING fts5vocab(main, chunks_fts, 'row')")

    def ranked(self, collection_ids: list[int], terms: list[str], limit: int) -> list[int]:
        """Chunk ids, best first, at most ``limit``."""
        if not terms or not collection_ids:
            return []
        query = self._query(terms)
        marks = ",".join("?" * len(collection_ids))
        # Context (file name, headings) counts half as much as the chunk's own words.
        rows = self._conn.execute(
            "SELECT c.id FROM chunks_fts JOIN chunks AS c ON c.id = chunks_fts.rowid"
            " JOIN files AS f ON f.id = c.file_id"
            f" WHERE chunks_fts MATCH ? AND f.collection_id IN ({marks})"
            " ORDER BY bm25(chunks_fts, 1.0, 0.5) LIMIT ?",
            (query, *collection_ids, limit)).fetchall()
        return [int(r[0]) for r in rows]

    def _query(self, terms: list[str]) -> str:
        total = int(self._conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
        if total < MIN_CHUNKS:
            return fts_query(terms)
        limit = total * COMMON_SHARE
        kept = [t for t in terms if self._documents(t) <= limit] or [
            min(terms, key=self._documents)]  # all common: the least common one
        stems: dict[str, str | None] = {}
        for term in kept:
            prefix = stem(term)
            stems[term] = prefix if prefix is not None and \
                self._documents(prefix, prefix=True) <= limit else None
        return fts_query(kept, stems)

    def _documents(self, term: str, *, prefix: bool = False) -> int:
        """Chunks holding ``term`` (for a prefix: the sum over the words it starts, an upper
        bound)."""
        if prefix:
            row = self._conn.execute(
                "SELECT COALESCE(SUM(doc), 0) FROM temp.chunks_vocab"
                " WHERE term >= ? AND term < ?", (term, term + "\U0010ffff")).fetchone()
        else:
            row = self._conn.execute("SELECT doc FROM temp.chunks_vocab WHERE term = ?",
                                     (term,)).fetchone()
        return int(row[0]) if row is not None else 0
