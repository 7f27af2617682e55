"""One cloud tier's box on the Cloud page: its fields, its key field (a masked line whose text
goes to the OS keyring, never back) and its Test connection button with the result.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.cloud.checks import KeyStatus
from desktop.core.cloud.refusals import RefusedKeys
from desktop.ui.settings_fields import SettingEditor, add_field
from desktop.ui.theme import restyle


class KeyField(QWidget):
    """A masked field whose text goes to the keyring, never back; and whether a key is stored.

    Signals:
        store_requested(str, str): the provider and the key typed.
        remove_requested(str): the provider whose key to delete.
    """

    store_requested = Signal(str, str)
    remove_requested = Signal(str)

    def __init__(self, provider: Callable[[], str], *, optional: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._provider = provider
        self._optional = optional
        self._status: KeyStatus | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        self.caption = QLabel("API key")
        self.caption.setObjectName("FieldCaption")
        column.addWidget(self.caption)
        row = QHBoxLayout()
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName("API key")
        self.edit.setAccessibleDescription("Typed or pasted keys are stored in the OS keyring "
                                           "and never shown again")
        self.edit.setPlaceholderText("Paste a key to store it in the OS keyring")
        self.caption.setBuddy(self.edit)
        self.store_button = QPushButton("Store key")
        self.store_button.setAccessibleName("Store the key in the OS keyring")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName("Remove the stored key")
        row.addWidget(self.edit, 1)
        row.addWidget(self.store_button)
        row.addWidget(self.remove_button)
        column.addLayout(row)
        self.state = QLabel("Checking the keyring…")
        self.state.setObjectName("Hint")
        self.state.setWordWrap(True)
        column.addWidget(self.state)
        self.error = QLabel()
        self.error.setObjectName("ErrorLabel")
        self.error.setWordWrap(True)
        self.error.hide()
        column.addWidget(self.error)
        self.store_button.clicked.connect(self._store)
        self.edit.returnPressed.connect(self._store)
        self.remove_button.clicked.connect(self._remove)
        self.edit.textChanged.connect(self._update_buttons)
        self._update_buttons()

    @property
    def provider(self) -> str:
        return self._provider()

    @property
    def status(self) -> KeyStatus | None:
        """What the keyring said last (None: not asked yet, or being asked)."""
        return self._status

    def pending_key(self) -> str:
        """A key typed but not stored yet."""
        return self.edit.text().strip()

    def show_status(self, status: KeyStatus | None) -> None:
        """Show whether the provider has a key (None: the keyring is being asked)."""
        self._status = status
        if status is None:
            self.state.setText("Checking the keyring…")
            self.show_error("")
        elif not status.usable:
            self.state.setText("Keys cannot be stored: there is no usable OS keyring, so this "
                               "tier stays disabled.")
        elif status.stored.get(self.provider):
            self.state.setText("A key is stored in the OS keyring. Paste another to "
                               "replace it.")
            self.state.setToolTip(f"Keyring: {status.backend}")
        elif self._optional:
            self.state.setText("No key stored. A server on your own network may need none.")
        else:
            self.state.setText("No key stored: this tier cannot be used until you add one.")
        if status is not None and status.problem:
            self.show_error(status.problem)
        elif status is not None and status.stored.get(self.provider):
            refused = RefusedKeys().get(self.provider)  # a small file, read when it changed
            self.show_error(f"This tier is not used: {refused.sentence()}. Paste a new key "
                            "to use it again." if refused is not None else "")
        self._update_buttons()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def key_stored(self) -> None:
        self.edit.clear()

    def _update_buttons(self) -> None:
        status = self._status
        usable = status is not None and status.usable
        self.store_button.setEnabled(usable and bool(self.pending_key()))
        self.remove_button.setEnabled(usable and bool(status and status.stored.get(
            self.provider)))

    @Slot()
    def _store(self) -> None:
        if self.store_button.isEnabled():
            self.show_error("")
            self.store_requested.emit(self.provider, self.pending_key())

    @Slot()
    def _remove(self) -> None:
        self.show_error("")
        self.remove_requested.emit(self.provider)


class TierBox(QGroupBox):
    """One tier's fields, its key and its Test connection button with the result."""

    def __init__(self, title: str, tier: str, editors: list[SettingEditor], key: KeyField,
                 intro: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.tier = tier
        self.key = key
        column = QVBoxLayout(self)
        column.setSpacing(3)
        hint = QLabel(intro)
        hint.setObjectName("Hint")
        hint.setWordWrap(True)
        column.addWidget(hint)
        column.addSpacing(6)
        for editor in editors:
            add_field(column, editor, help_text="")
        column.addWidget(key)
        column.addSpacing(8)
        row = QHBoxLayout()
        self.test_button = QPushButton("Test connection")
        self.test_button.setAccessibleName(f"Test the connection to the {tier} tier")
        self.test_button.setToolTip("Saves this tier's fields, then sends the word “ping” and "
                                    "asks for a one-token reply")
        row.addWidget(self.test_button)
        row.addStretch(1)
        column.addLayout(row)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.hide()
        column.addWidget(self.result)

    def show_result(self, text: str, *, ok: bool | None) -> None:
        """``ok`` None: in progress."""
        names = {True: "SuccessLabel", False: "ErrorLabel", None: "Hint"}
        restyle(self.result, names[ok])
        self.result.setText(text)
        self.result.setVisible(bool(text))

    def clear_result(self, *_signal_args: object) -> None:
        """Forget the last test's result (no longer true once a field changes)."""
        self.show_result("", ok=None)
