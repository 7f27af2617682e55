"""Server-sent events from raw bytes, comments included.

The HTML standard's event-stream format: UTF-8 (invalid bytes become U+FFFD), lines ended by
CRLF, LF or CR, ``field: value`` lines, ``:`` comments, an event dispatched at a blank line. The
streaming code must see comments (``: ping``) as well as events, to tell a keep-alive from part
of the answer, so this parser yields both; ``httpx_sse`` drops comments silently.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from httpx_sse import ServerSentEvent


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment line (``: ping``): a keep-alive, never part of an answer."""

    text: str


@dataclass
class EventParser:
    """Turns chunks of an event stream, cut anywhere, into events and comments in order."""

    _decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))
    _partial: str = ""  # the text of a line not yet ended
    _after_cr: bool = False  # the last chunk ended with CR: an LF next is the same line end
    _event: str = ""
    _data: list[str] = field(default_factory=list)
    _has_data: bool = False
    _last_id: str = ""
    _retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent | Comment]:
        """The events and comments completed by ``chunk``."""
        text = self._decoder.decode(chunk)
        if self._after_cr and text.startswith("\n"):
            text = text[1:]
        self._after_cr = text.endswith("\r")
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        lines[0] = self._partial + lines[0]
        self._partial = lines.pop()  # "" when the chunk ended with a line end
        found: list[ServerSentEvent | Comment] = []
        for line in lines:
            item = self._line(line)
            if item is not None:
                found.append(item)
        return found

    def _line(self, line: str) -> ServerSentEvent | Comment | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return Comment(line[1:].removeprefix(" "))
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
            self._has_data = True
        elif name == "id" and "\0" not in value:
            self._last_id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None  # an unknown field is ignored, as the standard says

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._has_data:  # the standard dispatches nothing without a data line
            self._event, self._retry = "", None
            return None
        event = ServerSentEvent(event=self._event, data="\n".join(self._data),
                                id=self._last_id, retry=self._retry)
        self._event, self._data, self._has_data, self._retry = "", [], False, None
        return event
