"""The engine process: holds one model in llama.cpp and answers Hearth over its standard streams.

Started by ``LocalEngine`` (engine.py) as ``python -P -m desktop.core.local.runner STOP_FILE``, or
``hearth --engine-runner STOP_FILE`` in a frozen build. Requests arrive on standard input, events
leave on the original standard output (see _protocol.py); file descriptor 1 is pointed at standard
error first, so nothing llama.cpp or a library prints can corrupt the stream. ``STOP_FILE`` is the
shared stop flag (_stop_flag.py).

The process ignores SIGINT: Ctrl+C in a terminal reaches every process of the foreground group,
and stopping an answer is Hearth's decision (through the stop flag), not the engine's. It exits
when Hearth closes its end of either pipe.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import IO

from desktop.core.errors import ContextOverflowError, KnownError, ModelFileError
from desktop.core.local import _protocol as wire
from desktop.core.local._crash import disable_core_dumps
from desktop.core.local._session import LlamaSession
from desktop.core.local._stop_flag import SharedStopFlag

# Pieces that come faster than this are sent together (the window shows text at most once a
# frame, and batches its own signals the same way). A frame costs the two processes ~20 µs of
# CPU together (pickle, pipe write, wake-up, read): per token that would slow a tiny model that
# decodes a token every 100 µs by a fifth. A real model (≥ 10 ms a token) sends every piece at
# once.
TEXT_INTERVAL_S = 0.008


class _TextSender:
    """Sends answer pieces to Hearth, joining those closer together than ``TEXT_INTERVAL_S``."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._pending: list[str] = []
        self._sent_at = float("-inf")  # the first piece goes out at once

    def add(self, text: str) -> None:
        self._pending.append(text)
        now = time.perf_counter()
        if now - self._sent_at >= TEXT_INTERVAL_S:
            self._sent_at = now
            self.flush()

    def flush(self) -> None:
        if self._pending:
            wire.write(self._out, wire.Text(tuple(self._pending)))
            self._pending.clear()


class _Engine:
    """Serves requests one at a time with at most one loaded model."""

    def __init__(self, out: IO[bytes], stop: SharedStopFlag) -> None:
        self._out = out
        self._stop = stop
        self._session: LlamaSession | None = None

    def handle(self, request: wire.Request) -> None:
        try:
            self._out_event(self._answer(request))
        except ContextOverflowError as exc:
            self._out_event(wire.Failed("context", str(exc)))
        except ModelFileError as exc:
            self._out_event(wire.Failed("load", exc.problem))
        except KnownError as exc:
            self._out_event(wire.Failed("known", str(exc)))
        except OSError:
            raise  # the pipe to Hearth is gone: nothing left to do
        except Exception:  # noqa: BLE001 - a bug: Hearth reports it, the engine lives on
            self._out_event(wire.Failed("bug", traceback.format_exc()))

    def _answer(self, request: wire.Request) -> wire.Event:
        if isinstance(request, wire.Load):
            self.close()
            self._session = LlamaSession.load(request.config)
            return wire.Loaded(self._session.info)
        session = self._session
        if session is None:
            raise KnownError("no model is loaded in the engine process")
        if isinstance(request, wire.Chat):
            sender = _TextSender(self._out)
            progress = self._send_progress if request.report_progress else None
            answer = session.chat(list(request.messages), request.params, on_text=sender.add,
                                  stop=self._stop, on_prompt_progress=progress,
                                  measure_confidence=request.measure_confidence,
                                  prompt_lookup=request.prompt_lookup,
                                  continue_text=request.continue_text)
            sender.flush()
            return wire.Answered(answer)
        if isinstance(request, wire.CountTokens):
            return wire.Counted(session.count_tokens(request.text))
        if isinstance(request, wire.Forget):
            session.forget()
            return wire.Forgotten()
        raise KnownError(f"the engine does not understand {type(request).__name__}")

    def _send_progress(self, done: int, total: int) -> None:
        self._out_event(wire.Progress(done, total))

    def _out_event(self, event: wire.Event) -> None:
        wire.write(self._out, event)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def main(argv: list[str]) -> int:
    """Serve Hearth until it says Shutdown or closes the pipe."""
    if len(argv) != 1:
        print("usage: runner STOP_FILE (started by Hearth, not by hand)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    disable_core_dumps()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # native code printing to stdout now writes to stderr
    sys.stdout = sys.stderr
    requests = os.fdopen(os.dup(0), "rb")
    stop = SharedStopFlag.attach(Path(argv[0]))
    import llama_cpp

    from desktop.core.local import _native_log

    _native_log.install()
    engine = _Engine(out, stop)
    try:
        info = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
        wire.write(out, wire.Ready(info))
        while True:
            request = wire.read(requests)
            if request is None or isinstance(request, wire.Shutdown):
                break
            engine.handle(request)  # type: ignore[arg-type]
    except (OSError, wire.ProtocolError):
        return 1  # Hearth went away (or spoke nonsense): end quietly
    finally:
        engine.close()
        stop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
