"""Which llama.cpp backend this build was compiled with, and what it did with the GPU layers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# Names as llama_print_system_info() spells the backends it was compiled with.
_GPU_BACKENDS = (("CUDA", "CUDA"), ("Metal", "Metal"), ("MTL", "Metal"), ("Vulkan", "Vulkan"),
                 ("ROCm", "ROCm"), ("HIP", "ROCm"), ("SYCL", "SYCL"), ("OpenCL", "OpenCL"))
_OFFLOADED = re.compile(r"offloaded (\d+)/(\d+) layers to GPU")


@dataclass(frozen=True, slots=True)
class BuildInfo:
    """The compiled backend (``CPU``, ``CUDA``, ``Metal``, ``Vulkan`` …) and its feature line."""

    backend: str
    gpu_offload: bool
    system_info: str


@cache
def build_info() -> BuildInfo:
    """Read what the loaded llama.cpp library says about itself (cheap; cached)."""
    import llama_cpp

    text = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
    gpu_offload = bool(llama_cpp.llama_supports_gpu_offload())
    backend = "CPU"
    for marker, name in _GPU_BACKENDS:
        if re.search(rf"\b{marker}\b", text):
            backend = name
            break
    return BuildInfo(backend=backend, gpu_offload=gpu_offload, system_info=text)


@dataclass(frozen=True, slots=True)
class Offload:
    """How many of the model's layers run on the GPU, and why not more."""

    layers: int
    total: int | None
    reason: str | None


def offload_from_log(log: str, requested: int, build: BuildInfo, n_layers: int | None) -> Offload:
    """Work out the offload from llama.cpp's own load log, which states the real figure."""
    total = n_layers + 1 if n_layers is not None else None  # llama.cpp counts the output layer
    if not build.gpu_offload:
        return Offload(0, total, f"this build of llama.cpp is {build.backend}-only")
    if requested == 0:
        return Offload(0, total, "GPU layers set to 0 (local.gpu_layers)")
    match = _OFFLOADED.search(log)
    if match is None:
        return Offload(0, total, "llama.cpp did not report offloading any layer")
    layers, reported_total = int(match[1]), int(match[2])
    reason = None if layers >= reported_total else "not all layers fit or were requested"
    return Offload(layers, reported_total, reason)
