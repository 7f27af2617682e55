"""The "Other apps" page of the settings: Hearth's local OpenAI-compatible server.

It shows the address apps use, the token they must send (masked; copied whole), and a switch
that starts or stops ``hearth serve`` as a process of its own: the server keeps answering other
apps when the window is busy, and a crash in it never takes the window down. (It loads its own
copy of the model while it runs.)
"""

from __future__ import annotations

import sys
from functools import partial
from typing import ClassVar

from PySide6.QtCore import QCoreApplication, QObject, QProcess, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.settings import SCHEMA, Settings
from desktop.server import MODEL_ROUTES, ServerToken, masked
from desktop.ui.jobs import JobRunner
from desktop.ui.settings_fields import HELP, SettingEditor, add_field, make_editor

_INTRO = (
    "Other apps on this computer (editors, scripts, chat front ends) can ask Hearth through an "
    "OpenAI-compatible API. Each request goes through the same privacy rules, routing, "
    "receipts and budget as a question asked here, and appears under \"From other apps\". "
    "Only this computer can connect, and every request needs the token."
)


def serve_command(port: int) -> list[str]:
    """The command line of ``hearth serve`` for this installation (a frozen build's binary
    takes the CLI's arguments itself)."""
    base = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m",
                                                                   "desktop"]
    return [*base, "serve", "--port", str(port)]


class ServerSwitch(QObject):
    """Starts and stops ``hearth serve`` as a child process, and says what it is doing.

    Signals:
        changed(str): a sentence about the server's state ("Running at …", "Stopped", why it
            stopped).
    """

    changed = Signal(str)
    _shared: ClassVar[ServerSwitch | None] = None

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._process: QProcess | None = None
        self._said = "Stopped."
        self._errors = ""
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shut_down)

    @classmethod
    def shared(cls, settings: Settings) -> ServerSwitch:
        """The window's one switch (the settings page and the start-up share it)."""
        if cls._shared is None or cls._shared._settings is not settings:
            cls._shared = cls(settings, QCoreApplication.instance())
        return cls._shared

    @property
    def running(self) -> bool:
        return self._process is not None

    def state(self) -> str:
        return self._said

    def address(self) -> str:
        return f"http://127.0.0.1:{self._settings.get_int('server.port')}/v1"

    def start(self) -> None:
        if self._process is not None:
            return
        process = QProcess(self)
        command = serve_command(self._settings.get_int("server.port"))
        process.setProgram(command[0])
        process.setArguments(command[1:])
        process.readyReadStandardOutput.connect(self._read_output)
        process.readyReadStandardError.connect(self._read_errors)
        process.finished.connect(self._ended)
        self._process, self._errors = process, ""
        self._say("Starting…")
        process.start()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()  # SIGTERM: uvicorn stops cleanly, the model is freed

    @Slot()
    def shut_down(self, timeout_ms: int = 5000) -> None:
        """Stop the server and wait for it (the window is closing)."""
        process = self._process
        if process is not None:
            process.terminate()
            if not process.waitForFinished(timeout_ms):
                process.kill()
                process.waitForFinished(timeout_ms)

    def start_if_wanted(self) -> None:
        """Start now when the setting server.autostart asks for it (at the window's start)."""
        if self._settings.get_bool("server.autostart"):
            self.start()

    @Slot()
    def _read_output(self) -> None:
        assert self._process is not None
        text = bytes(self._process.readAllStandardOutput().data()).decode(errors="replace")
        if "Hearth serves" in text:
            self._say(f"Running at {self.address()}.")

    @Slot()
    def _read_errors(self) -> None:
        assert self._process is not None
        self._errors += bytes(self._process.readAllStandardError().data()).decode(
            errors="replace")

    @Slot()
    def _ended(self) -> None:
        lines = [line for line in self._errors.splitlines() if line.startswith("hearth:")]
        self._process = None
        self._say(f"Stopped: {lines[-1].removeprefix('hearth: ')}" if lines else "Stopped.")

    def _say(self, text: str) -> None:
        self._said = text
        self.changed.emit(text)


