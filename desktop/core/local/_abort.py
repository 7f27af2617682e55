"""A native abort callback for llama.cpp that costs no Python call per graph node.

llama.cpp calls ``bool abort(void *data)`` between the nodes of every compute graph. A Python
callback there would take the GIL hundreds of times per token; instead we hand it C's own
``strlen`` with ``data`` pointing at a ``StopSignal`` flag: the flag holds the empty string while
the answer runs (strlen 0, false) and "x" once stopped (strlen 1, true). Both supported ABIs
(x86-64 SysV/Win64, AArch64) return ``size_t`` and ``bool`` in the same register, and a ``bool``
is read from its lowest byte, so the two signatures agree for the values 0 and 1.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any


def native_abort_callback(callback_type: Any) -> Any:
    """``strlen`` cast to llama_cpp's ``ggml_abort_callback`` type."""
    libc = ctypes.cdll.msvcrt if sys.platform == "win32" else ctypes.CDLL(None)
    address = ctypes.cast(libc.strlen, ctypes.c_void_p).value
    return callback_type(address)
