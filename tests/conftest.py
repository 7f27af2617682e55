"""Fixtures shared by every test: no test ever reads or writes the user's real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.settings import Settings


@pytest.fixture(autouse=True)
def hearth_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """Fresh config and data folders for every test (HEARTH_CONFIG_DIR / HEARTH_DATA_DIR)."""
    config, data = tmp_path / "config", tmp_path / "data"
    monkeypatch.setenv("HEARTH_CONFIG_DIR", str(config))
    monkeypatch.setenv("HEARTH_DATA_DIR", str(data))
    yield config, data


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    """The generated tiny llama-architecture GGUF (random weights), cached between runs."""
    from tests.modelgen import cached_model

    return cached_model("tiny")


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
