"""Disk helpers shared by downloads, imports and manifests: hashing, free space, safe writes."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Final

from desktop.core.catalog._errors import DiskSpaceError, format_gb
from desktop.core.errors import StorageError

__all__ = [
    "HASH_CHUNK",
    "FreeSpace",
    "check_free_space",
    "disk_free",
    "fsync_dir",
    "sha256_file",
    "write_failure",
]

FreeSpace = Callable[[Path], int]
HASH_CHUNK: Final = 1 << 20
# Errors that mean "the disk (or the user's quota on it) is full".
_FULL: Final = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


def disk_free(folder: Path) -> int:
    """Bytes free for this user on the file system holding ``folder`` (or its nearest parent)."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def check_free_space(folder: Path, needed: int, what: str, free_space: FreeSpace = disk_free
                     ) -> None:
    """Raise DiskSpaceError when fewer than ``needed`` bytes are free where ``folder`` lives."""
    if needed <= 0:
        return
    try:
        free = free_space(folder)
    except OSError:
        return  # Unknown free space is no reason to refuse; a full disk is caught on write.
    if free < needed:
        raise DiskSpaceError(
            f"not enough disk space: {what} needs {format_gb(needed)}, {format_gb(free)} free "
            f"in {folder}"
        )


def write_failure(exc: OSError, target: Path, what: str, kept: str) -> StorageError:
    """The user-facing error for a failed write: disk full is named as such."""
    if exc.errno in _FULL:
        return DiskSpaceError(f"the disk filled up while writing {what} to {target.parent}; {kept}")
    reason = exc.strerror or str(exc)
    return StorageError(f"could not write {what} to {target} ({reason}); {kept}")


def sha256_file(path: Path, *, progress: Callable[[int], None] | None = None) -> str:
    """The SHA-256 of a file, read a MiB at a time; ``progress`` hears the bytes hashed so far."""
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done)
    return digest.hexdigest()


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable where the platform allows it (not on Windows)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # Some file systems refuse fsync on folders; the rename itself already happened.
    finally:
        os.close(fd)
