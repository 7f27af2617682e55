"""What this computer offers a model: llama.cpp's backend and devices, and system memory.

Devices come from ggml's backend registry (``ggml_backend_dev_*``), which llama-cpp-python
does not wrap. Its functions are looked up through the ``libllama`` handle llama-cpp-python
has already loaded: on Linux and macOS a symbol lookup on a library handle also searches the
libraries it depends on, which include ``libggml``. Windows does not do that, so there the
``ggml`` library beside ``llama.dll`` is opened (Windows hands back the module already loaded).
Only functions taking and returning plain pointers, integers and strings are called, never a
struct, so no layout has to match the C headers. When the registry cannot be reached, the
build's feature line (``llama_print_system_info``) still names the backend.

System memory comes from ``/proc/meminfo`` (Linux), ``sysctl`` (macOS) or
``GlobalMemoryStatusEx`` (Windows); psutil is not needed.

Decode speed on the CPU (``estimate_decode_speed``) is estimated from Hearth's own benchmark;
see that function for the basis.

"Auto" GPU layers (``plan_gpu_layers``) estimate from the GGUF header how many of a model's
layers fit in the GPU's free memory; see that function for the method.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from desktop.core.local.backend import build_info
from desktop.core.local.gguf_file import GgufInfo

__all__ = [
    "Device",
    "GpuLayerPlan",
    "Hardware",
    "SystemMemory",
    "describe",
    "detect_hardware",
    "estimate_decode_speed",
    "plan_gpu_layers",
    "system_memory",
    "usable_cpus",
]

# enum ggml_backend_dev_type in ggml/include/ggml-backend.h.
_DEVICE_KINDS: Final = {0: "CPU", 1: "GPU", 2: "iGPU", 3: "accelerator"}
_KV_BYTES_PER_VALUE: Final = 2  # F16 KV cache, llama.cpp's default
# Room left on the GPU for llama.cpp's compute buffers and the driver: a safety margin, not a
# measurement. The load log (backend.offload_from_log) states what really happened.
_GPU_HEADROOM_BYTES: Final = 512 * 1024 * 1024
_GPU_HEADROOM_FRACTION: Final = 0.10


@dataclass(frozen=True, kw_only=True)
class Device:
    """One device of llama.cpp's registry; memory figures are ``None`` when not reported."""

    name: str
    description: str
    kind: str  # CPU, GPU, iGPU, accelerator, other
    backend: str
    free_bytes: int | None
    total_bytes: int | None

    @property
    def is_gpu(self) -> bool:
        return self.kind in ("GPU", "iGPU")


@dataclass(frozen=True, kw_only=True)
class SystemMemory:
    """Physical memory: installed, and available to a new program without swapping."""

    total_bytes: int
    available_bytes: int


@dataclass(frozen=True, kw_only=True)
class Hardware:
    """The compiled backend, the devices llama.cpp sees, and system memory."""

    backend: str  # CPU, CUDA, Metal, Vulkan … (backend.build_info)
    gpu_offload: bool
    devices: tuple[Device, ...]
    devices_source: str  # where the device list came from
    memory: SystemMemory | None
    cpu_cores: int | None = None  # CPUs this process may run on (None: not known)

    @property
    def gpus(self) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.is_gpu)


@dataclass(frozen=True, kw_only=True)
class GpuLayerPlan:
    """How many layers to offload (``layers`` for ``n_gpu_layers``) and why."""

    layers: int
    total: int | None  # the model's blocks plus its output layer, as llama.cpp counts them
    reason: str


def detect_hardware() -> Hardware:
    """Ask llama.cpp and the operating system (cheap after the first call)."""
    build = build_info()
    devices = _registry_devices()
    source = "llama.cpp's backend registry"
    if devices is None:
        devices = ()
        source = "llama.cpp's build information only (the backend registry was not reachable)"
    return Hardware(backend=build.backend, gpu_offload=build.gpu_offload, devices=devices,
                    devices_source=source, memory=system_memory(), cpu_cores=usable_cpus())


