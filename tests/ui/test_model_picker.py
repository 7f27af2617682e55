"""The model picker above the chat: names the model in use, switches among installed chat models
in two clicks (embedding models are not offered), and opens the Models dialog."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.core import paths
from desktop.core.catalog import ModelRecord, ModelRegistry
from desktop.core.settings import Settings
from desktop.ui.main_window import MainWindow

from .support import wait_ready

EMBEDDING_CATALOG = """
schema_version = 1
[model."test-embedder"]
name = "Test Embedder"
kind = "embedding"
url = "https://example.org/embedder-f16.gguf"
quantization = "F16"
licence = "MIT"
"""


def _record(name: str, path: Path, added: str, catalog_id: str | None = None) -> ModelRecord:
    return ModelRecord(name=name, path=path, size=path.stat().st_size, sha256=None,
                       source="catalog" if catalog_id else "import",
                       added=added,
                       owned=False, catalog_id=catalog_id)


def _install(tmp_path: Path, tiny_model: Path) -> tuple[Path, Path]:
    """The tiny model, a second chat model (a copy, named as a Q8_0 file) and an embedding
    model, registered; the embedding model's kind comes from the user's catalog."""
    second = tmp_path / "second-chat-q8_0.gguf"
    embedder = tmp_path / "embedder-f16.gguf"
    shutil.copyfile(tiny_model, second)
    shutil.copyfile(tiny_model, embedder)
    registry = ModelRegistry()
    registry.add(_record("tiny", tiny_model, "2026-01-01"))
    registry.add(_record("second", second, "2026-01-02"))
    registry.add(_record("embedder", embedder, "2026-01-03", catalog_id="test-embedder"))
    paths.config_dir().mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / "catalog.toml").write_text(EMBEDDING_CATALOG, encoding="utf-8")
    return second, embedder


def test_the_picker_lists_installed_chat_models_and_switches_without_blocking(
        qtbot: QtBot, window: MainWindow, settings: Settings, tmp_path: Path,
        tiny_model: Path) -> None:
    second, embedder = _install(tmp_path, tiny_model)
    picker = window.picker
    # Loaded before it was registered: named as its file says, with quantization and size.
    assert picker.text().startswith("hearth-tiny-test · F16 · 1.0 MB")

    choices = picker.choices()
    assert picker.text().startswith("tiny · F16 · ")  # the registry's name, once known
    paths_offered = [path for _name, path, _current in choices]
    assert paths_offered == [str(tiny_model), str(second)]  # no embedding model
    assert str(embedder) not in paths_offered
    assert [current for *_rest, current in choices] == [True, False]
    assert "Q8_0" in choices[1][0]  # the quantization its file name states
    menu_texts = [a.text() for a in picker.menu().actions()]
    assert menu_texts[-1] == "Manage models…"

    # Click 1 opens the menu, click 2 picks the model: the second click is the action.
    second_action = next(a for a in picker.menu().actions() if a.data() == str(second))
    second_action.trigger()
    assert settings.get_str("local.model_path") == str(second)
    # The load runs on the inference thread: the GUI thread is free at once, and says so.
    QApplication.processEvents()
    assert window.model_state == "loading" or picker.text().startswith("Loading")
    wait_ready(qtbot, window)
    # Named from its record; the quantization is the loaded file's own (its header's).
    assert picker.text().startswith("second · F16")
    assert [current for *_rest, current in picker.choices()] == [False, True]


def test_picking_the_model_in_use_does_nothing_and_manage_opens_the_dialog(
        qtbot: QtBot, window: MainWindow, settings: Settings, tmp_path: Path,
        tiny_model: Path) -> None:
    _install(tmp_path, tiny_model)
    with qtbot.assertNotEmitted(window.picker.model_chosen):
        window.picker.choose(str(tiny_model))
    window.picker.refresh()
    manage = window.picker.menu().actions()[-1]
    manage.trigger()
    assert window._models_dialog is not None and window._models_dialog.isVisible()
    window._models_dialog.close()
