"""``settings.toml`` on disk: read with the stamp of what was read, a lock between processes,
atomic 0600 writes, and the TOML the store writes.

Every process that changes a setting takes the lock (``settings.toml.lock`` beside the file),
re-reads the file and replaces it whole with one key changed, so no process writes back a
value it read before another process changed it.
"""

from __future__ import annotations

import json
import os
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from desktop.core import filelock, paths

SCHEMA_VERSION = 1

Scalar = str | int | float | bool
# What identifies one version of the file: an atomic replace gives it a new inode, an edit in
# place a new mtime or size. (The one blind spot, a rewrite of the same size within the file
# system's timestamp granularity reusing a freed inode, is covered for writers: they re-read
# under the lock whatever the stamp says.)
Stamp = tuple[int, int, int]  # (mtime_ns, size, inode)
UNREADABLE_STAMP: Stamp = (-1, -1, -1)


def stamp_of(path: Path) -> Stamp | None:
    """The file's stamp; None if it does not exist. One ``stat``: about 1.5 µs on Linux."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        return UNREADABLE_STAMP  # reloaded (and reported) once, not at every check
    return (st.st_mtime_ns, st.st_size, st.st_ino)


@dataclass(frozen=True)
class FileReading:
    """One reading: the document (None if there is no file), or why it could not be read."""

    stamp: Stamp | None
    document: dict[str, object] | None = None
    error: str = ""


def read(path: Path) -> FileReading:
    """Read and parse ``path``; the stamp is taken from the very file read, so a replace
    between the two cannot pair new contents with an old stamp."""
    try:
        with path.open("rb") as fh:
            st = os.fstat(fh.fileno())
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
            document = tomllib.load(fh)
    except (FileNotFoundError, NotADirectoryError):
        return FileReading(None)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return FileReading(stamp_of(path), error=str(exc))
    return FileReading(stamp, document)


def write(path: Path, values: dict[str, Scalar]) -> Stamp | None:
    """Replace ``path`` atomically with ``values`` (file 0600); the new file's stamp."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = paths.open_private(tmp, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(to_toml(values))
        fh.flush()
        os.fsync(fh.fileno())
    _replace(tmp, path)
    return stamp_of(path)


def keep_aside(path: Path) -> Path:
    """Move an unreadable file out of the way (never overwrite the user's edits)."""
    aside = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
    path.replace(aside)
    paths.restrict(aside)
    return aside


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the settings lock (``<file>.lock``, 0600) for the block; the OS drops it if the
    process dies. Raises ``filelock.LockTimeout`` (a ``KnownError``) after ``filelock.WAIT_S``
    (the setting is then not changed); ``OSError`` if the lock file cannot be opened."""
    with filelock.exclusive(path.with_name(f"{path.name}.lock")):
        yield


def flatten(table: dict[str, object], prefix: str = "") -> Iterator[tuple[str, object]]:
    """``{"tiers": {"private": {"model": "x"}}}`` → ``("tiers.private.model", "x")``."""
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            yield from flatten(value, key + ".")
        else:
            yield key, value


def to_toml(values: dict[str, Scalar]) -> str:
    """Write flat ``section.name`` values as TOML (scalars only, which is all the schema has)."""
    lines = [f"schema_version = {SCHEMA_VERSION}"]
    sections: dict[str, list[str]] = {}
    for key in sorted(values):
        section, name = key.split(".", 1)
        # A dotted name ("private.model") is a TOML dotted key inside the section's table.
        sections.setdefault(section, []).append(f"{name} = {_toml_scalar(values[key])}")
    for section, entries in sections.items():
        lines += ["", f"[{section}]", *entries]
    return "\n".join(lines) + "\n"


def _toml_scalar(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    # JSON string escapes are a subset of TOML basic-string escapes; TOML also forbids a raw DEL.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


if sys.platform == "win32":

    def _replace(tmp: Path, path: Path) -> None:
        # A reader holding the file open makes the replace fail for a moment on Windows.
        deadline = time.monotonic() + 1.0
        while True:
            try:
                os.replace(tmp, path)
                return
            except PermissionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

else:

    def _replace(tmp: Path, path: Path) -> None:
        os.replace(tmp, path)
