"""A mouse-wheel notch over a field of the settings never changes a setting: it scrolls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.core.conversations import Conversations
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore
from desktop.ui.dashboard import Dashboard
from desktop.ui.jobs import JobRunner
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.wheel_guard import changes_on_wheel

NOTCH = 120  # one notch of a common mouse wheel, in eighths of a degree


def _wheel(widget: QWidget, notches: int) -> None:
    """One wheel turn over the middle of ``widget``, as the window system delivers it."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(QPoint(widget.rect().center()))),
                        QPoint(0, 0), QPoint(0, notches * NOTCH), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def _dialog(qtbot: QtBot, settings: Settings, section: str) -> SettingsDialog:
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show_section(section)
    dialog.resize(680, 420)  # short: the page scrolls
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_the_wheel_over_a_privacy_policy_leaves_it_and_the_setting_unchanged(
        qtbot: QtBot) -> None:
    settings = Settings()
    dialog = _dialog(qtbot, settings, "Privacy")
    combo = dialog.privacy_page.policy_combo("phone")
    assert isinstance(combo, QComboBox) and not combo.hasFocus()
    assert combo.currentData() == "keep_local"
    for notches in (-1, -1, 1, -3):
        _wheel(combo, notches)
        assert combo.currentData() == "keep_local"
    assert dialog.apply()
    assert settings.get_str("privacy.phone") == "keep_local"


def test_the_wheel_over_the_provider_leaves_it_and_scrolls_the_page(qtbot: QtBot) -> None:
    settings = Settings()
    dialog = _dialog(qtbot, settings, "Cloud")
    combo = dialog.cloud_page.provider_combo
    assert combo.currentData() == "anthropic"
    bar = dialog.cloud_page.verticalScrollBar()
    assert bar.maximum() > 0
    before = bar.value()
    _wheel(combo, -2)
    assert combo.currentData() == "anthropic"
    assert bar.value() > before  # the page moved instead
    dialog.apply()
    assert settings.get_str("tiers.frontier.provider") == "anthropic"


def test_the_wheel_changes_no_field_of_any_settings_page_focused_or_not(qtbot: QtBot) -> None:
    settings = Settings()
    dialog = _dialog(qtbot, settings, "General")
    fields = [e for e in dialog.editors.values() if changes_on_wheel(e.widget)]
    assert len(fields) > 20  # every combo box and spin box of every page
    for editor in fields:
        dialog.show_section(_tab_of(dialog, editor.widget))
        before = editor.value()
        editor.widget.setFocus()  # focused by a click earlier: the wheel still only scrolls
        for notches in (1, -1, -1):
            _wheel(editor.widget, notches)
        assert editor.value() == before, editor.setting.key
        assert editor.widget.focusPolicy() == Qt.FocusPolicy.StrongFocus  # no focus by wheel
    dialog.apply()
    for editor in fields:
        assert settings.get(editor.setting.key) == settings.default(editor.setting.key)


@pytest.fixture
def jobs() -> Iterator[JobRunner]:
    runner = JobRunner()
    yield runner
    runner.wait()


def test_the_wheel_over_the_dashboards_hardware_price_saves_nothing(
        qtbot: QtBot, tmp_path: Path, jobs: JobRunner) -> None:
    settings = Settings()
    with ConversationStore(tmp_path / "receipts.sqlite3") as store:
        dashboard = Dashboard(Conversations(store), settings, jobs)
        qtbot.addWidget(dashboard)
        dashboard.show()
        qtbot.waitUntil(lambda: dashboard.data is not None, timeout=15_000)
        volume = dashboard.volume.value()
        _wheel(dashboard.hardware, 3)
        _wheel(dashboard.volume, 3)
        assert dashboard.hardware.value() == 0 and dashboard.volume.value() == volume
        assert settings.get_float("accounting.hardware_usd") == 0


def _tab_of(dialog: SettingsDialog, widget: QWidget) -> str:
    for index in range(dialog.tabs.count()):
        if dialog.tabs.widget(index).isAncestorOf(widget):
            return dialog.tabs.tabText(index)
    raise AssertionError("a field outside every tab")


def _state(widget: QWidget) -> object:
    if isinstance(widget, QComboBox):
        return widget.currentIndex(), widget.currentText()
    if isinstance(widget, QAbstractSpinBox):
        return widget.text()
    assert isinstance(widget, QAbstractSlider)
    return widget.value()


def test_the_wheel_changes_no_value_widget_found_anywhere_in_the_dialog(qtbot: QtBot) -> None:
    """Every combo box, spin box and slider under the dialog, found by walking its widgets
    (those no setting names too, and those of pages added later), keeps its value."""
    settings = Settings()
    dialog = _dialog(qtbot, settings, "General")
    found = [w for w in dialog.findChildren(QWidget) if changes_on_wheel(w)]
    assert {e.widget for e in dialog.editors.values() if changes_on_wheel(e.widget)} \
        <= set(found)
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        for widget in found:
            if not dialog.tabs.widget(index).isAncestorOf(widget) or not widget.isVisible():
                continue
            before = _state(widget)
            for notches in (1, -1, -2):
                _wheel(widget, notches)
            assert _state(widget) == before, (dialog.tabs.tabText(index),
                                              widget.accessibleName() or widget.objectName())
