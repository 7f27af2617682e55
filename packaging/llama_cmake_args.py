"""Print the CMake options for building llama.cpp (llama-cpp-python) on this machine.

Why not ``-march=native``: on CPUs that advertise AMX (Intel Sapphire Rapids and newer, many cloud
desktops), a native build compiles llama.cpp's AMX kernels, which trap with SIGILL (``tilezero``)
on the first decode of a Q4_K/Q8_0 model: the tile-data permission is requested on one thread only
and the tile configuration may be lost (ggml-org/llama.cpp pull request #26954, open). While
``GGML_NATIVE=ON`` the ``GGML_AMX_*=OFF`` switches are ignored, so the build turns native off and
names each instruction set this CPU has, AMX never. Every other kernel (AVX2, AVX-512, VNNI, BF16)
is kept, so the speed of a native build is kept too.

Used by the Makefile (``CMAKE_ARGS=$(python packaging/llama_cmake_args.py)``); stdlib only, since
it runs before the virtual environment exists. ``--explain`` prints what it found.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

# ggml CMake switch -> /proc/cpuinfo flags that must all be present.
X86_FEATURES: dict[str, tuple[str, ...]] = {
    "GGML_SSE42": ("sse4_2",),
    "GGML_AVX": ("avx",),
    "GGML_AVX2": ("avx2",),
    "GGML_BMI2": ("bmi2",),
    "GGML_FMA": ("fma",),
    "GGML_F16C": ("f16c",),
    "GGML_AVX_VNNI": ("avx_vnni",),
    "GGML_AVX512": ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw"),
    "GGML_AVX512_VBMI": ("avx512vbmi",),
    "GGML_AVX512_VNNI": ("avx512_vnni",),
    "GGML_AVX512_BF16": ("avx512_bf16",),
}
# Never built from here, whatever the CPU says (see the module docstring).
ALWAYS_OFF = ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16")
COMMON = ("-DLLAVA_BUILD=OFF",)


def cpu_flags(cpuinfo: str) -> set[str]:
    """The feature flags of the first CPU listed in a /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def cmake_args(machine: str, cpuinfo: str | None) -> list[str]:
    """Options for a build on ``machine`` whose /proc/cpuinfo reads ``cpuinfo`` (None: unknown)."""
    is_x86 = machine.lower() in ("x86_64", "amd64", "i686", "i386")
    if not is_x86 or cpuinfo is None:
        # Arm (Apple silicon, Graviton) has no AMX path; macOS has no /proc/cpuinfo to read.
        return [*COMMON]
    flags = cpu_flags(cpuinfo)
    args = ["-DGGML_NATIVE=OFF", *COMMON]
    for switch, needed in X86_FEATURES.items():
        on = all(flag in flags for flag in needed)
        args.append(f"-D{switch}={'ON' if on else 'OFF'}")
    args += [f"-D{switch}=OFF" for switch in ALWAYS_OFF]
    return args


def main(argv: list[str]) -> int:
    info = Path("/proc/cpuinfo")
    text = info.read_text(encoding="utf-8", errors="replace") if info.exists() else None
    args = cmake_args(platform.machine(), text)
    if "--explain" in argv:
        amx = text is not None and "amx_tile" in cpu_flags(text)
        print(f"machine={platform.machine()} amx_advertised={amx}", file=sys.stderr)
    print(" ".join(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
