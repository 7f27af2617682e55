"""How failures reach the user: a message bar for known problems, a crash dialog for bugs."""

from __future__ import annotations

import os
import platform
import re
import sys
import traceback
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import TracebackType

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QTimer, qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

INFO_TIMEOUT_MS = 8000


class NoticeBar(QFrame):
    """A dismissable message above the chat: errors stay until closed, news fades by itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NoticeBar")
        self.setAccessibleName("Message")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self.action_button = QPushButton()
        self.action_button.hide()
        layout.addWidget(self.action_button)
        close = QPushButton("Dismiss")
        close.setProperty("flat", True)
        close.setAccessibleName("Dismiss the message")
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self._action: Callable[[], None] | None = None
        self._about = ""
        self.action_button.clicked.connect(self._run_action)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    @property
    def kind(self) -> str:
        return str(self.property("kind") or "info")

    def show_error(self, text: str, action: tuple[str, Callable[[], None]] | None = None) -> None:
        self._show(text, "error", action)

    def show_info(self, text: str, action: tuple[str, Callable[[], None]] | None = None,
                  *, fade: bool = True, about: str = "") -> None:
        """News; ``about`` names what it is about ("model"), so that ``resolved(about)`` can
        take it away once it no longer holds."""
        self._show(text, "info", action)
        self._about = about
        if fade:
            self._timer.start(INFO_TIMEOUT_MS)

    def resolved(self, about: str) -> None:
        """What the message shown was ``about`` is settled: it goes (a stale message misleads)."""
        if self.isVisible() and self._about == about:
            self.hide()

    def _show(self, text: str, kind: str,
              action: tuple[str, Callable[[], None]] | None) -> None:
        self._about = ""
        self._timer.stop()
        self.label.setText(text)
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self._action = action[1] if action else None
        self.action_button.setText(action[0] if action else "")
        self.action_button.setVisible(action is not None)
        self.show()

    def _run_action(self) -> None:
        if self._action is not None:
            self.hide()
            self._action()


# -- crash reports ---------------------------------------------------------------------------

# Shapes of credentials that must never leave in a report, whatever raised the exception.
_SECRET_PATTERNS = (
    re.compile(r"\b(?P<keep>sk|pk|rk|ghp|gho|github_pat|xox[abpr]|AIza)[-_A-Za-z0-9]{12,}"),
    re.compile(r"(?i)\b(?P<keep>bearer\s+)\S+"),
    re.compile(r"(?i)\b(?P<keep>(api[_-]?key|token|secret|password|passwd|authorization)"
               r"\s*[=:]\s*)\S+"),
    re.compile(r"(?P<keep>)\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWT
)


def scrub(text: str) -> str:
    """Text fit for a bug report: credentials masked, the home folder written as ``~``."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group('keep')}[removed]", text)
    home = str(Path.home())
    if len(home) > 1:
        text = text.replace(home, "~")
    user = os.environ.get("USER") or os.environ.get("USERNAME")
    if user and len(user) > 2:
        text = re.sub(rf"\b{re.escape(user)}\b", "<user>", text)
    return text


def crash_report(exc_type: type[BaseException], exc: BaseException,
                 tb: TracebackType | None) -> str:
    """What a developer needs to fix a bug: versions and the traceback, never settings or chats."""
    try:
        version = metadata.version("hearth")
    except metadata.PackageNotFoundError:
        version = "unknown"
    lines = [
        f"Hearth {version}",
        f"Python {platform.python_version()} ({sys.platform}, {platform.machine()})",
        f"Qt {qVersion()}, PySide6 {pyside_version}",
        f"llama-cpp-python {_version_of('llama_cpp_python')}",
        f"System {platform.platform(terse=True)}",
        "",
        "".join(traceback.format_exception(exc_type, exc, tb)).rstrip(),
    ]
    return scrub("\n".join(lines))


def _version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


class CrashDialog(QDialog):
    """Says a bug happened, shows a copyable report, and lets the user carry on."""

    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Hearth ran into a bug")
        self.setAccessibleName("Crash report")
        self.setModal(False)
        self.resize(640, 440)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Something went wrong inside Hearth. Your conversations are saved and you can keep "
            "working. If it happens again, please send this report with a note of what you "
            "were doing. It holds no messages, settings or keys."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.report = QPlainTextEdit(report)
        self.report.setReadOnly(True)
        self.report.setAccessibleName("Report text")
        self.report.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.report, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("Copy report")
        self.copy_button.setAccessibleName("Copy the report")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.report.toPlainText())
