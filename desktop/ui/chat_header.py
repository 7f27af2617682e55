"""The bar above the chat: the button that shows or hides the chat list, and the model picker."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from desktop.ui.model_picker import ModelPicker


class ChatHeader(QWidget):
    """Holds ``sidebar_button`` (checked while the chat list shows) and the ``picker``."""

    def __init__(self, picker: ModelPicker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatHeader")
        self.picker = picker
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 10, 0)
        layout.setSpacing(4)
        button = self.sidebar_button = QToolButton()
        button.setText("☰")
        button.setAutoRaise(True)
        button.setCheckable(True)
        button.setChecked(True)
        button.setAccessibleName("Show the chat list")
        button.setToolTip("Show or hide the chat list (Ctrl+B)")
        layout.addWidget(button)
        layout.addWidget(picker)
        layout.addStretch(1)
