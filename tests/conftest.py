"""Fixtures shared by every test: no test ever reads or writes the user's real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService

from desktop.core.settings import Settings
from tests.core.cloud.secret_service import running_secret_service


@pytest.fixture(autouse=True)
def hearth_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """Fresh config and data folders for every test (HEARTH_CONFIG_DIR / HEARTH_DATA_DIR),
    and a managed policy file that does not exist (HEARTH_POLICY_FILE): never the real one."""
    config, data = tmp_path / "config", tmp_path / "data"
    monkeypatch.setenv("HEARTH_CONFIG_DIR", str(config))
    monkeypatch.setenv("HEARTH_DATA_DIR", str(data))
    monkeypatch.setenv("HEARTH_POLICY_FILE", str(tmp_path / "policy" / "policy.toml"))
    yield config, data


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    """The generated tiny llama-architecture GGUF (random weights), cached between runs."""
    from tests.modelgen import cached_model

    return cached_model("tiny")


@pytest.fixture(scope="session", params=["tiny-q4_k_m", "tiny-q8_0"])
def quantized_model(request: pytest.FixtureRequest) -> Path:
    """The tiny vocabulary on a 256-wide model quantized by llama.cpp (the kernels users run)."""
    from tests.modelgen import cached_model

    return cached_model(request.param)


@pytest.fixture(scope="session")
def no_byte_tokens_model() -> Path:
    """A model llama.cpp loads, then aborts on while tokenizing a newline or an accented letter."""
    from tests.modelgen import cached_model

    return cached_model("no-byte-tokens")


@pytest.fixture
def settings(tiny_model: Path) -> Settings:
    """Settings pointing at the tiny model, deterministic and light on the CPU."""
    settings = Settings()
    settings.set("local.model_path", str(tiny_model))
    settings.set("local.threads", 1)
    settings.set("local.context_size", 1024)
    settings.set("local.temperature", 0.0)
    settings.set("local.seed", 7)
    settings.set("local.max_tokens", 24)
    return settings


# A real Secret Service (gnome-keyring on a private D-Bus bus) for the keyring tests.
@pytest.fixture(scope="module")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyringBackend]:
    """keyring's SecretService backend, talking to a gnome-keyring-daemon of our own."""
    with running_secret_service(tmp_path_factory.mktemp("secrets")) as env, \
            pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        yield SecretService.Keyring()


@pytest.fixture
def os_keyring(secret_service: KeyringBackend) -> Iterator[KeyringBackend]:
    """Make the Secret Service the keyring ``keyring`` finds, and leave it empty afterwards."""
    previous = keyring.get_keyring()
    keyring.set_keyring(secret_service)
    yield secret_service
    for account in ("anthropic", "openai", "gemini", "private"):
        if secret_service.get_password("hearth", account) is not None:
            secret_service.delete_password("hearth", account)
    keyring.set_keyring(previous)
