"""The messages Hearth and its engine process exchange, and how they travel over a pipe.

Each message is a small frozen dataclass. On the wire a frame is a 4-byte little-endian length and
the pickled message; the reading side unpickles only the classes named here and the value types
they carry, so a stray byte on the pipe is an error, never code.

    Hearth                                engine process (runner.py)
      │                                      │ Ready(system_info)      after importing llama.cpp
      │ Load(config) ─────────────────────►  │
      │                                      │ Loaded(info) | Failed
      │ Chat(messages, params, …) ────────►  │
      │                                      │ Progress(done, total) …
      │                                      │ Text(pieces) …          batched, see runner.py
      │                                      │ Answered(answer) | Failed
      │ CountTokens(text) ─────────────────► │ Counted(tokens) | Failed
      │ Forget() ──────────────────────────► │ Forgotten()
      │ Shutdown() ────────────────────────► │ (exits)

A stop does not travel as a message: it is a byte in memory both processes map (_stop_flag.py),
read by llama.cpp's abort callback between graph nodes.
"""

from __future__ import annotations

import io
import pickle
import struct
from dataclasses import dataclass
from typing import IO, Literal, get_args

from desktop.core.chat import ChatMessage, GenerationParams
from desktop.core.local._values import EngineConfig, LocalAnswer, ModelInfo

_HEADER = struct.Struct("<I")
MAX_FRAME = 64 << 20  # a longer length is a corrupt stream, not a message


# -- Hearth to the engine ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Load:
    config: EngineConfig


@dataclass(frozen=True, slots=True)
class Chat:
    messages: tuple[ChatMessage, ...]
    params: GenerationParams
    measure_confidence: bool
    report_progress: bool
    prompt_lookup: bool
    continue_text: str = ""  # the answer so far, when more of it is wanted ("Continue")


@dataclass(frozen=True, slots=True)
class CountTokens:
    text: str


@dataclass(frozen=True, slots=True)
class Forget:
    pass


@dataclass(frozen=True, slots=True)
class Shutdown:
    pass


Request = Load | Chat | CountTokens | Forget | Shutdown


# -- the engine to Hearth ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ready:
    """llama.cpp is imported; ``system_info`` is its feature line (which instruction sets)."""

    system_info: str


@dataclass(frozen=True, slots=True)
class Loaded:
    info: ModelInfo


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class Text:
    """Pieces of the answer in order, about one token each."""

    pieces: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Answered:
    answer: LocalAnswer


@dataclass(frozen=True, slots=True)
class Counted:
    tokens: int


@dataclass(frozen=True, slots=True)
class Forgotten:
    pass


FailureKind = Literal["load", "context", "known", "bug"]


@dataclass(frozen=True, slots=True)
class Failed:
    """The request failed without killing the engine: a known problem, or a bug (traceback)."""

    kind: FailureKind
    message: str


Event = Ready | Loaded | Progress | Text | Answered | Counted | Forgotten | Failed


# -- framing -----------------------------------------------------------------------------------


class ProtocolError(Exception):
    """The stream held something that is not a frame of this protocol."""


_ALLOWED = {
    __name__: {kind.__name__ for kind in (*get_args(Request), *get_args(Event))},
    "desktop.core.chat": {"ChatMessage", "GenerationParams"},
    "desktop.core.local._values": {"EngineConfig", "ModelInfo", "LocalAnswer"},
    "desktop.core.local._confidence": {"Confidence"},
    "pathlib": {"Path", "PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath"},
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if name in _ALLOWED.get(module, ()):
            return super().find_class(module, name)
        raise ProtocolError(f"unexpected type {module}.{name} on the engine pipe")


def encode(message: Request | Event) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


def write(stream: IO[bytes], message: Request | Event) -> None:
    """Send one message and flush it (raises OSError when the other side is gone)."""
    stream.write(encode(message))
    stream.flush()


def read(stream: IO[bytes]) -> Request | Event | None:
    """The next message, or None at the end of the stream (the other side closed or died)."""
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    (length,) = _HEADER.unpack(header)
    if length > MAX_FRAME:
        raise ProtocolError(f"a frame of {length} bytes on the engine pipe")
    body = _read_exactly(stream, length)
    if body is None:
        return None
    try:
        message = _Unpickler(io.BytesIO(body)).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError) as exc:
        raise ProtocolError(f"an unreadable frame on the engine pipe ({exc})") from exc
    return message  # type: ignore[no-any-return]


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    chunks: list[bytes] = []
    missing = size
    while missing:
        chunk = stream.read(missing)
        if not chunk:
            return None  # a frame cut short is the same as none: the writer is gone
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)
