"""From settings and keyring to a provider, or a clear CloudConfigError; no network involved."""

from __future__ import annotations

import tomllib

import pytest
from keyring.backends import fail

from desktop.core.cloud import (
    CloudConfigError,
    KeyringUnavailable,
    KeyStore,
    StreamingProvider,
    build_provider,
)
from desktop.core.errors import ConfigError
from desktop.core.settings import Settings
from tests.core.cloud.support import MemoryKeyring, cloud_settings, memory_keys


def test_cloud_settings_have_safe_defaults_and_round_trip() -> None:
    settings = Settings()
    assert settings.get("cloud.escalation") is False
    assert settings.get("tiers.frontier.provider") == "anthropic"
    assert settings.get("tiers.frontier.model") == settings.get("tiers.private.base_url") == ""
    assert settings.get("cloud.max_retries") == 2
    settings.set_text("tiers.private.base_url", "http://127.0.0.1:8080/v1")
    settings.set_text("tiers.frontier.provider", "gemini")
    document = tomllib.loads(settings.path.read_text(encoding="utf-8"))
    assert document["tiers"]["private"]["base_url"] == "http://127.0.0.1:8080/v1"
    again = Settings()
    assert again.get("tiers.private.base_url") == "http://127.0.0.1:8080/v1"
    assert again.get("tiers.frontier.provider") == "gemini" and again.problems == []


def test_escalation_off_keeps_everything_local() -> None:
    settings = cloud_settings("anthropic", "http://127.0.0.1:9")
    settings.set("cloud.escalation", False)
    with pytest.raises(CloudConfigError, match="cloud.escalation true") as caught:
        build_provider("frontier", settings, memory_keys())
    assert caught.value.reason == "frontier tier not used: questions may not leave this device"
    # An explicit connection test may build it anyway.
    build_provider("frontier", settings, memory_keys(), require_escalation=False).close()


@pytest.mark.parametrize(("tier", "key", "value", "message"), [
    ("private", "tiers.private.base_url", "", "tiers.private.base_url"),
    ("private", "tiers.private.model", "", "tiers.private.model"),
    ("frontier", "tiers.frontier.model", "", "set tiers.frontier.model VALUE"),
    ("frontier", "tiers.frontier.base_url", "http://gateway.example/v1", "must use https://"),
    ("frontier", "tiers.frontier.base_url", "ftp://gateway.example", "http:// or https://"),
    ("private", "tiers.private.base_url", "127.0.0.1:8080", "http:// or https://"),
])
def test_missing_or_unsafe_configuration(tier: str, key: str, value: str, message: str) -> None:
    settings = cloud_settings("private" if tier == "private" else "anthropic", "http://127.0.0.1:9")
    settings.set(key, value)
    with pytest.raises(CloudConfigError) as caught:
        build_provider(tier, settings, memory_keys())
    assert message in str(caught.value) and caught.value.reason.startswith(f"{tier} tier")


@pytest.mark.parametrize("url", ["https://user:pw@gateway.example",
                                 "https://gateway.example/?key=x"])
def test_a_credential_in_the_url_never_reaches_a_provider(url: str) -> None:
    """The settings refuse the URL itself (the key belongs in the keyring), so the tier keeps
    its previous address."""
    settings = cloud_settings("anthropic", "https://gateway.example")
    with pytest.raises(ConfigError, match="hearth keys set"):
        settings.set("tiers.frontier.base_url", url)
    with build_provider("frontier", settings, memory_keys()) as provider:
        assert provider.host == "gateway.example"


def test_frontier_without_a_key() -> None:
    settings = cloud_settings("openai", "http://127.0.0.1:9")
    with pytest.raises(CloudConfigError, match="hearth keys set openai"):
        build_provider("frontier", settings, KeyStore(MemoryKeyring()))


def test_frontier_without_a_usable_keyring() -> None:
    settings = cloud_settings("gemini", "http://127.0.0.1:9")
    with pytest.raises(KeyringUnavailable, match=r"backend: fail\.Keyring"):
        build_provider("frontier", settings, KeyStore(fail.Keyring()))


def test_private_tier_needs_no_key_and_no_keyring() -> None:
    settings = cloud_settings("private", "http://192.168.1.20:8000")
    with build_provider("private", settings, KeyStore(fail.Keyring())) as provider:
        assert isinstance(provider, StreamingProvider)
        assert provider.host == "192.168.1.20:8000" and provider.provider == "openai-compatible"


@pytest.mark.parametrize(("name", "host"), [("anthropic", "api.anthropic.com"),
                                            ("openai", "api.openai.com"),
                                            ("gemini", "generativelanguage.googleapis.com")])
def test_official_urls_by_default(name: str, host: str) -> None:
    settings = cloud_settings(name, "http://127.0.0.1:9")
    settings.reset("tiers.frontier.base_url")
    provider = build_provider("frontier", settings, memory_keys())
    try:
        assert (provider.host, provider.provider, provider.tier) == (host, name, "frontier")
    finally:
        provider.close()


def test_a_stored_key_that_cannot_be_right() -> None:
    backend = MemoryKeyring()
    backend.set_password("hearth", "anthropic", "sk-ant pasted with a space")  # by another tool
    settings = cloud_settings("anthropic", "http://127.0.0.1:9")
    with pytest.raises(CloudConfigError, match="hearth keys set anthropic") as caught:
        build_provider("frontier", settings, KeyStore(backend))
    assert "pasted" not in str(caught.value)
