"""Helpers for the cloud tests: an in-memory keyring, and providers aimed at a loopback server."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import cast

from keyring.backend import KeyringBackend

from desktop.core.chat import ChatMessage, GenerationParams
from desktop.core.cloud import KeyStore, StreamingProvider, build_provider
from desktop.core.settings import Settings

KEYS = {"anthropic": "sk-ant-test-key-0001", "openai": "sk-test-key-0002",
        "gemini": "AIzaTestKey0003", "private": "private-test-key-0004"}
MODELS = {"anthropic": "claude-test-1", "openai": "gpt-test-1", "gemini": "gemini-test-001",
          "private": "open-test-1"}
# Each provider's path on the loopback server, as its official base URL would lead to.
PATHS = {"anthropic": "/v1/messages", "openai": "/v1/chat/completions",
         "gemini": "/v1beta/models/gemini-test-001:streamGenerateContent?alt=sse",
         "private": "/v1/chat/completions"}

MESSAGES = [
    ChatMessage("system", "Answer briefly."),
    ChatMessage("user", "Say hello in German."),
    ChatMessage("assistant", "Hallo."),
    ChatMessage("user", "And in Japanese?"),
]
PARAMS = GenerationParams(max_tokens=64, temperature=0.2)


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps passwords in a dict (for tests that need a usable one)."""

    # keyring registers every backend class it sees; below fail.Keyring's 0, this one is never
    # picked as the default of a test that did not ask for it.
    priority = -2

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.passwords[(service, username)]


def memory_keys() -> KeyStore:
    keys = KeyStore(MemoryKeyring())
    for provider, key in KEYS.items():
        keys.set(provider, key)
    return keys


def cloud_settings(name: str, server_url: str, **values: object) -> Settings:
    """Settings with escalation on and ``name``'s tier aimed at ``server_url``."""
    settings = Settings()
    settings.set("cloud.escalation", True)
    settings.set("cloud.read_timeout_s", 5.0)
    if name == "private":
        settings.set("tiers.private.base_url", f"{server_url}/v1")
        settings.set("tiers.private.model", MODELS[name])
    else:
        settings.set("tiers.frontier.provider", name)
        settings.set("tiers.frontier.model", MODELS[name])
        settings.set("tiers.frontier.base_url",
                     f"{server_url}/v1" if name == "openai" else server_url)
    for key, value in values.items():
        settings.set(key, value)
    return settings


def provider_for(name: str, server_url: str, *, keys: KeyStore | None = None,
                 sleep: Callable[[float], None] | None = None,
                 **values: object) -> StreamingProvider:
    tier = "private" if name == "private" else "frontier"
    provider = build_provider(tier, cloud_settings(name, server_url, **values),
                              keys or memory_keys(), sleep=sleep, rng=random.Random(7))
    return cast(StreamingProvider, provider)
