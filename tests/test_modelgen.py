"""The generated test model: byte-for-byte reproducible, and a working chat model for llama.cpp."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import llama_cpp
import pytest

from tests.modelgen import GENERATOR_VERSION, cached_model, write_tiny_model


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_tiny_model_is_deterministic(tmp_path: Path) -> None:
    first = write_tiny_model(tmp_path / "first.gguf", seed=0)
    second = write_tiny_model(tmp_path / "second.gguf", seed=0)
    other = write_tiny_model(tmp_path / "other.gguf", seed=1)

    assert sha256(first) == sha256(second)
    assert sha256(first) != sha256(other)


def test_cached_model_is_current(tiny_model: Path, tmp_path: Path) -> None:
    assert tiny_model == cached_model("tiny")
    assert f"gen{GENERATOR_VERSION}" in tiny_model.name
    # A cached file from an older generator would differ from a fresh one.
    assert sha256(tiny_model) == sha256(write_tiny_model(tmp_path / "fresh.gguf"))


def test_cached_model_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown model kind"):
        cached_model("huge")


@pytest.fixture(scope="module")
def llm(tiny_model: Path) -> Iterator[llama_cpp.Llama]:
    model = llama_cpp.Llama(model_path=str(tiny_model), n_ctx=512, n_threads=1, verbose=False)
    yield model
    model.close()


def test_tokenizer(llm: llama_cpp.Llama) -> None:
    tokens = llm.tokenize(b"hello world")
    assert tokens[0] == llm.token_bos()
    assert llm.detokenize(tokens[1:]) == b" hello world"
    # Characters outside the vocabulary fall back to single-byte tokens instead of aborting.
    assert len(llm.tokenize("café ☕ 😀".encode())) > 5


def test_chat_template_from_metadata(llm: llama_cpp.Llama) -> None:
    reply = llm.create_chat_completion(
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hello"},
        ],
        max_tokens=16,
        temperature=0.0,
    )
    content = reply["choices"][0]["message"]["content"]
    assert isinstance(content, str)
    assert content.strip()
    assert reply["usage"]["prompt_tokens"] > 10


def test_greedy_answers_run_long(llm: llama_cpp.Llama) -> None:
    # The end-of-generation tokens are kept out of reach (see modelgen._silenced_rows), so a
    # test that asks for N tokens gets N tokens.
    result = llm.create_completion("hello", max_tokens=256, temperature=0.0)
    assert result["usage"]["completion_tokens"] == 256
    assert result["choices"][0]["finish_reason"] == "length"
    assert len(result["choices"][0]["text"]) > 256
