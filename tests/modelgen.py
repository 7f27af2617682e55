"""Deterministic GGUF models with random weights, for tests and benchmarks.

The kinds made:

- ``tiny``: a 2-layer Llama with a ~3k-token SentencePiece-style vocabulary and a ChatML template;
  a couple of MB, written in well under a second, loads and generates on any CPU.
- ``tiny-q4_k_m`` and ``tiny-q8_0``: the same vocabulary on a 256-wide model (K-quant blocks are
  256 values), quantized by llama.cpp itself, so tests run the kernels users' models run.
- ``no-byte-tokens``: the tiny model with a vocabulary that has no byte tokens for newlines or
  non-ASCII text; llama.cpp loads it, then aborts the process while tokenizing "café\n".
- ``embedding``: the tiny Llama with mean pooling in its metadata, for llama.cpp's embedding mode.
- ``bench``: a Llama-3.2-1B-shaped model (16 layers, 2048 wide, 128k vocabulary, tied embeddings)
  quantized to Q4_K_M, so speed measurements see a realistic amount of work per token.

The weights are random, so the text they produce is nonsense; only its length, timing and plumbing
matter. ``cached_model`` keeps one copy of each under ``<repo>/.cache/models``.

Run ``python -m tests.modelgen KIND [--out PATH]`` to write one and print its path.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import functools
import itertools
import os
import string
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gguf
import numpy as np

__all__ = [
    "CHATML_TEMPLATE",
    "GENERATOR_VERSION",
    "KINDS",
    "TINY_NAME",
    "cached_model",
    "write_bench_model",
    "write_embedding_model",
    "write_no_byte_tokens_model",
    "write_quantized_model",
    "write_tiny_model",
]

# Part of every cached file name: bump it whenever the bytes a generator writes change, so that a
# stale model from an older generator is never picked up again.
GENERATOR_VERSION = 1

TINY_NAME = "hearth-tiny-test"
QUANT_NAME = "hearth-tiny-quant"
NO_BYTE_TOKENS_NAME = "hearth-no-byte-tokens"
BENCH_NAME = "hearth-bench-1b"

CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "models"

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

_SPECIAL_TOKENS = ("<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>")
_UNK, _BOS, _EOS_SPM, _IM_START, _IM_END = range(len(_SPECIAL_TOKENS))
_SPACE = "\u2581"  # SentencePiece's visible space

_COMMON_WORDS = """
the be to of and a in that have I it for not on with he as you do at this but his by from they we
say her she or an will my one all would there their what so up out if about who get which go me
when make can like time no just him know take people into year your good some could them see other
than then now look only come its over think also back after use two how our work first well way
even new want because any these give day most us is are was were been has had did said made went
hello world yes okay thanks thank please sorry help question answer model local private cloud
data file message chat user system assistant today tomorrow morning evening night week month
water food house home car city country name number money price cost great small large long short
old young right left high low next last early late open close start stop read write run find keep
tell ask show try call feel need seem leave put mean let begin turn move live believe hold bring
happen provide sit stand lose pay meet include continue set learn change lead understand watch
follow create speak allow add spend grow offer remember love consider appear buy wait serve die
send expect build stay fall cut reach kill remain suggest raise pass sell require report decide
pull why where here very still much such many those every each few more less own same another
between under never always often sometimes together around through during before without again
"""


@dataclass(frozen=True)
class _Vocab:
    tokens: list[bytes]
    scores: list[float]
    types: list[int]


def _vocabulary(size: int, *, byte_tokens: bool = True) -> _Vocab:
    """A SentencePiece-style vocabulary of exactly ``size`` tokens.

    There are no ``<0xXX>`` byte tokens: a random model would emit them one at a time and produce
    text that is cut in the middle of a UTF-8 character, which trips up anything that stops after
    ``max_tokens``. Instead every single byte is its own token, because llama.cpp's SentencePiece
    tokenizer falls back to them for characters the vocabulary lacks (and aborts the process when
    even that lookup fails). Bytes that are not printable ASCII are typed UNUSED, so they are never
    shown when emitted. NUL cannot be a token at all (llama.cpp reads token texts as C strings).

    ``byte_tokens=False`` keeps only the visible ASCII characters (space included, newline and
    tab not): a vocabulary llama.cpp accepts but cannot fall back from, as some converted models
    have.
    """
    tokens: list[bytes] = []
    scores: list[float] = []
    types: list[int] = []
    seen: set[bytes] = set()

    def add(text: bytes, score: float, kind: int) -> None:
        if text in seen or len(tokens) >= size:
            return
        seen.add(text)
        tokens.append(text)
        scores.append(score)
        types.append(kind)

    def add_piece(piece: str) -> None:
        # SentencePiece merges the best-scoring adjacent pair first; longer pieces score higher so
        # words come out whole whenever their prefixes are in the vocabulary.
        add(piece.encode(), float(len(piece)), gguf.TokenType.NORMAL)

    add(b"<unk>", 0.0, gguf.TokenType.UNKNOWN)
    for special in _SPECIAL_TOKENS[1:]:
        add(special.encode(), 0.0, gguf.TokenType.CONTROL)
    visible = set(string.printable.encode()) - set(b"\x0b\x0c")
    for byte in range(1, 256):
        kind = gguf.TokenType.NORMAL if byte in visible else gguf.TokenType.UNUSED
        if byte_tokens or (kind == gguf.TokenType.NORMAL and byte >= 0x20):
            add(bytes([byte]), -1000.0, kind)
    add_piece(_SPACE)
    for word in _COMMON_WORDS.split():
        for variant in (word, word.capitalize()):
            for end in range(1, len(variant) + 1):
                add_piece(_SPACE + variant[:end])
            add_piece(variant)
    for length in itertools.count(1):
        if len(tokens) >= size:
            break
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            if len(tokens) >= size:
                break
            piece = "".join(letters)
            add_piece(_SPACE + piece)
            add_piece(piece)
    return _Vocab(tokens, scores, types)


def _add_tokenizer(writer: gguf.GGUFWriter, vocab: _Vocab) -> None:
    writer.add_tokenizer_model("llama")
    writer.add_token_list(vocab.tokens)
    writer.add_token_scores(vocab.scores)
    writer.add_token_types(vocab.types)
    writer.add_unk_token_id(_UNK)
    writer.add_bos_token_id(_BOS)
    writer.add_eos_token_id(_IM_END)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_chat_template(CHATML_TEMPLATE)


@dataclass(frozen=True)
class _Shape:
    n_vocab: int
    n_embd: int
    n_layer: int
    n_head: int
    n_head_kv: int
    n_ff: int
    context_length: int
    rope_freq_base: float


def _add_hparams(writer: gguf.GGUFWriter, name: str, shape: _Shape, file_type: int) -> None:
    writer.add_name(name)
    writer.add_context_length(shape.context_length)
    writer.add_embedding_length(shape.n_embd)
    writer.add_block_count(shape.n_layer)
    writer.add_feed_forward_length(shape.n_ff)
    writer.add_head_count(shape.n_head)
    writer.add_head_count_kv(shape.n_head_kv)
    writer.add_rope_dimension_count(shape.n_embd // shape.n_head)
    writer.add_rope_freq_base(shape.rope_freq_base)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(file_type)


def _layer_shapes(shape: _Shape) -> Iterator[tuple[str, tuple[int, ...]]]:
    """(name, numpy shape) of every tensor, in file order; numpy shapes are ggml's reversed."""
    head_dim = shape.n_embd // shape.n_head
    yield "token_embd.weight", (shape.n_vocab, shape.n_embd)
    for i in range(shape.n_layer):
        yield f"blk.{i}.attn_norm.weight", (shape.n_embd,)
        yield f"blk.{i}.attn_q.weight", (shape.n_head * head_dim, shape.n_embd)
        yield f"blk.{i}.attn_k.weight", (shape.n_head_kv * head_dim, shape.n_embd)
        yield f"blk.{i}.attn_v.weight", (shape.n_head_kv * head_dim, shape.n_embd)
        yield f"blk.{i}.attn_output.weight", (shape.n_embd, shape.n_head * head_dim)
        yield f"blk.{i}.ffn_norm.weight", (shape.n_embd,)
        yield f"blk.{i}.ffn_gate.weight", (shape.n_ff, shape.n_embd)
        yield f"blk.{i}.ffn_up.weight", (shape.n_ff, shape.n_embd)
        yield f"blk.{i}.ffn_down.weight", (shape.n_embd, shape.n_ff)
    yield "output_norm.weight", (shape.n_embd,)


