"""Address settings refuse credentials: keys go to the OS keyring, never into settings.toml."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.core import paths
from desktop.core.errors import ConfigError
from desktop.core.settings import Settings

SECRET = "sk-live-93f0c1d2"


@pytest.mark.parametrize("url", [
    f"https://user:{SECRET}@llm.example.org/v1",
    f"https://{SECRET}@llm.example.org/v1",
    f"https://llm.example.org/v1?api_key={SECRET}",
    f"https://llm.example.org/v1?model=x&key={SECRET}",
    f"https://llm.example.org/v1?token={SECRET}",
    f"https://llm.example.org/v1?access_token={SECRET}",
    f"https://llm.example.org/v1?X-Goog-Api-Key={SECRET}",
    f"https://llm.example.org/v1?apiKey={SECRET}",
    f"https://llm.example.org/v1#token={SECRET}",
])
def test_a_private_url_with_a_credential_is_refused(url: str) -> None:
    settings = Settings()
    with pytest.raises(ConfigError) as refused:
        settings.set("tiers.private.base_url", url)
    message = str(refused.value)
    assert "hearth keys set private" in message and SECRET not in message
    assert not settings.path.exists()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/v1",
    "https://llm.example.org/v1?model=qwen",
    "https://llm.example.org/v1?keyword=x&monkey=1",
    "http://[::1]:8080/v1",
    "",
])
def test_an_ordinary_url_is_accepted(url: str) -> None:
    assert Settings().set("tiers.private.base_url", url) == url


def test_every_url_setting_refuses_credentials() -> None:
    settings = Settings()
    with pytest.raises(ConfigError, match="hearth keys set anthropic"):
        settings.set("tiers.frontier.base_url", f"https://gw.example.org/?key={SECRET}")
    with pytest.raises(ConfigError, match="OS keyring"):
        settings.set("models.mirror_url", f"https://u:{SECRET}@mirror.example.org/hf")


def test_a_stored_url_with_a_credential_is_a_problem_not_a_crash(
        hearth_dirs: tuple[Path, Path]) -> None:
    config, _ = hearth_dirs
    config.mkdir()
    (config / "settings.toml").write_text(
        f'[tiers.private]\nbase_url = "https://u:{SECRET}@h.example.org/v1"\nmodel = "m"\n',
        encoding="utf-8")
    settings = Settings()
    assert settings.get("tiers.private.base_url") == ""  # not used
    assert settings.get("tiers.private.model") == "m"
    [problem] = settings.problems
    assert "tiers.private.base_url" in problem and SECRET not in problem
    settings.set("ui.theme", "dark")  # the next write drops it from the file
    assert SECRET not in settings.path.read_text(encoding="utf-8")


def test_a_policy_cannot_pin_a_url_with_a_credential() -> None:
    policy = Path(os.environ[paths.POLICY_FILE_ENV])
    policy.parent.mkdir()
    policy.write_text(f'[locked]\ntiers.private.base_url = "https://h/v1?token={SECRET}"\n',
                      encoding="utf-8")
    settings = Settings()
    assert settings.get("tiers.private.base_url") == ""
    assert settings.locked_reason("tiers.private.base_url") is not None
    assert not any(SECRET in p for p in settings.problems) and settings.problems
