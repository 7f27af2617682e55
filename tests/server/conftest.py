"""A real ``hearth serve`` in a subprocess, on the tiny model, with its token in a real Secret
Service; the tests talk to it with OpenAI's own Python client, as other apps do."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import openai
import pytest
from keyring.backend import KeyringBackend

from desktop.core.settings import Settings
from tests.cli.support import hearth_process, read_until

READY = re.compile(rb"Hearth serves (http://\S+/v1)")


@dataclass
class Served:
    """A running server: its base URL, token, process and what it printed so far."""

    url: str
    token: str
    process: subprocess.Popen[bytes]
    clients: list[openai.OpenAI] = field(default_factory=list)

    def client(self, **kwargs: object) -> openai.OpenAI:
        """An OpenAI client of this server (closed with the server, so no socket is left)."""
        client = openai.OpenAI(base_url=self.url, api_key=self.token, max_retries=0,
                               timeout=60.0, **kwargs)  # type: ignore[arg-type]
        self.clients.append(client)
        return client


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server_settings(settings: Settings) -> Settings:
    """The tiny model's settings; a longer answer than the default, so streams have pieces."""
    settings.set("local.max_tokens", 32)
    return settings


@pytest.fixture
def served(server_settings: Settings, os_keyring: KeyringBackend) -> Iterator[Served]:
    with start_server(os_keyring) as running:
        yield running


@contextmanager
def start_server(keyring_backend: KeyringBackend, *extra: str) -> Iterator[Served]:
    """``hearth serve`` on a free port with the test's settings, until the block ends."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    with hearth_process(["serve", "--port", str(free_port()), *extra], env=env) as process:
        shown = read_until(process, lambda out: READY.search(out) is not None)
        found = READY.search(shown)
        if found is None:
            assert process.stderr is not None
            pytest.fail(f"hearth serve did not start:\n{shown!r}\n{process.stderr.read()!r}")
        token = keyring_backend.get_password("hearth", "local-server")
        assert token
        served = Served(found.group(1).decode(), token, process)
        try:
            yield served
        finally:
            for client in served.clients:
                client.close()
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a loaded machine: do not fail the test for it
                process.kill()
                process.wait()
            assert process.stderr is not None
            print(process.stderr.read().decode(errors="replace"))  # shown when a test fails
            keyring_backend.delete_password("hearth", "local-server")
