"""Fixtures of the cloud tests: loopback servers only, never a proxy, never a real provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.core.cloud.llama_server import llama_server
from tests.core.cloud.loopback import LoopbackServer, loopback_server

__all__ = ["llama_server"]  # a session fixture shared by the private-tier tests

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                    "all_proxy")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables: loopback requests must not be sent through a proxy."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    """Pass ``sleeps.append`` as a provider's ``sleep``: retries record their wait instead."""
    return []
