"""``hearth config``: the organisation's policy and credentials in addresses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.__main__ import main
from desktop.core import paths
from desktop.core.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SECRET = "sk-cli-0b9e77aa"


@pytest.fixture
def offline_policy() -> Path:
    policy = Path(os.environ[paths.POLICY_FILE_ENV])
    policy.parent.mkdir()
    policy.write_text("[locked]\nnetwork.offline = true\n"
                      '[allowed]\ntiers.frontier.provider = ["anthropic", "gemini"]\n',
                      encoding="utf-8")
    return policy


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["config", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_pinned_setting_cannot_be_changed_from_the_terminal(offline_policy: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "config", "set", "network.offline", "false"],
        cwd=REPO, env=dict(os.environ), capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    [line] = done.stderr.splitlines()
    assert line.startswith("hearth: error: network.offline is set by your organisation's")
    assert str(offline_policy) in line
    assert done.stdout == ""
    assert not (paths.config_dir() / "settings.toml").exists()
    assert Settings().get_bool("network.offline") is True


def test_reset_and_a_refused_choice_are_errors_too(offline_policy: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "reset", "network.offline")
    assert code == 3 and str(offline_policy) in err
    code, _, err = _run(capsys, "set", "tiers.frontier.provider", "openai")
    assert code == 3 and "may only be anthropic, gemini" in err and str(offline_policy) in err


def test_list_marks_locked_and_restricted_settings(offline_policy: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    Settings().set("ui.theme", "dark")
    code, out, _ = _run(capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert any(line.startswith("L network.offline") and line.endswith("= true")
               for line in lines)
    assert any(line.startswith("* ui.theme") for line in lines)
    assert any(line.startswith("  local.threads") for line in lines)
    assert "Allowed by your organisation's policy: anthropic, gemini." in out
    assert lines[-1] == f"L set by your organisation's policy: {offline_policy}"


def test_get_of_a_pinned_setting_says_why_on_stderr(offline_policy: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "get", "network.offline")
    assert (code, out) == (0, "true\n") and str(offline_policy) in err


@pytest.mark.parametrize("url", [f"https://u:{SECRET}@h.example.org/v1",
                                 f"https://h.example.org/v1?api_key={SECRET}"])
def test_an_address_with_a_credential_is_refused(url: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "set", "tiers.private.base_url", url)
    assert code == 3 and out == ""
    assert "hearth keys set private" in err and SECRET not in err
    assert not (paths.config_dir() / "settings.toml").exists()
