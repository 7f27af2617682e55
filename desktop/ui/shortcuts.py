"""The keyboard shortcuts sheet (Ctrl+/): every shortcut of the window's menus, read from the
actions themselves so the sheet cannot drift from what the keys do, and the composer's keys."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

# Keys the message box handles itself (no menu action carries them).
COMPOSER_KEYS = (
    ("Message box", "Send the message", "Enter"),
    ("Message box", "Start a new line", "Shift+Enter"),
)


def shortcut_rows(menus: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu, what it does, keys) for every action of ``menus`` that has a shortcut."""
    rows: list[tuple[str, str, str]] = []
    for menu_action in menus.actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        title = menu_action.text().replace("&", "")
        for action in menu.actions():
            keys = _keys(action)
            if keys:
                rows.append((title, action.text().replace("&", "").rstrip("…"), keys))
    return rows + list(COMPOSER_KEYS)


def _keys(action: QAction) -> str:
    shortcuts = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()]
    return ", ".join(s for s in shortcuts if s)


class ShortcutsSheet(QDialog):
    """A table of the window's keyboard shortcuts."""

    def __init__(self, menus: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        self.resize(520, 560)
        layout = QVBoxLayout(self)
        self.rows = shortcut_rows(menus)
        self.table = QTableWidget(len(self.rows), 3, self)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Menu", "Does", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        for row, values in enumerate(self.rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
