"""Proof that the packaged build works on a machine with no network and no setup.

The CPU bundle (``packaging/build.py``) with the tiny test model embedded: its archive checks
against SHA256SUMS, it answers ``hearth ask`` inside a network namespace that has no network,
using the embedded model with no settings file, it starts in offline mode, and its window comes
up offscreen and closes cleanly on SIGTERM.
"""

from __future__ import annotations

import json
import posixpath
import re
import signal
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path, PurePosixPath

import pytest

from desktop import __version__
from tests.modelgen import TINY_NAME
from tests.packaging.conftest import BUILD_TIMEOUT_S, Bundle, bundle_env

pytestmark = [pytest.mark.bundle, pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT_S + 300)]

RUN_TIMEOUT_S = 120.0
WINDOW_TIMEOUT_S = 60.0
# Logged by Qt (category qt.widgets.showhide) when the main window's native window is shown.
WINDOW_SHOWN = 'name="MainWindowClassWindow") to true'
WINDOW_CLOSING = "Handling close event for MainWindow"
# As in tests/e2e: what must never appear on stderr (Qt's own show/hide log lines aside).
ALARMING = re.compile(r"traceback|error|warning|fatal|critical|abort|segmentation|"
                      r"exception|qthread|destroyed|leak", re.IGNORECASE)


def hearth(bundle: Bundle, *args: str, prefix: list[str] | None = None,
           **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(prefix or []), str(bundle.executable), *args],
                          env=bundle_env(**env), capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, check=False)


