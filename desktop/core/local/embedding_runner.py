"""The embedding process: holds one embedding model in llama.cpp and answers over its standard
streams, so that a native crash in it ends this process and never the window, the CLI or
``hearth serve``.

Started by ``Embedder`` (embedding.py) as ``python -P -m desktop.core.local.embedding_runner``,
or ``hearth --embedding-runner`` in a frozen build. It exits when its parent closes standard
input (also when the parent dies: the pipe reaches end of file).

The protocol is small and typed: a frame is an 8-byte little-endian header (the JSON part's
length, the binary part's length), a JSON object, then raw bytes (the vectors as float32, read
on the other side with ``numpy.frombuffer``; empty for every other message).

    Hearth                                          embedding process
      │                                               │ {"event": "ready", "system_info"}
      │ {"op": "load", path, context, threads, mean}  │
      │                                               │ {"ok": true, "dimensions"} | failure
      │ {"op": "count", "texts"} ───────────────────► │ {"ok": true, "counts"} | failure
      │ {"op": "embed", "texts"} ───────────────────► │ {"ok": true, "rows"} + float32 rows
      │ {"op": "shutdown"} ─────────────────────────► │ (exits)

A failure is ``{"ok": false, "kind": "load" | "known" | "bug", "message"}``: the request failed
and the process lives on.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import sys
import traceback
from typing import IO, Any

_HEADER = struct.Struct("<II")
MAX_PART = 256 << 20  # a longer part is a corrupt stream, not a message

Message = dict[str, Any]


class ProtocolError(Exception):
    """The stream held something that is not a frame of this protocol."""


def write(stream: IO[bytes], message: Message, payload: bytes = b"") -> None:
    """Send one frame and flush it (OSError when the other side is gone)."""
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    stream.write(_HEADER.pack(len(body), len(payload)) + body + payload)
    stream.flush()


def read(stream: IO[bytes]) -> tuple[Message, bytes] | None:
    """The next frame (its JSON object and its bytes), or None at the end of the stream."""
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    size, payload_size = _HEADER.unpack(header)
    if size > MAX_PART or payload_size > MAX_PART:
        raise ProtocolError(f"a frame of {size} + {payload_size} bytes on the embedding pipe")
    body = _read_exactly(stream, size)
    payload = _read_exactly(stream, payload_size)
    if body is None or payload is None:
        return None  # cut short: the writer is gone
    try:
        message = json.loads(body.decode("utf-8"))
    except ValueError as exc:
        raise ProtocolError(f"an unreadable frame on the embedding pipe ({exc})") from exc
    if not isinstance(message, dict):
        raise ProtocolError("a frame on the embedding pipe that is not a JSON object")
    return message, payload


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    chunks: list[bytes] = []
    missing = size
    while missing:
        chunk = stream.read(missing)
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


class _Model:
    """Serves one request at a time with at most one loaded model."""

    def __init__(self) -> None:
        self._llm: Any = None

    def answer(self, request: Message) -> tuple[Message, bytes]:
        try:
            return self._answer(request)
        except Exception:  # noqa: BLE001 - a bug: the parent reports it, this process lives on
            return {"ok": False, "kind": "bug", "message": traceback.format_exc()}, b""

    def _answer(self, request: Message) -> tuple[Message, bytes]:
        op = request.get("op")
        if op == "load":
            return self._load(request), b""
        if self._llm is None:
            return {"ok": False, "kind": "known", "message": "no embedding model is loaded"}, b""
        texts = [str(t) for t in request.get("texts", [])]
        if op == "count":
            counts = [len(self._llm.tokenize(t.encode("utf-8"), add_bos=False, special=False))
                      for t in texts]
            return {"ok": True, "counts": counts}, b""
        if op == "embed":
            import numpy as np

            rows = [self._llm.embed(t, normalize=False, truncate=True) for t in texts]
            matrix = np.asarray(rows, dtype="<f4").reshape(len(texts), int(self._llm.n_embd()))
            return {"ok": True, "rows": len(texts)}, matrix.tobytes()
        return {"ok": False, "kind": "bug", "message": f"unknown request {op!r}"}, b""

    def _load(self, request: Message) -> Message:
        import llama_cpp

        from desktop.core.local import _native_log

        self.close()
        context = int(request["context"])
        threads = int(request["threads"])
        pooling = (llama_cpp.LLAMA_POOLING_TYPE_MEAN if request.get("mean")
                   else llama_cpp.LLAMA_POOLING_TYPE_UNSPECIFIED)
        with _native_log.capture() as log:
            try:
                self._llm = llama_cpp.Llama(
                    model_path=str(request["path"]), embedding=True, n_ctx=context,
                    n_batch=context, n_ubatch=context, n_threads=threads,
                    n_threads_batch=threads, n_gpu_layers=0, pooling_type=pooling,
                    verbose=False)
            except (ValueError, RuntimeError, OSError) as exc:
                reason = _native_log.last_error("".join(log)) or str(exc)
                return {"ok": False, "kind": "load", "message": reason}
        return {"ok": True, "dimensions": int(self._llm.n_embd())}

    def close(self) -> None:
        llm, self._llm = self._llm, None
        if llm is not None:
            llm.close()


def main(argv: list[str]) -> int:
    """Serve the parent until it says shutdown or closes the pipe."""
    if argv:
        print("usage: embedding_runner (started by Hearth, not by hand)", file=sys.stderr)
        return 2
    from desktop.core.local._crash import disable_core_dumps

    # Ctrl+C in a terminal reaches every process of the group: the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    disable_core_dumps()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # native code printing to stdout now writes to stderr, not into the frames
    sys.stdout = sys.stderr
    requests = os.fdopen(os.dup(0), "rb")
    import llama_cpp

    from desktop.core.local import _native_log

    _native_log.install()  # llama.cpp's messages go to logging (stderr), as the engine's do
    model = _Model()
    try:
        info = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
        write(out, {"event": "ready", "system_info": info})
        while True:
            frame = read(requests)
            if frame is None or frame[0].get("op") == "shutdown":
                break
            write(out, *model.answer(frame[0]))
    except (OSError, ProtocolError):
        return 1  # the parent went away (or spoke nonsense): end quietly
    finally:
        model.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
