"""A scripted HTTP/1.1 server on 127.0.0.1 that plays the replies a test queues, one per request.

Bodies are sent with chunked transfer encoding, one HTTP chunk per piece the test gives, so the
client sees at least those boundaries whatever TCP does (h11 never merges two chunks). A reply
can end normally, stall (accept and say nothing more), close without finishing, or reset the
connection, and its pieces can be paced; a client that hangs up ends the reply (``hangups``).
Every request is recorded with its headers and body.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Literal

After = Literal["finish", "stall", "eof", "reset"]


@dataclass(frozen=True)
class Reply:
    """One scripted response. ``silent``: read the request and never answer; ``every_s``: the
    pause before each piece after the first (a server that trickles, or pings)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    pieces: Sequence[bytes] = ()
    after: After = "finish"
    silent: bool = False
    every_s: float = 0.0


@dataclass(frozen=True)
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


class LoopbackServer:
    """Serves queued ``Reply`` objects in order on ``url``; close it to stop every thread."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[Received] = []
        self.hangups = 0  # replies cut short because the client closed the connection
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._connections: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name="loopback", daemon=True)
        self._acceptor.start()

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def close(self) -> None:
        self._closing.set()
        self._acceptor.join(timeout=5)
        for thread in self._threads:  # the acceptor, now stopped, was the only one adding
            thread.join(timeout=5)
        with self._lock:
            for connection in self._connections:
                connection.close()
        self._listener.close()

    # -- serving ---------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection.settimeout(0.05)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            with self._lock:
                self._connections.append(connection)
                self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        buffer = b""
        while not self._closing.is_set():
            request, buffer = self._read_request(connection, buffer)
            if request is None:
                return
            with self._lock:
                self.requests.append(request)
                reply = self._replies.popleft() if self._replies else Reply(
                    status=500, pieces=[b'{"error": {"message": "no reply was queued"}}'])
            if not self._play(connection, reply):
                return

    def _read_request(self, connection: socket.socket,
                      buffer: bytes) -> tuple[Received | None, bytes]:
        while b"\r\n\r\n" not in buffer:
            chunk = self._recv(connection)
            if not chunk:
                return None, b""
            buffer += chunk
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        request_line, *lines = head.decode("latin-1").split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(buffer) < length:
            chunk = self._recv(connection)
            if not chunk:
                return None, b""
            buffer += chunk
        body, buffer = buffer[:length], buffer[length:]
        return Received(method, target, headers, body), buffer

    def _recv(self, connection: socket.socket) -> bytes:
        while not self._closing.is_set():
            try:
                return connection.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return b""
        return b""

    def _play(self, connection: socket.socket, reply: Reply) -> bool:
        """Send ``reply``; False when the connection is finished with."""
        try:
            if reply.silent:
                self._closing.wait()
                return False
            head = [f"HTTP/1.1 {reply.status} Scripted", "Transfer-Encoding: chunked"]
            head += [f"{name}: {value}" for name, value in reply.headers.items()]
            connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
            for index, piece in enumerate(reply.pieces):
                if index and reply.every_s and self._closing.wait(reply.every_s):
                    return False
                if piece:
                    connection.sendall(b"%x\r\n%b\r\n" % (len(piece), piece))
            if reply.after == "finish":
                connection.sendall(b"0\r\n\r\n")
                return True
            if reply.after == "stall":
                self._closing.wait()
            elif reply.after == "reset":
                self._closing.wait(0.2)  # let the client read what was sent first
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
            connection.close()
        except OSError:
            with self._lock:
                self.hangups += 1
        return False


@contextmanager
def loopback_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    try:
        yield server
    finally:
        server.close()


@contextmanager
def full_backlog() -> Iterator[str]:
    """The URL of a 127.0.0.1 port that listens but whose accept queue is full.

    The kernel drops further connection attempts (SYNs) silently, so connecting times out,
    which is what a far-away unreachable host looks like, without leaving this computer.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            with suppress(BlockingIOError):  # the connection completes in the background
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        yield f"http://127.0.0.1:{port}"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def closed_port_url() -> str:
    """The URL of a 127.0.0.1 port nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
