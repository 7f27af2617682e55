"""The Models dialog: downloads from a loopback server (progress, cancel and resume, offline
refusal), an import with its trial load in a child process, Use and Remove, and the window's
menu action."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.catalog import (
    Catalog,
    ModelRegistry,
    Recommendation,
    load_catalog,
    models_dir,
    part_path,
)
from desktop.core.settings import Settings
from desktop.ui.main_window import MainWindow
from desktop.ui.models_dialog import ModelsDialog
from desktop.ui.models_tables import IN_USE, STATE_COLUMN, STATUS_COLUMN
from tests.core.catalog.fileserver import FileServer
from tests.core.catalog.support import MODEL_PATH, sha256, tiny_entry

JOB_TIMEOUT_MS = 60_000


@pytest.fixture
def server(tiny_model: Path) -> Iterator[FileServer]:
    with FileServer({MODEL_PATH: tiny_model.read_bytes()}) as running:
        yield running


@pytest.fixture
def make_dialog(qtbot: QtBot, settings: Settings) -> Iterator[object]:
    dialogs: list[ModelsDialog] = []

    def make(catalog: Catalog | None = None, *, detect: bool = False) -> ModelsDialog:
        dialog = ModelsDialog(settings, catalog=catalog, detect=detect)
        qtbot.addWidget(dialog)
        dialogs.append(dialog)
        dialog.show()
        return dialog

    yield make
    for dialog in dialogs:
        dialog.shut_down()


def _tiny_catalog(server: FileServer) -> Catalog:
    return Catalog((tiny_entry(server.url(MODEL_PATH)),))


def _wait_download(qtbot: QtBot, dialog: ModelsDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.downloading, timeout=JOB_TIMEOUT_MS)


def test_download_shows_progress_and_the_checksum(qtbot: QtBot, make_dialog: object,
                                                  server: FileServer, tiny_model: Path) -> None:
    dialog = make_dialog(_tiny_catalog(server))  # type: ignore[operator]
    assert dialog.catalog_table.rowCount() == 1
    assert dialog.catalog_table.item(0, STATUS_COLUMN).text() == ""
    dialog.select_entry("tiny")
    seen: list[int] = []
    dialog.progress.valueChanged.connect(seen.append)
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    assert dialog.downloading and not dialog.download_button.isEnabled()
    _wait_download(qtbot, dialog)

    assert dialog.progress.value() == 100 and seen and max(seen) == 100
    assert dialog.message.objectName() == "Muted"
    expected = sha256(tiny_model.read_bytes())
    assert f"SHA-256 {expected}" in dialog.message.text()
    assert "first download" in dialog.message.text()
    assert dialog.catalog_table.item(0, STATUS_COLUMN).text() == "downloaded"
    assert [r.name for r in dialog._records] == ["tiny"]
    assert dialog.installed_table.item(0, 2).text() == "downloaded"
    assert (models_dir() / "tiny.gguf").read_bytes() == tiny_model.read_bytes()
    assert ModelRegistry().get("tiny").sha256 == expected


def test_cancel_keeps_the_partial_file_and_the_next_download_resumes(
        qtbot: QtBot, make_dialog: object, server: FileServer, tiny_model: Path) -> None:
    dialog = make_dialog(_tiny_catalog(server))  # type: ignore[operator]
    server.drop_after = 300_000  # then the download waits a second before it retries
    dialog.select_entry("tiny")
    dialog.download_selected()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=JOB_TIMEOUT_MS)
    assert " of " in dialog.progress_label.text()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    _wait_download(qtbot, dialog)

    assert dialog.message.text().startswith("Paused: ")
    assert dialog.message.objectName() == "Muted"  # not an error
    assert not dialog.progress.isVisible()
    part = part_path(models_dir(), tiny_entry(""))
    kept = part.stat().st_size
    assert 0 < kept <= 300_000
    assert ModelRegistry().records() == []

    dialog.download_selected()
    _wait_download(qtbot, dialog)
    assert server.requests[-1] == (MODEL_PATH, f"bytes={kept}-")
    assert dialog.progress.value() == 100
    assert (models_dir() / "tiny.gguf").read_bytes() == tiny_model.read_bytes()
    assert not part.exists()


def test_offline_mode_refuses_the_download(qtbot: QtBot, make_dialog: object,
                                           server: FileServer, settings: Settings) -> None:
    settings.set("network.offline", True)
    dialog = make_dialog(_tiny_catalog(server))  # type: ignore[operator]
    dialog.select_entry("tiny")
    dialog.download_selected()
    _wait_download(qtbot, dialog)
    assert dialog.message.text().startswith("no network: offline mode is on")
    assert dialog.message.objectName() == "ErrorLabel"
    assert server.requests == []
    assert dialog.download_button.isEnabled()


def test_import_use_and_remove(qtbot: QtBot, make_dialog: object, settings: Settings,
                               tiny_model: Path) -> None:
    dialog = make_dialog(Catalog(()))  # type: ignore[operator]
    assert dialog.installed_table.rowCount() == 0
    dialog.import_file(tiny_model, copy=True)
    assert dialog.importing and not dialog.import_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.importing, timeout=JOB_TIMEOUT_MS)
    copy = models_dir() / tiny_model.name
    assert "Imported 'hearth-tiny-gen1'" in dialog.message.text(), dialog.message.text()
    assert f"SHA-256 {sha256(tiny_model.read_bytes())}" in dialog.message.text()
    assert dialog.installed_table.rowCount() == 1 and copy.is_file()

    # Import and use is one step: the imported model is the one in use.
    assert settings.get_str("local.model_path") == str(copy)
    assert "Hearth now answers with it" in dialog.message.text()
    assert dialog.installed_table.item(0, STATE_COLUMN).text() == IN_USE
    assert dialog.in_use_label.text().startswith("In use: hearth-tiny-gen1")

    settings.set("local.model_path", "")
    dialog.reload()
    assert dialog.in_use_label.text().startswith("No model is in use")
    changes: list[tuple[str, object]] = []
    settings.subscribe(lambda key, value: changes.append((key, value)))
    dialog.select_record("hearth-tiny-gen1")
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert settings.get_str("local.model_path") == str(copy)
    assert ("local.model_path", str(copy)) in changes
    assert dialog.installed_table.item(0, STATE_COLUMN).text() == IN_USE

    dialog.remove_selected(confirm=False)
    assert not copy.exists() and tiny_model.exists()
    assert settings.get_str("local.model_path") == ""
    assert dialog.installed_table.rowCount() == 0


def test_a_bad_file_is_refused_with_a_clear_message(qtbot: QtBot, make_dialog: object,
                                                    tmp_path: Path) -> None:
    bad = tmp_path / "page.gguf"
    bad.write_bytes(b"<html><body>Error 404</body></html>")
    dialog = make_dialog(Catalog(()))  # type: ignore[operator]
    dialog.import_file(bad, copy=True)
    qtbot.waitUntil(lambda: not dialog.importing, timeout=JOB_TIMEOUT_MS)
    assert "web page" in dialog.message.text()
    assert dialog.message.objectName() == "ErrorLabel"
    assert ModelRegistry().records() == []


def test_the_shipped_catalog_and_a_recommendation(qtbot: QtBot, make_dialog: object) -> None:
    dialog = make_dialog(detect=True)  # type: ignore[operator]
    assert dialog.catalog_table.rowCount() > 3
    qtbot.waitUntil(lambda: not dialog.advice.text().startswith("Looking"),
                    timeout=JOB_TIMEOUT_MS)
    text = dialog.advice.text()
    assert text.startswith("Recommended for this computer") or \
        text.startswith("No recommendation")
    if text.startswith("Recommended"):
        names = [dialog.catalog_table.item(r, 0).text()
                 for r in range(dialog.catalog_table.rowCount())]
        assert sum("★ recommended" in name for name in names) == 1


def test_the_window_opens_it_from_the_menu_and_chat_goes_on(qtbot: QtBot,
                                                            window: MainWindow) -> None:
    window.models_action.trigger()
    dialog = window._models_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    assert window.models_action.shortcut().toString() == "Ctrl+M"
    assert window.open_models() is dialog  # one dialog, brought to the front
    assert window.composer.edit.isEnabled()


def _names(dialog: ModelsDialog) -> list[str]:
    table = dialog.catalog_table
    return [table.item(r, 0).text() for r in range(table.rowCount()) if not table.isRowHidden(r)]


def test_the_recommended_model_comes_first_preselected_and_each_says_what_it_is(
        qtbot: QtBot, make_dialog: object) -> None:
    catalog = load_catalog()
    dialog = make_dialog(catalog)  # type: ignore[operator]
    assert _names(dialog)[0].startswith("Qwen2.5 0.5B")  # file order before any advice
    assert dialog.catalog_table.item(0, 1).text().startswith("The smallest and fastest")
    pick = catalog.get("llama-3.2-1b-instruct")
    dialog._show_advice(Recommendation(entry=pick, memory_needed=1, budget=2, fits_gpu=False,
                                       reason="test reason"))
    assert _names(dialog)[0] == "Llama 3.2 1B Instruct  ★ recommended"
    assert dialog.selected_entry() is pick
    assert dialog.advice.text() == "Recommended for this computer: test reason"
    # A row the user picked is not taken away by advice that comes later.
    other = catalog.get("gemma-3-1b-it")
    dialog.select_entry(other.id)
    dialog._note_choice()
    dialog._show_advice(Recommendation(entry=pick, memory_needed=1, budget=2, fits_gpu=False,
                                       reason="again"))
    assert dialog.selected_entry() is other


def test_the_search_box_filters_both_tables(qtbot: QtBot, make_dialog: object,
                                            tiny_model: Path) -> None:
    dialog = make_dialog(load_catalog())  # type: ignore[operator]
    dialog.import_file(tiny_model, copy=False)
    qtbot.waitUntil(lambda: not dialog.importing, timeout=JOB_TIMEOUT_MS)
    qtbot.keyClicks(dialog.search, "qwen 1.5b")
    assert _names(dialog) == ["Qwen2.5 1.5B Instruct"]
    dialog.search.setText("meta")  # in the description
    assert sorted(_names(dialog)) == ["Llama 3.2 1B Instruct", "Llama 3.2 3B Instruct"]
    # The model in use stays in view whatever the search.
    assert not dialog.installed_table.isRowHidden(0)
    dialog.search.clear()
    assert len(_names(dialog)) == dialog.catalog_table.rowCount()


def test_a_refused_download_is_said_in_words_and_the_message_goes_when_moving_on(
        qtbot: QtBot, make_dialog: object, server: FileServer) -> None:
    catalog = Catalog((tiny_entry(server.url("/gone/tiny.gguf")),
                       tiny_entry(server.url(MODEL_PATH), id="other", name="Other")))
    dialog = make_dialog(catalog)  # type: ignore[operator]
    dialog.select_entry("tiny")
    dialog.download_selected()
    _wait_download(qtbot, dialog)
    text = dialog.message.text()
    assert text.startswith("the server refused the download (HTTP 404: not found)"), text
    assert "Errno" not in text and dialog.message.objectName() == "ErrorLabel"
    dialog.catalog_table.selectRow(1)  # the user moves on: the old line goes
    assert not dialog.message.isVisible() and dialog.message.text() == ""
