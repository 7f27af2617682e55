"""Pick the catalog model this computer runs comfortably: fast enough, and within its memory.

"Comfortably" has two parts:

- memory: the model's need fits within three quarters of the memory available now, leaving a
  quarter for the system, the other programs and llama.cpp's working buffers;
- speed: unless the model fits wholly in a GPU, its decode speed on this computer's CPU cores,
  estimated from Hearth's benchmark (``hardware.estimate_decode_speed``), is at least
  ``MIN_TOKENS_PER_S``: an answer of a few paragraphs (300 tokens) in 20 seconds.

Of the models that pass both, the largest is recommended; when none is fast enough, the fastest
that fits in memory is, and the reason says so. A model whose memory need is unknown (the
catalog lacks a fact) is never recommended, nor is an embedding model (not a chat model).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from desktop.core.catalog._catalog import CatalogEntry
from desktop.core.catalog._errors import format_bytes
from desktop.core.local.hardware import SPEED_BASIS, Hardware, estimate_decode_speed

__all__ = ["COMFORT_FRACTION", "MIN_TOKENS_PER_S", "Recommendation", "recommend_model"]

COMFORT_FRACTION: Final = 0.75
# A product choice, not a measurement: 300 tokens (a few paragraphs) within 20 seconds.
MIN_TOKENS_PER_S: Final = 15.0
_GPU_FRACTION: Final = 0.9  # the GPU also needs room for compute buffers


@dataclass(frozen=True, kw_only=True)
class Recommendation:
    """The recommended entry (None when nothing fits) and the reason, in a sentence or two.

    ``tokens_per_s`` is the estimated decode speed on the CPU (None: not estimated, as when the
    model fits in the GPU or the core count is unknown); ``speed_basis`` says how it was got.
    """

    entry: CatalogEntry | None
    memory_needed: int | None
    budget: int | None
    fits_gpu: bool
    reason: str
    tokens_per_s: float | None = None
    speed_basis: str | None = None


@dataclass(frozen=True)
class _Candidate:
    entry: CatalogEntry
    need: int
    order: int  # position in the catalog: the earlier wins a tie
    fits_gpu: bool
    speed: float | None


def recommend_model(entries: Iterable[CatalogEntry], hardware: Hardware, *, context: int
                    ) -> Recommendation:
    """The largest chat model that fits comfortably in memory and decodes fast enough."""
    known: list[_Candidate] = []
    unknown = 0
    for index, entry in enumerate(entries):
        if entry.kind != "chat":
            continue
        need = entry.memory_needed(context)
        if need is None:
            unknown += 1
            continue
        fits_gpu = hardware.gpu_offload and any(
            d.free_bytes is not None and need <= d.free_bytes * _GPU_FRACTION
            for d in hardware.gpus)
        size = entry.size_estimate
        speed = estimate_decode_speed(size, hardware.cpu_cores) \
            if size and hardware.cpu_cores else None
        known.append(_Candidate(entry, need, -index, fits_gpu, speed))
    skipped = f" ({unknown} catalog model(s) without a verified memory figure were not " \
        "considered.)" if unknown else ""
    memory = hardware.memory
    if memory is None:
        return Recommendation(entry=None, memory_needed=None, budget=None, fits_gpu=False,
                              reason="this computer's memory could not be read, so no model "
                                     "is recommended")
    if not known:
        return Recommendation(entry=None, memory_needed=None, budget=None, fits_gpu=False,
                              reason="no catalog model has a verified memory figure" + skipped)
    budget = int(memory.available_bytes * COMFORT_FRACTION)
    available = (f"{format_bytes(memory.available_bytes)} of "
                 f"{format_bytes(memory.total_bytes)} memory is available now; a model may use "
                 f"{format_bytes(budget)} of it comfortably")
    fitting = [c for c in known if c.need <= budget]
    if not fitting:
        smallest = min(known, key=lambda c: c.need)
        return Recommendation(
            entry=None, memory_needed=None, budget=budget, fits_gpu=False,
            reason=f"even the smallest catalog model, {smallest.entry.name}, needs about "
                   f"{format_bytes(smallest.need)}, and {available}; close other programs and "
                   f"ask again, or lower local.context_size{skipped}",
        )
    fast = [c for c in fitting if _fast_enough(c)]
    if fast:
        best = max(fast, key=lambda c: (c.need, c.order))
        why = "It is the largest catalog model that fits"
        if any(not _fast_enough(c) and c.need > best.need for c in fitting):
            why += f" and is estimated to write at least {MIN_TOKENS_PER_S:.0f} tokens/s here"
    else:
        best = max(fitting, key=lambda c: (c.speed or 0.0, c.order))
        why = (f"No model that fits is estimated to write {MIN_TOKENS_PER_S:.0f} tokens/s "
               "here; this is the fastest of them")
    size, kv = best.entry.size_estimate or 0, best.entry.kv_cache_bytes(context) or 0
    gpu = f" It fits wholly in the GPU's free memory ({hardware.backend})." if best.fits_gpu \
        else ""
    cpu_speed = None if best.fits_gpu else best.speed  # in the GPU it is not estimated
    pace = "" if cpu_speed is None else \
        f" About {cpu_speed:.0f} tokens/s on {hardware.cpu_cores} CPU cores ({SPEED_BASIS})."
    return Recommendation(
        entry=best.entry, memory_needed=best.need, budget=budget, fits_gpu=best.fits_gpu,
        tokens_per_s=cpu_speed, speed_basis=None if cpu_speed is None else SPEED_BASIS,
        reason=f"{best.entry.name} needs about {format_bytes(best.need)} ({format_bytes(size)} "
               f"file + {format_bytes(kv)} KV cache at {context} tokens), and {available}. "
               f"{why}.{gpu}{pace}{skipped}",
    )


def _fast_enough(candidate: _Candidate) -> bool:
    """In the GPU, or estimated fast enough on the CPU (an unknown core count: not judged)."""
    return candidate.fits_gpu or candidate.speed is None or candidate.speed >= MIN_TOKENS_PER_S
