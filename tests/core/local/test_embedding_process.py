"""The embedding model in its own process: the same vectors as llama.cpp in this process, and a
native crash of that process costs search by meaning for one run, never this process."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psutil
import pytest

from desktop.core.documents import IndexProgress, Library
from desktop.core.documents._backfill import VECTOR_BATCH
from desktop.core.local.embedding import Embedder, EmbedderCrashed

TEXTS = ["The ferry leaves at seven.", "Puffins nest on the cliffs above the harbour.",
         "Überfahrt nach Helgoland: Fähre um 9 Uhr", ""]


@pytest.fixture(scope="module")
def embedding_model() -> Path:
    from tests.modelgen import cached_model

    return cached_model("embedding")


@pytest.fixture
def embedder(embedding_model: Path) -> Iterator[Embedder]:
    model = Embedder(embedding_model, threads=1)
    yield model
    model.close()


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(pid: int, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return False


def test_vectors_and_token_counts_equal_llama_cpp_in_this_process(
        embedder: Embedder, embedding_model: Path) -> None:
    import llama_cpp

    # The reference: llama.cpp loaded here directly, as the child is asked to load it (the
    # generated model carries mean pooling in its metadata).
    reference = llama_cpp.Llama(model_path=str(embedding_model), embedding=True, n_ctx=512,
                                n_batch=512, n_ubatch=512, n_threads=1, n_threads_batch=1,
                                n_gpu_layers=0, verbose=False)
    try:
        expected = []
        for text in TEXTS:
            row = np.asarray(reference.embed(text, normalize=False, truncate=True),
                             dtype=np.float64)
            norm = float(np.sqrt((row * row).sum()))
            expected.append(row / norm if norm else row)
        counts = [len(reference.tokenize(t.encode(), add_bos=False, special=False))
                  for t in TEXTS]
    finally:
        reference.close()
    assert embedder.pid is not None and embedder.pid != os.getpid()
    got = embedder.embed_documents(TEXTS)
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), embedder.dimensions)
    np.testing.assert_allclose(got, np.asarray(expected), atol=1e-5)
    np.testing.assert_allclose(embedder.embed_query(TEXTS[1]), expected[1], atol=1e-5)
    assert [embedder.count_tokens(t) for t in TEXTS] == counts
    assert embedder.count_tokens_many(TEXTS) == counts


def test_counting_more_texts_than_the_cache_holds_answers_each(embedder: Embedder) -> None:
    texts = [f"note {n} " + "word " * (n % 7) for n in range(5000)]
    counts = embedder.count_tokens_many(texts)
    assert len(counts) == len(texts)
    fresh = Embedder(embedder.path, threads=1)  # its cache is empty: each one is asked for
    try:
        assert [fresh.count_tokens(texts[n]) for n in (0, 6, 4999)] == [
            counts[0], counts[6], counts[4999]]
    finally:
        fresh.close()
    assert counts[6] > counts[0]


def test_a_native_crash_raises_known_error_and_the_next_call_starts_afresh(
        embedder: Embedder) -> None:
    before = embedder.embed_documents(["The ferry leaves at seven."])
    crashed = embedder.pid
    assert crashed is not None
    os.kill(crashed, signal.SIGSEGV)
    with pytest.raises(EmbedderCrashed) as caught:
        embedder.embed_documents(["Tides rise twice a day."])
    assert caught.value.signal_name == "SIGSEGV"
    assert "crashed while embedding text (SIGSEGV, invalid memory access" in str(caught.value)
    assert embedder.pid is None
    after = embedder.embed_documents(["The ferry leaves at seven."])
    assert embedder.pid not in (None, crashed)
    np.testing.assert_allclose(after, before, atol=1e-6)


def test_a_model_that_crashes_twice_is_not_started_again(embedder: Embedder) -> None:
    from desktop.core.errors import KnownError

    for attempt in range(2):
        running = embedder.pid
        assert running is not None
        os.kill(running, signal.SIGKILL)
        with pytest.raises(EmbedderCrashed):
            embedder.embed_query("tides")
        if attempt == 0:
            assert embedder.embed_query("tides").shape == (embedder.dimensions,)  # a fresh one
    with pytest.raises(KnownError, match=r"crashed 2 times \(.*SIGKILL.*\); it is not started "
                                         r"again until Hearth restarts") as caught:
        embedder.embed_query("tides")
    assert not isinstance(caught.value, EmbedderCrashed)
    assert embedder.pid is None  # no third process was started


def _many_files(folder: Path, count: int) -> Path:
    folder.mkdir()
    for n in range(count):
        (folder / f"note-{n:03}.txt").write_text(
            f"Note {n}: the ferry number {n} leaves the harbour at {n % 12 + 1} o'clock.\n",
            encoding="utf-8")
    return folder


def _vectors_and_chunks(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        vectors = conn.execute("SELECT count(*) FROM vectors").fetchone()[0]
        chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return int(vectors), int(chunks)
    finally:
        conn.close()


def test_kill_9_mid_indexing_goes_on_by_words_and_a_fresh_library_embeds_again(
        tmp_path: Path, embedding_model: Path) -> None:
    files = VECTOR_BATCH * 2 + 10
    docs = _many_files(tmp_path / "docs", files)
    db = tmp_path / "documents.sqlite3"
    started: list[Embedder] = []

    def load() -> Embedder:
        started.append(Embedder(embedding_model, threads=1))
        return started[-1]

    killed: list[int] = []

    def kill_after_first_batch(progress: IndexProgress) -> None:
        if progress.vectors_done >= VECTOR_BATCH and not killed:
            pid = started[-1].pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    with Library(db, embedder=load) as library:
        library.create("notes")
        library.add("notes", [docs])
        report = library.index("notes", progress=kill_after_first_batch)
        assert killed, "the vectors phase never reported a batch"
        assert report.indexed == files and not report.failed
        assert report.embedded == VECTOR_BATCH  # the batch before the crash is kept
        assert library.embedder_problem is not None
        assert "crashed" in library.embedder_problem and "SIGKILL" in library.embedder_problem
        hits = library.search(["notes"], "ferry number 17")  # by words, without the model
        assert hits and hits[0].path == str(docs / "note-017.txt")
    assert _wait_gone(killed[0])
    assert _vectors_and_chunks(db) == (VECTOR_BATCH, files)

    with Library(db, embedder=load) as fresh:
        again = fresh.index("notes")
        assert fresh.embedder_problem is None
        assert again.embedded == files - VECTOR_BATCH
        assert started[-1].pid not in (None, killed[0])
        assert fresh.search(["notes"], "ferry number 17")
    assert _vectors_and_chunks(db) == (files, files)


def test_close_leaves_no_child(embedding_model: Path) -> None:
    embedder = Embedder(embedding_model, threads=1)
    pid = embedder.pid
    assert pid is not None and not _gone(pid)
    embedder.close()
    assert embedder.pid is None
    assert _gone(pid)
    with pytest.raises(Exception, match="was closed"):
        embedder.embed_query("anything")


_PARENT = """
import sys
from pathlib import Path
from desktop.core.local.embedding import Embedder
embedder = Embedder(Path(sys.argv[1]), threads=1)
print(embedder.pid, flush=True)
sys.stdin.read()  # until the test kills this process
"""


def test_the_child_exits_when_its_parent_dies(embedding_model: Path) -> None:
    root = str(Path(__file__).resolve().parents[3])
    with subprocess.Popen([sys.executable, "-c", _PARENT, str(embedding_model)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": root}) as parent:
        try:
            assert parent.stdout is not None
            child = int(parent.stdout.readline())
            assert not _gone(child)
            parent.kill()
            parent.wait()
            assert _wait_gone(child), "the embedding process outlived its parent"
        finally:
            if parent.poll() is None:
                parent.kill()
