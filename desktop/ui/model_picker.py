"""The model picker at the top of the chat: which model answers, and a switch in two clicks.

    [ Qwen2.5 1.5B Instruct · Q4_K_M · 1.1 GB ▾ ]
        ✓ Qwen2.5 1.5B Instruct      Q4_K_M · 1.1 GB
          Llama 3.2 1B Instruct      Q4_K_M · 808 MB
        ─────────────
          Manage models…

The menu lists the installed chat models (``installed_chat_models``: embedding models are left
out), read again each time it opens. Choosing one only says so (``model_chosen``): the window
sets ``local.model_path``, and the model loads in its own process on the inference thread,
so the window stays responsive; the button says "Loading …" meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from desktop.core.catalog import (
    CatalogEntry,
    InstalledModel,
    ModelRegistry,
    format_bytes,
    installed_chat_models,
)
from desktop.core.local.engine import ModelInfo

CatalogSource = Callable[[], list[CatalogEntry]]


class ModelPicker(QToolButton):
    """A button naming the model in use; its menu switches to another installed chat model.

    Signals:
        model_chosen(str): the path of the model the user picked (not the one in use).
        manage_requested(): open the Models dialog.
    """

    model_chosen = Signal(str)
    manage_requested = Signal()

    def __init__(self, registry: ModelRegistry, catalog: CatalogSource,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ModelPicker")
        self.setAccessibleName("Model")
        self.setAccessibleDescription("The model that answers; opens a list to switch models.")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setAutoRaise(True)
        # The label ends in its own ▾; the style's menu arrow would make two.
        self.setStyleSheet("QToolButton#ModelPicker::menu-indicator { image: none; width: 0; }")
        self._registry = registry
        self._catalog = catalog
        self._current: Path | None = None
        self._info: ModelInfo | None = None  # the model loaded, while it is
        self._models: list[InstalledModel] = []
        self._menu = QMenu(self)
        self._menu.setAccessibleName("Models to answer with")
        self._menu.aboutToShow.connect(self.refresh)
        self.setMenu(self._menu)
        self.show_none("No model chosen")

    # -- what the button says ----------------------------------------------------------------

    def set_current_path(self, path: str) -> None:
        """The model file the settings name (empty: none)."""
        self._current = Path(path).expanduser() if path.strip() else None

    def show_loading(self, path: str) -> None:
        self._info = None
        self.set_current_path(path)
        self._set_label(f"Loading {self._name_for(Path(path))}…", path)

    def show_loaded(self, info: ModelInfo) -> None:
        self._current = info.path
        self._info = info
        name = self._name_for(info.path, fallback=info.name)
        parts = [name, info.quantization, format_bytes(info.file_size)]
        self._set_label(" · ".join(p for p in parts if p), str(info.path))

    def show_none(self, text: str) -> None:
        self._info = None
        self._set_label(text, "Choose a model to answer with")

    def _set_label(self, text: str, tip: str) -> None:
        self.setText(f"{text}  ▾")
        self.setToolTip(tip)

    def _name_for(self, path: Path, fallback: str | None = None) -> str:
        known = next((m for m in self._models if same_file(m.path, path)), None)
        if known is None:
            self._models = self._installed()
            known = next((m for m in self._models if same_file(m.path, path)), None)
        return known.name if known is not None else (fallback or path.stem)

    # -- the menu ----------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Fill the menu with the installed chat models (read again) and Manage models…"""
        self._models = self._installed()
        menu = self._menu
        menu.clear()
        for model in self._models:
            action = QAction(f"{model.name}    {model.summary}", menu)
            action.setCheckable(True)
            action.setChecked(self._current is not None and same_file(model.path, self._current))
            action.setToolTip(model.description or str(model.path))
            action.setData(str(model.path))
            action.triggered.connect(lambda _checked=False, p=str(model.path): self._choose(p))
            menu.addAction(action)
        if self._info is not None:  # a model registered since it loaded is named so now
            self.show_loaded(self._info)
        if not self._models:
            empty = menu.addAction("No models installed yet")
            empty.setEnabled(False)
        menu.addSeparator()
        manage = menu.addAction("Manage models…")
        manage.triggered.connect(self.manage_requested.emit)

    def choices(self) -> list[tuple[str, str, bool]]:
        """(name, path, in use) of each model the menu offers, as it would show them now."""
        self.refresh()
        return [(a.text(), str(a.data()), a.isChecked()) for a in self._menu.actions()
                if a.isCheckable()]

    def choose(self, path: str) -> None:
        """Pick the model at ``path`` as if from the menu (keyboard use and tests)."""
        self._choose(path)

    def _choose(self, path: str) -> None:
        if self._current is not None and same_file(Path(path), self._current):
            return  # already the one in use
        self.model_chosen.emit(path)

    def _installed(self) -> list[InstalledModel]:
        records = self._registry.records()
        # The catalog (two TOML files read on the GUI thread) only names and sorts the models
        # downloaded from it: not read when none was, as at a first start.
        catalog = self._catalog() if any(r.catalog_id for r in records) else []
        return installed_chat_models(records, catalog)


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same model file (as written when it cannot be resolved)."""
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b
