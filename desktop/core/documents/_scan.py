"""Which files a collection's roots hold now: walked without following links into other
folders, skipping hidden folders and tool caches; what cannot be indexed says why."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Folders that hold tools' caches or dependencies rather than the user's documents.
_SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "venv", ".venv", "site-packages"})
_HASH_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Found:
    """A regular file to index (or to check for changes)."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class Refused:
    """Something under a root that cannot be indexed, with the reason in words."""

    path: str
    reason: str


def walk(roots: Iterable[str], *, max_bytes: int) -> Iterator[Found | Refused]:
    """Every file under ``roots`` (a root may be a file), each path once, sorted per folder."""
    seen: set[str] = set()
    for root in roots:
        for item in _walk_root(Path(root), max_bytes):
            if item.path not in seen:
                seen.add(item.path)
                yield item


def _walk_root(root: Path, max_bytes: int) -> Iterator[Found | Refused]:
    try:
        info = os.stat(root)
    except FileNotFoundError:
        yield Refused(str(root), "it no longer exists (moved or deleted?)")
        return
    except OSError as exc:
        yield Refused(str(root), f"it cannot be reached: {exc.strerror or exc}")
        return
    if not stat.S_ISDIR(info.st_mode):
        yield _judge(str(root), max_bytes)
        return
    for folder, folders, files in os.walk(root, onerror=None, followlinks=False):
        folders[:] = sorted(f for f in folders
                            if not f.startswith(".") and f not in _SKIPPED_FOLDERS)
        for name in sorted(files):
            if not name.startswith("."):
                yield _judge(os.path.join(folder, name), max_bytes)


def _judge(path: str, max_bytes: int) -> Found | Refused:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return Refused(path, "it is a link to nothing (its target is missing)")
    except OSError as exc:
        return Refused(path, f"it cannot be reached: {exc.strerror or exc}")
    if stat.S_ISFIFO(info.st_mode):
        return Refused(path, "it is a named pipe, not a file")
    if stat.S_ISSOCK(info.st_mode):
        return Refused(path, "it is a socket, not a file")
    if not stat.S_ISREG(info.st_mode):
        return Refused(path, "it is a device or other special file, not a regular file")
    if info.st_size > max_bytes:
        return Refused(path, f"it is larger ({info.st_size / 1e6:,.0f} MB) than the size cap "
                             f"of {max_bytes / 1e6:,.0f} MB (setting documents.max_file_mb)")
    return Found(path, info.st_size, info.st_mtime_ns)


def content_hash(path: str) -> str | None:
    """SHA-256 of the file read in 1 MiB blocks; None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()
