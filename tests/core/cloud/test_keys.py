"""Keys in a real Secret Service (gnome-keyring on a private D-Bus bus), and with no keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from desktop.core.cloud import PROVIDERS, InvalidKeyError, KeyringUnavailable, KeyStore
from tests.core.cloud.support import MemoryKeyring


@pytest.fixture
def keys(secret_service: KeyringBackend) -> Iterator[KeyStore]:
    store = KeyStore(secret_service)
    yield store
    for provider in PROVIDERS:
        store.delete(provider)


def test_secret_service_is_a_usable_backend(keys: KeyStore) -> None:
    assert keys.usable() and keys.backend_name() == "SecretService.Keyring"


def test_set_get_replace_delete(keys: KeyStore) -> None:
    assert keys.get("anthropic") is None
    keys.set("anthropic", "  sk-ant-first-key\n")
    assert keys.get("anthropic") == "sk-ant-first-key"  # whitespace from a paste is dropped
    keys.set("anthropic", "sk-ant-second-key")
    assert keys.get("anthropic") == "sk-ant-second-key"
    assert keys.get("openai") is None  # one account per provider
    assert keys.delete("anthropic") is True
    assert keys.get("anthropic") is None
    assert keys.delete("anthropic") is False


def test_keys_live_under_the_hearth_service(keys: KeyStore,
                                            secret_service: KeyringBackend) -> None:
    keys.set("gemini", "AIzaStoredKey")
    assert secret_service.get_password("hearth", "gemini") == "AIzaStoredKey"
    import secretstorage

    with secretstorage.dbus_init() as connection:  # the item as other tools see it
        collection = secretstorage.get_default_collection(connection)
        [item] = collection.search_items({"service": "hearth", "username": "gemini"})
        assert item.get_secret() == b"AIzaStoredKey"


@pytest.mark.parametrize(("key", "problem"), [
    ("", "empty"), ("   \n", "empty"), ("sk-two words", "spaces"), ("sk-ünïcode", "non-ASCII"),
    ("sk-\x00nul", "control"),
])
def test_impossible_keys_are_refused_without_quoting_them(keys: KeyStore, key: str,
                                                          problem: str) -> None:
    with pytest.raises(InvalidKeyError, match=problem) as caught:
        keys.set("openai", key)
    assert not key.strip() or key.strip() not in str(caught.value)
    assert keys.get("openai") is None


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()],
                         ids=["fail", "null"])
def test_no_usable_backend(backend: KeyringBackend) -> None:
    keys = KeyStore(backend)
    assert not keys.usable()
    name = type(backend).__module__.rsplit(".", 1)[1]
    for call in (lambda: keys.get("anthropic"), lambda: keys.set("anthropic", "sk-x-123456"),
                 lambda: keys.delete("anthropic")):
        with pytest.raises(KeyringUnavailable) as caught:
            call()
        message = str(caught.value)
        assert f"no usable OS keyring (backend: {name}.Keyring)" in message
        assert "cloud tiers stay disabled" in message and "sk-x-123456" not in message


class _EmptyChain(chainer.ChainerBackend):
    backends: list[KeyringBackend] = []


class _MemoryChain(chainer.ChainerBackend):
    backends: list[KeyringBackend] = [MemoryKeyring()]


def test_a_chain_is_usable_only_with_a_usable_member() -> None:
    assert not KeyStore(_EmptyChain()).usable()
    assert KeyStore(_MemoryChain()).usable()


def test_no_key_ever_goes_to_the_environment(keys: KeyStore) -> None:
    keys.set("private", "private-env-check-key")
    assert keys.get("private") == "private-env-check-key"
    assert not any("private-env-check-key" in value for value in os.environ.values())


def test_a_secret_service_that_cannot_be_reached_is_a_clear_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """keyring's Secret Service backend lets secretstorage's exception through when there is
    no D-Bus session (a service, a container): it must come out as KeyringUnavailable."""
    from keyring.backends import SecretService

    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    keys = KeyStore(SecretService.Keyring())
    with pytest.raises(KeyringUnavailable, match="could not read the openai key"):
        keys.get("openai")
    with pytest.raises(KeyringUnavailable, match="could not store the openai key"):
        keys.set("openai", "sk-test-0123456789abcdef")
