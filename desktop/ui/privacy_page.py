"""The Privacy page of the settings: each kind of sensitive data, and what to do about it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.settings import PRIVACY_CLASSES, setting_for
from desktop.ui.settings_fields import SettingEditor, add_field, make_editor
from desktop.ui.wording import class_label

_INTRO = (
    "Before a question may leave this device, Hearth looks for sensitive data in it and in the "
    "earlier messages that would go with it. Choose, for each kind, what happens when it is "
    "found. These rules matter only when questions may leave this device (the Cloud page): "
    "otherwise nothing leaves."
)
_POLICY_HELP = (
    "Keep on this device: the question is answered here. Replace it, then send: placeholders "
    "such as ⟨EMAIL_1⟩ go out and are put back in the reply. Ask me each time: you see the "
    "exact text and where it would go, and decide."
)


class PrivacyPage(QScrollArea):
    """The policy for every class the privacy gate reports, custom terms, preview.

    ``editors`` holds one ``SettingEditor`` per setting shown, for the dialog to load and save.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        page = QWidget()
        column = QVBoxLayout(page)
        column.setSpacing(3)
        intro = QLabel(_INTRO)
        intro.setWordWrap(True)
        column.addWidget(intro)
        column.addSpacing(8)

        self.editors: dict[str, SettingEditor] = {}
        self.table = QTableWidget(len(PRIVACY_CLASSES), 2, page)
        self.table.setAccessibleName("What to do with each kind of sensitive data")
        self.table.setHorizontalHeaderLabels(["Kind of data", "When it is found"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        errors = QVBoxLayout()
        for row, (kind, _label) in enumerate(PRIVACY_CLASSES):
            editor = make_editor(setting_for(f"privacy.{kind}"), page)
            editor.lock_names_field = True
            item = QTableWidgetItem(class_label(kind, capital=True))
            item.setToolTip(editor.setting.description)
            self.table.setItem(row, 0, item)
            self.table.setCellWidget(row, 1, editor.widget)
            errors.addWidget(editor.lock)
            errors.addWidget(editor.error)
            self.editors[editor.setting.key] = editor
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        height = (self.table.horizontalHeader().height() + 2 * self.table.frameWidth()
                  + sum(self.table.rowHeight(r) for r in range(self.table.rowCount())))
        self.table.setFixedHeight(height)
        column.addWidget(self.table)
        column.addLayout(errors)
        policy_help = QLabel(_POLICY_HELP)
        policy_help.setObjectName("Hint")
        policy_help.setWordWrap(True)
        column.addWidget(policy_help)
        column.addSpacing(14)

        for key in ("privacy.custom_terms", "privacy.phone_regions",
                    "privacy.preview_before_sending"):
            editor = make_editor(setting_for(key), page)
            add_field(column, editor)
            self.editors[key] = editor
        column.addStretch(1)
        self.setWidget(page)

    def policy_combo(self, kind: str) -> QWidget:
        return self.editors[f"privacy.{kind}"].widget
