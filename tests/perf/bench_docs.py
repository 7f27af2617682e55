"""Documents: indexing speed and memory, and query latency of the vector scans.

Run with ``python -m tests.perf.bench_docs`` (also part of ``make bench``). Printed, all
measured on this computer:

- indexing 1,000 generated documents (about 5 MB of text in seven languages,
  ``tests/core/documents/corpus.py``): files/s, chunks/s and peak RSS while indexing,
  lexical only, then with the generated tiny embedding model (64 dimensions, random weights:
  it measures the plumbing around llama.cpp, not a real model's cost), and the embedding
  speed of the Llama-3.2-1B-shaped bench model on a few of the same chunks (heavier per token
  than the catalog's embedding models: an upper bound on their cost);
- query latency p50/p95 at 10k and 100k chunks with synthetic random vectors
  (``--dims``, default 384, the width of bge-small and e5-small): the NumPy scan alone,
  sqlite-vec's scan when this Python can load it (``Library`` uses it only past
  ``NUMPY_BUDGET_BYTES`` of vectors; the figures say why), and a whole hybrid ``Library.search``
  (FTS5 BM25 + vector scan + fusion; the query vector is synthetic, so no model time).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import psutil

from desktop.core.documents import Library
from desktop.core.documents._rows import to_blob
from desktop.core.documents._text import search_text
from desktop.core.documents._vectors import VectorScan, load_sqlite_vec
from desktop.core.local.embedding import Embedder
from tests.core.documents.corpus import write_corpus


class _PeakRss:
    """The process's largest resident set size while the block runs, sampled every 20 ms."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self.start = self.peak = self._process.memory_info().rss
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def _index(folder: Path, db: Path, embedder: Callable[[], Embedder] | None, label: str,
           files: int, text_mb: float) -> None:
    with Library(db, embedder=embedder) as library:
        library.add("bench", [folder])
        if embedder is not None:
            library.embedder()  # load the model before the clock starts
        with _PeakRss() as rss:
            report = library.index("bench")
        assert report.indexed == files, report.failed
    print(f"index {label:<34} {files / report.elapsed_s:7.1f} files/s  "
          f"{report.chunks / report.elapsed_s:8.0f} chunks/s  ({report.chunks} chunks, "
          f"{text_mb:.1f} MB in {report.elapsed_s:.1f} s)  peak RSS {rss.peak / 1e6:.0f} MB "
          f"(+{(rss.peak - rss.start) / 1e6:.0f} MB while indexing)")


class _SyntheticEmbedder:
    """Random unit query vectors: the search's own work without a model's."""

    def __init__(self, dims: int, seed: int = 3) -> None:
        self.model_name = "synthetic"
        self.dimensions = dims
        self._rng = np.random.default_rng(seed)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        rows = self._rng.standard_normal((len(texts), self.dimensions)).astype(np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def embed_query(self, text: str) -> np.ndarray:
        row: np.ndarray = self.embed_documents([text])[0]
        return row

    def count_tokens(self, text: str) -> int:
        return len(text) // 4


# A vocabulary of 20,000 made-up words used with Zipf frequencies (as words are in real
# text): a few very common, most rare. Uniform draws from a small vocabulary would make
# every chunk match every query word, a worst case no real collection has.
_VOCABULARY = [f"{a}{b}{c}" for a in ("ka", "lo", "ve", "dra", "mi", "se", "to", "qu",
                                      "ba", "ne", "ul", "fe", "ri", "os", "wy", "da",
                                      "et", "ho", "pi", "zu")
               for b in ("ra", "ne", "lis", "mo", "tu", "ve", "do", "ka", "pe", "si",
                         "lu", "go", "fa", "ri", "be", "no", "ta", "mi", "ze", "co")
               for c in ("n", "r", "s", "t", "l", "m", "k", "th", "sh", "x",
                         "nd", "rt", "st", "lt", "mp", "nk", "rs", "ng", "ck", "ll",
                         "a", "e", "i", "o", "u", "ay", "ey", "oy", "ia", "eo",
                         "an", "en", "in", "on", "un", "ar", "er", "ir", "or", "ur",
                         "as", "es", "is", "os", "us", "al", "el", "il", "ol", "ul")]


def _words(rng: np.random.Generator, count: int) -> str:
    ranks = np.minimum(rng.zipf(1.2, count), len(_VOCABULARY)) - 1
    return " ".join(_VOCABULARY[r] for r in ranks)


def _synthetic_db(path: Path, chunks: int, dims: int) -> None:
    """``chunks`` chunks of 60 Zipf-distributed words with random unit vectors, written
    directly."""
    with Library(path):
        pass  # creates the schema
    rng = np.random.default_rng(11)
    conn = sqlite3.connect(path)
    try:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO collections (name, privacy, created_at) VALUES "
                     "('bench', 'device', 0)")
        per_file = 100
        for start in range(0, chunks, per_file):
            cursor = conn.execute(
                "INSERT INTO files (collection_id, path, size, mtime_ns, state, chunks,"
                " embed_model) VALUES (1, ?, 0, 0, 'done', ?, 'synthetic')",
                (f"/synthetic/{start}.txt", per_file))
            file_id = cursor.lastrowid
            vectors = rng.standard_normal((per_file, dims)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            for n in range(per_file):
                text = _words(rng, 60)
                chunk_id = conn.execute(
                    "INSERT INTO chunks (file_id, ordinal, position, context, text)"
                    " VALUES (?, ?, 'lines 1–2', '', ?)", (file_id, n, text)).lastrowid
                conn.execute("INSERT INTO chunks_fts (rowid, body, context) VALUES (?, ?, '')",
                             (chunk_id, search_text(text)))
                conn.execute("INSERT INTO vectors (chunk_id, model, vector) VALUES"
                             " (?, 'synthetic', ?)", (chunk_id, to_blob(vectors[n])))
        conn.execute("COMMIT")
    finally:
        conn.close()


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:7.2f} ms  p95 {p95 * 1000:7.2f} ms"


