"""``/v1/embeddings`` with OpenAI's client, from the embedding model the documents library uses
(here the generated tiny embedding model, tests/modelgen.py)."""

from __future__ import annotations

import base64
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import gguf
import numpy as np
import pytest
from keyring.backend import KeyringBackend

from desktop.core.settings import Settings
from tests.modelgen import cached_model
from tests.server.conftest import Served, start_server


@pytest.fixture(scope="module")
def embedding_model() -> Path:
    return cached_model("embedding")


@pytest.fixture
def with_embeddings(server_settings: Settings, embedding_model: Path,
                    os_keyring: KeyringBackend) -> Iterator[Served]:
    server_settings.set("documents.embedding_model", str(embedding_model))
    with start_server(os_keyring) as running:
        yield running


def _width(path: Path) -> int:
    """The model's embedding width, read from the GGUF header with the gguf package."""
    fields = gguf.GGUFReader(path).fields
    [name] = [name for name in fields if name.endswith(".embedding_length")]
    return int(fields[name].parts[fields[name].data[0]][0])


@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_embeddings_are_unit_vectors_of_the_model_width(
        with_embeddings: Served, embedding_model: Path, encoding: str) -> None:
    client = with_embeddings.client()
    assert "hearth-embedding" in [m.id for m in client.models.list()]
    reply = client.embeddings.create(model="hearth-embedding", encoding_format=encoding,  # type: ignore[arg-type]
                                     input=["a hearth is a fireplace", "a hearth is a fireplace",
                                            "quantized weights"])
    # Asked for explicitly, base64 comes back as sent: little-endian float32 bytes.
    vectors = [np.frombuffer(base64.b64decode(item.embedding), dtype="<f4")  # type: ignore[arg-type]
               if encoding == "base64" else np.asarray(item.embedding, dtype=np.float32)
               for item in reply.data]
    assert [item.index for item in reply.data] == [0, 1, 2]
    assert all(v.shape == (_width(embedding_model),) for v in vectors)
    assert all(abs(float(np.linalg.norm(v)) - 1.0) < 1e-4 for v in vectors)
    assert np.allclose(vectors[0], vectors[1]) and not np.allclose(vectors[0], vectors[2])
    assert reply.usage.prompt_tokens > 0


def test_an_unknown_embedding_model_is_404(with_embeddings: Served) -> None:
    import openai

    with pytest.raises(openai.NotFoundError) as raised:
        with_embeddings.client().embeddings.create(model="text-embedding-3-small", input="x")
    assert raised.value.code == "model_not_found"


def test_a_crashed_embedding_model_is_503_and_the_next_request_restarts_it(
        with_embeddings: Served) -> None:
    import openai
    import psutil

    client = with_embeddings.client()
    first = client.embeddings.create(model="hearth-embedding", input="a hearth is a fireplace")
    [child] = [p for p in psutil.Process(with_embeddings.process.pid).children(recursive=True)
               if "embedding" in " ".join(p.cmdline())]
    child.send_signal(signal.SIGSEGV)  # as a native crash in llama.cpp would end it
    deadline = time.monotonic() + 10
    while child.is_running() and child.status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the embedding process did not end"
        time.sleep(0.02)
    with pytest.raises(openai.APIStatusError) as raised:
        client.embeddings.create(model="hearth-embedding", input="a hearth is a fireplace")
    assert raised.value.status_code == 503
    assert "crashed" in str(raised.value) and "SIGSEGV" in str(raised.value)
    assert with_embeddings.process.poll() is None  # the server lives on
    again = client.embeddings.create(model="hearth-embedding", input="a hearth is a fireplace")
    assert np.allclose(again.data[0].embedding, first.data[0].embedding, atol=1e-6)
