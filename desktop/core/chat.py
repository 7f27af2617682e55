"""Value types every tier and front end shares: messages, generation parameters, the stop signal."""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from typing import Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerationParams:
    """How to sample an answer; defaults follow llama.cpp's own."""

    max_tokens: int = 1024
    temperature: float = 0.7
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    repeat_penalty: float = 1.0
    seed: int = -1


class StopSignal:
    """Asks a running answer to stop, from any thread, at any moment.

    Besides a ``threading.Event`` for Python code, it holds one byte in C memory that native code
    can read without taking the GIL: the local engine hands its address to llama.cpp's abort
    callback, so a stop lands even in the middle of a long prompt evaluation.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._flag = ctypes.create_string_buffer(2)  # "" = run, "x" = stop (see local/_abort.py)

    def set(self) -> None:
        self._flag.value = b"x"
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def address(self) -> int:
        """Address of the NUL-terminated flag: empty while running, non-empty once stopped."""
        return ctypes.addressof(self._flag)
