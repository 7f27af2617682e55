"""``hearth keys``: set from standard input (hidden on a terminal), status, delete; no keyring."""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from desktop.__main__ import main

REPO = Path(__file__).resolve().parents[2]
KEY = "sk-cli-test-4f1e9b7a2c"




@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def _run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str,
         stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_set_status_delete(os_keyring: KeyringBackend, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _run(capsys, monkeypatch, "keys", "set", "anthropic", stdin=f"{KEY}\n")
    assert code == 0, err
    assert out == "stored the anthropic key in the OS keyring (SecretService.Keyring)\n"
    assert os_keyring.get_password("hearth", "anthropic") == KEY

    code, out, _ = _run(capsys, monkeypatch, "keys", "status")
    assert code == 0
    assert out.splitlines() == ["keyring: SecretService.Keyring", "  anthropic  stored",
                                "  openai     not set", "  gemini     not set",
                                "  private    not set"]

    code, out, _ = _run(capsys, monkeypatch, "keys", "delete", "anthropic")
    assert (code, out) == (0, "removed the anthropic key\n")
    code, out, _ = _run(capsys, monkeypatch, "keys", "delete", "anthropic")
    assert (code, out) == (0, "no anthropic key was stored\n")
    assert os_keyring.get_password("hearth", "anthropic") is None


@pytest.mark.parametrize("stdin", ["", "  \n"])
def test_an_empty_key_is_refused(os_keyring: KeyringBackend, stdin: str,
                                 capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = _run(capsys, monkeypatch, "keys", "set", "openai", stdin=stdin)
    assert code == 3 and "no key given" in err
    assert os_keyring.get_password("hearth", "openai") is None


def test_an_impossible_key_is_refused_without_being_shown(
        os_keyring: KeyringBackend, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _run(capsys, monkeypatch, "keys", "set", "gemini",
                          stdin="AIza pasted twice AIza")
    assert code == 3 and "spaces" in err and "pasted twice" not in out + err


def test_without_a_keyring(no_keyring: None, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _run(capsys, monkeypatch, "keys", "set", "anthropic", stdin=KEY)
    assert code == 3 and out == "" and KEY not in err
    assert "no usable OS keyring (backend: fail.Keyring); cloud tiers stay disabled" in err
    code, out, err = _run(capsys, monkeypatch, "keys", "status")
    assert code == 3 and "no usable OS keyring (backend: fail.Keyring)" in err
    assert "gnome-keyring" in err


def test_typing_a_key_on_a_terminal_does_not_echo(os_keyring: KeyringBackend) -> None:
    """A real ``hearth keys set`` on a pseudo-terminal: the key is read with echo off."""
    pty = pytest.importorskip("pty", reason="pseudo-terminals are POSIX only")
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}
    # A new session has no controlling terminal: getpass uses the pty on stdin, not ours.
    process = subprocess.Popen([sys.executable, "-m", "desktop", "keys", "set", "openai"],
                               cwd=REPO, stdin=slave, stdout=slave, stderr=slave, env=env,
                               start_new_session=True)
    os.close(slave)
    try:
        shown = _read_until(master, b"hidden")
        os.write(master, f"{KEY}\n".encode())
        shown += _read_until(master, None)
        assert process.wait(timeout=30) == 0, shown
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    assert b"openai key (typing is hidden): " in shown and b"stored the openai key" in shown
    assert KEY.encode() not in shown
    assert os_keyring.get_password("hearth", "openai") == KEY


def _read_until(fd: int, marker: bytes | None, timeout_s: float = 30.0) -> bytes:
    """Read the pty until ``marker`` appears, or until the other side closes (None)."""
    seen = b""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: every process holding the terminal has closed it
            chunk = b""
        if not chunk:
            if marker is None:
                return seen
            break
        seen += chunk
        if marker is not None and marker in seen:
            return seen
    pytest.fail(f"waited {timeout_s:g} s for {marker!r} on the terminal; saw {seen!r}")