def usable_cpus() -> int | None:
    """The CPUs this process may run on (a container's or ``taskset``'s limit included)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        try:
            return len(affinity(0)) or None
        except OSError:
            pass
    return os.cpu_count()


# Hearth's engine benchmark (README "Memory and speed of the local model", `make bench`): the
# Llama-3.2-1B-shaped Q4_K_M model decoded 35.9 tokens/s on 2 threads of a 2-core AVX-512
# machine; the same shape's Q4_K_M file is 808 MB (the catalog's Llama 3.2 1B entry). Decoding
# on a CPU reads every weight once per token, so the speed scales with the cores' share of
# memory bandwidth over the bytes of the file: 35.9 x 0.808 GB / 2 cores = 14.5 GB/s per core.
BENCH_DECODE_TOK_PER_S: Final = 35.9
BENCH_FILE_BYTES: Final = 808_000_000
BENCH_CORES: Final = 2
_BYTES_PER_S_PER_CORE: Final = BENCH_DECODE_TOK_PER_S * BENCH_FILE_BYTES / BENCH_CORES
SPEED_BASIS: Final = ("estimated from Hearth's benchmark (35.9 tokens/s for an 808 MB Q4_K_M "
                      "1B model on 2 CPU cores), scaled by CPU cores and file size")


def estimate_decode_speed(file_bytes: int, cores: int) -> float:
    """Tokens per second a model file of ``file_bytes`` may decode at on ``cores`` CPU cores.

    An estimate (``SPEED_BASIS``): tokens/s = 14.5 GB/s per core x cores / file bytes. It is an
    upper figure on many cores, where memory bandwidth rather than the cores sets the pace,
    and on slower cores than the benchmark's (a laptop's).
    """
    if file_bytes <= 0 or cores <= 0:
        raise ValueError("a file size and a core count must be positive")
    return _BYTES_PER_S_PER_CORE * cores / file_bytes


# -- the ggml backend registry -----------------------------------------------------------------


def _registry_devices() -> tuple[Device, ...] | None:
    library = _ggml_functions()
    if library is None:
        return None
    try:
        return tuple(_device(library, library.ggml_backend_dev_get(index))
                     for index in range(library.ggml_backend_dev_count()))
    except (OSError, ValueError):  # ctypes reports a failed native call this way
        return None


def _device(library: Any, handle: int) -> Device:
    free, total = ctypes.c_size_t(0), ctypes.c_size_t(0)
    library.ggml_backend_dev_memory(handle, ctypes.byref(free), ctypes.byref(total))
    registry = library.ggml_backend_dev_backend_reg(handle)
    backend = _text(library.ggml_backend_reg_name(registry)) if registry else ""
    return Device(
        name=_text(library.ggml_backend_dev_name(handle)),
        description=_text(library.ggml_backend_dev_description(handle)),
        kind=_DEVICE_KINDS.get(library.ggml_backend_dev_type(handle), "other"),
        backend=backend,
        free_bytes=free.value or None,
        total_bytes=total.value or None,
    )


def _text(raw: bytes | None) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


@cache
def _ggml_functions() -> Any | None:
    """The ggml library with argument and result types declared, or None if out of reach."""
    for library in _candidate_libraries():
        try:
            _declare(library)
        except AttributeError:  # this handle does not see the symbols
            continue
        if library.ggml_backend_reg_count() == 0 and hasattr(library,
                                                             "ggml_backend_load_all_from_path"):
            # A build with loadable backends (GGML_BACKEND_DL) starts with an empty registry;
            # llama.cpp needs them loaded before any model either.
            library.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
            library.ggml_backend_load_all_from_path.restype = None
            library.ggml_backend_load_all_from_path(str(_library_folder()).encode())
        return library
    return None


def _candidate_libraries() -> Iterator[Any]:
    try:
        from llama_cpp import llama_cpp as bindings
    except (ImportError, OSError):
        return
    # The loaded libllama (a private name of the pinned llama-cpp-python 0.3.36).
    loaded = getattr(bindings, "_lib", None)
    if loaded is not None:
        yield loaded
    folder = _library_folder()
    for name in ("ggml.dll", "libggml.dylib", "libggml.so.0", "libggml.so"):
        path = folder / name
        if path.exists():
            try:
                yield ctypes.CDLL(str(path))
            except OSError:
                continue


def _library_folder() -> Path:
    from llama_cpp import llama_cpp as bindings

    return Path(getattr(bindings, "_base_path", Path(bindings.__file__).parent / "lib"))


def _declare(library: Any) -> None:
    pointer, size, text = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p
    signatures: dict[str, tuple[list[Any], Any]] = {
        "ggml_backend_reg_count": ([], size),
        "ggml_backend_dev_count": ([], size),
        "ggml_backend_dev_get": ([size], pointer),
        "ggml_backend_dev_name": ([pointer], text),
        "ggml_backend_dev_description": ([pointer], text),
        "ggml_backend_dev_type": ([pointer], ctypes.c_int),
        "ggml_backend_dev_memory": ([pointer, ctypes.POINTER(size), ctypes.POINTER(size)], None),
        "ggml_backend_dev_backend_reg": ([pointer], pointer),
        "ggml_backend_reg_name": ([pointer], text),
    }
    functions = {name: getattr(library, name) for name in signatures}  # AttributeError if absent
    for name, (argtypes, restype) in signatures.items():
        functions[name].argtypes = argtypes
        functions[name].restype = restype


# -- system memory -----------------------------------------------------------------------------


def system_memory() -> SystemMemory | None:
    """Installed and available physical memory, or None where it cannot be read."""
    platform: str = sys.platform  # a plain str, so that type checkers check every branch
    try:
        if platform.startswith("linux"):
            return _linux_memory(Path("/proc/meminfo"))
        if platform == "darwin":
            return _macos_memory()
        if platform == "win32":
            return _windows_memory()
    except (OSError, ValueError):
        return None
    return None


def _linux_memory(meminfo: Path) -> SystemMemory | None:
    values: dict[str, int] = {}
    for line in meminfo.read_text(encoding="ascii", errors="replace").splitlines():
        key, _, rest = line.partition(":")
        fields = rest.split()
        if fields and fields[0].isdigit():
            values[key] = int(fields[0]) * 1024  # the file counts in KiB
    total = values.get("MemTotal")
    if total is None:
        return None
    # MemAvailable (Linux 3.14+) is the kernel's own estimate; older kernels lack it.
    available = values.get("MemAvailable")
    if available is None:
        available = sum(values.get(key, 0) for key in ("MemFree", "Buffers", "Cached"))
    return SystemMemory(total_bytes=total, available_bytes=min(available, total))


def _macos_memory() -> SystemMemory | None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    total = _sysctl(libc, b"hw.memsize")
    # kern.memorystatus_level: the share of memory (percent) the kernel counts as available.
    level = _sysctl(libc, b"kern.memorystatus_level")
    if total is None:
        return None
    available = total * level // 100 if level is not None else total
    return SystemMemory(total_bytes=total, available_bytes=available)


def _sysctl(libc: Any, name: bytes) -> int | None:
    value = ctypes.c_uint64(0)
    size = ctypes.c_size_t(ctypes.sizeof(value))
    if libc.sysctlbyname(name, ctypes.byref(value), ctypes.byref(size), None, 0) != 0:
        return None
    return int(value.value) if size.value == 8 else int(value.value & 0xFFFFFFFF)


class _MemoryStatusEx(ctypes.Structure):
    _fields_ = [  # MEMORYSTATUSEX, sysinfoapi.h
        ("dwLength", ctypes.c_uint32),
        ("dwMemoryLoad", ctypes.c_uint32),
        ("ullTotalPhys", ctypes.c_uint64),
        ("ullAvailPhys", ctypes.c_uint64),
        ("ullTotalPageFile", ctypes.c_uint64),
        ("ullAvailPageFile", ctypes.c_uint64),
        ("ullTotalVirtual", ctypes.c_uint64),
        ("ullAvailVirtual", ctypes.c_uint64),
        ("ullAvailExtendedVirtual", ctypes.c_uint64),
    ]


def _windows_memory() -> SystemMemory | None:
    status = _MemoryStatusEx()
    status.dwLength = ctypes.sizeof(_MemoryStatusEx)
    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined,unused-ignore]
    if not kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
        return None
    return SystemMemory(total_bytes=int(status.ullTotalPhys),
                        available_bytes=int(status.ullAvailPhys))


# -- "auto" GPU layers -------------------------------------------------------------------------


def plan_gpu_layers(info: GgufInfo, hardware: Hardware, *, context_size: int) -> GpuLayerPlan:
    """How many of the model's layers fit in the GPU's free memory, with the reason.

    The estimate, from the header alone: the tensor data (file size less header) spread over
    the parameters gives the average bytes per weight; the token embedding (vocabulary x width)
    is taken out, since llama.cpp keeps it in system memory; the rest is shared evenly by the
    blocks and the output layer, which llama.cpp counts as one more layer. Each offloaded block
    also holds its part of the F16 KV cache: 2 x KV heads x head size x context x 2 bytes. A
    margin (10 % of free memory, at least 512 MiB) is left for compute buffers. The load log
    then states what llama.cpp really did (``backend.offload_from_log``).
    """
    blocks = info.block_count
    total = blocks + 1 if blocks else None
    if not hardware.gpu_offload:
        return GpuLayerPlan(layers=0, total=total,
                            reason=f"this build of llama.cpp is {hardware.backend}-only")
    gpus = hardware.gpus
    if not gpus:
        return GpuLayerPlan(layers=0, total=total, reason=f"the {hardware.backend} backend "
                            "found no GPU on this computer")
    if not blocks:
        return GpuLayerPlan(layers=-1, total=None, reason="the model does not state its layer "
                            "count, so all layers are offloaded and llama.cpp decides")
    total = blocks + 1
    free_figures = [d.free_bytes for d in gpus if d.free_bytes is not None]
    if not free_figures:
        return GpuLayerPlan(layers=-1, total=total, reason="the GPU reports no free-memory "
                            "figure, so all layers are offloaded and llama.cpp decides")
    free = sum(free_figures)
    layer_bytes, kv_bytes = _layer_costs(info, context_size)
    room = free - max(_GPU_HEADROOM_BYTES, int(free * _GPU_HEADROOM_FRACTION))
    per_block = layer_bytes + kv_bytes
    fitting = blocks if per_block <= 0 else max(0, room // per_block)
    # llama.cpp offloads the output layer only once every block is on the GPU (n > blocks).
    if fitting >= blocks and room - blocks * per_block >= layer_bytes:
        layers = total
    else:
        layers = min(fitting, blocks)
    where = f"{_gb(free)} of free GPU memory ({', '.join(d.name for d in gpus)})"
    each = f"each layer about {_mb(per_block)} with its KV cache at {context_size} tokens"
    if layers >= total:
        return GpuLayerPlan(layers=total, total=total,
                            reason=f"all {total} layers fit in {where}; {each}")
    if layers == 0:
        return GpuLayerPlan(layers=0, total=total,
                            reason=f"not even one layer fits in {where}; {each}")
    return GpuLayerPlan(layers=layers, total=total,
                        reason=f"{layers} of {total} layers fit in {where}; {each}; the rest "
                               "run on the CPU")


def _layer_costs(info: GgufInfo, context_size: int) -> tuple[int, int]:
    """Estimated (weights per layer, KV cache per layer) in bytes; see plan_gpu_layers."""
    meta = info.metadata
    arch = info.architecture
    tensor_bytes = max(info.file_size - info.data_offset, 0)
    per_weight = tensor_bytes / info.parameter_count if info.parameter_count else 0.0
    width = _int(meta.get(f"{arch}.embedding_length"))
    vocab = meta.get("tokenizer.ggml.tokens")
    vocab_size = vocab if isinstance(vocab, int) else len(vocab) if isinstance(vocab, tuple) else 0
    embedding = int(vocab_size * width * per_weight)
    blocks = info.block_count or 1
    layer_bytes = max(tensor_bytes - embedding, 0) // (blocks + 1)
    heads = _int(meta.get(f"{arch}.attention.head_count"))
    kv_heads = _int(meta.get(f"{arch}.attention.head_count_kv")) or heads
    head_size = _int(meta.get(f"{arch}.attention.key_length")) or (width // heads if heads else 0)
    tokens = min(context_size, info.context_length) if info.context_length else context_size
    kv_bytes = 2 * kv_heads * head_size * tokens * _KV_BYTES_PER_VALUE
    return layer_bytes, kv_bytes


def _int(value: object) -> int:
    """A metadata count; per-layer arrays (some architectures) count by their largest entry."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, tuple):
        return max((v for v in value if isinstance(v, int)), default=0)
    return 0


