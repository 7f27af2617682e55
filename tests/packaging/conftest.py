"""The packaged build under test: made once by ``packaging/build.py``, cached in ``.cache/bundle``.

The cache key is a hash of everything that goes into the bundle (``desktop/``, ``packaging/``,
``models/``, ``assets/``, ``pyproject.toml``, the embedded test model, the llama-cpp-python build
of this venv and the Python version), so a second run reuses the bundle and takes seconds, and
any change to the sources builds a new one. The llama.cpp library is taken from this venv
(``--llama-from-venv``), which spares the suite a second llama.cpp compile.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

from tests.modelgen import cached_model

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "bundle"
WORK = CACHE / "work"  # build.py's wheels; its venv and PyInstaller files are removed after
BUILD_TIMEOUT_S = 1800.0
_INPUTS = ("desktop", "packaging", "models", "assets", "pyproject.toml")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "bundle: builds the packaged app with packaging/build.py (once, cached in "
                   ".cache/bundle) and runs it; select with -m bundle")


@dataclass(frozen=True)
class Bundle:
    """A built bundle and what came with it (see build.py's ``<name>.build.json``)."""

    folder: Path
    executable: Path
    archive: Path
    sha256sums: Path
    embedded_model: Path
    summary: dict[str, object]


def source_key(model: Path) -> str:
    digest = hashlib.sha256()
    for top in _INPUTS:
        path = REPO / top
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            digest.update(str(file.relative_to(REPO)).encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    digest.update(model.read_bytes())
    digest.update((metadata.distribution("llama_cpp_python").read_text("RECORD") or "").encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    with lock.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _build(out: Path, model: Path) -> None:
    log = CACHE / f"{out.name}.log"
    command = [sys.executable, str(REPO / "packaging" / "build.py"), "--backend", "cpu",
               "--llama-from-venv", sys.prefix, "--model", str(model),
               "--out", str(out), "--work", str(WORK)]
    started = time.monotonic()
    with log.open("w") as fh:
        done = subprocess.run(command, stdout=fh, stderr=subprocess.STDOUT, cwd=REPO,
                              timeout=BUILD_TIMEOUT_S, check=False)
    if done.returncode != 0:
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-60:])
        pytest.fail(f"packaging/build.py failed ({done.returncode}); {log}:\n{tail}")
    print(f"\nbuilt the bundle in {time.monotonic() - started:.0f} s ({log})")


def _load(out: Path) -> Bundle:
    (summary_file,) = out.glob("*.build.json")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    folder = Path(summary["bundle"])
    model = next((folder / "_internal" / "models").glob("*.gguf"))
    return Bundle(folder=folder, executable=folder / "hearth", archive=Path(summary["archive"]),
                  sha256sums=Path(summary["sha256sums"]), embedded_model=model, summary=summary)


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    """The CPU bundle with the tiny test model embedded, built now unless cached."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the packaged-build proof runs on Linux (unshare, the CPU bundle)")
    model = cached_model("tiny")
    out = CACHE / source_key(model)
    CACHE.mkdir(parents=True, exist_ok=True)
    with _exclusive(CACHE / ".lock"):
        if not any(out.glob("*.build.json")):  # written last: the build finished
            for stale in CACHE.iterdir():
                if stale.is_dir() and stale != WORK:
                    shutil.rmtree(stale)
            for log in CACHE.glob("*.log"):
                log.unlink()
            _build(out, model)
    return _load(out)


@pytest.fixture(scope="session")
def no_network() -> list[str]:
    """A command prefix that runs a program in a new network namespace: no interface but lo."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to run the bundle without a network")
    attempts = []
    # As root (CI) a plain network namespace; elsewhere one inside a user namespace.
    for prefix in (["unshare", "--net"], ["unshare", "--map-root-user", "--net"]):
        done = subprocess.run([*prefix, "true"], capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return prefix
        attempts.append(f"{' '.join(prefix)}: {done.stderr.strip()}")
    pytest.fail("cannot create a network namespace:\n" + "\n".join(attempts))


_LO_UP = 'ip link set lo up && exec "$@"'


@pytest.fixture(scope="session")
def loopback_only() -> list[str]:
    """A command prefix like ``no_network``'s, with the namespace's ``lo`` up: 127.0.0.1 works
    (for ``hearth serve`` and a client run together inside it), nothing else is reachable.

    Outside root the user namespace maps the user to itself (not to root, as ``no_network``
    does), so that D-Bus, which checks the caller's uid, still lets it reach the Secret Service;
    ``--keep-caps`` keeps the right to bring ``lo`` up.
    """
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.fail("unshare (util-linux) and ip (iproute2) are needed to run the bundle with "
                    "loopback only")
    attempts = []
    for namespace in (["unshare", "--net"],
                      ["unshare", "--map-current-user", "--keep-caps", "--net"]):
        prefix = [*namespace, "sh", "-c", _LO_UP, "sh"]
        done = subprocess.run([*prefix, "true"], capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return prefix
        attempts.append(f"{' '.join(namespace)}: {done.stderr.strip()}")
    pytest.fail("cannot create a network namespace with loopback up:\n" + "\n".join(attempts))


def bundle_env(**extra: str) -> dict[str, str]:
    """The environment of a bundled run: the test's own config and data folders (hearth_dirs)."""
    env = dict(os.environ, **extra)
    for name in ("PYTHONPATH", "PYTHONHOME", "QT_PLUGIN_PATH", "LD_LIBRARY_PATH"):
        env.pop(name, None)  # nothing from the test venv may leak into the bundle
    return env
