"""Helpers shared by the window's tests."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.main_window import MainWindow

LOAD_TIMEOUT_MS = 120_000  # the first load of a model checks it in a child process
ANSWER_TIMEOUT_MS = 60_000


def wait_ready(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.model_state == "ready", timeout=LOAD_TIMEOUT_MS)


def wait_answered(qtbot: QtBot, window: MainWindow) -> None:
    """Until the answer being written is complete and the worker has nothing left to do."""
    qtbot.waitUntil(lambda: not window.answering and not window.inference.busy,
                    timeout=ANSWER_TIMEOUT_MS)


def ask(qtbot: QtBot, window: MainWindow, text: str) -> None:
    """Type ``text`` into the composer, press Enter, and wait for the whole answer."""
    window.composer.edit.setFocus()
    window.composer.set_text(text)
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)
    wait_answered(qtbot, window)
