"""What Hearth has learned about each model file: passed the trial run, crashed the engine.

Kept in ``model-checks.json`` in the data folder, keyed by file fingerprint (path, size, mtime and
a hash of the first MiB), so a file that changes is judged afresh. Each entry is an object:

    {"trial": 2, "crashes": 1, "crash": "SIGILL: illegal instruction …"}

``trial`` is the version of the trial run the file passed (2: load, prompt with non-ASCII text
and a newline, one generated token; a bare ``true`` from Hearth before that only proves it
loaded, so such a file is tried again). ``crashes`` counts engine crashes while loading or before
the first answer token, reset by any answer; at ``CRASH_LIMIT`` the file is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core import paths

CACHE_NAME = "model-checks.json"
TRIAL_VERSION = 2
CRASH_LIMIT = 2
_LOCK = threading.Lock()
_FINGERPRINT_BYTES = 1 << 20


def fingerprint(path: Path) -> str:
    """Identity of a file's current content: path, size, mtime and a hash of its first MiB."""
    stat = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        digest.update(fh.read(_FINGERPRINT_BYTES))
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{digest.hexdigest()}"


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """What is known of one file's current content."""

    trial_passed: bool = False
    crashes: int = 0
    crash: str | None = None  # the last crash, in words

    @property
    def refused(self) -> bool:
        return self.crashes >= CRASH_LIMIT


def record(key: str) -> ModelRecord:
    entry = _load().get(key)
    if not isinstance(entry, dict):
        return ModelRecord()
    crashes = entry.get("crashes", 0)
    crash = entry.get("crash")
    return ModelRecord(trial_passed=entry.get("trial") == TRIAL_VERSION,
                       crashes=crashes if isinstance(crashes, int) else 0,
                       crash=crash if isinstance(crash, str) else None)


def mark_trial_passed(key: str) -> None:
    _update(key, lambda entry: entry.update(trial=TRIAL_VERSION))


def note_crash(key: str, reason: str) -> ModelRecord:
    """Count a crash while loading or before the first token; return the new record."""

    def count(entry: dict[str, Any]) -> None:
        previous = entry.get("crashes", 0)
        entry["crashes"] = (previous if isinstance(previous, int) else 0) + 1
        entry["crash"] = reason

    _update(key, count)
    return record(key)


def clear_crashes(key: str) -> None:
    """The file answered: earlier crashes were not its fault (or no longer happen)."""
    if record(key).crashes:
        _update(key, lambda entry: [entry.pop("crashes", None), entry.pop("crash", None)])


def _path() -> Path:
    return paths.data_dir() / CACHE_NAME


def _load() -> dict[str, Any]:
    try:
        known = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def _update(key: str, change: Callable[[dict[str, Any]], object]) -> None:
    target = _path()
    with _LOCK:
        known = _load()
        # Drop entries of files that vanished or changed since, so the file does not grow forever.
        own = key.split("|", 1)[0]
        known = {k: v for k, v in known.items()
                 if k == key or (k.split("|", 1)[0] != own and Path(k.split("|", 1)[0]).exists())}
        entry = known.get(key)
        entry = dict(entry) if isinstance(entry, dict) else {}
        change(entry)
        known[key] = entry
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{CACHE_NAME}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps(known, indent=0), encoding="utf-8")
            os.replace(tmp, target)
        except OSError:
            pass  # only a memory: the next start checks again
