"""Trial-load a model file in a child process before Hearth's own process touches it.

llama.cpp aborts the whole process on some malformed files that pass every header check (a
tensor whose shape does not match the architecture, say). A child process takes that blow
instead; its verdict is remembered per file fingerprint, so each file is probed once.

Run as ``python -m desktop.core.local.probe PATH`` (or ``hearth --probe-model PATH`` in a frozen
build); exit status 0 means the file loaded and evaluated one token.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from desktop.core import paths
from desktop.core.errors import ModelLoadError

PROBE_FLAG = "--probe-model"
_CACHE_NAME = "model-checks.json"
_CACHE_LOCK = threading.Lock()
_FINGERPRINT_BYTES = 1 << 20


def fingerprint(path: Path) -> str:
    """Identity of a file's current content: path, size, mtime and a hash of its first MiB."""
    stat = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        digest.update(fh.read(_FINGERPRINT_BYTES))
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{digest.hexdigest()}"


def ensure_loadable(path: Path, *, timeout_s: float = 300.0) -> None:
    """Raise ModelLoadError unless llama.cpp can load ``path`` without crashing."""
    key = fingerprint(path)
    if _cached_ok(key):
        return
    command = _probe_command(path)
    env = dict(os.environ, PYTHONFAULTHANDLER="0")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        raise ModelLoadError(path, f"llama.cpp took over {timeout_s:.0f} s to load it") from None
    except OSError as exc:
        raise ModelLoadError(path, f"could not start the model check ({exc.strerror})") from exc
    if done.returncode != 0:
        raise ModelLoadError(path, _explain_failure(done.returncode, done.stderr))
    _remember_ok(key)


def _probe_command(path: Path) -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, PROBE_FLAG, str(path)]
    return [sys.executable, "-m", "desktop.core.local.probe", str(path)]


def _explain_failure(returncode: int, stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    detail = lines[-1].strip() if lines else ""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"llama.cpp crashed while loading it ({name}); the file is corrupt or unsupported"
    if detail:
        return f"llama.cpp could not load it: {detail}"
    return f"llama.cpp could not load it (exit status {returncode})"


def _cache_path() -> Path:
    return paths.data_dir() / _CACHE_NAME


def _cached_ok(key: str) -> bool:
    try:
        return bool(json.loads(_cache_path().read_text(encoding="utf-8")).get(key))
    except (OSError, ValueError, AttributeError):
        return False


def _remember_ok(key: str) -> None:
    target = _cache_path()
    with _CACHE_LOCK:
        try:
            known = json.loads(target.read_text(encoding="utf-8"))
            if not isinstance(known, dict):
                known = {}
        except (OSError, ValueError):
            known = {}
        # Drop entries of files that changed or vanished, so the cache does not grow forever.
        known = {k: v for k, v in known.items() if Path(k.split("|", 1)[0]).exists()}
        known[key] = True
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{_CACHE_NAME}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known, indent=0), encoding="utf-8")
            os.replace(tmp, target)
        except OSError:
            pass  # Only a cache: the next start probes again.


def main(argv: list[str]) -> int:
    """Child side: load the file with minimal resources and evaluate one token."""
    if len(argv) != 1:
        print("usage: probe MODEL.gguf", file=sys.stderr)
        return 2
    import llama_cpp

    from desktop.core.local import _native_log

    _native_log.install()
    position = _native_log.mark()
    try:
        llm = llama_cpp.Llama(model_path=argv[0], n_ctx=64, n_batch=8, n_threads=1,
                              n_gpu_layers=0, verbose=False)
    except (ValueError, RuntimeError, OSError) as exc:
        reason = _native_log.last_error(_native_log.since(position)) or str(exc)
        print(reason, file=sys.stderr)
        return 1
    try:
        first = llm.token_bos() if llm.token_bos() >= 0 else 0
        llm.eval([first])
    except (ValueError, RuntimeError) as exc:
        print(f"evaluating a token failed: {exc}", file=sys.stderr)
        return 1
    finally:
        llm.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
