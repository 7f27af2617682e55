"""A stop flag in memory that Hearth and its engine process both map.

Two bytes of a small file, mapped shared by both processes: ``b"\\0\\0"`` while an answer runs,
``b"x\\0"`` once the user stops it. The engine hands the address of its mapping to llama.cpp's
abort callback (``strlen``, see _abort.py), so a stop set by Hearth lands inside the child's
current compute graph, also in the middle of a long prompt, with no message and no Python call.

A file rather than ``multiprocessing.shared_memory``: before Python 3.13 a process that attaches
to a named segment registers it with its own resource tracker, which unlinks it (and warns)
when that process exits. Hearth unlinks the file as soon as the engine has mapped it (POSIX),
or when it closes the flag (Windows keeps mapped files).
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import os
import tempfile
from pathlib import Path

_SIZE = 2
_STOP = ord("x")


class SharedStopFlag:
    """The stop byte; ``create()`` in Hearth, ``attach(path)`` in the engine process."""

    def __init__(self, path: Path, *, owner: bool) -> None:
        self.path = path
        self._owner = owner
        with path.open("r+b") as fh:
            self._map = mmap.mmap(fh.fileno(), _SIZE)
        # Exported pointer into the mapping; released before the map is closed.
        self._cell: ctypes.Array[ctypes.c_char] | None = (ctypes.c_char * _SIZE).from_buffer(
            self._map)

    @classmethod
    def create(cls) -> SharedStopFlag:
        fd, name = tempfile.mkstemp(prefix="hearth-stop-")
        try:
            os.write(fd, bytes(_SIZE))
        finally:
            os.close(fd)
        return cls(Path(name), owner=True)

    @classmethod
    def attach(cls, path: Path) -> SharedStopFlag:
        return cls(path, owner=False)

    @property
    def address(self) -> int:
        """Address of the NUL-terminated flag in this process: empty while running."""
        if self._cell is None:
            raise ValueError("the stop flag is closed")
        return ctypes.addressof(self._cell)

    def set(self) -> None:
        self._map[0] = _STOP

    def clear(self) -> None:
        self._map[0] = 0

    def is_set(self) -> bool:
        return self._map[0] != 0

    def forget_file(self) -> None:
        """Remove the file name once both sides have mapped it (the mappings stay valid)."""
        if self._owner and os.name == "posix":
            with contextlib.suppress(OSError):
                self.path.unlink()

    def close(self) -> None:
        if self._cell is None:
            return
        self._cell = None
        self._map.close()
        if self._owner:
            with contextlib.suppress(OSError):
                self.path.unlink()
