"""Proof that the packaged build works on a machine with no network and no setup.

The CPU bundle (``packaging/build.py``) with the tiny test model embedded: its archive checks
against SHA256SUMS, it answers ``hearth ask`` inside a network namespace that has no network,
using the embedded model with no settings file, it starts in offline mode, and its window comes
up offscreen and closes cleanly on SIGTERM. Without a network it also indexes and searches a
document collection (PDF, Word, Markdown), and ``hearth serve`` answers an app on loopback
with its token from a real Secret Service, and refuses one without it.
"""

from __future__ import annotations

import json
import posixpath
import re
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path, PurePosixPath

import pytest
from keyring.backends import SecretService

from desktop import __version__
from tests.core.cloud.secret_service import running_secret_service
from tests.core.documents.files import write_docx, write_pdf
from tests.modelgen import TINY_NAME
from tests.packaging.conftest import BUILD_TIMEOUT_S, REPO, Bundle, bundle_env

pytestmark = [pytest.mark.bundle, pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT_S + 300)]

RUN_TIMEOUT_S = 120.0
WINDOW_TIMEOUT_S = 60.0
WATCH_TIMEOUT_S = 30.0  # the watcher waits 2 s after a change, then indexes
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


def test_bundle_carries_the_documents_parts_and_no_more(bundle: Bundle) -> None:
    internal = bundle.folder / "_internal"
    lxml = {p.name.split(".")[0] for p in (internal / "lxml").rglob("*.so")}
    # python-docx needs lxml.etree (and _elementpath); the rest of lxml stays out (hook-lxml.py).
    assert lxml == {"etree", "_elementpath"}, lxml
    assert not (internal / "lxml" / "isoschematron").exists()
    # sqlite-vec's extension only where this Python's sqlite3 could load it (hook-sqlite_vec.py);
    # the bundle carries this venv's Python.
    shipped = sorted(p.name for p in (internal / "sqlite_vec").glob("vec0.*")) \
        if (internal / "sqlite_vec").is_dir() else []
    loadable = hasattr(sqlite3.Connection, "enable_load_extension")
    assert shipped == (["vec0.so"] if loadable else []), shipped


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


