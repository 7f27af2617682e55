"""Routes llama.cpp's log lines to Python logging and keeps the recent ones.

The recent lines explain a failed load (``llama_model_load: error loading model: …``) and state
how many layers went to the GPU, so the engine reads them instead of guessing. A load of a real
model logs over a thousand lines (one per tensor), more than the recent ones kept: ``capture``
keeps every line of one load.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import logging
import threading
from collections.abc import Iterator
from typing import Any

_LOG = logging.getLogger("hearth.llama_cpp")
# enum ggml_log_level in ggml.h: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5.
_LEVELS = {0: logging.INFO, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
_LOG.addHandler(logging.NullHandler())  # front ends decide where llama.cpp's lines go
_recent: collections.deque[tuple[int, str]] = collections.deque(maxlen=400)
_count = 0  # lines ever received: a position that survives old lines falling out of _recent
_lock = threading.Lock()
_captures: list[list[str]] = []  # the lines of each ``capture`` in progress
_callback: Any = None  # kept referenced: llama.cpp holds the bare function pointer


def install() -> None:
    """Make this module llama.cpp's log sink (idempotent)."""
    global _callback
    if _callback is not None:
        return
    import llama_cpp

    @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
    def _on_log(level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
        global _count
        line = text.decode("utf-8", "replace")
        with _lock:
            # Level 5 (CONT) continues the previous line.
            if level == 5 and _recent:
                seq, previous = _recent[-1]
                _recent[-1] = (seq, previous + line)
                for lines in _captures:
                    if lines:
                        lines[-1] += line
            else:
                _recent.append((_count, line))
                _count += 1
                for lines in _captures:
                    lines.append(line)
        _LOG.log(_LEVELS.get(level, logging.DEBUG), "%s", line.rstrip())

    _callback = _on_log
    llama_cpp.llama_log_set(_callback, ctypes.c_void_p(0))


def mark() -> int:
    """A position in the log; ``since(mark)`` returns what came after it."""
    with _lock:
        return _count


@contextlib.contextmanager
def capture() -> Iterator[list[str]]:
    """Every line llama.cpp logs inside the ``with`` block, however many (``install`` first)."""
    lines: list[str] = []
    with _lock:
        _captures.append(lines)
    try:
        yield lines
    finally:
        with _lock:
            _captures[:] = [other for other in _captures if other is not lines]


def since(position: int) -> str:
    with _lock:
        return "".join(line for seq, line in _recent if seq >= position)


def last_error(text: str) -> str | None:
    """The last llama.cpp error line in ``text``, without its function-name prefix."""
    for line in reversed(text.splitlines()):
        if "error" in line.lower() or "failed" in line.lower():
            return line.split(": ", 1)[-1].strip() if ": " in line else line.strip()
    return None
