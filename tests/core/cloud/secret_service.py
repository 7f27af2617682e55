"""A real Secret Service for tests: a private D-Bus bus and gnome-keyring-daemon, both temporary.

Everything lives under a temporary folder (the bus socket's folder, the keyring files, the
runtime dir), the bus has no service files (so nothing can be started on it by activation),
and both processes are stopped afterwards. The user's own keyring is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
_SERVICE = "org.freedesktop.secrets"
_READY_WITHIN_S = 15.0


def missing_binaries() -> list[str]:
    return [name for name in ("dbus-daemon", "gnome-keyring-daemon") if not shutil.which(name)]


@contextmanager
def running_secret_service(folder: Path) -> Iterator[dict[str, str]]:
    """Start the bus and the keyring daemon; yield the environment that reaches them.

    The caller puts the returned variables into ``os.environ`` for as long as it uses the
    keyring (``keyring``'s SecretService backend connects per call).
    """
    missing = missing_binaries()
    if missing:
        pytest.skip(f"no Secret Service to test against: {', '.join(missing)} not installed "
                    "(apt-get install gnome-keyring dbus dbus-x11)")
    runtime, data = folder / "run", folder / "data"
    runtime.mkdir(mode=0o700)
    data.mkdir()
    config = folder / "bus.conf"
    config.write_text(_BUS_CONFIG.format(folder=runtime), encoding="utf-8")
    with ExitStack() as stack:
        bus = stack.enter_context(_process(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE))
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        if not address:
            pytest.fail("dbus-daemon printed no address")
        env = {"DBUS_SESSION_BUS_ADDRESS": address, "XDG_RUNTIME_DIR": str(runtime),
               "XDG_DATA_HOME": str(data), "HOME": str(folder)}
        daemon = stack.enter_context(_process(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env={**os.environ, **env}))
        assert daemon.stdin is not None
        daemon.stdin.write(b"test-keyring-password\n")  # unlocks (creates) the login keyring
        daemon.stdin.close()
        _wait_for_service(address, daemon)
        yield env


@contextmanager
def _process(command: list[str], **options: object) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL, **options)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


def _wait_for_service(address: str, daemon: subprocess.Popen[bytes]) -> None:
    """Poll the bus until the daemon owns the Secret Service name (a bounded wait)."""
    from jeepney import DBus, DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    deadline = time.monotonic() + _READY_WITHIN_S
    with open_dbus_connection(address) as connection:
        bus = DBus()
        while time.monotonic() < deadline:
            if daemon.poll() is not None:
                pytest.fail(f"gnome-keyring-daemon exited with {daemon.returncode}")
            reply = connection.send_and_get_reply(bus.NameHasOwner(_SERVICE), timeout=5)
            if reply.body[0]:
                # The login collection is unlocked: probe it once so the first test is not
                # the one that waits for the daemon to finish opening its files.
                service = DBusAddress("/org/freedesktop/secrets", bus_name=_SERVICE,
                                      interface="org.freedesktop.Secret.Service")
                probe = new_method_call(service, "ReadAlias", "s", ("default",))
                connection.send_and_get_reply(probe, timeout=5)
                return
            time.sleep(0.05)
    pytest.fail(f"the Secret Service did not appear within {_READY_WITHIN_S:g} s")


