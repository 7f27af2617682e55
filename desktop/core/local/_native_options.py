"""llama.cpp options that llama-cpp-python does not pass on, and what the load log says they did.

llama-cpp-python 0.3.36 builds ``llama_model_params`` and ``llama_context_params`` inside
``Llama.__init__`` and exposes neither ``use_extra_bufts`` (weight repacking) nor flash attention's
``auto`` (its boolean maps False to ``disabled``). ``native_options`` sets those fields on the
structs just before llama.cpp receives them, by wrapping the two classes ``Llama.__init__``
creates, for the length of one construction (the engine process loads on one thread).

Repacking (llama.cpp issues #12149 and #16761): on a CPU with AVX2 or NEON, llama.cpp copies the
quantized weights into an interleaved layout at load time. The copy is anonymous memory the size
of most of the model (446 MiB of a 754 MiB 1B Q4_K_M file), next to the memory-mapped file.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# GGML_TYPE_* of the KV-cache types Hearth offers (ggml.h; the bindings name the same numbers).
KV_CACHE_TYPES = {"f16": 1, "q8_0": 8, "q4_0": 2}
# LLAMA_FLASH_ATTN_TYPE_* (llama.h).
FLASH_ATTENTION = {"auto": -1, "off": 0, "on": 1}


def repack_weights(choice: str) -> bool:
    """Whether llama.cpp may repack the weights for ``local.repack`` (auto/on/off).

    ``auto`` leaves the weights in the mapped file. On the 1B benchmark model (2-core AVX-512
    machine) repacking took the engine from 198 to 699 MiB beyond the file and made decoding
    12-18 % faster but a 790-token prompt 1.2-1.5 times slower: memory is what users run out
    of first (README, "Memory and speed").
    """
    return choice == "on"


@contextlib.contextmanager
def native_options(llama_cpp: Any, *, repack: bool, flash_attention: str,
                   kv_cache_type: str) -> Iterator[None]:
    """Within the block, a new ``llama_cpp.Llama`` gets these options on its native structs."""
    internals = llama_cpp._internals
    model_class, context_class = internals.LlamaModel, internals.LlamaContext

    class _Model(model_class):  # type: ignore[misc, valid-type]
        def __init__(self, *, path_model: str, params: Any, verbose: bool = True) -> None:
            params.use_extra_bufts = repack
            super().__init__(path_model=path_model, params=params, verbose=verbose)

    class _Context(context_class):  # type: ignore[misc, valid-type]
        def __init__(self, *, model: Any, params: Any, verbose: bool = True) -> None:
            params.flash_attn_type = FLASH_ATTENTION[flash_attention]
            params.type_k = params.type_v = KV_CACHE_TYPES[kv_cache_type]
            super().__init__(model=model, params=params, verbose=verbose)

    internals.LlamaModel, internals.LlamaContext = _Model, _Context
    try:
        yield
    finally:
        internals.LlamaModel, internals.LlamaContext = model_class, context_class


def conflict(*, flash_attention: str, kv_cache_type: str) -> str | None:
    """Why this combination cannot load (llama.cpp needs flash attention for a quantized V
    cache), or None."""
    if kv_cache_type != "f16" and flash_attention == "off":
        return (f"a {kv_cache_type} KV cache needs flash attention: set local.flash_attention "
                "to auto or on, or local.kv_cache_type to f16")
    return None


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What llama.cpp says it allocated: sizes in bytes, as its load log states them (MiB, two
    decimals). ``flash_attention`` is None when the log does not say."""

    mapped_bytes: int
    repacked_bytes: int
    kv_cache_bytes: int
    kv_cache_type: str | None
    flash_attention: bool | None


_MIB = 1 << 20
_BUFFER = re.compile(r"load_tensors:\s+(\S+) model buffer size =\s+([\d.]+) MiB")
_KV = re.compile(r"llama_kv_cache: size =\s+([\d.]+) MiB .*?K \((\w+)\)")
_FLASH_SET = re.compile(r"flash_attn\s+= (enabled|disabled)")
_FLASH_RESOLVED = re.compile(r"Flash Attention (enabled|disabled)")


def read_load_log(lines: Sequence[str]) -> LoadReport:
    """Sum up the model buffers, the KV cache and flash attention from one load's log lines."""
    mapped = repacked = kv = 0.0
    kv_type: str | None = None
    flash: bool | None = None
    for line in lines:
        if match := _BUFFER.search(line):
            size = float(match[2]) * _MIB
            if "REPACK" in match[1]:
                repacked += size
            elif "Mapped" in match[1]:
                mapped += size
        elif match := _KV.search(line):
            kv += float(match[1]) * _MIB
            kv_type = match[2]
        elif match := _FLASH_SET.search(line) or _FLASH_RESOLVED.search(line):
            flash = match[1] == "enabled"  # "auto" is resolved by a later line
    return LoadReport(mapped_bytes=round(mapped), repacked_bytes=round(repacked),
                      kv_cache_bytes=round(kv), kv_cache_type=kv_type, flash_attention=flash)
