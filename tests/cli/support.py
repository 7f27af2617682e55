"""The ``hearth`` command in a subprocess, run as a user runs it, for tests that interrupt or
kill it in the middle of an answer."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def hearth_process(args: list[str], env: Mapping[str, str] | None = None
                   ) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m desktop ARGS`` with its output piped (standard output non-blocking, see
    ``read_until``); killed if still running, and its pipes closed, when the block ends."""
    process = subprocess.Popen([sys.executable, "-m", "desktop", *args], cwd=REPO,
                               env=dict(os.environ if env is None else env),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    try:
        os.set_blocking(process.stdout.fileno(), False)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def read_until(process: subprocess.Popen[bytes], done: Callable[[bytes], bool], *,
               timeout_s: float = 60.0) -> bytes:
    """Standard output read until ``done(what was read)``, the process ends, or ``timeout_s``."""
    assert process.stdout is not None
    shown = b""
    deadline = time.monotonic() + timeout_s
    while not done(shown) and process.poll() is None and time.monotonic() < deadline:
        shown += process.stdout.read() or b""
        time.sleep(0.01)
    return shown
