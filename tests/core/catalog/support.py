"""Helpers shared by the catalog tests."""

from __future__ import annotations

import hashlib

from desktop.core.catalog import CatalogEntry, RetryPolicy

BLOB_PATH = "/org/repo/resolve/main/blob.bin"
MODEL_PATH = "/org/tiny/resolve/main/tiny.gguf"
NO_WAIT = RetryPolicy(attempts=4, backoff_s=0.0)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tiny_entry(url: str, **fields: object) -> CatalogEntry:
    """A catalog entry for the tiny test model, served from ``url``."""
    values: dict[str, object] = {
        "id": "tiny", "name": "Tiny test model", "url": url, "file": "tiny.gguf",
        "quantization": "F16", "licence": "test", "listed_size_mb": 1.0,
    }
    values.update(fields)
    return CatalogEntry(**values)  # type: ignore[arg-type]
