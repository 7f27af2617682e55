"""The window's changes to conversations (rename, delete, lock, version) are written off the GUI
thread: another process holding SQLite's write lock never stalls the window, and the change
lands once the lock is free. Real store, real second connection."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from desktop.core.services import Services
from desktop.ui.main_window import MainWindow

from .conftest import WindowFactory

HOLD_S = 2.0
TICK_MS = 20


@pytest.fixture
def other_process_writing(services: Services) -> Iterator[sqlite3.Connection]:
    """A second connection, as the CLI's or the local server's; ``_hold`` takes the write
    lock on it."""
    conn = sqlite3.connect(services.store.path, isolation_level=None, timeout=0.1)
    yield conn
    if conn.in_transaction:
        conn.execute("ROLLBACK")
    conn.close()


class _Ticks:
    """A timer on the GUI thread: the longest gap between its ticks says how long the event
    loop was kept waiting."""

    def __init__(self) -> None:
        self.times: list[float] = [time.monotonic()]
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(lambda: self.times.append(time.monotonic()))
        self.timer.start()

    def longest_gap_s(self) -> float:
        return max(b - a for a, b in zip(self.times, self.times[1:], strict=False))


def _hold(conn: sqlite3.Connection) -> None:
    """Take the write lock now and let it go after ``HOLD_S``."""
    conn.execute("BEGIN IMMEDIATE")
    QTimer.singleShot(int(HOLD_S * 1000), lambda: conn.execute("COMMIT"))


def _window(make_window: WindowFactory, services: Services, title: str) -> tuple[MainWindow,
                                                                                  int]:
    chat = services.store.create_conversation(title)
    window = make_window(services, wait_for_model=False)
    window.open_conversation(chat.id)
    return window, chat.id


def test_a_rename_waits_for_another_writer_without_stalling_the_window(
        qtbot: QtBot, services: Services, make_window: WindowFactory,
        other_process_writing: sqlite3.Connection) -> None:
    window, chat = _window(make_window, services, "Old title")
    ticks = _Ticks()
    _hold(other_process_writing)
    started = time.monotonic()
    window.rename_conversation(chat, "New title")
    assert time.monotonic() - started < 0.1  # returned at once
    qtbot.waitUntil(lambda: window.windowTitle() == "New title — Hearth", timeout=8000)
    landed = time.monotonic() - started
    ticks.timer.stop()
    assert landed >= HOLD_S - 0.1  # it waited for the other writer…
    assert services.store.conversation(chat).title == "New title"
    assert ticks.longest_gap_s() < 0.5, ticks.longest_gap_s()  # …and the window did not
    assert len(ticks.times) > HOLD_S * 1000 / TICK_MS / 3


def test_locking_and_deleting_wait_off_the_gui_thread_and_land_in_order(
        qtbot: QtBot, services: Services, make_window: WindowFactory,
        other_process_writing: sqlite3.Connection) -> None:
    window, chat = _window(make_window, services, "Kept here")
    ticks = _Ticks()
    _hold(other_process_writing)
    window.session.set_locked(True)
    assert window.session.locked and window.lock_action.isChecked()  # shown at once
    window.delete_conversation(chat, confirm=False)
    assert chat in window.conversations.conversation_ids()  # not before it is deleted
    qtbot.waitUntil(lambda: chat not in window.conversations.conversation_ids(), timeout=8000)
    ticks.timer.stop()
    assert window.conversation_id is None
    assert chat not in [c.id for c in services.store.conversations()]
    assert ticks.longest_gap_s() < 0.5, ticks.longest_gap_s()


def test_a_lock_that_could_not_be_saved_is_said_in_words(
        qtbot: QtBot, services: Services, make_window: WindowFactory) -> None:
    window, chat = _window(make_window, services, "Deleted elsewhere")
    services.store.delete_conversation(chat)  # by another process, meanwhile
    window.session.set_locked(True)
    qtbot.waitUntil(lambda: window.notice.isVisible(), timeout=5000)
    assert window.notice.label.text().startswith("The chat could not be kept on this device: ")


def test_a_rename_of_a_chat_deleted_elsewhere_is_said_in_words(
        qtbot: QtBot, services: Services, make_window: WindowFactory) -> None:
    window, chat = _window(make_window, services, "Soon gone")
    services.store.delete_conversation(chat)  # by another process, meanwhile
    window.rename_conversation(chat, "Too late")
    qtbot.waitUntil(lambda: window.notice.isVisible(), timeout=5000)
    assert window.notice.label.text().startswith("The chat could not be renamed: ")
    assert chat not in window.conversations.conversation_ids()
