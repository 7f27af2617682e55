"""The user's documents: collections of files and folders, indexed for search and cited by
page, heading or lines.

- ``Library``: collections, indexing (resumable, with progress), hybrid search.
- ``Passage``, ``CollectionInfo``, ``IndexProgress``, ``IndexReport``: what it returns.
- ``Privacy``: ``device`` (default; its passages never leave) or ``send``.
- ``default_path()``: where the user's library is, known without loading it.

Everything lives in ``<data dir>/documents.sqlite3``: chunks, an FTS5 index (BM25), and
float32 vectors when an embedding model is set up (``documents.embedding_model``).
"""

from typing import TYPE_CHECKING

from desktop.core.documents._db import default_path
from desktop.core.documents._types import (
    PRIVACIES,
    CollectionInfo,
    IndexProgress,
    IndexReport,
    Passage,
    Privacy,
)

if TYPE_CHECKING:
    from desktop.core.documents._library import Library


def __getattr__(name: str) -> object:
    """``Library`` on first use: it brings NumPy (about 0.1 s), which the window's start need
    not load."""
    if name == "Library":
        from desktop.core.documents._library import Library

        globals()["Library"] = Library
        return Library
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PRIVACIES", "CollectionInfo", "IndexProgress", "IndexReport", "Library", "Passage",
           "Privacy", "default_path"]
