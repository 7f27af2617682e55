"""Settings: schema validation, the TOML file, and the environment overrides."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core import paths
from desktop.core.errors import ConfigError
from desktop.core.settings import SCHEMA, Settings, setting_for


def test_locations_follow_the_environment(hearth_dirs: tuple[Path, Path]) -> None:
    config, data = hearth_dirs
    assert paths.config_dir() == config and paths.data_dir() == data
    assert Settings().path == config / "settings.toml"


def test_defaults_without_a_file() -> None:
    settings = Settings()
    assert settings.get("local.context_size") == 4096
    assert settings.problems == [] and not settings.path.exists()


def test_set_persists_as_toml_and_reloads() -> None:
    settings = Settings()
    settings.set_text("local.threads", "6")
    settings.set("local.model_path", 'C:\\models\\a "quoted" name.gguf')
    settings.set_text("local.temperature", "0.2")
    document = tomllib.loads(settings.path.read_text(encoding="utf-8"))
    assert document["schema_version"] == 1
    assert document["local"]["threads"] == 6
    again = Settings()
    assert again.get("local.model_path") == 'C:\\models\\a "quoted" name.gguf'
    assert again.get("local.temperature") == 0.2


def test_default_values_are_not_written() -> None:
    settings = Settings()
    settings.set("local.threads", 4)
    settings.reset("local.threads")
    assert "threads" not in settings.path.read_text(encoding="utf-8")
    assert settings.is_default("local.threads")


@pytest.mark.parametrize(("key", "text", "message"), [
    ("local.threads", "two", "whole number"),
    ("local.threads", "-1", "at least 0"),
    ("local.temperature", "hot", "a number"),
    ("local.temperature", "nan", "finite"),
    ("ui.theme", "purple", "one of system, light, dark"),
    ("local.nope", "1", "unknown setting 'local.nope'"),
    ("nope", "1", "unknown setting 'nope'"),
])
def test_bad_values_are_clear_errors(key: str, text: str, message: str) -> None:
    settings = Settings()
    with pytest.raises(ConfigError, match=message):
        settings.set_text(key, text)
    assert not settings.path.exists()


def test_a_broken_file_falls_back_to_defaults_and_is_kept(hearth_dirs: tuple[Path, Path]) -> None:
    config, _ = hearth_dirs
    config.mkdir(parents=True)
    (config / "settings.toml").write_text("[local\nthreads = ", encoding="utf-8")
    settings = Settings()
    assert settings.get("local.threads") == 0 and settings.problems
    settings.set("local.threads", 2)
    kept = list(config.glob("settings.toml.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "[local\nthreads = "


def test_wrong_values_in_the_file_are_reported_not_fatal(hearth_dirs: tuple[Path, Path]) -> None:
    config, _ = hearth_dirs
    config.mkdir(parents=True)
    (config / "settings.toml").write_text(
        '[local]\nthreads = "lots"\ncontext_size = 2048\nfuture_key = 1\n', encoding="utf-8")
    settings = Settings()
    assert settings.get("local.threads") == 0
    assert settings.get("local.context_size") == 2048
    assert len(settings.problems) == 2


def test_unknown_section_is_reported(hearth_dirs: tuple[Path, Path]) -> None:
    config, _ = hearth_dirs
    config.mkdir(parents=True)
    (config / "settings.toml").write_text('top = 1\n[x.y]\nz = 2\n', encoding="utf-8")
    settings = Settings()
    assert len(settings.problems) == 2 and "x.y.z" in settings.problems[1]


def test_listeners_hear_changes() -> None:
    settings = Settings()
    heard: list[tuple[str, object]] = []
    settings.subscribe(lambda key, value: heard.append((key, value)))
    settings.set("ui.font_size", 14)
    assert heard == [("ui.font_size", 14)]


def test_schema_is_consistent() -> None:
    keys = [s.key for s in SCHEMA]
    assert len(keys) == len(set(keys))
    for setting in SCHEMA:
        assert setting.validate(setting.default) == setting.default
        assert setting.description.endswith(".")
        assert setting_for(setting.key) is setting


@given(st.text(max_size=200))
def test_any_text_round_trips_through_the_file(text: str) -> None:
    settings = Settings(Path(paths.config_dir()) / "prop.toml")
    settings.set("chat.system_prompt", text)
    assert Settings(settings.path).get("chat.system_prompt") == text


def test_shipped_defaults_layer(tmp_path: Path) -> None:
    shipped = tmp_path / "bundle" / "hearth-defaults.toml"
    shipped.parent.mkdir()
    shipped.write_text('[network]\noffline = true\n[local]\nmodel_path = "models/tiny.gguf"\n',
                       encoding="utf-8")
    settings = Settings(defaults_file=shipped)
    assert settings.get("network.offline") is True and settings.is_default("network.offline")
    assert settings.get("local.model_path") == str(shipped.parent / "models" / "tiny.gguf")
    settings.set("network.offline", False)  # the user's choice is written and wins
    assert Settings(defaults_file=shipped).get("network.offline") is False
    settings.reset("network.offline")
    assert Settings(defaults_file=shipped).get("network.offline") is True
