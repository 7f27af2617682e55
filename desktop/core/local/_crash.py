"""Why an engine or trial process died, in words a user can act on.

A child that llama.cpp takes down ends with a signal (POSIX: a negative return code) or an NTSTATUS
exit code (Windows). The signal alone says little; with the build's feature line (which instruction
sets llama.cpp was compiled for), this CPU's flags and the last lines the child wrote to stderr it
becomes a reason: "illegal instruction: this build uses AVX512, which this processor lacks".
"""

from __future__ import annotations

import re
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from desktop.core.errors import KnownError

__all__ = ["Crash", "EngineBug", "EngineCrashed", "describe_exit", "disable_core_dumps"]

_WORDS = {
    "SIGILL": "illegal instruction: this llama.cpp build uses CPU instructions this processor "
              "cannot run",
    "SIGABRT": "llama.cpp aborted: it met something it cannot handle, most often in the model "
               "file",
    "SIGSEGV": "invalid memory access: a bug in llama.cpp, or a model file it misreads",
    "SIGBUS": "bus error: the model file changed or became unreadable while in use",
    "SIGFPE": "arithmetic fault in llama.cpp: the model's dimensions are probably impossible",
    "SIGKILL": "killed: most often the system ran out of memory (the out-of-memory killer), or "
               "another program ended it",
    "SIGTERM": "ended by another program (SIGTERM)",
}
# Windows reports a crash as an NTSTATUS exit code; abort() exits with 3.
_NTSTATUS = {0xC000001D: "SIGILL", 0xC0000096: "SIGILL", 0xC0000005: "SIGSEGV",
             0xC0000409: "SIGABRT", 0xC0000094: "SIGFPE", 0xC0000017: "SIGKILL"}
_IS_WINDOWS_ABORT = 3

# llama_print_system_info() name -> /proc/cpuinfo flag.
_CPU_FLAGS = {
    "SSE3": "pni", "SSSE3": "ssse3", "AVX": "avx", "AVX2": "avx2", "AVX_VNNI": "avx_vnni",
    "F16C": "f16c", "FMA": "fma", "BMI2": "bmi2", "AVX512": "avx512f",
    "AVX512_VBMI": "avx512vbmi", "AVX512_VNNI": "avx512_vnni", "AVX512_BF16": "avx512_bf16",
    "AMX_INT8": "amx_int8", "AMX_BF16": "amx_bf16",
}
_REBUILD = ("rebuild llama-cpp-python on this computer with `make` (it compiles for this CPU "
            "without -march=native and without AMX)")


@dataclass(frozen=True, slots=True)
class Crash:
    """A child's death: the signal's name (None for a plain exit) and the reason in words."""

    signal_name: str | None
    reason: str


class EngineBug(RuntimeError):
    """Hearth's own code failed in the engine process, or the two sides misunderstood each
    other: a bug, reported as one (the message holds the engine's traceback)."""


class EngineCrashed(KnownError):
    """The engine process died mid-request; Hearth lives on and restarts it next time.

    ``partial_text`` is what the answer had streamed before the crash (also passed to
    ``on_text`` already); ``signal_name`` is e.g. ``"SIGILL"`` or None; ``refused`` says the file
    has now crashed the engine too often before answering and will not be loaded again.
    """

    def __init__(self, model: Path, crash: Crash, *, during: str, partial_text: str = "",
                 refused: bool = False) -> None:
        self.model_path = model
        self.signal_name = crash.signal_name
        self.reason = crash.reason
        self.partial_text = partial_text
        self.refused = refused
        after = ("; it crashed the same way before, so Hearth will not load this file again "
                 "until it changes" if refused else "; ask again to restart it")
        kept = "; the answer so far is kept" if partial_text else ""
        super().__init__(f"{model.name}: llama.cpp crashed {during} ({crash.reason}){kept}{after}")


def describe_exit(returncode: int, *, system_info: str = "", stderr_tail: Iterable[str] = (),
                  cpu_flags: frozenset[str] | None = None) -> Crash:
    """Name the cause of a child's exit with ``returncode`` (a crash or a plain failure)."""
    lines = [line.strip() for line in stderr_tail if line.strip()]
    name = _signal_name(returncode)
    if name is None:
        detail = lines[-1] if lines else f"exit status {returncode}"
        return Crash(None, f"it exited unexpectedly: {detail}")
    words = _WORDS.get(name, f"ended by {name}")
    if name == "SIGILL":
        words += _illegal_instruction_detail(system_info,
                                             cpu_flags if cpu_flags is not None else _cpu_flags())
    elif name == "SIGABRT":
        words = _abort_detail(lines) or words
    return Crash(name, f"{name}, {words}")


def _signal_name(returncode: int) -> str | None:
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    if sys.platform == "win32":
        if returncode == _IS_WINDOWS_ABORT:
            return "SIGABRT"
        return _NTSTATUS.get(returncode & 0xFFFFFFFF)
    return None


def _illegal_instruction_detail(system_info: str, cpu_flags: frozenset[str]) -> str:
    built = {name for name, on in re.findall(r"(\w+) = (\d)", system_info) if on == "1"}
    if built & {"AMX_INT8", "AMX_BF16"}:
        return (" (this build has llama.cpp's AMX kernels, which trap on the first decode on some "
                "CPUs: llama.cpp pull request #26954); " + _REBUILD)
    if cpu_flags:
        missing = sorted(name for name in built
                         if name in _CPU_FLAGS and _CPU_FLAGS[name] not in cpu_flags)
        if missing:
            return f" (the build uses {', '.join(missing)}, which this CPU lacks); " + _REBUILD
    return "; " + _REBUILD


def _abort_detail(lines: list[str]) -> str | None:
    text = " ".join(lines[-6:])
    if "bad_alloc" in text:
        return "llama.cpp ran out of memory"
    if "out_of_range" in text and "unordered_map::at" in text:
        # llama_vocab::byte_to_token: a character with no token and no byte token to fall back on.
        return ("the model's vocabulary lacks the byte tokens llama.cpp needs for newlines or "
                "non-ASCII characters (the file is broken or badly converted)")
    for line in reversed(lines):
        if "GGML_ASSERT" in line or "error" in line.lower():
            return f"llama.cpp aborted: {line[-200:]}"
    return None


def disable_core_dumps() -> None:
    """In a child that runs llama.cpp: a crash writes no core file (it would hold the model)."""
    try:
        import resource
    except ImportError:  # Windows
        return
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
    except (ValueError, OSError):
        pass


@cache
def _cpu_flags() -> frozenset[str]:
    """This CPU's feature flags (Linux); empty where they cannot be read."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()
