"""The user's documents: collections of files and folders, indexed for search and cited by
page, heading or lines.

- ``Library``: collections, indexing (resumable, with progress), hybrid search.
- ``Passage``, ``CollectionInfo``, ``IndexProgress``, ``IndexReport``: what it returns.
- ``Privacy``: ``device`` (default; its passages never leave) or ``send``.

Everything lives in ``<data dir>/documents.sqlite3``: chunks, an FTS5 index (BM25), and
float32 vectors when an embedding model is set up (``documents.embedding_model``).
"""

from desktop.core.documents._library import Library
from desktop.core.documents._types import (
    PRIVACIES,
    CollectionInfo,
    IndexProgress,
    IndexReport,
    Passage,
    Privacy,
)

__all__ = ["PRIVACIES", "CollectionInfo", "IndexProgress", "IndexReport", "Library", "Passage",
           "Privacy"]