class ServerPage(QScrollArea):
    """The address, the token, the switch and the ``server.*`` settings.

    ``editors`` holds one ``SettingEditor`` per setting shown, for the dialog to load and save.
    ``tokens`` is read through ``jobs`` (a keyring may block while it asks to be unlocked).
    """

    _port_changed = Signal()  # from any thread's settings listener to the GUI thread

    def __init__(self, settings: Settings, jobs: JobRunner, *,
                 switch: ServerSwitch | None = None, tokens: ServerToken | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.switch = switch or ServerSwitch.shared(settings)
        self._tokens = tokens or ServerToken()
        self._jobs = jobs
        self._token: str | None = None
        page = QWidget()
        column = QVBoxLayout(page)
        intro = QLabel(_INTRO)
        intro.setWordWrap(True)
        column.addWidget(intro)

        self.address = QLabel(self.switch.address())
        self.address.setAccessibleName("Server address")
        self.copy_address = QPushButton("Copy address")
        self.copy_address.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.switch.address()))
        column.addLayout(_row(QLabel("Address:"), self.address, self.copy_address))

        self.token_label = QLabel("…")
        self.token_label.setAccessibleName("Access token (masked)")
        self.token_label.setWordWrap(True)  # a keyring's complaint can be long
        self.copy_token = QPushButton("Copy token")
        self.copy_token.setEnabled(False)
        self.copy_token.clicked.connect(self._copy_token)
        token_row = QHBoxLayout()
        token_row.addWidget(QLabel("Token:"))
        token_row.addWidget(self.token_label, 1)
        token_row.addWidget(self.copy_token)
        column.addLayout(token_row)

        models = QLabel("Models: " + ", ".join(MODEL_ROUTES) + " (the name chooses the route)")
        models.setWordWrap(True)
        models.setObjectName("Muted")
        column.addWidget(models)

        self.state = QLabel(self.switch.state())
        self.state.setAccessibleName("Server state")
        self.toggle = QPushButton()
        self.toggle.clicked.connect(self._toggle)
        column.addLayout(_row(self.toggle, self.state))
        self.switch.changed.connect(self._show_state)
        self._show_state(self.switch.state())

        self.editors: dict[str, SettingEditor] = {}
        # Laid out so that the page fits a 600-pixel-high screen: port and start on one
        # row, the web pages on a row of their own, the three limits on one row.
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(0)
        for index in range(3):
            grid.setColumnStretch(index, 1)
        for setting in (s for s in SCHEMA if s.section == "server"):
            editor = make_editor(setting, page)
            self.editors[setting.key] = editor
            if isinstance(editor.widget, QSpinBox):
                editor.widget.setGroupSeparatorShown(False)  # a port is 8765, not 8,765
            cell = QVBoxLayout()
            add_field(cell, editor, help_text=HELP.get(setting.key, setting.description))
            cell.addStretch(1)
            row, col, span = _PLACES.get(setting.key, (grid.rowCount(), 0, 3))
            grid.addLayout(cell, row, col, 1, span)
        applied = QLabel("Changes below apply the next time the server starts.")
        applied.setObjectName("Muted")
        column.addSpacing(6)
        column.addWidget(applied)
        column.addLayout(grid)
        column.addStretch(1)
        self.setWidget(page)
        self._port_changed.connect(lambda: self.address.setText(self.switch.address()))
        settings.subscribe(self._on_setting)
        self.destroyed.connect(partial(settings.unsubscribe, self._on_setting))
        self.read_token()

    def read_token(self) -> None:
        """Show the token (made by the server's first start) without blocking the window."""
        self._jobs.run(self._tokens.get, on_done=self._show_token,
                       on_failed=self.token_label.setText, context=self)

    @Slot(str)
    def _show_state(self, text: str) -> None:
        self.state.setText(text)
        if self.switch.running and self._token is None and text.startswith("Running"):
            self.read_token()
        self.toggle.setText("Stop the server" if self.switch.running else "Start the server")

    @Slot()
    def _toggle(self) -> None:
        if self.switch.running:
            self.switch.stop()
        else:
            self.switch.start()
        self._show_state(self.switch.state())

    def _show_token(self, token: object) -> None:
        if not isinstance(token, str):
            self.token_label.setText("made when the server first starts")
            return
        self._token = token
        self.token_label.setText(masked(token))
        self.copy_token.setEnabled(True)

    @Slot()
    def _copy_token(self) -> None:
        if self._token is not None:
            QGuiApplication.clipboard().setText(self._token)

    def _on_setting(self, key: str, _value: object) -> None:
        if key == "server.port":
            self._port_changed.emit()


# Where each setting's field goes on the page's grid: (row, column, columns spanned).
_PLACES = {"server.port": (0, 0, 1), "server.autostart": (0, 1, 2),
           "server.cors_origins": (1, 0, 3), "server.queue_size": (2, 0, 1),
           "server.max_request_kb": (2, 1, 1), "server.max_prompt_chars": (2, 2, 1)}


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row
