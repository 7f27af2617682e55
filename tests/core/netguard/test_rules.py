"""Which audit events offline mode refuses, checked on a guard that is not hooked in.

The real hook, which cannot be removed once added, is exercised in a child process
(test_offline.py); these tests call ``check`` directly, so this process stays unhooked.
"""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest

from desktop.core.errors import KnownError, StorageError
from desktop.core.netguard import Attempt, NetworkGuard, OfflineBlocked, is_loopback

INET = SimpleNamespace(family=socket.AF_INET)
INET6 = SimpleNamespace(family=socket.AF_INET6)
UNIX = SimpleNamespace(family=socket.AF_UNIX)


@pytest.fixture
def guard() -> NetworkGuard:
    return NetworkGuard(enabled=True)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost",
                                  "LOCALHOST.", "api.localhost", "::ffff:127.0.0.1",
                                  b"localhost"])
def test_loopback_names_and_addresses(host: str | bytes) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["192.0.2.1", "10.0.0.1", "0.0.0.0", "::", "2001:db8::1",
                                  "example.com", "localhost.example.com", "", "128.0.0.1",
                                  "::ffff:192.0.2.1"])
def test_everything_else_is_remote(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize(("event", "args"), [
    ("socket.connect", (INET, ("192.0.2.1", 443))),
    ("socket.connect", (INET6, ("2001:db8::1", 443, 0, 0))),
    ("socket.sendto", (INET, ("192.0.2.1", 53))),
    ("socket.sendmsg", (INET, ("192.0.2.1", 53))),
    ("socket.getaddrinfo", ("example.com", 443, 0, 0, 0)),
    ("socket.getaddrinfo", (b"example.com", "https", 0, 0, 0)),
    ("socket.getaddrinfo", ("192.0.2.1", 80, 0, 0, 0)),
    ("socket.gethostbyname", ("example.com",)),
    ("socket.gethostbyaddr", ("192.0.2.1",)),
    ("socket.getnameinfo", (("192.0.2.1", 80),)),
])
def test_remote_connections_and_lookups_are_refused(guard: NetworkGuard, event: str,
                                                    args: tuple[object, ...]) -> None:
    with pytest.raises(OfflineBlocked) as info:
        guard.check(event, args)
    assert info.value.attempt.event == event
    assert "offline mode is on" in str(info.value) and "nothing was sent" in str(info.value)


@pytest.mark.parametrize(("event", "args"), [
    ("socket.connect", (INET, ("127.0.0.1", 8080))),
    ("socket.connect", (INET6, ("::1", 8080, 0, 0))),
    ("socket.connect", (UNIX, "/run/some.sock")),
    ("socket.sendmsg", (INET, None)),  # on a socket already connected (and checked then)
    ("socket.getaddrinfo", ("localhost", 8080, 0, 0, 0)),
    ("socket.getaddrinfo", (None, 8080, 0, 0, 0)),
    ("socket.gethostbyname", ("localhost",)),
    ("socket.getnameinfo", (("127.0.0.1", 80),)),
    ("open", ("/etc/hosts", "r", 0)),  # not a network event at all
])
def test_loopback_and_local_traffic_passes(guard: NetworkGuard, event: str,
                                           args: tuple[object, ...]) -> None:
    guard.check(event, args)


def test_other_socket_families_are_refused(guard: NetworkGuard) -> None:
    bluetooth = SimpleNamespace(family=31)
    with pytest.raises(OfflineBlocked):
        guard.check("socket.connect", (bluetooth, ("00:11:22:33:44:55", 1)))


def test_a_disabled_guard_refuses_nothing() -> None:
    NetworkGuard(enabled=False).check("socket.connect", (INET, ("192.0.2.1", 443)))


def test_listeners_hear_each_refusal_and_a_failing_one_changes_nothing(
        guard: NetworkGuard) -> None:
    heard: list[Attempt] = []

    def broken(attempt: Attempt) -> None:
        raise StorageError("disk full")

    guard.set_listeners([broken, heard.append])
    with pytest.raises(OfflineBlocked):
        guard.check("socket.connect", (INET, ("192.0.2.1", 443)))
    [attempt] = heard
    assert (attempt.host, attempt.port, attempt.target) == ("192.0.2.1", 443, "192.0.2.1:443")
    assert attempt.to_dict()["decision"] == "blocked"


def test_offline_blocked_is_a_known_error() -> None:
    assert issubclass(OfflineBlocked, KnownError)
