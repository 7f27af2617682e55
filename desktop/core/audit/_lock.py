"""An exclusive lock between processes, held on a small lock file next to the data it guards."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop.core import paths

WAIT_S = 10.0  # appends take milliseconds; waiting longer than this means something is wrong


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the block.

    Every writer of the guarded file takes it, so two Hearth processes (the window and the
    CLI) never interleave their appends. The OS drops the lock if the process dies.
    """
    fd = paths.open_private(path, os.O_RDWR)  # 0600, tightened if an older one was looser
    try:
        _lock(fd, path)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int, path: Path) -> None:
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int, path: Path) -> None:
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{path} stayed locked for {WAIT_S:g} s") from None
                time.sleep(0.005)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
