"""Trial-run a model file in a child process before Hearth's engine uses it.

llama.cpp aborts the whole process on some malformed files that pass every header check (a tensor
whose shape does not match the architecture), and a build can crash on the first computation (an
instruction this CPU cannot run: SIGILL). The trial child loads the file, evaluates a short prompt
with non-ASCII text and a newline (a vocabulary without byte tokens aborts there) and generates
one token, so both the batched prompt kernels and the one-token decode kernels run once. A crash
ends the child and becomes one clear ``ModelLoadError``; the verdict is remembered per file
fingerprint (_model_checks.py), so each file is tried once.

Run as ``python -m desktop.core.local.probe PATH [THREADS [REPACK]]`` (or ``hearth
--probe-model PATH …`` in a frozen build; REPACK is ``on`` or ``off``, as the engine will load it);
exit status 0 means the file passed. The child writes ``phase: …`` lines to
stderr as it goes, so a crash can be placed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desktop.core.errors import ModelLoadError
from desktop.core.local import _model_checks as checks
from desktop.core.local._crash import describe_exit, disable_core_dumps
from desktop.core.local._model_checks import ModelRecord, fingerprint
from desktop.core.local._native_options import native_options, repack_weights
from desktop.core.local._process import child_environment, creation_flags, python_command

__all__ = ["PROBE_FLAG", "TRIAL_TEXT", "ensure_loadable", "fingerprint", "main", "refusal"]

PROBE_FLAG = "--probe-model"
# Accents, a dash, CJK, an emoji and newlines: the byte-fallback paths of every tokenizer type.
TRIAL_TEXT = "Café, naïve — 日本語 😀\nA second line.\n"
_PHASES = {"load": "while loading it", "tokenize": "while reading text with accents and newlines",
           "prompt": "while evaluating a prompt", "generate": "while generating a token"}


def refusal(record: ModelRecord) -> str:
    """Why a file that crashed the engine again and again is not loaded."""
    return (f"llama.cpp crashed on this file {record.crashes} times ({record.crash}); Hearth "
            "will not load it again until the file changes")


def ensure_loadable(path: Path, *, threads: int = 0, repack: bool | None = None,
                    timeout_s: float = 300.0) -> None:
    """Raise ModelLoadError unless llama.cpp can load and run ``path`` without crashing.

    ``threads`` (0: half the CPUs, as the engine does) matters: some kernels fail only when
    several threads run them; ``repack`` picks the kernels for repacked weights or the others
    (None: as ``local.repack``'s default loads them).
    """
    key = fingerprint(path)
    record = checks.record(key)
    if record.refused:
        raise ModelLoadError(path, refusal(record))
    if record.trial_passed:
        return
    command = python_command("desktop.core.local.probe", PROBE_FLAG, str(path), str(threads),
                             "on" if (repack_weights("auto") if repack is None else repack)
                             else "off")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s,
                              env=child_environment(), creationflags=creation_flags(),
                              check=False, errors="replace")
    except subprocess.TimeoutExpired:
        raise ModelLoadError(path, f"llama.cpp took over {timeout_s:.0f} s to load it") from None
    except OSError as exc:
        raise ModelLoadError(path, f"could not start the model check ({exc.strerror})") from exc
    if done.returncode != 0:
        raise ModelLoadError(path, _explain_failure(key, done.returncode, done.stderr))
    checks.mark_trial_passed(key)


def _explain_failure(key: str, returncode: int, stderr: str) -> str:
    system_info, phase, lines = "", "load", []
    for line in stderr.splitlines():
        if line.startswith("system_info: "):
            system_info = line.removeprefix("system_info: ")
        elif line.startswith("phase: "):
            phase = line.removeprefix("phase: ").strip()
        elif line.strip():
            lines.append(line)
    crash = describe_exit(returncode, system_info=system_info, stderr_tail=lines[-20:])
    if crash.signal_name is None:
        detail = lines[-1].strip() if lines else f"exit status {returncode}"
        return f"llama.cpp could not load it: {detail}"
    record = checks.note_crash(key, crash.reason)
    again = ("; Hearth will not try it again until the file changes" if record.refused else "")
    return f"llama.cpp crashed {_PHASES.get(phase, 'on it')} ({crash.reason}){again}"


def main(argv: list[str]) -> int:
    """Child side: load the file with minimal resources, read a prompt, generate a token."""
    if not 1 <= len(argv) <= 3:
        print("usage: probe MODEL.gguf [THREADS [on|off]]", file=sys.stderr)
        return 2
    disable_core_dumps()
    import llama_cpp

    from desktop.core.local import _native_log

    threads = int(argv[1]) if len(argv) >= 2 and int(argv[1]) > 0 else None
    repack = len(argv) < 3 or argv[2] != "off"

    def phase(name: str) -> None:
        print(f"phase: {name}", file=sys.stderr, flush=True)

    info = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
    print(f"system_info: {info}", file=sys.stderr, flush=True)
    _native_log.install()
    position = _native_log.mark()
    phase("load")
    try:
        with native_options(llama_cpp, repack=repack, flash_attention="auto",
                            kv_cache_type="f16"):
            llm = llama_cpp.Llama(model_path=argv[0], n_ctx=256, n_batch=256, n_threads=threads,
                                  n_threads_batch=threads, n_gpu_layers=0, verbose=False)
    except (ValueError, RuntimeError, OSError) as exc:
        reason = _native_log.last_error(_native_log.since(position)) or str(exc)
        print(reason, file=sys.stderr)
        return 1
    try:
        phase("tokenize")
        tokens = llm.tokenize(TRIAL_TEXT.encode("utf-8"), add_bos=True, special=False)
        phase("prompt")
        llm.eval(tokens)
        phase("generate")
        llm.eval([llm.sample(temp=0.0)])
    except (ValueError, RuntimeError) as exc:
        print(f"evaluating a prompt failed: {exc}", file=sys.stderr)
        return 1
    finally:
        llm.close()
    return 0


def _cached_ok(key: str) -> bool:
    """Whether the file with fingerprint ``key`` passed the current trial run."""
    return checks.record(key).trial_passed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
