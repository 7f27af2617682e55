"""``run_app``, the composition root: opens the window, runs, shuts down cleanly."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop import app as desktop_app
from desktop.core.errors import StorageError
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore
from desktop.ui.main_window import MainWindow
from desktop.ui.notices import CrashDialog

from .conftest import WindowFactory


def _close_when_ready(asked: list[str]) -> QTimer:
    """Closes the window once its model is loaded, after asking one question."""
    timer = QTimer()

    def check() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        if not windows or windows[0].model_state != "ready":
            return
        window = windows[0]
        if not asked:
            asked.append("hello")
            window.send("hello")
        elif not window.answering:
            timer.stop()
            window.quit_action.trigger()

    timer.timeout.connect(check)
    timer.start(20)
    return timer


def test_run_app_opens_the_window_answers_and_exits_cleanly(
        qtbot: QtBot, settings: Settings, hearth_dirs: tuple[Path, Path]) -> None:
    hook = sys.excepthook
    asked: list[str] = []
    timer = _close_when_ready(asked)
    assert desktop_app.run_app([]) == 0
    timer.stop()
    assert sys.excepthook is hook  # put back
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    with ConversationStore.open_default() as store:
        [conversation] = store.conversations()
        statuses = [m.status for m in store.messages(conversation.id)]
    assert asked == ["hello"] and statuses == ["complete", "complete"]


def test_run_app_explains_a_database_it_cannot_open(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("HEARTH_DATA_DIR", str(blocker))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical",
                        lambda parent, title, text: shown.append(f"{title}: {text}"))
    assert desktop_app.run_app([]) == 1
    assert shown and shown[0].startswith("Hearth cannot start: ")
    assert "not-a-folder" in shown[0]


def test_exceptions_on_the_gui_thread_become_messages_or_crash_reports(
        qtbot: QtBot, make_window: WindowFactory, settings: Settings) -> None:
    from desktop.core.services import open_services

    services = open_services(settings)
    try:
        window = make_window(services)
        passed_on: list[type[BaseException]] = []
        hook = desktop_app._crash_hook(window, lambda t, e, tb: passed_on.append(t))
        hook(StorageError, StorageError("the disk is full"), None)
        assert window.notice.isVisible() and window.notice.label.text() == "the disk is full"
        try:
            raise KeyError("missing")
        except KeyError as exc:
            hook(KeyError, exc, exc.__traceback__)
        dialog = window.findChild(CrashDialog)
        assert dialog is not None and "KeyError: 'missing'" in dialog.report.toPlainText()
        hook(KeyboardInterrupt, KeyboardInterrupt(), None)
        assert passed_on == [KeyboardInterrupt]
    finally:
        window.shut_down()
        services.close()
