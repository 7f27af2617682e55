"""The generated test model: byte-for-byte reproducible, and a working chat model for llama.cpp."""

from __future__ import annotations

import hashlib
import os
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


def _tensor_types(path: Path) -> set[str]:
    import gguf

    return {tensor.tensor_type.name for tensor in gguf.GGUFReader(path).tensors}


def _field(path: Path, key: str) -> object:
    import gguf

    return gguf.GGUFReader(path).fields[key].contents()


@pytest.mark.parametrize(("kind", "weights"), [("tiny-q4_k_m", {"Q4_K", "Q6_K"}),
                                               ("tiny-q8_0", {"Q8_0"})])
def test_quantized_models_hold_the_kernels_users_run(kind: str, weights: set[str]) -> None:
    path = cached_model(kind)
    # Every matrix is quantized (no fallback type for rows that are not whole blocks); only the
    # norm vectors stay F32.
    assert _tensor_types(path) == weights | {"F32"}
    width = _field(path, "llama.embedding_length")
    heads = _field(path, "llama.attention.head_count")
    assert isinstance(width, int) and isinstance(heads, int)
    assert width % 256 == 0
    assert _field(path, "llama.rope.dimension_count") == width // heads
    assert path.stat().st_size < 4_000_000


def test_quantized_model_is_deterministic(tmp_path: Path) -> None:
    from tests.modelgen import write_quantized_model

    first = write_quantized_model(tmp_path / "a.gguf", ftype="Q4_K_M")
    second = write_quantized_model(tmp_path / "b.gguf", ftype="Q4_K_M")
    assert sha256(first) == sha256(second)


def _tokens(path: Path) -> list[bytes]:
    import gguf

    field = gguf.GGUFReader(path).fields["tokenizer.ggml.tokens"]
    return [bytes(field.parts[index]) for index in field.data]


def test_vocabularies_have_no_hex_byte_tokens_and_the_broken_one_no_fallback() -> None:
    tiny = _tokens(cached_model("tiny"))
    broken = _tokens(cached_model("no-byte-tokens"))
    assert len(tiny) == len(broken) == 3072
    assert not any(token.startswith(b"<0x") for token in tiny + broken)
    assert b"\n" in tiny and b"\xc3" in tiny
    assert b"\n" not in broken and not any(len(t) == 1 and t[0] >= 0x80 for t in broken)


def test_the_no_byte_tokens_model_aborts_llama_cpp_on_a_newline() -> None:
    """The failure it exists for, in a throwaway process: llama.cpp loads it, then aborts."""
    import signal
    import subprocess
    import sys

    script = ("import sys, llama_cpp\n"
              "llm = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=64, n_threads=1, "
              "verbose=False)\n"
              "print(len(llm.tokenize(b'plain words')), flush=True)\n"
              "llm.tokenize('caf\\u00e9\\nnewline'.encode())\n")
    done = subprocess.run([sys.executable, "-c", script, str(cached_model("no-byte-tokens"))],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "GGML_NO_BACKTRACE": "1"}, check=False)
    assert int(done.stdout) > 2  # loading and ASCII text work
    if sys.platform != "win32":
        assert done.returncode == -signal.SIGABRT, done.stderr
    assert "out_of_range" in done.stderr
