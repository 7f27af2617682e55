"""The organisation's managed policy: pinned and restricted settings, and how a policy that
cannot be used fails safe. ``HEARTH_POLICY_FILE`` (tests/conftest.py) points into tmp_path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from desktop.core import paths
from desktop.core.errors import ConfigError
from desktop.core.settings import PolicyLocked, Settings


@pytest.fixture
def policy_file() -> Path:
    path = Path(os.environ[paths.POLICY_FILE_ENV])
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _user_file(text: str) -> None:
    paths.config_dir().mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / "settings.toml").write_text(text, encoding="utf-8")


def test_tests_never_read_the_real_policy(policy_file: Path, tmp_path: Path) -> None:
    assert Settings().policy.path == policy_file and tmp_path in policy_file.parents


@pytest.mark.parametrize(("platform", "expected"), [
    ("linux", "/etc/hearth/policy.toml"),
    ("darwin", "/Library/Application Support/Hearth/policy.toml"),
])
def test_the_default_location_per_os(platform: str, expected: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.POLICY_FILE_ENV)
    monkeypatch.setattr(sys, "platform", platform)
    assert paths.policy_file() == Path(expected)


def test_the_windows_location_is_under_programdata(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.POLICY_FILE_ENV)
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", "/pd")
    assert paths.policy_file() == Path("/pd") / "Hearth" / "policy.toml"


def test_a_pinned_key_wins_over_the_users_file_and_cannot_be_changed(
        policy_file: Path) -> None:
    _user_file("[network]\noffline = false\n")
    policy_file.write_text('note = "Ask IT."\n[locked]\nnetwork.offline = true\n',
                           encoding="utf-8")
    settings = Settings()
    assert settings.get_bool("network.offline") is True
    with pytest.raises(PolicyLocked) as refused:
        settings.set("network.offline", False)
    message = str(refused.value)
    assert str(policy_file) in message and "network.offline" in message
    assert message.endswith("Ask IT.") and "\n" not in message
    assert isinstance(refused.value, ConfigError) and refused.value.key == "network.offline"
    with pytest.raises(PolicyLocked):
        settings.reset("network.offline")
    with pytest.raises(PolicyLocked):
        settings.set_text("network.offline", "not even a boolean")
    assert settings.locked_reason("network.offline") == (
        f"Set by your organisation's policy ({policy_file}). Ask IT.")
    assert settings.locked_reason("ui.theme") is None
    assert "offline = false" in settings.path.read_text(encoding="utf-8")  # the user's own


def test_both_table_forms_name_the_same_setting(policy_file: Path) -> None:
    policy_file.write_text('[locked.cloud]\nescalation = false\n[locked]\n'
                           '"privacy.email" = "redact"\n', encoding="utf-8")
    settings = Settings()
    assert settings.locked_reason("cloud.escalation") is not None
    assert settings.get("privacy.email") == "redact" and settings.problems == []


def test_allowed_values_restrict_a_choice(policy_file: Path) -> None:
    _user_file('[tiers.frontier]\nprovider = "openai"\n')
    policy_file.write_text('[allowed]\ntiers.frontier.provider = ["anthropic", "gemini"]\n',
                           encoding="utf-8")
    settings = Settings()
    assert settings.get("tiers.frontier.provider") == "anthropic"  # the user's is not allowed
    assert any("openai is not allowed" in p and str(policy_file) in p
               for p in settings.problems)
    with pytest.raises(PolicyLocked, match="may only be anthropic, gemini"):
        settings.set("tiers.frontier.provider", "openai")
    assert settings.set("tiers.frontier.provider", "gemini") == "gemini"
    assert settings.get("tiers.frontier.provider") == "gemini"
    assert settings.locked_reason("tiers.frontier.provider") is None
    assert settings.allowed_values("tiers.frontier.provider") == ("anthropic", "gemini")


def test_a_default_that_is_not_allowed_gives_way_to_the_first_allowed(
        policy_file: Path) -> None:
    policy_file.write_text('[allowed]\n"tiers.frontier.provider" = ["gemini"]\n',
                           encoding="utf-8")
    settings = Settings()
    assert settings.get("tiers.frontier.provider") == "gemini"
    assert settings.locked_reason("tiers.frontier.provider") is not None  # one choice: pinned
    assert settings.reset("tiers.frontier.provider") == "gemini"


def test_an_unreadable_policy_keeps_escalation_off(policy_file: Path) -> None:
    _user_file("[cloud]\nescalation = true\n")
    policy_file.write_text("[locked\nnetwork.offline = true", encoding="utf-8")
    settings = Settings()
    assert settings.get_bool("cloud.escalation") is False
    assert any(str(policy_file) in p and "could not be read" in p for p in settings.problems)
    with pytest.raises(PolicyLocked):
        settings.set("cloud.escalation", True)
    assert settings.get_bool("network.offline") is False  # not forced: see _policy docstring


def test_a_policy_broken_while_running_keeps_its_last_reading(policy_file: Path) -> None:
    policy_file.write_text("[locked]\nnetwork.offline = true\n", encoding="utf-8")
    settings = Settings()
    policy_file.write_text("[locked]\nnetwork.offline = ", encoding="utf-8")
    assert settings.get_bool("network.offline") is True
    assert settings.locked_reason("network.offline") is not None
    assert any("last reading stays in force" in p for p in settings.problems)


def test_unusable_entries_are_reported_and_read_strictly(policy_file: Path) -> None:
    policy_file.write_text(
        '[locked]\nnetwork.offline = "true"\nlocal.threads = "many"\nnope.key = 1\n'
        '[allowed]\nprivacy.phone = ["keep_local", "shout"]\nprivacy.email = "redact"\n'
        '[extra]\nx = 1\n', encoding="utf-8")
    _user_file('[local]\nthreads = 8\n[privacy]\nphone = "redact"\nemail = "redact"\n')
    settings = Settings()
    assert settings.get_bool("network.offline") is True  # text accepted, as the CLI does
    assert settings.get_int("local.threads") == 0  # pinned at the default, not the user's 8
    assert settings.locked_reason("local.threads") is not None
    assert settings.get("privacy.phone") == "keep_local"  # only usable value: pinned
    assert settings.get("privacy.email") == "keep_local"  # not a list: pinned at default
    problems = "\n".join(settings.problems)
    for expected in ("local.threads takes a whole number", "unknown setting 'nope.key'", "'shout'",
                     "allowed privacy.email must be a list", "'extra' is not part"):
        assert expected in problems


def test_a_policy_written_later_is_followed_and_listeners_hear_it(policy_file: Path) -> None:
    settings = Settings()
    settings.set("cloud.escalation", True)
    heard: list[tuple[str, object]] = []
    settings.subscribe(lambda key, value: heard.append((key, value)))
    policy_file.write_text("[locked]\ncloud.escalation = false\n", encoding="utf-8")
    assert settings.refresh() == ["cloud.escalation"] and heard == [("cloud.escalation", False)]
    policy_file.unlink()
    assert settings.get_bool("cloud.escalation") is True  # the user's choice again
