"""``Library``: the user's document collections in ``<data dir>/documents.sqlite3``."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self, cast

from desktop.core.documents import _rows
from desktop.core.documents._chunk import Chunker, estimate_tokens
from desktop.core.documents._db import default_path, mapped_errors, open_database, transaction
from desktop.core.documents._index import IndexRun, ProgressCallback, StopFlag
from desktop.core.documents._lexical import LexicalRanking
from desktop.core.documents._text import query_terms, snippet
from desktop.core.documents._types import (
    PRIVACIES,
    CollectionInfo,
    IndexReport,
    Passage,
    Privacy,
)
from desktop.core.documents._vectors import (
    DocumentEmbedder,
    VectorScan,
    load_sqlite_vec,
    reciprocal_rank_fusion,
)
from desktop.core.errors import KnownError
from desktop.core.settings import Settings

if TYPE_CHECKING:
    import numpy as np

EmbedderFactory = Callable[[], DocumentEmbedder | None]
DEFAULT_MAX_FILE_BYTES = 1024 * 1_000_000
_MAX_NAME = 100
# Candidates each ranking contributes to the fusion: deep enough that a chunk ranked well
# by one method and modestly by the other still makes the top of the fused list.
_CANDIDATES = 50


class Library:
    """Collections of files and folders, their index, and search over them.

    One connection for reads and small writes, shared by threads behind a lock; each
    indexing run opens a connection of its own, so searches go on (WAL) while it writes.
    The embedding model (``embedder``) is loaded the first time indexing or search needs
    it; without one, search is lexical (FTS5 BM25) alone.
    """

    def __init__(self, path: Path, *, embedder: EmbedderFactory | None = None,
                 embedder_name: str | None = None,
                 max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        """``embedder_name``: the ``model_name`` the factory's model will have, when known
        without loading it (then indexing that finds nothing to do never loads it)."""
        self.path = Path(path)
        self._embedder_name = embedder_name
        self._conn = open_database(self.path)
        self._lock = threading.RLock()
        self._embedder_factory = embedder
        self._embedder: DocumentEmbedder | None = None
        self._embedder_loaded = False
        # Why search by meaning is off although a model is set up (None: it is not off).
        self.embedder_problem: str | None = None
        self.max_file_bytes = max_file_bytes
        why_not = load_sqlite_vec(self._conn)
        self.vector_backend = "numpy" if why_not else "numpy, sqlite-vec past 256 MB"
        self.vector_backend_note = why_not or (
            "vectors are scanned with NumPy, and inside SQLite by sqlite-vec for collections "
            "whose vectors pass 256 MB")
        self._scan = VectorScan(self._conn, use_sqlite_vec=why_not is None)
        try:
            with mapped_errors(self.path, "open the documents database"):
                self._lexical = LexicalRanking(self._conn)
        except BaseException:
            self._conn.close()  # a window that tries again later holds no stale connection
            raise

    @classmethod
    def open_default(cls, settings: Settings) -> Library:
        """The user's library; its embedding model from ``documents.embedding_model``."""
        from desktop.core.documents._models import embedder_factory

        max_mb = settings.get_int("documents.max_file_mb")
        try:
            factory, name = embedder_factory(settings)
            problem = None
        except KnownError as exc:  # a wrong setting must not stop search by words
            factory, name, problem = None, None, str(exc)
        library = cls(default_path(), embedder=factory, embedder_name=name,
                      max_file_bytes=max_mb * 1_000_000)
        library.embedder_problem = problem
        return library

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            closer = getattr(self._embedder, "close", None)
            if callable(closer):
                closer()
            self._embedder = None

    # -- the embedding model ---------------------------------------------------------------

    @property
    def semantic_configured(self) -> bool:
        """Whether an embedding model is set up (it may not be loaded yet)."""
        return self._embedder_factory is not None

    def embedder(self) -> DocumentEmbedder | None:
        """The embedding model, loaded on first use (KnownError if it cannot be)."""
        with self._lock:
            if not self._embedder_loaded and self._embedder_factory is not None:
                try:
                    self._embedder = self._embedder_factory()
                except KnownError as exc:
                    self.embedder_problem = str(exc)
                    raise
                finally:
                    self._embedder_loaded = True  # a model that failed is not tried again
            return self._embedder

    # -- collections -----------------------------------------------------------------------

    def collections(self) -> list[CollectionInfo]:
        """Every collection, by name."""
        with self._lock, mapped_errors(self.path, "list the document collections"):
            names = [n for (n,) in self._conn.execute("SELECT name FROM collections"
                                                      " ORDER BY name COLLATE NOCASE")]
            return [self.collection(n) for n in names]

    def collection(self, name: str) -> CollectionInfo:
        """One collection's state; KnownError if there is none of that name."""
        with self._lock, mapped_errors(self.path, "read the document collection"):
            collection_id, privacy = self._find(name)
            roots = tuple(r for (r,) in self._conn.execute(
                "SELECT path FROM roots WHERE collection_id = ? ORDER BY path",
                (collection_id,)))
            files, chunks, pending = self._conn.execute(
                "SELECT COUNT(*) FILTER (WHERE state = 'done'),"
                " COALESCE(SUM(chunks) FILTER (WHERE state = 'done'), 0),"
                " COUNT(*) FILTER (WHERE state IN ('pending', 'indexing'))"
                " FROM files WHERE collection_id = ?", (collection_id,)).fetchone()
            failed = tuple((p, r) for p, r in self._conn.execute(
                "SELECT path, reason FROM files WHERE collection_id = ? AND state = 'failed'"
                " ORDER BY path", (collection_id,)))
            return CollectionInfo(name, privacy, roots, files, chunks, failed, pending,
                                  self._has_vectors(collection_id))

    def create(self, name: str, *, privacy: Privacy = "device") -> CollectionInfo:
        """A new, empty collection; KnownError if the name is taken or unusable."""
        name = _check_name(name)
        _check_privacy(privacy)
        with self._lock, mapped_errors(self.path, "create the collection"):
            try:
                with transaction(self._conn):
                    self._conn.execute("INSERT INTO collections (name, privacy, created_at)"
                                       " VALUES (?, ?, ?)", (name, privacy, time.time()))
            except sqlite3.IntegrityError:
                raise KnownError(f"a collection named {name!r} already exists") from None
            return self.collection(name)

    def add(self, name: str, roots: Sequence[str | Path]) -> CollectionInfo:
        """Add files or folders to a collection (created first if missing). Nothing is
        indexed yet: call ``index``. KnownError for a path that does not exist."""
        resolved = []
        for root in roots:
            path = Path(root).expanduser()
            if not path.exists() and not path.is_symlink():
                raise KnownError(f"{root}: no such file or folder; nothing was added")
            resolved.append(str(path.absolute()))
        with self._lock, mapped_errors(self.path, "add to the collection"):
            if not self._exists(name):
                self.create(name)
            collection_id, _ = self._find(name)
            with transaction(self._conn):
                self._conn.executemany(
                    "INSERT OR IGNORE INTO roots (collection_id, path) VALUES (?, ?)",
                    [(collection_id, r) for r in resolved])
            return self.collection(name)

    def remove(self, name: str) -> None:
        """Forget a collection and its index (the files themselves are not touched)."""
        with self._lock, mapped_errors(self.path, "remove the collection"):
            collection_id, _ = self._find(name)
            with transaction(self._conn):
                for (file_id,) in self._conn.execute(
                        "SELECT id FROM files WHERE collection_id = ?",
                        (collection_id,)).fetchall():
                    _rows.delete_file(self._conn, file_id)
                self._conn.execute("DELETE FROM collections WHERE id = ?", (collection_id,))

    def rename(self, old: str, new: str) -> CollectionInfo:
        """Give a collection a new name; KnownError if ``new`` is taken."""
        new = _check_name(new)
        with self._lock, mapped_errors(self.path, "rename the collection"):
            collection_id, _ = self._find(old)
            try:
                with transaction(self._conn):
                    self._conn.execute("UPDATE collections SET name = ? WHERE id = ?",
                                       (new, collection_id))
            except sqlite3.IntegrityError:
                raise KnownError(f"a collection named {new!r} already exists") from None
            return self.collection(new)

    def set_privacy(self, name: str, privacy: Privacy) -> CollectionInfo:
        """``device``: its passages never leave this computer; ``send``: they may go with a
        question to a cloud tier."""
        _check_privacy(privacy)
        with self._lock, mapped_errors(self.path, "change the collection's privacy"):
            collection_id, _ = self._find(name)
            with transaction(self._conn):
                self._conn.execute("UPDATE collections SET privacy = ? WHERE id = ?",
                                   (privacy, collection_id))
            return self.collection(name)

    # -- indexing --------------------------------------------------------------------------

    def index(self, name: str, *, progress: ProgressCallback | None = None,
              stop: StopFlag | None = None, everything: bool = False) -> IndexReport:
        """Pick up added, changed and deleted files and index what needs it (all files with
        ``everything``). Safe to interrupt at any point (``stop``, Ctrl+C, kill -9): the next
        run goes on where this one ended. Runs on its own connection, in the caller's thread."""
        with self._lock:
            collection_id, _ = self._find(name)
        embedder = (_OnFirstUse(self, self._embedder_name)
                    if self._embedder_factory is not None and self.embedder_problem is None
                    else None)
        chunker = Chunker(embedder.count_tokens if embedder is not None else None)
        conn = open_database(self.path)
        try:
            with mapped_errors(self.path, f"index the collection {name!r}"):
                return IndexRun(conn, collection_id, name, chunker=chunker, embedder=embedder,
                                max_bytes=self.max_file_bytes, progress=progress, stop=stop,
                                everything=everything).run()
        finally:
            conn.close()

    # -- search ----------------------------------------------------------------------------

    def search(self, names: Sequence[str], query: str, *, limit: int = 8) -> list[Passage]:
        """The passages of the named collections that best answer ``query``, best first.

        Hybrid (BM25 and vector similarity fused by reciprocal rank) when an embedding model
        is set up and the collections have its vectors; lexical (FTS5 BM25) otherwise.
        KnownError names an unknown collection.
        """
        if limit <= 0 or not query.strip():
            return []
        with self._lock, mapped_errors(self.path, "search the documents"):
            ids = [self._find(n)[0] for n in dict.fromkeys(names)]
            if not ids:
                return []
            terms = query_terms(query)
            rankings = [self._lexical.ranked(ids, terms, _CANDIDATES)]
            if any(self._has_vectors(i) for i in ids) and self.embedder_problem is None:
                try:
                    embedder = self.embedder()
                except KnownError:  # kept in embedder_problem; words alone still answer
                    embedder = None
                if embedder is not None:
                    try:
                        vector = embedder.embed_query(query)
                    except KnownError as exc:  # e.g. its process crashed: words alone
                        self.embedder_problem = str(exc)
                    else:
                        hits = self._scan.top(ids, embedder.model_name, vector, _CANDIDATES)
                        rankings.append([chunk_id for chunk_id, _ in hits])
            fused = reciprocal_rank_fusion(rankings)[:limit]
            return self._passages(fused, terms)

    def _passages(self, fused: list[tuple[int, float]], terms: list[str]) -> list[Passage]:
        if not fused:
            return []
        marks = ",".join("?" * len(fused))
        rows = {r[0]: r for r in self._conn.execute(
            "SELECT c.id, c.text, c.position, c.page, f.path, k.name, k.privacy"
            " FROM chunks AS c JOIN files AS f ON f.id = c.file_id"
            f" JOIN collections AS k ON k.id = f.collection_id WHERE c.id IN ({marks})",
            [chunk_id for chunk_id, _ in fused])}
        passages = []
        for chunk_id, score in fused:
            _, text, position, page, path, collection, privacy = rows[chunk_id]
            passages.append(Passage(collection, cast(Privacy, privacy), path, position, text,
                                    snippet(text, terms), score, chunk_id, page))
        return passages

    # -- helpers ---------------------------------------------------------------------------

    def _exists(self, name: str) -> bool:
        return self._conn.execute("SELECT 1 FROM collections WHERE name = ?",
                                  (name,)).fetchone() is not None

    def _find(self, name: str) -> tuple[int, Privacy]:
        row = self._conn.execute("SELECT id, privacy FROM collections WHERE name = ?",
                                 (name,)).fetchone()
        if row is None:
            known = [n for (n,) in self._conn.execute("SELECT name FROM collections"
                                                      " ORDER BY name")]
            hint = f" (collections: {', '.join(known)})" if known else " (there are none yet)"
            raise KnownError(f"no document collection named {name!r}{hint}; add one with "
                             "'hearth docs add NAME PATH'")
        return int(row[0]), cast(Privacy, row[1])

    def _has_vectors(self, collection_id: int) -> bool:
        if self._embedder_factory is None:
            return False
        # Vectors of a model no longer set up cannot be searched (the setting changed).
        model = self._embedder.model_name if self._embedder is not None else self._embedder_name
        query = ("SELECT 1 FROM files WHERE collection_id = ? AND state = 'done'"
                 " AND chunks > 0 AND embed_model IS NOT NULL")
        params: tuple[object, ...] = (collection_id,)
        if model is not None:
            query += " AND embed_model = ?"
            params = (collection_id, model)
        return self._conn.execute(query + " LIMIT 1", params).fetchone() is not None


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > _MAX_NAME or any(ord(c) < 32 for c in cleaned):
        raise KnownError(f"{name!r} cannot name a collection: use 1 to {_MAX_NAME} "
                         "printable characters")
    return cleaned


