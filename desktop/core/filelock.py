"""An exclusive lock between Hearth processes, held on a small 0600 lock file beside the data it
guards (the settings file, the audit log). The OS drops it if the process dies."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop.core import paths
from desktop.core.errors import KnownError

WAIT_S = 10.0  # the writes it guards take milliseconds; waiting longer means something is wrong


class LockTimeout(KnownError):
    """Another Hearth process held the lock longer than anyone should."""


@contextmanager
def exclusive(path: Path, *, wait_s: float = WAIT_S) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created 0600 if missing) for the block.

    Raises ``LockTimeout`` after ``wait_s``; ``OSError`` if the lock file cannot be opened.
    """
    fd = paths.open_private(path, os.O_RDWR)  # tightened if an older one was looser
    try:
        deadline = time.monotonic() + wait_s
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise LockTimeout(f"{path} stayed locked by another Hearth process for "
                                  f"{wait_s:g} s")
            time.sleep(0.005)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
