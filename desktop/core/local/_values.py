"""Value types of the local tier, shared by the front ends, the engine and its process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from desktop.core.local._confidence import Confidence
from desktop.core.settings._schema import AUTO_GPU_LAYERS

FinishReason = Literal["stop", "length", "cancelled"]
RepackChoice = Literal["auto", "on", "off"]
FlashAttentionChoice = Literal["auto", "on", "off"]
KvCacheType = Literal["f16", "q8_0", "q4_0"]


@dataclass(frozen=True, kw_only=True)
class EngineConfig:
    """What to load and how; ``threads`` 0 means llama-cpp-python's default (half the CPUs)."""

    model_path: Path
    context_size: int = 4096
    threads: int = 0
    gpu_layers: int = AUTO_GPU_LAYERS  # -2 auto (fit free GPU memory), -1 all, 0 none
    batch_size: int = 512
    repack: RepackChoice = "auto"  # llama.cpp's load-time copy of the weights (_native_options)
    kv_cache_type: KvCacheType = "f16"
    flash_attention: FlashAttentionChoice = "auto"
    prompt_lookup: bool = False  # draft from the conversation's own text (_prompt_lookup)

    @property
    def resolved_threads(self) -> int:
        return self.threads if self.threads > 0 else max((os.cpu_count() or 2) // 2, 1)


@dataclass(frozen=True, kw_only=True)
class ModelInfo:
    """What is loaded, and where it runs: shown in the status bar and in every local receipt."""

    path: Path
    name: str
    architecture: str
    quantization: str
    parameter_count: int
    file_size: int
    context_size: int
    trained_context: int | None
    threads: int
    backend: str
    gpu_layers: int
    gpu_layers_total: int | None
    offload_reason: str | None
    chat_template: str
    load_s: float
    # As llama.cpp's load log states them (bytes): the weights read in place from the mapped
    # file, the repacked copy of them, and the KV cache with its element type.
    mapped_bytes: int = 0
    repacked_bytes: int = 0
    kv_cache_bytes: int = 0
    kv_cache_type: str | None = None
    flash_attention: bool | None = None  # None: the log did not say


@dataclass(frozen=True, kw_only=True)
class LocalAnswer:
    """One generated answer and llama.cpp's own measurements of it."""

    text: str
    finish_reason: FinishReason
    tokens_in: int  # prompt tokens the model attended to
    tokens_reused: int  # of those, already in the KV cache from an earlier turn
    tokens_out: int
    ttft_s: float | None
    prompt_tok_per_s: float | None
    decode_tok_per_s: float | None
    duration_s: float
    trimmed_messages: int
    confidence: Confidence | None = None
    drafted_tokens: int = 0  # prompt lookup: tokens proposed, and of those, the model's own
    accepted_tokens: int = 0
