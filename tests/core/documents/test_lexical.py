"""Words found in most chunks are left out of the BM25 query, and ranking still works."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.core.documents import Library
from desktop.core.documents._lexical import MIN_CHUNKS, LexicalRanking


def _library(tmp_path: Path, files: int) -> Library:
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(files):
        (docs / f"n{n:03d}.txt").write_text(
            f"The harbour report number {n} mentions the codeword qx{n:03d}zz and tides.",
            encoding="utf-8")
    library = Library(tmp_path / "documents.sqlite3")
    library.add("c", [docs])
    library.index("c")
    return library


def test_a_word_in_every_chunk_is_left_out_when_others_remain(tmp_path: Path) -> None:
    with _library(tmp_path, MIN_CHUNKS + 20) as library:
        conn = sqlite3.connect(library.path)
        try:
            ranking = LexicalRanking(conn)
            assert ranking._query(["harbour", "qx042zz"]) == '"qx042zz" OR "qx042"*'
            # Only common words: the least common one is kept, not none.
            assert ranking._query(["harbour", "tides"]) in ('"harbour"', '"tides"')
        finally:
            conn.close()
        found = library.search(["c"], "which harbour report has codeword qx042zz")
        assert Path(found[0].path).name == "n042.txt"


def test_a_small_index_is_scored_whole(tmp_path: Path) -> None:
    with _library(tmp_path, 5) as library:
        conn = sqlite3.connect(library.path)
        try:
            query = LexicalRanking(conn)._query(["harbour", "qx002zz"])
        finally:
            conn.close()
    assert query == '"harbour" OR "harbo"* OR "qx002zz" OR "qx002"*'