def _check_privacy(privacy: str) -> None:
    if privacy not in PRIVACIES:
        raise KnownError(f"privacy is 'device' or 'send', not {privacy!r}")


class _OnFirstUse:
    """The library's embedding model for one indexing run, loaded when the run first has
    text to count or embed: a catch-up that finds nothing changed (each window start) does
    not load it. If it cannot be loaded, chunks are sized by the estimate and the run goes
    on by words (``embed_documents`` raises the KnownError; ``embedder_problem`` says why)."""

    def __init__(self, library: Library, name: str | None) -> None:
        self._library = library
        self._name = name

    def _model(self) -> DocumentEmbedder:
        model = self._library.embedder()
        if model is None:
            raise KnownError("the embedding model could not be loaded")
        return model

    @property
    def model_name(self) -> str:
        return self._name if self._name is not None else self._model().model_name

    def count_tokens(self, text: str) -> int:
        if self._library.embedder_problem is None:
            try:
                return self._model().count_tokens(text)
            except KnownError as exc:
                self._record(exc)  # sized by the estimate from here on
        return estimate_tokens(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if self._library.embedder_problem is not None:
            raise KnownError(self._library.embedder_problem)
        try:
            return self._model().embed_documents(texts)
        except KnownError as exc:
            self._record(exc)  # e.g. its process crashed: this run goes on by words
            raise

    def _record(self, exc: KnownError) -> None:
        if self._library.embedder_problem is None:
            self._library.embedder_problem = str(exc)

    def embed_query(self, text: str) -> np.ndarray:
        return self._model().embed_query(text)