def test_the_embedding_process_runs_from_the_bundle(bundle: Bundle) -> None:
    import io

    from desktop.core.local import embedding_runner as wire
    from tests.modelgen import cached_model

    requests = io.BytesIO()
    wire.write(requests, {"op": "load", "path": str(cached_model("embedding")),
                          "context": 128, "threads": 1, "mean": False})
    wire.write(requests, {"op": "embed", "texts": ["a hearth is a fireplace"]})
    done = subprocess.run([str(bundle.executable), "--embedding-runner"],
                          input=requests.getvalue(), env=bundle_env(), capture_output=True,
                          timeout=RUN_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    replies = io.BytesIO(done.stdout)
    ready, loaded, embedded = (wire.read(replies) or ({}, b"") for _ in range(3))
    assert ready[0].get("event") == "ready"
    assert loaded[0].get("ok") and embedded[0].get("ok"), (loaded[0], embedded[0])
    assert embedded[0]["rows"] == 1 and len(embedded[1]) == loaded[0]["dimensions"] * 4


def test_namespace_helper_has_only_loopback(no_network: list[str]) -> None:
    """The prefix itself: a new namespace whose only interface is lo, and lo is down."""
    listed = subprocess.run([*no_network, "cat", "/proc/net/dev"], capture_output=True,
                            text=True, check=True, timeout=RUN_TIMEOUT_S)
    interfaces = [line.split(":")[0].strip() for line in listed.stdout.splitlines()[2:]]
    assert interfaces == ["lo"]


def test_documents_are_indexed_and_searched_inside_a_namespace_without_network(
        bundle: Bundle, no_network: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    write_pdf(folder / "manual.pdf", [
        ["Chapter one: unpacking the device."],
        ["Chapter two: charging.", "Charge the Vorlex battery for nine hours."],
        ["Chapter three: the warranty lasts two years."],
    ])
    write_docx(folder / "handbook.docx", [
        ("Holidays", 2), ("Everyone gets twenty-eight days of leave at Quorvane.", 0)])
    (folder / "notes.md").write_text("# Gate\n\nThe Brimwell gate code changes every Monday.\n",
                                     encoding="utf-8")

    added = hearth(bundle, "docs", "add", "papers", str(folder), prefix=no_network)

    assert added.returncode == 0, added.stdout + added.stderr
    assert "Traceback" not in added.stderr, added.stderr
    assert "papers: 3 files indexed" in added.stdout, added.stdout
    assert "not indexed" not in added.stdout, added.stdout

    def top(query: str) -> dict[str, object]:
        found = hearth(bundle, "docs", "search", "papers", query, "--json", prefix=no_network)
        assert found.returncode == 0, found.stderr
        passages = json.loads(found.stdout)
        assert passages, f"nothing found for {query!r}"
        return passages[0]

    pdf = top("how long to charge the Vorlex battery")
    assert (pdf["path"], pdf["page"], pdf["position"]) == (str(folder / "manual.pdf"), 2,
                                                           "page 2")
    assert "Vorlex battery for nine hours" in str(pdf["snippet"])
    docx = top("days of leave at Quorvane")
    assert (docx["path"], docx["page"], docx["position"]) == (str(folder / "handbook.docx"),
                                                              None, "§ Holidays")
    markdown = top("Brimwell gate code")
    assert markdown["path"] == str(folder / "notes.md")


def test_serve_answers_on_loopback_with_its_token_only(
        bundle: Bundle, loopback_only: list[str], tmp_path: Path,
        hearth_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secrets").mkdir()
    with running_secret_service(tmp_path / "secrets") as keyring_env:
        # The server and its client share one namespace: 127.0.0.1 is all there is in it.
        done = subprocess.run(
            [*loopback_only, sys.executable, "-m", "tests.packaging.serve_client",
             str(bundle.executable)],
            env=bundle_env(**keyring_env), cwd=REPO, capture_output=True, text=True,
            timeout=RUN_TIMEOUT_S + 60, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        served = json.loads(done.stdout)
        for name, value in keyring_env.items():
            monkeypatch.setenv(name, value)
        stored = SecretService.Keyring().get_password("hearth", "local-server")

    assert served["url"] is not None, served
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", served["url"]), served["url"]
    assert served["without_token"]["status"] == 401, served
    assert served["wrong_token"]["status"] == 401, served
    answer = served["with_token"]
    assert answer["status"] == 200, served
    assert answer["body"]["object"] == "list"
    assert "hearth-local" in {model["id"] for model in answer["body"]["data"]}
    # The token is the one in the Secret Service, and in no file of Hearth's.
    assert stored is not None and stored.startswith("hearth-")
    assert served["token"] == stored
    for folder in hearth_dirs:
        for path in (p for p in folder.rglob("*") if p.is_file()):
            assert stored.encode() not in path.read_bytes(), f"the token is in {path}"
    # uvicorn ends on SIGTERM after a graceful shutdown, then re-raises the signal.
    assert served["returncode"] in (0, -signal.SIGTERM), served
    assert "Traceback" not in served["stderr"], served["stderr"]


def test_serve_without_a_keyring_says_so_in_one_line(bundle: Bundle,
                                                     no_network: list[str]) -> None:
    # No Secret Service on this bus address: keyring has nowhere to keep the token.
    refused = hearth(bundle, "serve", prefix=no_network,
                     DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/hearth-test-bus")

    assert refused.returncode != 0
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert "no usable OS keyring" in lines[0], refused.stderr
    assert "will not start without one" in lines[0]
    assert "Hearth serves" not in refused.stdout


def test_window_indexes_a_file_written_while_it_runs(bundle: Bundle, no_network: list[str],
                                                     tmp_path: Path) -> None:
    """The collection's folder is watched (watchdog's inotify observer, in the bundle)."""
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "first.md").write_text("The Halloran pump needs oil.\n", encoding="utf-8")
    added = hearth(bundle, "docs", "add", "notes", str(folder), prefix=no_network)
    assert added.returncode == 0, added.stdout + added.stderr

    def found(query: str) -> list[str]:
        searched = hearth(bundle, "docs", "search", "notes", query, "--json", prefix=no_network)
        assert searched.returncode == 0, searched.stderr
        return [p["path"] for p in json.loads(searched.stdout)]

    def wait_until_found(query: str, path: Path) -> None:
        deadline = time.monotonic() + WATCH_TIMEOUT_S
        while str(path) not in found(query):
            if process.poll() is not None:
                pytest.fail(f"hearth exited ({process.returncode}):\n"
                            + stderr_file.read_text(errors="replace")[-4000:])
            if time.monotonic() > deadline:
                pytest.fail(f"{path.name} was not indexed while the window ran")
            time.sleep(0.5)

    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = bundle_env(QT_QPA_PLATFORM="offscreen", QT_LOGGING_RULES="qt.widgets.showhide=true",
                     XDG_RUNTIME_DIR=str(runtime))
    stderr_file = tmp_path / "stderr"
    with stderr_file.open("wb") as err:
        process = subprocess.Popen([*no_network, str(bundle.executable)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=err, cwd=tmp_path)
    try:
        deadline = time.monotonic() + WINDOW_TIMEOUT_S
        while WINDOW_SHOWN not in stderr_file.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the window did not come up:\n"
                            + stderr_file.read_text(errors="replace")[-4000:])
            time.sleep(0.1)
        # A file written now may still be read by the start's catch-up; once it is searchable,
        # that scan is over, and only the watcher can bring in the next one.
        second = folder / "second.md"
        second.write_text("The Halloran pump is in the cellar.\n", encoding="utf-8")
        wait_until_found("Halloran cellar", second)
        third = folder / "third.md"
        third.write_text("The Tessaly valve opens clockwise.\n", encoding="utf-8")
        wait_until_found("Tessaly valve", third)
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    errors = stderr_file.read_text(errors="replace")
    assert returncode == 0, errors[-4000:]
    alarming = [line for line in errors.splitlines()
                if ALARMING.search(line) and not line.startswith("qt.widgets.showhide:")]
    assert alarming == [], errors[-4000:]
