"""The Documents page of the settings: the model that searches documents by meaning, and the
largest file indexing reads.

The embedding model is chosen among the installed embedding models (the catalog's ``kind =
"embedding"`` entries that are on this computer), or as a GGUF file picked with Browse…; the
setting keeps the model's name or the file's path, as ``hearth config`` does.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core.settings import SCHEMA, Settings
from desktop.ui.jobs import JobRunner
from desktop.ui.settings_fields import SettingEditor, add_field, make_editor
from desktop.ui.wording import MODEL_FILE_FILTER

_INTRO = ("Your document collections (File ▸ Documents…) are searched by their words. With a "
          "model for meaning they are searched by meaning too, so a question also finds "
          "passages that say the same thing in other words. Everything here stays on this "
          "computer.")
MODEL_KEY = "documents.embedding_model"


class EmbeddingModelField(QWidget):
    """An installed embedding model to choose, any name or path typed, or a GGUF file picked.

    Its line edit holds the value (``SettingEditor`` reads and writes it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox(self)
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(16)
        line = self.combo.lineEdit()
        assert line is not None
        line.setPlaceholderText("None: search by words only")
        line.setClearButtonEnabled(True)
        self.browse = QPushButton("Browse…", self)
        self.browse.setAccessibleName("Choose an embedding model file")
        self.browse.clicked.connect(self.choose_file)
        row.addWidget(self.combo, 1)
        row.addWidget(self.browse)
        self.setFocusProxy(self.combo)

    def text(self) -> str:
        return self.combo.currentText()

    def set_installed(self, names: list[str]) -> None:
        """Offer ``names`` in the list; the value shown stays as it is."""
        kept = self.combo.currentText()
        self.combo.blockSignals(True)
        try:
            self.combo.clear()
            self.combo.addItems(names)
            self.combo.setCurrentIndex(-1)
            self.combo.setEditText(kept)
        finally:
            self.combo.blockSignals(False)
        self.combo.setToolTip("Installed embedding models: " + ", ".join(names) if names else
                              "No embedding model is installed: Models… offers some, or "
                              "Browse… picks a GGUF file")

    def choose_file(self) -> None:
        current = self.combo.currentText().strip()
        start = str(Path(current).parent) if current and Path(current).is_absolute() else ""
        path, _filter = QFileDialog.getOpenFileName(
            self, "Choose an embedding model file", start, MODEL_FILE_FILTER)
        if path:
            self.combo.setEditText(path)


def installed_embedding_models() -> list[str]:
    """Names of the installed embedding models (reads the registry and the catalog: call off
    the GUI thread)."""
    from desktop.core import catalog

    return catalog.installed_embedding_models(catalog.ModelRegistry().records(),
                                              catalog.load_catalog())


class DocumentsPage(QScrollArea):
    """The ``documents.*`` settings; ``editors`` holds one ``SettingEditor`` per setting, for
    the dialog to load and save. The installed models are read through ``jobs``."""

    def __init__(self, settings: Settings, jobs: JobRunner, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self._settings = settings
        page = QWidget()
        column = QVBoxLayout(page)
        intro = QLabel(_INTRO)
        intro.setWordWrap(True)
        intro.setObjectName("Muted")
        column.addWidget(intro)
        column.addSpacing(8)
        self.editors: dict[str, SettingEditor] = {}
        self.model_field = EmbeddingModelField(page)
        for setting in (s for s in SCHEMA if s.section == "documents"):
            widget = self.model_field if setting.key == MODEL_KEY else None
            editor = make_editor(setting, page, widget=widget)
            self.editors[setting.key] = editor
            add_field(column, editor)
        column.addStretch(1)
        self.setWidget(page)
        jobs.run(installed_embedding_models, on_done=self.model_field.set_installed,
                 on_failed=lambda _message: None, context=self)
