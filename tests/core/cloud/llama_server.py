"""llama-cpp-python's own OpenAI-compatible server on loopback, serving the tiny model."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ALIAS = "hearth-tiny"
SERVER_KEY = "private-server-test-key"  # a made-up key the test server is started with
_STARTUP_S = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def llama_server(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m llama_cpp.server`` serving the tiny model on 127.0.0.1; its URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(tiny_model),
             "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(port),
             "--n_threads", "1", "--n_ctx", "1024", "--api_key", SERVER_KEY],
            stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_until_serving(url, process, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _STARTUP_S
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n"
                            f"{log.read_text(errors='replace')[-2000:]}")
            try:
                reply = client.get(f"{url}/v1/models",
                                   headers={"authorization": f"Bearer {SERVER_KEY}"})
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            if reply.status_code == 200:
                return
            time.sleep(0.1)
    pytest.fail(f"llama_cpp.server did not answer within {_STARTUP_S:g} s")
