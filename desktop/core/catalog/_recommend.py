"""Pick the catalog model this computer runs comfortably: the largest whose memory need fits.

"Comfortably" means within three quarters of the memory available now, leaving a quarter for
the system, the other programs and llama.cpp's working buffers. A model whose memory need is
unknown (the catalog lacks a fact) is never recommended.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from desktop.core.catalog._catalog import CatalogEntry
from desktop.core.catalog._errors import format_bytes
from desktop.core.local.hardware import Hardware

__all__ = ["COMFORT_FRACTION", "Recommendation", "recommend_model"]

COMFORT_FRACTION: Final = 0.75
_GPU_FRACTION: Final = 0.9  # the GPU also needs room for compute buffers


@dataclass(frozen=True, kw_only=True)
class Recommendation:
    """The recommended entry (None when nothing fits) and the reason, in a sentence or two."""

    entry: CatalogEntry | None
    memory_needed: int | None
    budget: int | None
    fits_gpu: bool
    reason: str


def recommend_model(entries: Iterable[CatalogEntry], hardware: Hardware, *, context: int
                    ) -> Recommendation:
    """The largest catalog model whose memory need fits comfortably in available memory."""
    known: list[tuple[int, int, CatalogEntry]] = []
    unknown = 0
    for index, entry in enumerate(entries):
        need = entry.memory_needed(context)
        if need is None:
            unknown += 1
        else:
            known.append((need, -index, entry))
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
    fitting = [item for item in known if item[0] <= budget]
    if not fitting:
        need, _, smallest = min(known, key=lambda item: item[0])
        return Recommendation(
            entry=None, memory_needed=None, budget=budget, fits_gpu=False,
            reason=f"even the smallest catalog model, {smallest.name}, needs about "
                   f"{format_bytes(need)}, and {available}; close other programs and ask "
                   f"again, or lower local.context_size{skipped}",
        )
    need, _, best = max(fitting, key=lambda item: (item[0], item[1]))
    fits_gpu = hardware.gpu_offload and any(
        d.free_bytes is not None and need <= d.free_bytes * _GPU_FRACTION for d in hardware.gpus)
    size, kv = best.size_estimate or 0, best.kv_cache_bytes(context) or 0
    gpu = f" It also fits wholly in the GPU's free memory ({hardware.backend})." if fits_gpu \
        else ""
    return Recommendation(
        entry=best, memory_needed=need, budget=budget, fits_gpu=fits_gpu,
        reason=f"{best.name} needs about {format_bytes(need)} ({format_bytes(size)} file + "
               f"{format_bytes(kv)} KV cache at {context} tokens), and {available}. It is the "
               f"largest catalog model that fits.{gpu}{skipped}",
    )