def test_archive_matches_sha256sums_and_holds_the_bundle(bundle: Bundle) -> None:
    checked = subprocess.run(["sha256sum", "-c", bundle.sha256sums.name],
                             cwd=bundle.sha256sums.parent, capture_output=True, text=True,
                             check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{bundle.archive.name}: OK" in checked.stdout

    top = PurePosixPath(bundle.folder.name)
    with tarfile.open(bundle.archive) as tar:
        members = {PurePosixPath(m.name): m for m in tar.getmembers()}
    for needed in ("hearth", "_internal/hearth-defaults.toml",
                   f"_internal/models/{bundle.embedded_model.name}",
                   "_internal/llama_cpp/lib/libllama.so"):
        assert top / needed in members, needed
    for path, member in members.items():
        assert path.parts[0] == top.name, f"{path} is outside the bundle folder"
        assert member.uid == 0 and member.uname == "", f"{path} names its builder"
        if member.issym():  # a link may only point inside the bundle
            target = posixpath.normpath(posixpath.join(str(path.parent), member.linkname))
            assert target.startswith(f"{top}/"), f"{path} -> {member.linkname}"
        if member.isfile():
            assert member.mode & 0o444 == 0o444, f"{path} is not readable by everyone"


def test_bundle_ships_offline_defaults_and_the_model(bundle: Bundle) -> None:
    defaults = bundle.folder / "_internal" / "hearth-defaults.toml"
    document = tomllib.loads(defaults.read_text(encoding="utf-8"))
    assert document["network"]["offline"] is True
    assert document["local"]["model_path"] == f"models/{bundle.embedded_model.name}"
    # Only the Qt that a widgets app needs: no QtWebEngine, QtQuick or the GTK stack.
    internal = bundle.folder / "_internal"
    names = {p.name for p in internal.rglob("*")}
    for unwanted in ("libQt6WebEngineCore.so.6", "libQt6Quick.so.6", "libQt6Qml.so.6",
                     "libgtk-3.so.0", "libqgtk3.so", "libQt6Pdf.so.6"):
        assert unwanted not in names
    assert "libqxcb.so" in names and "libqoffscreen.so" in names and "libqwayland.so" in names


def test_bundled_build_starts_in_offline_mode(bundle: Bundle,
                                               hearth_dirs: tuple[Path, Path]) -> None:
    version = hearth(bundle, "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"hearth {__version__}"

    offline = hearth(bundle, "config", "get", "network.offline")
    assert offline.returncode == 0, offline.stderr
    assert offline.stdout.strip() == "true"

    model = hearth(bundle, "config", "get", "local.model_path")
    assert Path(model.stdout.strip()) == bundle.embedded_model

    # The data files the code looks up at run time are where the frozen build looks for them
    # (the price table is read by every answer: see the ask test).
    catalog = hearth(bundle, "models", "catalog")
    assert catalog.returncode == 0, catalog.stderr
    assert "licence" in catalog.stdout
    config, _ = hearth_dirs
    assert not (config / "settings.toml").exists()


def test_ask_answers_inside_a_namespace_without_network(bundle: Bundle, no_network: list[str],
                                                         hearth_dirs: tuple[Path, Path]) -> None:
    # The namespace really has no network: a connection attempt fails at once.
    probe = subprocess.run(
        [*no_network, sys.executable, "-c",
         "import socket; socket.create_connection(('192.0.2.1', 443), timeout=5)"],
        capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)
    assert probe.returncode != 0
    assert "Network is unreachable" in probe.stderr, probe.stderr

    asked = hearth(bundle, "ask", "--json", "hello", prefix=no_network)

    assert asked.returncode == 0, asked.stderr
    assert "Traceback" not in asked.stderr, asked.stderr
    answer = json.loads(asked.stdout)
    receipt = answer["receipt"]
    assert isinstance(answer["text"], str)
    assert receipt["tier"] == "local"
    assert receipt["bytes_sent"] == 0
    assert receipt["endpoint"] is None
    assert receipt["privacy"] == "on-device"
    assert receipt["backend"] == "CPU"
    assert receipt["model"] == TINY_NAME  # the embedded model: no --model, no settings file
    assert receipt["tokens_out"] > 0
    config, data = hearth_dirs
    assert not (config / "settings.toml").exists()
    # The model was trial-loaded in a child process: the bundle re-ran itself (--probe-model).
    assert str(bundle.embedded_model) in (data / "model-checks.json").read_text(encoding="utf-8")


def test_window_opens_offscreen_and_closes_on_sigterm(bundle: Bundle, no_network: list[str],
                                                       tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = bundle_env(QT_QPA_PLATFORM="offscreen", QT_LOGGING_RULES="qt.widgets.showhide=true",
                     XDG_RUNTIME_DIR=str(runtime))
    stdout_file, stderr_file = tmp_path / "stdout", tmp_path / "stderr"
    with stdout_file.open("wb") as out, stderr_file.open("wb") as err:
        process = subprocess.Popen([*no_network, str(bundle.executable)], env=env, stdout=out,
                                   stderr=err, cwd=tmp_path)
    try:
        deadline = time.monotonic() + WINDOW_TIMEOUT_S
        while WINDOW_SHOWN not in stderr_file.read_text(errors="replace"):
            if process.poll() is not None:
                pytest.fail(f"hearth exited ({process.returncode}) before showing its window:\n"
                            + stderr_file.read_text(errors="replace")[-4000:])
            if time.monotonic() > deadline:
                pytest.fail("the window did not come up in time")
            time.sleep(0.1)
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=2.0)  # and it stays up
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    errors = stderr_file.read_text(errors="replace")
    assert returncode == 0, errors[-4000:]
    assert WINDOW_CLOSING in errors
    assert "[PYI-" not in errors, errors[-4000:]  # the bootloader's own failure messages
    alarming = [line for line in errors.splitlines()
                if ALARMING.search(line) and not line.startswith("qt.widgets.showhide:")]
    assert alarming == [], errors[-4000:]
    assert stdout_file.read_bytes() == b""


def test_namespace_helper_has_only_loopback(no_network: list[str]) -> None:
    """The prefix itself: a new namespace whose only interface is lo, and lo is down."""
    listed = subprocess.run([*no_network, "cat", "/proc/net/dev"], capture_output=True,
                            text=True, check=True, timeout=RUN_TIMEOUT_S)
    interfaces = [line.split(":")[0].strip() for line in listed.stdout.splitlines()[2:]]
    assert interfaces == ["lo"]
