"""``POST /v1/embeddings``: vectors from the embedding model the documents library uses
(setting ``documents.embedding_model``), loaded on first use (in a process of its own, see
``desktop.core.local.embedding``).

The model is asked for as ``hearth-embedding``. Without an embedding model set up the route
answers 404 "no embedding model installed" (OpenAI's ``model_not_found``).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Sequence
from typing import Any

from desktop.core.errors import KnownError
from desktop.core.local.embedding import Embedder
from desktop.core.settings import Settings
from desktop.server._errors import ApiError, bad_request

MODEL = "hearth-embedding"
_MAX_INPUTS = 2048  # OpenAI's own limit per request


class EmbeddingSlot:
    """The configured embedding model, loaded when first asked and reloaded when the setting
    names another one."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._loaded: tuple[str, Embedder] | None = None

    def installed(self) -> bool:
        return bool(self._settings.get_str("documents.embedding_model").strip())

    def embed(self, body: dict[str, Any]) -> dict[str, Any]:
        """The OpenAI response for ``body`` (run it off the event loop: it computes)."""
        model = body.get("model")
        if model != MODEL:
            raise ApiError(404, f"the model {model!r} does not exist; embeddings come from "
                                f"{MODEL!r}", code="model_not_found", param="model")
        texts = _inputs(body.get("input"))
        encoding = body.get("encoding_format") or "float"
        if encoding not in ("float", "base64"):
            raise bad_request("'encoding_format' must be float or base64",
                              param="encoding_format")
        embedder = self._embedder()
        try:
            vectors = embedder.embed_documents(texts)
            tokens = sum(embedder.count_tokens_many(texts))  # the model's tokenizer
        except KnownError as exc:  # e.g. its process crashed: the next request restarts it
            raise ApiError(503, f"the embedding model is not available: {exc}",
                           code="model_not_available") from None
        data = [{"object": "embedding", "index": index,
                 "embedding": (base64.b64encode(row.astype("<f4").tobytes()).decode()
                               if encoding == "base64" else row.tolist())}
                for index, row in enumerate(vectors)]
        return {"object": "list", "data": data, "model": MODEL,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}

    def close(self) -> None:
        with self._lock:
            if self._loaded is not None:
                self._loaded[1].close()
                self._loaded = None

    def _embedder(self) -> Embedder:
        with self._lock:
            try:
                return self._load()
            except KnownError as exc:
                raise ApiError(503, f"the embedding model is not available: {exc}",
                               code="model_not_available") from None

    def _load(self) -> Embedder:
        """The configured model, loaded first or in place of another one (lock held)."""
        from desktop.core.documents._models import embedding_choice

        choice = embedding_choice(self._settings)
        if choice is None:
            raise not_installed()
        key = str(choice.path)
        if self._loaded is not None and self._loaded[0] != key:
            self._loaded[1].close()
            self._loaded = None
        if self._loaded is None:
            self._loaded = (key, Embedder(choice.path, query_prefix=choice.query_prefix,
                                          document_prefix=choice.document_prefix))
        return self._loaded[1]


def not_installed() -> ApiError:
    return ApiError(404, "no embedding model installed: set one up with 'hearth config set "
                         "documents.embedding_model PATH'", code="model_not_found",
                    param="model")


def _inputs(value: object) -> Sequence[str]:
    texts = [value] if isinstance(value, str) else value
    if (not isinstance(texts, list) or not texts or len(texts) > _MAX_INPUTS
            or not all(isinstance(t, str) for t in texts)):
        raise bad_request(f"'input' must be a string or an array of 1 to {_MAX_INPUTS} "
                          "strings (token arrays are not supported)", param="input")
    return texts
