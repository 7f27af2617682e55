"""The real audit hook, in a child process: a connect to a remote address is refused before
any packet is sent, while a loopback server keeps working.

Audit hooks cannot be removed, so the hook is only ever installed in the child. Should the
hook ever fail, the remote connect would really be attempted: it goes to TEST-NET-1
(192.0.2.1, RFC 5737, never routed on the internet) with a 0.2 s timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from desktop.__main__ import main
from desktop.core.audit import AuditLog
from desktop.core.netguard import FILE_NAME, NetworkLog

REPO = Path(__file__).resolve().parents[3]

CHILD = textwrap.dedent("""
    import errno, json, socket, sys, time
    sys.path.insert(0, sys.argv[1])
    from desktop.core.audit import AuditLog
    from desktop.core.netguard import OfflineBlocked, apply_settings
    from desktop.core.settings import Settings

    settings = Settings()
    settings.set("network.offline", True)
    guard = apply_settings(settings, audit=AuditLog())
    report = {"enabled_at_start": guard.enabled}

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    # One socket, first aimed at the remote address. The hook runs before connect(2): a
    # socket whose connect reached the kernel could not be pointed anywhere else (EALREADY),
    # so connecting the same socket to loopback afterwards proves nothing was sent.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(0.2)
    started = time.perf_counter()
    try:
        sock.connect(("192.0.2.1", 80))
        report["remote"] = "CONNECTED"
    except OfflineBlocked as exc:
        report["remote"] = "blocked"
        report["message"] = str(exc)
    except OSError as exc:  # the hook failed and the attempt went out (timeout)
        report["remote"] = f"attempted: {exc!r}"
    report["remote_s"] = time.perf_counter() - started
    sock.settimeout(2.0)
    sock.connect(("127.0.0.1", port))
    peer, _ = server.accept()
    sock.sendall(b"ping")
    report["loopback"] = peer.recv(4).decode()
    peer.close(); sock.close()

    for name, call in (("lookup", lambda: socket.getaddrinfo("example.com", 443)),
                       ("gethostbyname", lambda: socket.gethostbyname("example.com")),
                       ("create_connection",
                        lambda: socket.create_connection(("192.0.2.1", 443), timeout=0.2))):
        try:
            call()
            report[name] = "allowed"
        except OfflineBlocked:
            report[name] = "blocked"
    report["localhost_lookup"] = len(socket.getaddrinfo("localhost", port)) > 0

    settings.set("network.offline", False)  # the switch follows the setting
    report["enabled_after_off"] = guard.enabled
    settings.set("network.offline", True)
    report["enabled_after_on"] = guard.enabled
    server.close()
    print(json.dumps(report))
""")


def run_child(dirs: tuple[Path, Path]) -> dict[str, Any]:
    config, data = dirs
    env = {**os.environ, "HEARTH_CONFIG_DIR": str(config), "HEARTH_DATA_DIR": str(data)}
    done = subprocess.run([sys.executable, "-c", CHILD, str(REPO)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def child_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("offline")
    return root / "config", root / "data"


@pytest.fixture(scope="module")
def report(child_dirs: tuple[Path, Path]) -> dict[str, Any]:
    return run_child(child_dirs)


def test_remote_connect_is_refused_before_it_is_made(report: dict[str, Any]) -> None:
    assert report["enabled_at_start"] is True
    assert report["remote"] == "blocked"
    assert report["remote_s"] < 0.2  # refused at once, not after the timeout
    assert "192.0.2.1:80" in report["message"]
    assert report["loopback"] == "ping"  # the same socket then connected to loopback


def test_lookups_and_helpers_are_refused_too(report: dict[str, Any]) -> None:
    assert report["lookup"] == report["gethostbyname"] == "blocked"
    assert report["create_connection"] == "blocked"
    assert report["localhost_lookup"] is True


def test_the_switch_follows_the_setting(report: dict[str, Any]) -> None:
    assert report["enabled_after_off"] is False and report["enabled_after_on"] is True


def test_each_attempt_is_in_the_network_and_audit_logs(
        report: dict[str, Any], child_dirs: tuple[Path, Path]) -> None:
    _, data = child_dirs
    assert (data / FILE_NAME).exists()
    entries = NetworkLog(data).entries()
    assert [(e["event"], e["host"], e["port"]) for e in entries] == [
        ("socket.connect", "192.0.2.1", 80),
        ("socket.getaddrinfo", "example.com", 443),
        ("socket.gethostbyname", "example.com", None),
        ("socket.getaddrinfo", "192.0.2.1", 443),  # create_connection resolves first
    ]
    audit = AuditLog(data)
    assert audit.verify().ok
    assert [json.loads(line)["type"] for line in audit.lines()] == ["network_blocked"] * 4


def test_hearth_network_log_shows_them(report: dict[str, Any], child_dirs: tuple[Path, Path],
                                       capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    config, data = child_dirs
    monkeypatch.setenv("HEARTH_CONFIG_DIR", str(config))
    monkeypatch.setenv("HEARTH_DATA_DIR", str(data))
    assert main(["network", "log"]) == 0
    out = capsys.readouterr().out
    assert "socket.connect" in out and "192.0.2.1:80" in out and "example.com:443" in out
    assert main(["network", "log", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 4
    assert main(["network", "log", "--since", "2999-01-01"]) == 0
    assert "No refused connections" in capsys.readouterr().out
    assert main(["network", "status"]) == 0
    assert "offline mode: on" in capsys.readouterr().out
    assert main(["network", "log", "--since", "yesterday"]) == 2
