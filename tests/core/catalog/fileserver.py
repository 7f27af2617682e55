"""A loopback HTTP file server for download tests, with switchable misbehaviour.

Modes: ``range`` (honours ``Range: bytes=N-`` with 206 and ``Content-Range``), ``ignore-range``
(always 200 with the whole file), ``wrong-range`` (a 206 that starts at byte 0 whatever was
asked). ``drop_after`` cuts the connection once after that many body bytes; ``failures`` answers
that many requests with 500 first. Every request is recorded with its Range header.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

_RANGE = re.compile(r"bytes=(\d+)-")


class FileServer:
    """Serves ``files`` (path -> bytes) on 127.0.0.1 at a free port, in a background thread."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = dict(files)
        self.mode = "range"
        self.drop_after: int | None = None
        self.failures = 0
        self.status_override: int | None = None
        self.requests: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = False  # server_close joins the handler threads
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FileServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- called by the handler thread --------------------------------------------------------

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        asked = handler.headers.get("Range")
        with self._lock:
            self.requests.append((handler.path, asked))
            failing = self.failures > 0
            if failing:
                self.failures -= 1
            drop_after, self.drop_after = self.drop_after, None
        if failing:
            _send(handler, 500, {}, b"try again")
            return
        if self.status_override is not None:
            _send(handler, self.status_override, {}, b"no")
            return
        body = self.files.get(handler.path)
        if body is None:
            _send(handler, 404, {}, b"not found")
            return
        start = 0
        match = _RANGE.fullmatch(asked or "")
        status, headers = 200, {}
        if match and self.mode != "ignore-range":
            start = 0 if self.mode == "wrong-range" else int(match[1])
            if start >= len(body):
                _send(handler, 416, {"Content-Range": f"bytes */{len(body)}"}, b"")
                return
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
        payload = body[start:]
        if drop_after is not None:
            # Promise the whole body, send part of it, and hang up.
            handler.send_response(status)
            for key, value in {**headers, "Content-Length": str(len(payload))}.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(payload[:drop_after])
            handler.wfile.flush()
            handler.close_connection = True
            return
        _send(handler, status, headers, payload)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client hanging up mid-body is what several tests do on purpose


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
          body: bytes) -> None:
    handler.send_response(status)
    for key, value in {**headers, "Content-Length": str(len(body))}.items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


def _handler_for(server: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers

        def do_GET(self) -> None:
            server.answer(self)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler
