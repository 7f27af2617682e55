"""The vector path with a real llama.cpp embedding model (generated, random weights): vectors
stored and normalised, the scans, and reciprocal rank fusion."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from desktop.core.documents import IndexProgress, Library
from desktop.core.documents._backfill import VECTOR_BATCH
from desktop.core.documents._vectors import VectorScan, load_sqlite_vec, reciprocal_rank_fusion
from desktop.core.local.embedding import Embedder


@pytest.fixture(scope="module")
def embedding_model() -> Path:
    from tests.modelgen import cached_model

    return cached_model("embedding")


@pytest.fixture(scope="module")
def embedder(embedding_model: Path) -> Iterator[Embedder]:
    model = Embedder(embedding_model, threads=1)
    yield model
    model.close()


@pytest.fixture
def library(tmp_path: Path, embedding_model: Path) -> Iterator[Library]:
    # The library closes the model it loaded: its own, not the shared one.
    lib = Library(tmp_path / "documents.sqlite3",
                  embedder=lambda: Embedder(embedding_model, threads=1))
    yield lib
    lib.close()


def test_rrf_matches_the_hand_computed_fusion() -> None:
    # lexical: 7, 3, 9   vectors: 3, 5, 7   (k = 60, ranks from 1)
    # 3: 1/62 + 1/61 = 0.0325224…   7: 1/61 + 1/63 = 0.0322664…
    # 5: 1/62 = 0.0161290…          9: 1/63 = 0.0158730…
    fused = reciprocal_rank_fusion([[7, 3, 9], [3, 5, 7]])
    assert [item for item, _ in fused] == [3, 7, 5, 9]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1][1] == pytest.approx(1 / 61 + 1 / 63)
    assert fused[3][1] == pytest.approx(1 / 63)
    assert reciprocal_rank_fusion([[1, 2]], k=0) == [(1, 1.0), (2, 0.5)]


def test_the_embedder_gives_normalised_float32_rows(embedder: Embedder) -> None:
    rows = embedder.embed_documents(["harbour", "a longer sentence about the harbour", "été"])
    assert rows.shape == (3, embedder.dimensions) == (3, 64)
    assert rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert embedder.count_tokens("a longer sentence about the harbour") > 1
    assert embedder.embed_documents([]).shape == (0, 64)


def test_prefixes_are_added_to_queries_and_documents(embedding_model: Path) -> None:
    plain = Embedder(embedding_model, threads=1)
    prefixed = Embedder(embedding_model, query_prefix="search_query: ",
                        document_prefix="search_document: ", threads=1)
    try:
        assert np.allclose(prefixed.embed_query("tides"),
                           plain.embed_documents(["search_query: tides"])[0], atol=1e-5)
        assert np.allclose(prefixed.embed_documents(["tides"])[0],
                           plain.embed_documents(["search_document: tides"])[0], atol=1e-5)
        assert not np.allclose(prefixed.embed_query("tides"), plain.embed_query("tides"))
    finally:
        plain.close()
        prefixed.close()


def _folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Birds\n\nPuffins nest on the cliffs.\n\n# Zebra\n\n"
                               "zebra quantum lantern\n", encoding="utf-8")
    (docs / "b.txt").write_text("The ferry leaves at seven.\n\nTides rise twice a day.\n",
                                encoding="utf-8")
    return docs


def test_every_chunk_gets_one_normalised_vector(library: Library, embedder: Embedder,
                                               tmp_path: Path) -> None:
    library.add("mixed", [_folder(tmp_path)])
    library.index("mixed")
    info = library.collection("mixed")
    assert info.semantic
    with sqlite3.connect(library.path) as conn:
        rows = conn.execute("SELECT v.chunk_id, v.model, v.vector, c.text FROM vectors AS v"
                            " JOIN chunks AS c ON c.id = v.chunk_id").fetchall()
        chunks = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    assert len(rows) == chunks == info.chunks == 3  # Birds, Zebra (a.md); b.txt
    for _, model, blob, text in rows:
        vector = np.frombuffer(blob, dtype="<f4")
        assert model == embedder.model_name
        assert vector.shape == (64,)
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
        assert np.allclose(vector, embedder.embed_documents([text])[0], atol=1e-5)


def test_the_numpy_scan_ranks_as_a_plain_dot_product(library: Library, embedder: Embedder,
                                                     tmp_path: Path) -> None:
    library.add("mixed", [_folder(tmp_path)])
    library.index("mixed")
    query = embedder.embed_query("where do seabirds breed")
    conn = sqlite3.connect(library.path)
    try:
        stored = conn.execute("SELECT chunk_id, vector FROM vectors").fetchall()
        by_hand = sorted(((sum(float(a) * float(b) for a, b in
                               zip(np.frombuffer(blob, dtype="<f4"), query, strict=True)), cid)
                          for cid, blob in stored), reverse=True)
        scan = VectorScan(conn, use_sqlite_vec=False)
        found = scan.top_numpy([1], embedder.model_name, query, 3)
    finally:
        conn.close()
    assert [cid for cid, _ in found] == [cid for _, cid in by_hand[:3]]
    assert [s for _, s in found] == pytest.approx([s for s, _ in by_hand[:3]], abs=1e-5)


def test_sqlite_vec_and_numpy_return_the_same_ids(library: Library, embedder: Embedder,
                                                  tmp_path: Path) -> None:
    conn = sqlite3.connect(library.path)
    why_not = load_sqlite_vec(conn)
    if why_not is not None:
        conn.close()
        pytest.skip(why_not)
    try:
        library.add("mixed", [_folder(tmp_path)])
        library.index("mixed")
        query = embedder.embed_query("ferry times")
        by_vec = VectorScan(conn, use_sqlite_vec=True).top_sqlite_vec(
            [1], embedder.model_name, query, 4)
        by_numpy = VectorScan(conn, use_sqlite_vec=False).top([1], embedder.model_name,
                                                              query, 4)
    finally:
        conn.close()
    assert [c for c, _ in by_vec] == [c for c, _ in by_numpy]


def test_hybrid_search_finds_by_vector_what_words_alone_miss(library: Library,
                                                             tmp_path: Path) -> None:
    library.add("mixed", [_folder(tmp_path)])
    library.index("mixed")
    # The exact text of a chunk: its vector is the query's (no prefixes), so it ranks first
    # among the vectors; with no word in common with any chunk, BM25 finds nothing.
    query = "Zebra\n\nzebra quantum lantern"
    assert library.search(["mixed"], query)[0].text == "Zebra\n\nzebra quantum lantern"
    nothing_in_common = library.search(["mixed"], "xylophone")
    assert nothing_in_common  # the vector ranking alone still answers
    lexical = Library(library.path)
    try:
        assert lexical.search(["mixed"], "xylophone") == []
        assert not lexical.collection("mixed").semantic
    finally:
        lexical.close()


def test_setting_up_a_model_later_gives_existing_files_vectors(tmp_path: Path,
                                                               embedding_model: Path) -> None:
    docs = _folder(tmp_path)
    path = tmp_path / "documents.sqlite3"
    with Library(path) as lexical:
        lexical.add("mixed", [docs])
        assert lexical.index("mixed").indexed == 2
    with Library(path, embedder=lambda: Embedder(embedding_model, threads=1)) as hybrid:
        assert not hybrid.collection("mixed").semantic
        report = hybrid.index("mixed")
        # Not read again: only their chunks' vectors were missing.
        assert (report.indexed, report.unchanged, report.embedded) == (0, 2, 3)
        assert hybrid.collection("mixed").semantic
        again = hybrid.index("mixed")
        assert (again.unchanged, again.embedded) == (2, 0)


def test_files_are_searchable_by_words_while_vectors_are_computed(
        tmp_path: Path, embedding_model: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(5):
        (docs / f"n{n}.txt").write_text("\n\n".join(
            f"Paragraph {p} of note {n} about the orchard ledger." for p in range(200)),
            encoding="utf-8")
    seen: list[tuple[int, int, int]] = []
    stop = threading.Event()
    path = tmp_path / "documents.sqlite3"
    with Library(path, embedder=lambda: Embedder(embedding_model, threads=1)) as library:
        library.add("notes", [docs])

        def watch(progress: IndexProgress) -> None:
            if progress.embedding and progress.vectors_done:
                with Library(path) as reader:  # another process's view: words only
                    found = len(reader.search(["notes"], "orchard ledger note 3"))
                seen.append((progress.vectors_done, progress.vectors_total, found))
                stop.set()  # stop after the first batch of vectors

        first = library.index("notes", progress=watch, stop=stop)
        assert first.stopped and first.indexed == 5
        assert seen and seen[0][0] == VECTOR_BATCH < seen[0][1] and seen[0][2] > 0
        total = seen[0][1]
        with sqlite3.connect(path) as conn:  # the first file has all its vectors, not all
            waiting = conn.execute("SELECT COUNT(*) FROM files WHERE embed_model IS NULL"
                                   ).fetchone()[0]
        assert 0 < waiting < 5
        second = library.index("notes")
        assert (second.indexed, second.embedded) == (0, total - VECTOR_BATCH)
        assert library.collection("notes").semantic
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] == total
        assert conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == total
        assert conn.execute("SELECT COUNT(*) FROM files WHERE embed_model IS NULL"
                            ).fetchone()[0] == 0


def test_another_model_replaces_the_vectors(tmp_path: Path, embedding_model: Path) -> None:
    other = Path(shutil.copy(embedding_model, tmp_path / "another-model.gguf"))
    docs = _folder(tmp_path)
    path = tmp_path / "documents.sqlite3"
    with Library(path, embedder=lambda: Embedder(embedding_model, threads=1)) as first:
        first.add("mixed", [docs])
        first.index("mixed")
    with Library(path, embedder=lambda: Embedder(other, threads=1)) as second:
        assert second.index("mixed").embedded == 3
        assert second.collection("mixed").semantic
    with sqlite3.connect(path) as conn:
        models = conn.execute("SELECT model, COUNT(*) FROM vectors GROUP BY model").fetchall()
    assert models == [("another-model", 3)]


def test_a_catch_up_with_nothing_new_does_not_load_the_model(tmp_path: Path,
                                                             embedding_model: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# Harbour\nThe ferry leaves at nine.\n")
    loads: list[int] = []

    def load() -> Embedder:
        loads.append(1)
        return Embedder(embedding_model, threads=1)

    path = tmp_path / "documents.sqlite3"
    with Library(path, embedder=load, embedder_name=embedding_model.stem) as first:
        first.create("notes")
        first.add("notes", [tmp_path / "docs"])
        assert first.index("notes").embedded == 1
    assert len(loads) == 1
    with Library(path, embedder=load, embedder_name=embedding_model.stem) as again:
        report = again.index("notes")
        assert report.unchanged == 1 and report.embedded == 0
        assert loads == [1]  # nothing to count or embed: the model stayed on disk
        (tmp_path / "docs" / "b.md").write_text("# Bakery\nBread is sold until six.\n")
        assert again.index("notes").embedded == 1
    assert len(loads) == 2


def test_a_model_that_cannot_load_leaves_indexing_by_words(tmp_path: Path) -> None:
    from desktop.core.errors import KnownError

    def broken() -> Embedder:
        raise KnownError("the embedding model file is damaged")

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# Harbour\nThe ferry leaves at nine.\n")
    with Library(tmp_path / "documents.sqlite3", embedder=broken,
                 embedder_name="broken") as library:
        library.create("notes")
        library.add("notes", [tmp_path / "docs"])
        report = library.index("notes")
        assert report.embedded == 0 and not report.failed
        assert library.embedder_problem == "the embedding model file is damaged"
        assert [p.path for p in library.search(["notes"], "ferry")] == [
            str(tmp_path / "docs" / "a.md")]