# Random logits make every token about equally likely, so the end-of-generation tokens would end
# an answer after a few hundred tokens by chance. Their rows of the output matrix are zero (a logit
# of exactly 0) while the other rows are random, so greedy decoding never picks them and top-k /
# min-p sampling practically never does. The same goes for the invisible and control tokens, which
# would otherwise make "long" answers that are empty on screen.
def _silenced_rows(vocab: _Vocab) -> np.ndarray:
    visible = gguf.TokenType.NORMAL
    return np.array([i for i, kind in enumerate(vocab.types) if kind != visible], dtype=np.int64)


def _weights(
    rng: np.random.Generator, shape: tuple[int, ...], std: float, dtype: type[np.floating]
) -> np.ndarray:
    if len(shape) == 1:
        # Norm weights are multiplied in, not summed: random ones near zero would erase the signal.
        return np.ones(shape, dtype=np.float32)
    values = rng.standard_normal(shape, dtype=np.float32)
    values *= np.float32(std)
    return values.astype(dtype, copy=False)


_TINY_SHAPE = _Shape(
    n_vocab=3072,
    n_embd=64,
    n_layer=2,
    n_head=4,
    n_head_kv=2,
    n_ff=128,
    context_length=4096,
    rope_freq_base=10000.0,
)
_WEIGHT_STD = 0.02
# The output matrix of the tiny model is far wider-spread than the rest: logits with a standard
# deviation of ~3 put the silenced tokens (logit 0) below almost all others even with top-k off.
_TINY_OUTPUT_STD = 0.35