def _latency(folder: Path, chunks: int, dims: int, runs: int) -> None:
    db = folder / f"synthetic-{chunks}.sqlite3"
    started = time.perf_counter()
    _synthetic_db(db, chunks, dims)
    print(f"\n{chunks:,} chunks, {dims} dimensions (built in {time.perf_counter() - started:.0f}"
          " s)")
    rng = np.random.default_rng(5)
    queries = rng.standard_normal((runs, dims)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    conn = sqlite3.connect(db)
    try:
        scan = VectorScan(conn, use_sqlite_vec=False)
        cold = time.perf_counter()
        scan.top_numpy([1], "synthetic", queries[0], 50)
        print(f"  numpy scan, first query (loads the matrix): "
              f"{(time.perf_counter() - cold) * 1000:.0f} ms")
        samples = []
        for query in queries:
            begin = time.perf_counter()
            scan.top_numpy([1], "synthetic", query, 50)
            samples.append(time.perf_counter() - begin)
        print(f"  numpy scan, top 50:                 {_percentiles(samples)}")
        why_not = load_sqlite_vec(conn)
        if why_not is None:
            vec = VectorScan(conn, use_sqlite_vec=True)
            samples = []
            for query in queries:
                begin = time.perf_counter()
                vec.top_sqlite_vec([1], "synthetic", query, 50)
                samples.append(time.perf_counter() - begin)
            print(f"  sqlite-vec scan, top 50:            {_percentiles(samples)}")
        else:
            print(f"  sqlite-vec scan: not measured: {why_not}")
    finally:
        conn.close()
    with Library(db, embedder=lambda: _SyntheticEmbedder(dims)) as library:
        library.search(["bench"], "warm up")
        samples = []
        for _ in range(runs):
            words = _words(rng, 4)
            begin = time.perf_counter()
            library.search(["bench"], f"where is the {words}?")
            samples.append(time.perf_counter() - begin)
        print(f"  Library.search hybrid ({library.vector_backend}), limit 8: "
              f"{_percentiles(samples)}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.perf.bench_docs", description=__doc__)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--dims", type=int, default=384)
    parser.add_argument("--runs", type=int, default=200, help="queries per latency figure")
    parser.add_argument("--sizes", default="10000,100000", help="chunk counts for latency")
    parser.add_argument("--skip-indexing", action="store_true", help="latency figures only")
    parser.add_argument("--bench-model-chunks", type=int, default=16,
                        help="chunks embedded with the 1B-shaped bench model (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hearth-bench-docs-") as tmp:
        folder = Path(tmp)
        if not args.skip_indexing:
            _indexing(folder, args.documents)
            if args.bench_model_chunks:
                _bench_model_rate(folder, args.bench_model_chunks)
        for chunks in (int(s) for s in args.sizes.split(",")):
            _latency(folder, chunks, args.dims, args.runs)
    return 0


def _indexing(folder: Path, documents: int) -> None:
    from tests.modelgen import cached_model

    corpus = folder / "corpus"
    write_corpus(corpus, documents=documents, paragraph_range=(12, 30))
    size = sum(p.stat().st_size for p in corpus.iterdir())
    print(f"{documents} generated documents, {size / 1e6:.1f} MB "
          "(Markdown, text, HTML; 7 languages)")
    _index(corpus, folder / "lexical.sqlite3", None, "lexical only", documents, size / 1e6)
    model = cached_model("embedding")
    _index(corpus, folder / "hybrid.sqlite3", lambda: Embedder(model),
           "with the tiny generated embedder", documents, size / 1e6)


def _bench_model_rate(folder: Path, count: int) -> None:
    """Embedding speed of the Llama-3.2-1B-shaped bench model (mean pooling) on real chunks
    of the lexical run: a 1.2B-parameter shape, far more work per token than
    nomic-embed-text (137M parameters), so an upper bound on a catalog model's cost."""
    from tests.modelgen import cached_model

    with sqlite3.connect(folder / "lexical.sqlite3") as conn:
        texts = [t for (t,) in conn.execute("SELECT text FROM chunks ORDER BY id LIMIT ?",
                                            (count,))]
    embedder = Embedder(cached_model("bench"))
    try:
        tokens = sum(embedder.count_tokens(t) for t in texts)
        started = time.perf_counter()
        embedder.embed_documents(texts)
        elapsed = time.perf_counter() - started
    finally:
        embedder.close()
    print(f"embed with the 1B-shaped bench model: {len(texts) / elapsed:.2f} chunks/s, "
          f"{tokens / elapsed:.0f} tokens/s ({len(texts)} chunks, {tokens} tokens, "
          f"{elapsed:.1f} s)")


if __name__ == "__main__":
    raise SystemExit(main())
