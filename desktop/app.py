"""Composition root of the desktop app: builds the core services and opens the window."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

import desktop.ui  # noqa: F401 - first, so that its PySide6 workaround precedes any Qt call
from desktop.core.errors import KnownError
from desktop.core.routing import warm_up as warm_up_privacy_gate
from desktop.core.services import Services, open_services

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def run_app(argv: list[str] | None = None) -> int:
    """Open the window and run until it is closed; the process exit status."""
    from PySide6.QtCore import QCoreApplication, QEvent, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop.ui import assets
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings_follow import follow_other_processes

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(
        sys.argv if argv is None else argv)
    app.setApplicationName("Hearth")
    app.setDesktopFileName("hearth")
    app.setWindowIcon(assets.app_icon())
    try:
        services = open_services(separate_reads=True)
        services.conversations.recover_interrupted()
    except KnownError as exc:
        QMessageBox.critical(None, "Hearth cannot start", str(exc))
        return 1
    try:
        window = MainWindow(services)
        previous_hook = sys.excepthook
        sys.excepthook = _crash_hook(window, previous_hook)
        # Ctrl+C in a terminal and SIGTERM close the window as its Quit action does. Python
        # runs signal handlers only between bytecodes; the timer gives it that chance while
        # Qt's event loop waits.
        handlers = {number: signal.signal(number, lambda *_: window.close())
                    for number in (signal.SIGINT, signal.SIGTERM)}
        heartbeat = QTimer()
        heartbeat.timeout.connect(lambda: None)
        heartbeat.start(250)
        settings_poll = follow_other_processes(services.settings)
        window.show()
        if services.settings.get_bool("server.autostart"):
            # Loaded only when wanted: the server's switch brings the keyring with it, about
            # 30 ms of imports (measured) before the window's first paint.
            from desktop.ui.server_page import ServerSwitch

            ServerSwitch.shared(services.settings).start()
        warm_up_in_background()
        code = app.exec()
        settings_poll.stop()
        heartbeat.stop()
        window.shut_down()
        sys.excepthook = previous_hook
        for number, handler in handlers.items():
            signal.signal(number, handler)
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    finally:
        _close(services)
    return code


def warm_up_in_background() -> threading.Thread:
    """Start what the first question would otherwise wait for, on a thread of its own.

    The privacy gate loads its vocabularies on first use (about 0.4 s, holding the GIL for tens
    of milliseconds at a time: measured stalls of the window of 30-64 ms when that happens
    while an answer streams); at start it happens beside the model's load instead.
    """
    thread = threading.Thread(target=warm_up_privacy_gate, name="hearth-gate-warm-up",
                              daemon=True)
    thread.start()
    return thread


def _crash_hook(window: MainWindow, previous: ExceptHook) -> ExceptHook:
    """Exceptions escaping a slot on the GUI thread: a message or a crash report, not an exit."""
    from desktop.ui.notices import crash_report

    def hook(exc_type: type[BaseException], exc: BaseException,
             tb: TracebackType | None) -> None:
        if not issubclass(exc_type, Exception):
            previous(exc_type, exc, tb)
            return
        if isinstance(exc, KnownError):
            window.notice.show_error(str(exc))
            return
        report = crash_report(exc_type, exc, tb)
        print(report, file=sys.stderr)
        window.show_crash(report)

    return hook


def _close(services: Services) -> None:
    try:
        services.close()
    except KnownError as exc:
        print(f"hearth: {exc}", file=sys.stderr)
