"""Hearth's side of one engine process: start it, talk to it, and learn how it died.

Why a plain subprocess (``python -P -m desktop.core.local.runner``, or ``hearth --engine-runner``
when frozen) and not ``multiprocessing``: the trial run (probe.py) already starts the packaged
executable this way, so a PyInstaller build needs nothing new (no ``freeze_support``, no
re-import of the parent's ``__main__`` in the child, no resource-tracker process); the pipes are
the child's standard streams on every OS; and the start-up cost is the same interpreter start
plus the llama.cpp import either way.
"""

from __future__ import annotations

import abc
import collections
import contextlib
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import desktop
from desktop.core.local import _protocol as wire
from desktop.core.local._crash import Crash, EngineBug, describe_exit
from desktop.core.local._stop_flag import SharedStopFlag

RUNNER_FLAG = "--engine-runner"  # desktop/__main__.py hands it to runner.main when frozen
_LOG = logging.getLogger("hearth.engine")
_STDERR_LINES = 40
_EXIT_WAIT_S = 10.0


def child_environment() -> dict[str, str]:
    """The environment for a child that runs llama.cpp.

    No Python fault handler and no ggml backtrace: a crash should leave the child's own last
    words on stderr (llama.cpp's abort message), not a traceback or a debugger session (ggml
    attaches gdb to print one, which takes seconds). The package root leads ``PYTHONPATH`` so the
    child imports the very same Hearth as this process (``-P`` keeps the working folder out).
    """
    env = dict(os.environ)
    env.pop("PYTHONFAULTHANDLER", None)
    env["GGML_NO_BACKTRACE"] = "1"
    if not getattr(sys, "frozen", False):  # a frozen build carries its own modules
        root = str(Path(desktop.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def python_command(module: str, frozen_flag: str, *args: str) -> list[str]:
    """How to run ``module`` as a child: the interpreter, or the frozen executable's flag."""
    if getattr(sys, "frozen", False):
        return [sys.executable, frozen_flag, *args]
    return [sys.executable, "-P", "-m", module, *args]


def creation_flags() -> int:
    # A console child of the windowed Hearth would open a console window of its own.
    return getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0


class ChildProcess(abc.ABC):
    """A child process running llama.cpp: its pipes, and the tail of its stderr, which says
    how it died. ``EngineProcess`` (the chat model) and the embedding model's child are both
    one; each says how it is asked to exit (``_ask_to_exit``)."""

    def __init__(self, module: str, frozen_flag: str, *args: str, name: str) -> None:
        self._name = name
        self._process = subprocess.Popen(
            python_command(module, frozen_flag, *args), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_environment(),
            creationflags=creation_flags(),
        )
        assert self._process.stdin and self._process.stdout and self._process.stderr
        self._requests: IO[bytes] = self._process.stdin
        self._replies: IO[bytes] = self._process.stdout
        self._stderr: collections.deque[str] = collections.deque(maxlen=_STDERR_LINES)
        self._stderr_reader = threading.Thread(
            target=self._drain_stderr, args=(self._process.stderr,),
            name=f"hearth-{name}-stderr-{self._process.pid}", daemon=True)
        self._stderr_reader.start()
        self.system_info = ""

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def crash(self) -> Crash:
        """Wait for the process to end (killing it if it lingers) and say why it ended."""
        try:
            code = self._process.wait(timeout=_EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        self._stderr_reader.join(timeout=2.0)
        tail = list(self._stderr)
        for line in tail:
            _LOG.warning("%s process %d: %s", self._name, self._process.pid, line.rstrip())
        return describe_exit(code, system_info=self.system_info, stderr_tail=tail)

    def close(self, *, timeout_s: float = 5.0) -> None:
        """Ask the process to exit, then make sure it did."""
        if self.alive:
            self._ask_to_exit()
        with contextlib.suppress(OSError):
            self._requests.close()
        try:
            self._process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
        self._finish()

    def kill(self) -> None:
        """End the process now (a call was abandoned midway)."""
        with contextlib.suppress(OSError):
            self._process.kill()
        self._process.wait()
        self._finish()

    @abc.abstractmethod
    def _ask_to_exit(self) -> None:
        """Send this kind of child its shutdown message."""

    def _finish(self) -> None:
        for stream in (self._requests, self._replies):
            with contextlib.suppress(OSError):
                stream.close()

    def _drain_stderr(self, stream: IO[bytes]) -> None:
        # Keeps the pipe from filling (which would block the child) and the last words.
        with contextlib.suppress(OSError, ValueError):
            for raw in stream:
                self._stderr.append(raw.decode("utf-8", "replace"))
        with contextlib.suppress(OSError):
            stream.close()


class EngineProcess(ChildProcess):
    """A running engine: the pipes, the shared stop flag and the tail of its stderr."""

    def __init__(self) -> None:
        self.stop_flag = SharedStopFlag.create()
        try:
            super().__init__("desktop.core.local.runner", RUNNER_FLAG,
                             str(self.stop_flag.path), name="engine")
        except OSError:
            self.stop_flag.close()
            raise

    def send(self, request: wire.Request) -> bool:
        """Send ``request``; False when the engine is gone (its exit tells why)."""
        try:
            wire.write(self._requests, request)
        except OSError:
            return False
        return True

    def receive(self) -> wire.Event | None:
        """The next event, or None when the engine is gone."""
        try:
            event = wire.read(self._replies)
        except OSError:
            return None
        except wire.ProtocolError as exc:
            self.kill()  # it no longer speaks the protocol: nothing it says can be trusted
            raise EngineBug(f"the engine process sent something unreadable: {exc}") from exc
        if isinstance(event, wire.Ready):
            self.system_info = event.system_info
            self.stop_flag.forget_file()  # both sides have mapped it
        return event  # type: ignore[return-value]

    def _ask_to_exit(self) -> None:
        self.send(wire.Shutdown())

    def _finish(self) -> None:
        super()._finish()
        self.stop_flag.close()
