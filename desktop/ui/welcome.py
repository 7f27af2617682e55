"""The first screen while no model can answer: what Hearth is, and a button to pick a model."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.ui import assets

_EXPLANATION = (
    "Hearth runs open language models on this computer. Your questions and its answers stay "
    "here: nothing is sent to a server, and it works without an internet connection."
)
_HOW_TO = (
    "To start, download a model from the catalog, or choose a model file in GGUF format (for "
    "example a Llama, Qwen, Mistral or Gemma model from Hugging Face, saved as <i>.gguf</i>). "
    "Small models (1–4 B parameters, Q4_K_M) run well on most laptops."
)


class WelcomePage(QWidget):
    """Shown when no model is chosen or the chosen one cannot be used.

    Signals:
        choose_model_requested(): the user wants to pick a model file.
        browse_models_requested(): the user wants the catalog of models to download.
    """

    choose_model_requested = Signal()
    browse_models_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WelcomePage")
        self.setAccessibleName("Welcome")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        outer.addLayout(row)
        outer.addStretch(2)
        # A column that takes up to 560 px: word-wrapped labels then get their real width
        # (centred with an alignment flag, the column would be squeezed to its size hint).
        column = QWidget()
        column.setMaximumWidth(560)
        column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        layout = QVBoxLayout(column)
        layout.setSpacing(14)

        icon = QLabel()
        icon.setPixmap(assets.app_icon().pixmap(72, 72))
        icon.setMinimumHeight(76)
        icon.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(icon)
        title = QLabel("Welcome to Hearth")
        title.setObjectName("WelcomeTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(title)
        for text in (_EXPLANATION, _HOW_TO):
            label = QLabel(text)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            layout.addWidget(label)

        self.error = QLabel()
        self.error.setObjectName("ErrorLabel")
        self.error.setAccessibleName("Problem with the model")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)

        self.choose_button = QPushButton("Choose a model file…")
        self.choose_button.setObjectName("PrimaryButton")
        self.choose_button.setAccessibleName("Choose a model file")
        self.choose_button.setMinimumHeight(38)
        self.choose_button.clicked.connect(self.choose_model_requested)
        self.browse_button = QPushButton("Browse models…")
        self.browse_button.setAccessibleName("Browse models to download")
        self.browse_button.setMinimumHeight(38)
        self.browse_button.clicked.connect(self.browse_models_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.browse_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.status = QLabel()
        self.status.setObjectName("Muted")
        self.status.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)


    def show_problem(self, text: str) -> None:
        self.error.setText(f"That model cannot be used: {text}")
        self.error.show()
        self.status.setText("")
        self.choose_button.setEnabled(True)

    def show_loading(self, path: str) -> None:
        self.error.hide()
        self.status.setText(f"Loading {path}…")
        self.choose_button.setEnabled(False)

    def reset(self) -> None:
        self.error.hide()
        self.status.setText("")
        self.choose_button.setEnabled(True)