def _gb(count: int) -> str:
    return f"{count / 1e9:.1f} GB"


def _mb(count: int) -> str:
    return f"{count / 1e6:.0f} MB"


def describe(hardware: Hardware) -> list[str]:
    """Lines for ``hearth models hardware``: backend, devices with memory, system memory."""
    offload = "GPU offload available" if hardware.gpu_offload else "no GPU offload"
    lines = [f"llama.cpp backend: {hardware.backend} ({offload})",
             f"devices (from {hardware.devices_source}):"]
    for device in hardware.devices or ():
        memory = ""
        if device.total_bytes:
            free = f"{_gb(device.free_bytes)} free of " if device.free_bytes else ""
            memory = f", {free}{_gb(device.total_bytes)}"
        label = f"{device.name} [{device.kind}, {device.backend or '?'}]"
        lines.append(f"  {label}: {device.description}{memory}")
    if not hardware.devices:
        lines.append("  (none listed)")
    if hardware.memory is None:
        lines.append("system memory: could not be read")
    else:
        lines.append(f"system memory: {_gb(hardware.memory.available_bytes)} available of "
                     f"{_gb(hardware.memory.total_bytes)}")
    cpus = os.cpu_count()
    if cpus:
        lines.append(f"logical CPUs: {cpus}")
    return lines