def _write_small(path: Path, *, name: str, shape: _Shape, vocab: _Vocab, seed: int,
                 output_std: float) -> Path:
    """An F16 model small enough to build in memory in one go."""
    rng = np.random.default_rng(seed)
    writer = gguf.GGUFWriter(path, "llama")
    _add_hparams(writer, name, shape, gguf.LlamaFileType.MOSTLY_F16)
    _add_tokenizer(writer, vocab)
    for tensor, numpy_shape in _layer_shapes(shape):
        dtype = np.float32 if len(numpy_shape) == 1 else np.float16
        writer.add_tensor(tensor, _weights(rng, numpy_shape, _WEIGHT_STD, dtype))
    output = rng.standard_normal((shape.n_vocab, shape.n_embd), dtype=np.float32)
    output *= np.float32(output_std)
    output[_silenced_rows(vocab)] = 0.0
    writer.add_tensor("output.weight", output.astype(np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def write_tiny_model(path: Path, *, seed: int = 0) -> Path:
    """Write the tiny test model to ``path`` (same bytes for the same seed) and return ``path``."""
    shape = _TINY_SHAPE
    return _write_small(path, name=TINY_NAME, shape=shape, vocab=_vocabulary(shape.n_vocab),
                        seed=seed, output_std=_TINY_OUTPUT_STD)


def write_no_byte_tokens_model(path: Path, *, seed: int = 0) -> Path:
    """The tiny model with a vocabulary lacking byte tokens (see ``_vocabulary``).

    llama.cpp loads it and evaluates ASCII prompts; the first newline or accented letter sends
    its tokenizer to a byte token that does not exist, and it aborts the process (SIGABRT in
    ``llama_vocab::byte_to_token``).
    """
    shape = _TINY_SHAPE
    return _write_small(path, name=NO_BYTE_TOKENS_NAME, shape=shape,
                        vocab=_vocabulary(shape.n_vocab, byte_tokens=False), seed=seed,
                        output_std=_TINY_OUTPUT_STD)


# K-quants work on blocks of 256 values: every matrix row (n_embd, n_ff, heads x head size) is a
# multiple of 256, or llama.cpp would quietly fall back to another type for that tensor.
_QUANT_SHAPE = _Shape(
    n_vocab=3072,
    n_embd=256,
    n_layer=2,
    n_head=4,
    n_head_kv=2,
    n_ff=512,
    context_length=4096,
    rope_freq_base=10000.0,
)
# Logits with a standard deviation of ~3, as in the tiny model: the RMS-normed hidden state is
# sqrt(n_embd) long, four times the tiny model's length over sqrt(256 / 64) = 2.
_QUANT_OUTPUT_STD = _TINY_OUTPUT_STD / 2


def write_quantized_model(path: Path, *, ftype: str, seed: int = 0) -> Path:
    """A 256-wide tiny model quantized by llama.cpp to ``ftype`` ("Q4_K_M" or "Q8_0")."""
    import llama_cpp  # only the quantizing generators need the native library

    code = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{ftype.upper()}")
    with tempfile.TemporaryDirectory(dir=path.parent) as work:
        f16 = Path(work) / "f16.gguf"
        shape = _QUANT_SHAPE
        _write_small(f16, name=f"{QUANT_NAME}-{ftype.lower()}", shape=shape,
                     vocab=_vocabulary(shape.n_vocab), seed=seed, output_std=_QUANT_OUTPUT_STD)
        _quantize(llama_cpp, f16, path, code)
    return path


def _quantize(llama_cpp: Any, source: Path, target: Path, ftype: int, *, threads: int = 1) -> None:
    from desktop.core.local import _native_log

    _native_log.install()  # llama.cpp's per-tensor lines go to logging, not the test output
    params = llama_cpp.llama_model_quantize_default_params()
    params.nthread = threads
    params.ftype = ftype
    status = llama_cpp.llama_model_quantize(
        str(source).encode(), str(target).encode(), ctypes.byref(params)
    )
    if status != 0:
        raise RuntimeError(f"llama_model_quantize failed with status {status}")


_BENCH_SHAPE = _Shape(
    n_vocab=128256,
    n_embd=2048,
    n_layer=16,
    n_head=32,
    n_head_kv=8,
    n_ff=8192,
    context_length=131072,
    rope_freq_base=500000.0,
)


def _write_bench_f16(path: Path, seed: int) -> None:
    shape = _BENCH_SHAPE
    vocab = _vocabulary(shape.n_vocab)
    rng = np.random.default_rng(seed)
    writer = gguf.GGUFWriter(path, "llama")
    _add_hparams(writer, BENCH_NAME, shape, gguf.LlamaFileType.MOSTLY_F16)
    _add_tokenizer(writer, vocab)
    # Declared up front and written one at a time, so at most one tensor is ever in memory.
    layout = list(_layer_shapes(shape))
    for name, numpy_shape in layout:
        dtype = np.float32 if len(numpy_shape) == 1 else np.float16
        nbytes = int(np.prod(numpy_shape)) * np.dtype(dtype).itemsize
        writer.add_tensor_info(name, numpy_shape, np.dtype(dtype), nbytes)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    silenced = _silenced_rows(vocab)
    for name, numpy_shape in layout:
        dtype = np.float32 if len(numpy_shape) == 1 else np.float16
        values = _weights(rng, numpy_shape, _WEIGHT_STD, dtype)
        if name == "token_embd.weight":
            # Tied embeddings: this matrix is also the output layer (see _silenced_rows).
            values[silenced] = 0
        writer.write_tensor_data(values)
        del values
    writer.close()


def write_bench_model(path: Path, *, seed: int = 0) -> Path:
    """Write the ~1B-parameter Q4_K_M benchmark model to ``path`` and return ``path``.

    Takes minutes: the F16 model (~2.5 GB) is written next to ``path`` and quantized by llama.cpp.
    """
    import llama_cpp  # only this generator needs the native library

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, f16_name = tempfile.mkstemp(prefix=".f16-", suffix=".gguf", dir=path.parent)
    os.close(fd)
    f16 = Path(f16_name)
    try:
        _write_bench_f16(f16, seed)
        _quantize(llama_cpp, f16, path, llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M, threads=2)
    finally:
        f16.unlink(missing_ok=True)
    return path


EMBEDDING_NAME = "hearth-tiny-embedding"


def write_embedding_model(path: Path, *, seed: int = 0) -> Path:
    """A tiny embedding model: the tiny Llama's shape and vocabulary with mean pooling in its
    metadata (``llama.pooling_type``), as converted embedding models carry it, so llama.cpp
    returns one vector per text with ``embedding=True`` (64 dimensions). Random weights:
    the vectors mean nothing; only their plumbing (dimensions, normalising, storing,
    scanning) is tested with it."""
    shape = _TINY_SHAPE
    vocab = _vocabulary(shape.n_vocab)
    rng = np.random.default_rng(seed + 1000)
    writer = gguf.GGUFWriter(path, "llama")
    _add_hparams(writer, EMBEDDING_NAME, shape, gguf.LlamaFileType.MOSTLY_F16)
    writer.add_pooling_type(gguf.PoolingType.MEAN)
    _add_tokenizer(writer, vocab)
    for tensor, numpy_shape in _layer_shapes(shape):
        dtype = np.float32 if len(numpy_shape) == 1 else np.float16
        writer.add_tensor(tensor, _weights(rng, numpy_shape, _WEIGHT_STD, dtype))
    writer.add_tensor("output.weight", _weights(rng, (shape.n_vocab, shape.n_embd),
                                                _WEIGHT_STD, np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


_WRITERS: dict[str, Callable[..., Path]] = {
    "tiny": write_tiny_model,
    "tiny-q4_k_m": functools.partial(write_quantized_model, ftype="Q4_K_M"),
    "tiny-q8_0": functools.partial(write_quantized_model, ftype="Q8_0"),
    "no-byte-tokens": write_no_byte_tokens_model,
    "bench": write_bench_model,
    "embedding": write_embedding_model,
}
KINDS = tuple(_WRITERS)


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Hold an OS file lock so parallel pytest processes generate each model only once."""
    with open(lock_path, "a+b") as handle:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:  # LK_LOCK gives up after ~10 s; keep waiting
                    continue
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _write_atomically(kind: str, target: Path, seed: int = 0) -> Path:
    """Write to a temporary name in the target's folder, then rename: readers never see half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}-", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _WRITERS[kind](tmp, seed=seed)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model cache need not be
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def cached_model(kind: str) -> Path:
    """Path of the generated model of ``kind`` (one of ``KINDS``), generating it on first use."""
    if kind not in _WRITERS:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {sorted(_WRITERS)}")
    target = CACHE_DIR / f"hearth-{kind}-gen{GENERATOR_VERSION}.gguf"
    if target.is_file():
        return target
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(CACHE_DIR / f".{target.name}.lock"):
        if not target.is_file():  # another process may have made it while we waited
            _write_atomically(kind, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.modelgen", description=__doc__)
    parser.add_argument("kind", choices=sorted(_WRITERS))
    parser.add_argument("--out", type=Path, help="write here instead of the shared cache")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.out is None:
        if args.seed != 0:
            parser.error("--seed needs --out: the cache holds seed 0 only")
        path = cached_model(args.kind)
    else:
        path = _write_atomically(args.kind, args.out.resolve(), args.seed)
    elapsed = time.perf_counter() - started
    print(f"{path}  ({path.stat().st_size / 1e6:.1f} MB, {elapsed:.1f} s)", file=sys.stderr)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
