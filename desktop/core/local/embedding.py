"""Text embeddings with llama.cpp, for searching documents by meaning.

``Embedder`` loads an embedding GGUF (nomic-embed-text, bge, e5 …) with
``llama_cpp.Llama(embedding=True)`` and returns L2-normalised float32 vectors. Models are
trained with task prefixes ("search_query: " / "search_document: " for nomic, "query: " /
"passage: " for e5, an instruction before queries for bge): the caller passes them, and
they are added here, so stored vectors and queries always match.

It runs in the calling process: an embedding model is small and is only used while indexing
or searching. (The chat model runs in its own process; see ``engine.py``.)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from desktop.core.errors import ModelLoadError
from desktop.core.local import _native_log
from desktop.core.local.gguf_file import inspect_gguf

# Tokens per text: chunks are ~256 tokens (desktop/core/documents/_chunk.py), at most a
# quarter more, plus the prefix; 512 is also the window of bge-small and e5-small.
DEFAULT_CONTEXT = 512


class Embedder:
    """An embedding model loaded with llama.cpp; thread-safe (one call at a time)."""

    def __init__(self, model_path: Path, *, query_prefix: str = "", document_prefix: str = "",
                 context: int = DEFAULT_CONTEXT, threads: int | None = None) -> None:
        import llama_cpp

        self.path = Path(model_path)
        self.query_prefix = query_prefix
        self.document_prefix = document_prefix
        header = inspect_gguf(self.path)  # ModelFileError for a missing or broken file
        trained = header.context_length or context
        self.context = min(context, trained)
        self.model_name = self.path.stem
        count = threads or max(1, min(4, (os.cpu_count() or 2) // 2))
        # Causal models (e.g. a Llama GGUF) have no pooling in their metadata: average them.
        pooling = (llama_cpp.LLAMA_POOLING_TYPE_UNSPECIFIED
                   if _has_pooling(header.metadata, header.architecture)
                   else llama_cpp.LLAMA_POOLING_TYPE_MEAN)
        _native_log.install()  # llama.cpp's messages go to logging, as the engine's do
        with _native_log.capture() as log:
            try:
                self._llm: Any = llama_cpp.Llama(
                    model_path=str(self.path), embedding=True, n_ctx=self.context,
                    n_batch=self.context, n_ubatch=self.context, n_threads=count,
                    n_threads_batch=count, n_gpu_layers=0, pooling_type=pooling,
                    verbose=False)
            except (ValueError, RuntimeError, OSError) as exc:
                reason = _native_log.last_error("".join(log)) or str(exc)
                raise ModelLoadError(self.path, f"llama.cpp could not load it as an embedding "
                                                f"model: {reason}") from exc
        self.dimensions = int(self._llm.n_embd())
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in this model's vocabulary (without the prefix)."""
        with self._lock:
            return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, float32, each of length 1 (a zero row for an empty text)."""
        return self._embed([self.document_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        """The vector of a search query (with the model's query prefix)."""
        row: np.ndarray = self._embed([self.query_prefix + text])[0]
        return row

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            rows = [self._llm.embed(t, normalize=False, truncate=True) for t in texts]
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dimensions)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return np.asarray(matrix / norms, dtype=np.float32)

    def close(self) -> None:
        """Free the model (also done when the object is collected)."""
        with self._lock:
            llm, self._llm = self._llm, None
        if llm is not None:
            llm.close()


def _has_pooling(metadata: Any, architecture: str) -> bool:
    return f"{architecture}.pooling_type" in metadata
