"""Enforced offline mode: a Python audit hook that refuses every non-loopback connection and
name lookup of this process before the operating system is asked to make it.

CPython raises an audit event (PEP 578) at the start of ``socket.connect``, ``getaddrinfo``
and the other calls below, before their system call; a hook that raises there aborts the
call, so a refused connection never sends a packet. Audit hooks cannot be removed once added,
hence one process-wide ``NetworkGuard`` with an ``enabled`` switch.

What it cannot see: native code that opens sockets without going through Python's ``socket``
module (a C library with its own networking). Hearth's own traffic (httpx) goes through it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from desktop.core.errors import KnownError

CONNECT_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
LOOKUP_EVENTS = frozenset({"socket.getaddrinfo", "socket.gethostbyname",
                           "socket.gethostbyaddr", "socket.getnameinfo"})
_EVENTS = CONNECT_EVENTS | LOOKUP_EVENTS

# Families whose addresses never leave the computer.
_LOCAL_FAMILIES = frozenset(
    getattr(socket, name) for name in ("AF_UNIX", "AF_NETLINK") if hasattr(socket, name))
_IP_FAMILIES = frozenset({socket.AF_INET, socket.AF_INET6})


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """A connection or name lookup that offline mode refused."""

    time: dt.datetime
    event: str
    host: str
    port: int | None

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}" if self.port is not None else self.host

    def to_dict(self) -> dict[str, object]:
        return {"time": self.time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "event": self.event, "host": self.host, "port": self.port,
                "decision": "blocked"}


class OfflineBlocked(KnownError):
    """Offline mode refused a connection or lookup; nothing was sent."""

    def __init__(self, attempt: Attempt) -> None:
        self.attempt = attempt
        action = "look up" if attempt.event in LOOKUP_EVENTS else "connect to"
        super().__init__(
            f"offline mode is on: Hearth refused to {action} {attempt.target} "
            "(nothing was sent). To allow network access again: "
            "hearth config set network.offline false")


Listener = Callable[[Attempt], None]


class NetworkGuard:
    """The offline switch of this process.

    ``NetworkGuard.install()`` adds the audit hook once and returns the process's guard; set
    ``enabled`` to turn the refusal on or off at any time. Each refused attempt is passed to
    the listeners (the network log, the audit log) before ``OfflineBlocked`` is raised.
    A guard that is not installed can still ``check`` events, which is how tests exercise
    the rules without hooking their own process.
    """

    _process_guard: ClassVar[NetworkGuard | None] = None
    _install_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, *, enabled: bool = False,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.enabled = enabled
        self._clock = clock
        self._listeners: tuple[Listener, ...] = ()

    @classmethod
    def install(cls) -> NetworkGuard:
        """The process-wide guard, hooked into the interpreter on the first call."""
        with cls._install_lock:
            if cls._process_guard is None:
                guard = cls()
                sys.addaudithook(guard._hook)
                cls._process_guard = guard
            return cls._process_guard

    @classmethod
    def installed(cls) -> NetworkGuard | None:
        return cls._process_guard

    def set_listeners(self, listeners: Iterable[Listener]) -> None:
        """Replace the listeners told of each refused attempt."""
        self._listeners = tuple(listeners)

    def check(self, event: str, args: tuple[object, ...]) -> None:
        """Raise ``OfflineBlocked`` if offline mode refuses this audit event."""
        if not self.enabled or event not in _EVENTS:
            return
        target = _remote_target(event, args)
        if target is None:
            return
        host, port = target
        attempt = Attempt(time=self._clock(), event=event, host=host, port=port)
        for listener in self._listeners:
            # A log that cannot be written must not let the connection through.
            with contextlib.suppress(KnownError, OSError):
                listener(attempt)
        raise OfflineBlocked(attempt)

    def _hook(self, event: str, args: tuple[object, ...]) -> None:
        # Called for every audit event of the process (file opens, imports, ...): the two
        # cheap tests come first so everything else returns at once.
        if self.enabled and event in _EVENTS:
            self.check(event, args)


def is_loopback(host: str | bytes) -> bool:
    """True for ``localhost`` (and ``*.localhost``), 127.0.0.0/8 and ``::1``."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    name = host.strip().lower().rstrip(".").removeprefix("[").removesuffix("]")
    if name == "localhost" or name.endswith(".localhost"):
        return True  # RFC 6761: always the loopback, never sent to a DNS server
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1
    return address.is_loopback


def _remote_target(event: str, args: tuple[object, ...]) -> tuple[str, int | None] | None:
    """``(host, port)`` of an event that would reach beyond this computer, else ``None``."""
    if event in CONNECT_EVENTS:
        sock, address = (args + (None, None))[:2]
        family = getattr(sock, "family", None)
        if address is None or family in _LOCAL_FAMILIES or isinstance(address, str | bytes):
            return None  # an already connected socket, or a local (Unix, netlink) one
        return _checked(_host_port(address), ip=family in _IP_FAMILIES)
    if event == "socket.getaddrinfo":
        host, port = (args + (None, None))[:2]
        if host is None or host in ("", b""):
            return None  # "any address" for a server: resolved without asking anyone
        return _checked((_text(host), port if isinstance(port, int) else None), ip=True)
    if event == "socket.getnameinfo":
        return _checked(_host_port(args[0] if args else None), ip=True)
    return _checked((_text(args[0] if args else ""), None), ip=True)


def _checked(target: tuple[str, int | None], *, ip: bool) -> tuple[str, int | None] | None:
    host, _ = target
    return None if ip and is_loopback(host) else target


def _host_port(address: object) -> tuple[str, int | None]:
    if isinstance(address, tuple) and address:
        port = address[1] if len(address) > 1 and isinstance(address[1], int) else None
        return _text(address[0]), port
    return _text(address), None


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return str(value)
