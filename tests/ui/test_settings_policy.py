"""The window shows what the organisation's policy pins, and follows settings changed by
another process without ever writing a stale value back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QCheckBox, QComboBox
from pytestqt.qtbot import QtBot

from desktop.core import paths
from desktop.core.services import Services
from desktop.core.settings import Settings
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.settings_follow import follow_other_processes

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def policy_file() -> Path:
    path = Path(os.environ[paths.POLICY_FILE_ENV])
    path.parent.mkdir()
    return path


def _dialog(qtbot: QtBot, settings: Settings) -> SettingsDialog:
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_pinned_settings_are_disabled_with_the_reason(qtbot: QtBot, policy_file: Path) -> None:
    policy_file.write_text('[locked]\nnetwork.offline = true\nprivacy.email = "keep_local"\n'
                           '[allowed]\ntiers.frontier.provider = ["anthropic", "gemini"]\n',
                           encoding="utf-8")
    settings = Settings()
    dialog = _dialog(qtbot, settings)

    offline = dialog.editor("network.offline")
    box = offline.widget
    assert isinstance(box, QCheckBox) and box.isChecked() and not box.isEnabled()
    assert str(policy_file) in box.toolTip()
    assert not offline.lock.isHidden() and str(policy_file) in offline.lock.text()
    assert dialog.editor("cloud.escalation").widget.isEnabled()

    email = dialog.editor("privacy.email")
    assert not email.widget.isEnabled()
    assert email.lock.text().startswith("E-mail addresses: set by your organisation's policy")

    provider = dialog.editor("tiers.frontier.provider")
    combo = provider.widget
    assert isinstance(combo, QComboBox) and combo.isEnabled()
    model = combo.model()
    assert isinstance(model, QStandardItemModel)
    enabled = {combo.itemData(i): model.item(i).isEnabled() for i in range(combo.count())}
    assert enabled == {"anthropic": True, "openai": False, "gemini": True}
    assert provider.lock.text() == ("Your organisation's policy allows only: Anthropic, "
                                    "Google Gemini.")

    box.setChecked(False)  # even if the box were unticked somehow, nothing is saved
    dialog.restore_defaults()
    assert dialog.apply()
    assert settings.get_bool("network.offline") is True
    assert not settings.path.exists() or "offline" not in settings.path.read_text("utf-8")


def test_restore_defaults_leaves_pinned_fields_alone(qtbot: QtBot, policy_file: Path) -> None:
    policy_file.write_text("[locked]\nui.font_size = 18\n", encoding="utf-8")
    dialog = _dialog(qtbot, Settings())
    dialog.restore_defaults()
    assert dialog.editor("ui.font_size").value() == 18
    assert dialog.apply()  # no refused field


def test_a_policy_arriving_while_the_dialog_is_open_disables_the_field(
        qtbot: QtBot, policy_file: Path) -> None:
    settings = Settings()
    dialog = _dialog(qtbot, settings)
    assert dialog.editor("cloud.escalation").widget.isEnabled()
    policy_file.write_text("[locked]\nnetwork.offline = true\n", encoding="utf-8")
    assert settings.refresh() == ["network.offline"]
    assert not dialog.editor("network.offline").widget.isEnabled()
    assert dialog.editor("network.offline").value() is True


def test_the_dialog_never_writes_back_a_value_changed_elsewhere(qtbot: QtBot) -> None:
    settings = Settings()
    settings.set("cloud.escalation", True)
    dialog = _dialog(qtbot, settings)
    terminal = Settings()
    terminal.set("cloud.escalation", False)  # the dialog has not heard of it yet
    dialog.editor("ui.theme").set_value("dark")
    assert dialog.apply()
    assert Settings().get_bool("cloud.escalation") is False
    assert Settings().get_str("ui.theme") == "dark"
    assert dialog.editor("cloud.escalation").value() is False  # the set brought the news


def test_untouched_fields_follow_other_processes_and_edited_ones_stay(qtbot: QtBot) -> None:
    settings = Settings()
    dialog = _dialog(qtbot, settings)
    dialog.editor("local.threads").set_value(4)  # the user is editing this one
    terminal = Settings()
    terminal.set("ui.font_size", 16)
    terminal.set("local.threads", 8)
    settings.refresh()
    assert dialog.editor("ui.font_size").value() == 16
    assert dialog.editor("local.threads").value() == 4


def test_the_timer_brings_other_processes_changes(qtbot: QtBot) -> None:
    settings = Settings()
    heard: list[tuple[str, object]] = []
    settings.subscribe(lambda key, value: heard.append((key, value)))
    timer = follow_other_processes(settings, interval_ms=20)
    try:
        Settings().set("ui.theme", "light")
        qtbot.waitUntil(lambda: heard == [("ui.theme", "light")], timeout=5000)
    finally:
        timer.stop()


def test_the_status_bar_follows_hearth_config_set(window: MainWindow,
                                                  services: Services) -> None:
    assert window.status.next_question.text() == "On this device only"
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "config", "set", "cloud.escalation", "true"],
        cwd=REPO, env=dict(os.environ), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    services.settings.refresh()  # what the window's timer does each second
    assert window.status.next_question.text() == "On this device only: no cloud tier set up"
