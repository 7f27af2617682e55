"""Fixtures of the cloud tests: loopback servers only, never a proxy, never a real provider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.assistant import Assistant
from desktop.core.local.slot import ModelSlot
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore
from tests.core.cloud.llama_server import llama_server
from tests.core.cloud.loopback import LoopbackServer, loopback_server
from tests.core.cloud.support import MODELS, memory_keys

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


@pytest.fixture
def user_store(hearth_dirs: tuple[Path, Path]) -> Iterator[ConversationStore]:
    """The conversation store in the test's data folder."""
    with ConversationStore.open_default() as opened:
        yield opened


@pytest.fixture
def frontier(settings: Settings, user_store: ConversationStore,
             server: LoopbackServer) -> Iterator[Assistant]:
    """An Assistant on the tiny model (short answers) whose frontier tier is OpenAI's format on
    the loopback server, with escalation on and the key in memory; its engine is closed after
    the test."""
    settings.set("local.max_tokens", 6)
    settings.set("cloud.escalation", True)
    settings.set("cloud.read_timeout_s", 5.0)
    settings.set("tiers.frontier.provider", "openai")
    settings.set("tiers.frontier.model", MODELS["openai"])
    settings.set("tiers.frontier.base_url", f"{server.url}/v1")
    assistant = Assistant(user_store, settings, ModelSlot(settings), keys=memory_keys())
    yield assistant
    assistant.models.close()
