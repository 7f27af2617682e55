"""One HTTP request on a thread of its own, so the caller never blocks on the network.

httpx's reads block until bytes arrive or the read timeout passes, and every byte (a ``: ping``
comment too) starts that timeout again. To notice a stop or a deadline at once, whatever the
server does, the request runs on a worker thread that hands the response and its body, chunk by
chunk, to the calling thread through a small queue; the caller waits on the queue in short
slices and checks its stop signal and deadlines between them.

``cancel`` shuts the connection's socket down (recorded through httpcore's ``trace`` extension
when it connects), which wakes a worker blocked in a read or a write at once, and stops the
request body from being sent further. Each request therefore needs a connection of its own:
the provider's client keeps no idle connections.
"""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Iterator
from contextlib import suppress
from typing import Any, Final

import httpx

_QUEUE_CHUNKS = 64  # the worker reads at most this far ahead of the caller
_PUT_POLL_S = 0.05
_JOIN_S = 0.25  # a worker woken by a shut-down socket ends within this


class _End:
    """The response body ended normally."""


END: Final = _End()


class _Failed:
    def __init__(self, error: Exception) -> None:
        self.error = error


class RequestCancelled(Exception):
    """Raised inside the worker's request body once the exchange was cancelled."""


class Exchange:
    """``POST`` one request on a worker thread; the caller takes what arrives with ``get``.

    ``get`` returns the ``httpx.Response`` (headers only: do not read its body), then each chunk
    of the body as ``bytes``, then ``END``; None when nothing arrived within ``timeout``. An
    exception the request raised (httpx's, the offline guard's) is raised again by ``get``.
    """

    def __init__(self, client: httpx.Client, url: str, *, headers: dict[str, str],
                 body: bytes, chunk_size: int) -> None:
        self._client = client
        self._url = url
        self._headers = headers
        self._body = body
        self._chunk_size = chunk_size
        self.sent = 0  # body bytes the connection has written
        self._items: queue.Queue[httpx.Response | bytes | _End | _Failed] = \
            queue.Queue(_QUEUE_CHUNKS)
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._thread = threading.Thread(target=self._work, name="hearth-cloud-request",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def get(self, timeout: float) -> httpx.Response | bytes | _End | None:
        try:
            item = self._items.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None
        if isinstance(item, _Failed):
            raise item.error
        return item

    def cancel(self) -> None:
        """Stop sending and receiving now; the worker closes the response and ends."""
        self._cancelled.set()
        with self._lock:
            self._shutdown()

    def close(self) -> None:
        """Cancel (a no-op once the body ended) and give the worker a moment to finish."""
        self.cancel()
        self._thread.join(_JOIN_S)

    # -- the worker thread -------------------------------------------------------------------

    def _work(self) -> None:
        try:
            with self._client.stream("POST", self._url, content=self._chunks(),
                                     headers=self._headers,
                                     extensions={"trace": self._trace}) as response:
                if not self._put(response):
                    return
                for chunk in response.iter_bytes():
                    if not self._put(chunk):
                        return
            self._put(END)
        except Exception as exc:  # noqa: BLE001 - handed to the caller, who maps or re-raises it
            self._put(_Failed(exc))

    def _chunks(self) -> Iterator[bytes]:
        for start in range(0, len(self._body), self._chunk_size):
            if self._cancelled.is_set():
                raise RequestCancelled  # nothing more leaves the device once stopped
            chunk = self._body[start:start + self._chunk_size]
            yield chunk
            # Resumed only when the connection asks for more, i.e. after it wrote this chunk.
            self.sent += len(chunk)

    def _put(self, item: httpx.Response | bytes | _End | _Failed) -> bool:
        while not self._cancelled.is_set():
            try:
                self._items.put(item, timeout=_PUT_POLL_S)
            except queue.Full:
                continue
            return True
        return False

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: keep the socket of the connection (TLS-wrapped if any)."""
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._socket = sock
                if self._cancelled.is_set():
                    self._shutdown()

    def _shutdown(self) -> None:
        if self._socket is not None:
            # socket.socket's own shutdown, also for an SSLSocket: only the system call, which
            # wakes a blocked recv or send in the worker; the worker then closes the socket.
            with suppress(OSError):
                socket.socket.shutdown(self._socket, socket.SHUT_RDWR)
