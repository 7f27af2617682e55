"""Text embeddings with llama.cpp, for searching documents by meaning.

``Embedder`` loads an embedding GGUF (nomic-embed-text, bge, e5 …) with
``llama_cpp.Llama(embedding=True)`` and returns L2-normalised float32 vectors. Models are
trained with task prefixes ("search_query: " / "search_document: " for nomic, "query: " /
"passage: " for e5, an instruction before queries for bge): the caller passes them, and
they are added here, so stored vectors and queries always match.

llama.cpp runs in a child process (embedding_runner.py), as the chat model does (engine.py): a
native crash while indexing or searching ends that process, never the window, the CLI or
``hearth serve``. The call that met the crash raises ``EmbedderCrashed`` (a ``KnownError`` that
says how the child died); the next call starts a fresh child.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from desktop.core.errors import KnownError, ModelLoadError
from desktop.core.local import embedding_runner as wire
from desktop.core.local._crash import Crash, EngineBug
from desktop.core.local._process import ChildProcess
from desktop.core.local.gguf_file import inspect_gguf

# Tokens per text: chunks are ~256 tokens (desktop/core/documents/_chunk.py), at most a
# quarter more, plus the prefix; 512 is also the window of bge-small and e5-small.
DEFAULT_CONTEXT = 512
RUNNER_FLAG = "--embedding-runner"  # desktop/__main__.py hands it to embedding_runner.main
_LOG = logging.getLogger("hearth.embedding")
# Token counts asked for again (the chunker measures a block, then the same text as a
# piece) are answered here, without a round trip to the child.
_COUNT_CACHE = 4096
_MAX_CRASHES = 2  # then the model is not started again by this Embedder


class EmbedderCrashed(KnownError):
    """The embedding process died during a call; the next call starts a fresh one.

    ``signal_name`` is e.g. ``"SIGSEGV"`` (None for a plain exit); ``reason`` says it in words.
    """

    def __init__(self, model: Path, crash: Crash, *, during: str) -> None:
        self.model_path = model
        self.signal_name = crash.signal_name
        self.reason = crash.reason
        super().__init__(f"the embedding model {model.name} crashed while {during} "
                         f"({crash.reason}); search by meaning is off until it is started "
                         "again")


class Embedder:
    """An embedding model loaded with llama.cpp in its own process; thread-safe (one call at
    a time). ``close()`` ends the process."""

    def __init__(self, model_path: Path, *, query_prefix: str = "", document_prefix: str = "",
                 context: int = DEFAULT_CONTEXT, threads: int | None = None) -> None:
        self.path = Path(model_path)
        self.query_prefix = query_prefix
        self.document_prefix = document_prefix
        header = inspect_gguf(self.path)  # ModelFileError for a missing or broken file
        trained = header.context_length or context
        self.context = min(context, trained)
        self.model_name = self.path.stem
        self._threads = threads or max(1, min(4, (os.cpu_count() or 2) // 2))
        # Causal models (e.g. a Llama GGUF) have no pooling in their metadata: average them.
        self._mean_pooling = f"{header.architecture}.pooling_type" not in header.metadata
        self._lock = threading.Lock()
        self._counts: collections.OrderedDict[str, int] = collections.OrderedDict()
        self._closed = False
        self._crashes: list[EmbedderCrashed] = []
        self._child: _Child | None = None
        self.dimensions = 0
        with self._lock:
            self._started()

    @property
    def pid(self) -> int | None:
        """The embedding process's id (None between a crash or ``close`` and the next call)."""
        child = self._child
        return child.pid if child is not None else None

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in this model's vocabulary (without the prefix)."""
        return self.count_tokens_many([text])[0]

    def count_tokens_many(self, texts: Sequence[str]) -> list[int]:
        """Tokens of each text, in one round trip to the embedding process."""
        with self._lock:
            known = {t: self._counts[t] for t in texts if t in self._counts}
            missing = [t for t in dict.fromkeys(texts) if t not in known]
            if missing:
                reply, _ = self._call({"op": "count", "texts": missing}, "counting tokens")
                for text, count in zip(missing, reply["counts"], strict=True):
                    known[text] = self._counts[text] = int(count)
                while len(self._counts) > _COUNT_CACHE:
                    self._counts.popitem(last=False)
            return [known[t] for t in texts]

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
            reply, payload = self._call({"op": "embed", "texts": texts}, "embedding text")
        rows = int(reply["rows"])
        if rows != len(texts) or len(payload) != rows * self.dimensions * 4:
            raise EngineBug(f"the embedding process sent {len(payload)} bytes for {rows} rows "
                            f"of {self.dimensions}, asked for {len(texts)}")
        matrix = np.frombuffer(payload, dtype="<f4").reshape(rows, self.dimensions)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return np.asarray(matrix / norms, dtype=np.float32)

    def close(self) -> None:
        """End the embedding process (a later call raises KnownError)."""
        with self._lock:
            self._closed = True
            child, self._child = self._child, None
        if child is not None:
            child.close()

    # -- the child ------------------------------------------------------------------------

    def _started(self) -> _Child:
        """The running child, started and loaded first if there is none (lock held)."""
        if self._closed:
            raise KnownError(f"the embedding model {self.path.name} was closed")
        if self._child is not None:
            return self._child
        if len(self._crashes) >= _MAX_CRASHES:
            # As with the chat model: a model that keeps crashing is not started again (each
            # start costs about half a second, and every request would pay it).
            raise KnownError(f"the embedding model {self.path.name} crashed "
                             f"{len(self._crashes)} times ({self._crashes[-1].reason}); it is "
                             "not started again until Hearth restarts")
        try:
            child = _Child()
        except OSError as exc:
            raise KnownError(f"could not start the process for the embedding model "
                             f"{self.path.name}: {exc}") from exc
        try:
            ready = child.receive()
            if ready is None:
                raise self._crashed(child, "starting")
            child.system_info = str(ready[0].get("system_info", ""))
            child.send({"op": "load", "path": str(self.path), "context": self.context,
                        "threads": self._threads, "mean": self._mean_pooling})
            loaded = child.receive()
            if loaded is None:
                raise self._crashed(child, "loading")
        except BaseException:
            child.kill()
            raise
        reply = loaded[0]
        if not reply.get("ok"):
            child.close()
            if reply.get("kind") == "load":
                raise ModelLoadError(self.path, "llama.cpp could not load it as an embedding "
                                                f"model: {reply.get('message')}")
            raise EngineBug(f"the embedding process failed to load the model: "
                            f"{reply.get('message')}")
        self.dimensions = int(reply["dimensions"])
        self._child = child
        return child

    def _call(self, request: wire.Message, during: str) -> tuple[wire.Message, bytes]:
        """Send ``request`` and wait for its reply (lock held); EmbedderCrashed if the child
        dies meanwhile."""
        child = self._started()
        try:
            reply = child.receive() if child.send(request) else None
        except BaseException:
            self._child = None
            child.kill()  # it no longer speaks the protocol, or the caller gave up midway
            raise
        if reply is None:
            self._child = None
            raise self._crashed(child, during)
        message, payload = reply
        if not message.get("ok"):
            if message.get("kind") == "known":
                raise KnownError(f"the embedding model {self.path.name}: "
                                 f"{message.get('message')}")
            raise EngineBug(f"the embedding process failed: {message.get('message')}")
        return message, payload

    def _crashed(self, child: _Child, during: str) -> EmbedderCrashed:
        crash = child.crash()
        _LOG.warning("embedding process %d ended while %s: %s", child.pid, during, crash.reason)
        error = EmbedderCrashed(self.path, crash, during=during)
        self._crashes.append(error)
        return error


class _Child(ChildProcess):
    """A running embedding process: its pipes and the tail of its stderr."""

    def __init__(self) -> None:
        super().__init__("desktop.core.local.embedding_runner", RUNNER_FLAG, name="embedding")

    def send(self, request: wire.Message) -> bool:
        """Send ``request``; False when the child is gone (its exit tells why)."""
        try:
            wire.write(self._requests, request)
        except OSError:
            return False
        return True

    def receive(self) -> tuple[wire.Message, bytes] | None:
        """The next reply, or None when the child is gone."""
        try:
            return wire.read(self._replies)
        except OSError:
            return None
        except wire.ProtocolError as exc:
            raise EngineBug(f"the embedding process sent something unreadable: {exc}") from exc

    def crash(self) -> Crash:
        """Wait for the child to end (killing it if it lingers), close its pipes, and say
        why it ended."""
        crash = super().crash()
        self._finish()
        return crash

    def _ask_to_exit(self) -> None:
        self.send({"op": "shutdown"})
