"""Value types every tier and front end shares: messages, generation parameters, the stop signal."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
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
    callback, so a stop lands even in the middle of a long prompt evaluation. ``subscribe``
    passes the stop on at once to what cannot read that byte (the engine process's own flag).
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._flag = ctypes.create_string_buffer(2)  # "" = run, "x" = stop (see local/_abort.py)
        # Replaced, never mutated: ``set`` may run in a signal handler, so no lock is taken.
        self._listeners: tuple[Callable[[], None], ...] = ()

    def set(self) -> None:
        self._flag.value = b"x"
        self._event.set()
        for listener in self._listeners:
            listener()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` when the signal is set (at once if it is); return an unsubscriber.

        ``listener`` runs on the thread that calls ``set`` (maybe more than once): it must be
        quick and idempotent.
        """
        self._listeners = (*self._listeners, listener)
        if self.is_set():
            listener()

        def unsubscribe() -> None:
            self._listeners = tuple(x for x in self._listeners if x is not listener)

        return unsubscribe

    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def address(self) -> int:
        """Address of the NUL-terminated flag: empty while running, non-empty once stopped."""
        return ctypes.addressof(self._flag)
