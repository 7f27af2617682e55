"""The Documents and Other apps settings pages and the model manager on a 900×600 screen: plain
words (settings' keys only in tooltips), everything in view without scrolling, both model
tables usable; the embedding model chosen among the installed embedding models."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from PySide6.QtWidgets import QLabel, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from desktop.core import paths
from desktop.core.catalog import ModelRecord, ModelRegistry
from desktop.core.settings import Settings
from desktop.ui.models_dialog import ModelsDialog
from desktop.ui.settings_dialog import SettingsDialog

SCREEN = (900, 600)
TITLE_BAR = 40
# What a settings key, a command or a file format's jargon looks like in a sentence.
_KEY = re.compile(r"\b(documents|server)\.[a-z_]+\b|hearth (models|config)|BM25|CORS|KiB|429")


def _register(tiny_model: Path) -> None:
    """A chat model and an embedding model from the catalog, both installed."""
    folder = paths.data_dir() / "models"
    folder.mkdir(parents=True, exist_ok=True)
    chat, embed = folder / "chat-q8_0.gguf", folder / "nomic-embed-text-v1.5.Q4_K_M.gguf"
    for path in (chat, embed):
        shutil.copyfile(tiny_model, path)
    registry = ModelRegistry()
    registry.add(ModelRecord(name="A chat model", path=chat, size=chat.stat().st_size,
                             sha256=None, source="import", added="2026-11-20T10:00:00+00:00",
                             owned=True))
    registry.add(ModelRecord(name="Nomic Embed Text v1.5", path=embed,
                             size=embed.stat().st_size, sha256=None, source="catalog",
                             added="2026-11-21T10:00:00+00:00", owned=True,
                             catalog_id="nomic-embed-text-v1.5"))


def _dialog(qtbot: QtBot, settings: Settings) -> SettingsDialog:
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.resize(min(dialog.width(), SCREEN[0]), SCREEN[1] - TITLE_BAR)
    return dialog


def _all_in_view(page: QScrollArea) -> bool:
    return page.verticalScrollBar().maximum() == 0 and page.horizontalScrollBar().maximum() == 0


def _visible_words(page: QWidget) -> list[str]:
    words = [label.text() for label in page.findChildren(QLabel) if label.isVisibleTo(page)]
    return [w for w in words if w]


def test_the_documents_page_offers_the_installed_embedding_models_and_saves_one(
        qtbot: QtBot, settings: Settings, tiny_model: Path) -> None:
    _register(tiny_model)
    dialog = _dialog(qtbot, settings)
    dialog.show_section("Documents")
    page = dialog.documents_page
    combo = page.model_field.combo
    qtbot.waitUntil(lambda: combo.count() > 0, timeout=5000)
    assert [combo.itemText(i) for i in range(combo.count())] == ["Nomic Embed Text v1.5"]
    assert combo.currentText() == ""  # the setting is empty: nothing chosen by listing them
    combo.setCurrentIndex(0)
    assert dialog.apply()
    assert settings.get_str("documents.embedding_model") == "Nomic Embed Text v1.5"
    # A file picked with Browse… (its dialog stood in for by typing the path) is kept as is.
    path = str(tiny_model)
    combo.setEditText(path)
    assert dialog.apply()
    assert settings.get_str("documents.embedding_model") == path
    words = _visible_words(page)
    assert "Model for searching by meaning" in words
    assert not [w for w in words if _KEY.search(w)], words
    assert "Setting: documents.embedding_model" in dialog.editor(
        "documents.embedding_model").widget.toolTip()


def test_the_documents_and_other_apps_pages_fit_a_small_screen_in_plain_words(
        qtbot: QtBot, settings: Settings) -> None:
    dialog = _dialog(qtbot, settings)
    for title, page in (("Documents", dialog.documents_page),
                        ("Other apps", dialog.server_page)):
        dialog.show_section(title)
        qtbot.waitUntil(lambda p=page: p.isVisible(), timeout=2000)
        assert _all_in_view(page), title
        words = _visible_words(page)
        assert not [w for w in words if _KEY.search(w)], words
    assert dialog.server_page.editors["server.port"].widget.text() == "8765"  # type: ignore[attr-defined]


def test_the_model_manager_shows_rows_of_both_tables_on_a_small_screen(
        qtbot: QtBot, settings: Settings, tiny_model: Path) -> None:
    _register(tiny_model)
    dialog = ModelsDialog(settings, detect=False)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.resize(SCREEN[0], SCREEN[1] - TITLE_BAR)
    qtbot.waitUntil(lambda: dialog.installed_table.rowCount() == 2, timeout=5000)
    qtbot.wait(50)  # the layout settles
    catalog, installed = dialog.catalog_table, dialog.installed_table
    row = catalog.rowHeight(0)
    assert catalog.viewport().height() >= 4 * row  # at least four catalog models in view
    # The installed list is as tall as its rows, all in view; the catalog has the rest.
    assert installed.verticalScrollBar().maximum() == 0
    assert installed.viewport().height() < 4 * row
