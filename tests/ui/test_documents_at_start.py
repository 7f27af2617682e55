"""The window brings document collections up to date when it opens, in the background, on the
real library (SQLite FTS5 over real files); the Documents panel shows the counts as they grow;
quitting stops a run, and the next run goes on from there."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer
from pytestqt.qtbot import QtBot

from desktop.core.documents import Library
from desktop.core.services import Services
from desktop.core.settings import Settings
from desktop.ui import documents_panel, documents_watch
from desktop.ui.documents_panel import DocumentsPanel

from .conftest import WindowFactory

BOILER = "# Boiler\n\nThe boiler service is due every March.\n"
SHED = "# Shed\n\nThe shed key hangs by the back door.\n"
GUTTERS = "# Gutters\n\nThe gutters are cleared every November.\n"


def _notes(folder: Path, count: int) -> None:
    folder.mkdir(exist_ok=True)
    for number in range(count):
        (folder / f"note{number:03}.md").write_text(
            f"# Note {number}\n\nRoom {number} was painted in year {2000 + number}.\n",
            encoding="utf-8")


def test_a_collection_changed_while_the_window_was_closed_is_up_to_date_after_it_opens(
        qtbot: QtBot, settings: Settings, services: Services, make_window: WindowFactory,
        tmp_path: Path) -> None:
    folder = tmp_path / "house"
    folder.mkdir()
    (folder / "boiler.md").write_text(BOILER, encoding="utf-8")
    (folder / "shed.md").write_text(SHED, encoding="utf-8")
    with Library.open_default(settings) as library:
        library.create("House")
        library.add("House", [folder])
        assert library.index("House").indexed == 2
    # While the window is closed: one file goes, one comes.
    (folder / "shed.md").unlink()
    (folder / "gutters.md").write_text(GUTTERS, encoding="utf-8")

    window = make_window(services, wait_for_model=False)
    indexer = window.documents.indexer
    qtbot.waitUntil(lambda: indexer.last_report is not None and indexer.indexing is None,
                    timeout=20_000)
    report = indexer.last_report
    assert report is not None
    assert (report.collection, report.indexed, report.removed, report.unchanged,
            report.stopped) == ("House", 1, 1, 1, False)
    assert window.documents.panel is None  # done without the panel being opened
    with Library.open_default(settings) as library:
        info = library.collection("House")
        assert (info.files, info.pending) == (2, 0)
        assert [Path(p.path).name for p in library.search(["House"], "gutters cleared")] == [
            "gutters.md"]
        assert library.search(["House"], "shed key") == []
    # The chat's Documents button offers the collection, and the status bar says what changed.
    qtbot.waitUntil(lambda: [i.name for i in window.documents.button._available] == ["House"],
                    timeout=5000)
    assert "“House” is up to date (1 file(s) read, 1 removed)" in \
        window.status.currentMessage()


def test_the_panel_shows_a_run_begun_before_it_opened_and_its_counts_as_they_grow(
        qtbot: QtBot, settings: Settings, services: Services, make_window: WindowFactory,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents_panel, "COUNTS_EVERY_S", 0.0)  # read at every report
    folder = tmp_path / "rooms"
    _notes(folder, 120)
    with Library.open_default(settings) as library:
        library.create("Rooms")
        library.add("Rooms", [folder])

    window = make_window(services, wait_for_model=False)
    indexer = window.documents.indexer
    qtbot.waitUntil(lambda: indexer.indexing == "Rooms", timeout=10_000)
    window.documents.open_panel()
    qtbot.waitUntil(lambda: window.documents.panel is not None, timeout=5000)
    panel = window.documents.panel
    assert panel is not None
    assert panel.progress.isVisibleTo(panel) and panel.stop_button.isVisibleTo(panel)
    assert panel.progress_label.text().startswith("Indexing “Rooms”")
    shown: list[int] = []

    def record(_progress: object) -> None:
        item = panel.table.item(0, 2)
        if item is not None:
            shown.append(int(item.text()))

    indexer.progressed.connect(record)
    qtbot.waitUntil(lambda: indexer.indexing is None and indexer.last_report is not None,
                    timeout=30_000)
    qtbot.waitUntil(lambda: bool(panel.infos) and panel.infos[0].files == 120, timeout=5000)
    assert panel.table.item(0, 2).text() == "120"
    # Between the start and the end, the table showed counts that were neither.
    assert any(0 < count < 120 for count in shown), shown
    assert not panel.progress.isVisibleTo(panel)


def test_quitting_stops_a_run_and_the_next_one_goes_on_from_there(
        qtbot: QtBot, settings: Settings, services: Services, make_window: WindowFactory,
        tmp_path: Path) -> None:
    folder = tmp_path / "rooms"
    _notes(folder, 300)
    with Library.open_default(settings) as library:
        library.create("Rooms")
        library.add("Rooms", [folder])
    window = make_window(services, wait_for_model=False)
    indexer = window.documents.indexer
    qtbot.waitUntil(lambda: indexer.indexing == "Rooms", timeout=20_000)
    clock = QElapsedTimer()
    clock.start()
    window.close()
    assert clock.elapsed() < 5000  # stopped after the file being read, not at the end
    assert indexer.indexing == "Rooms"  # no callback after the window closed
    with Library.open_default(settings) as library:
        done = library.collection("Rooms").files
        assert done < 300
        report = library.index("Rooms")
        assert (report.indexed, report.unchanged) == (300 - done, done)
        assert library.collection("Rooms").files == 300


def test_a_window_without_collections_loads_no_library(tmp_path: Path) -> None:
    """No documents database: the window's start imports neither NumPy, pypdf nor watchdog,
    and makes no database (a process of its own, so that no other test's imports count)."""
    script = textwrap.dedent("""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        import desktop.ui
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from desktop.core.services import open_services
        from desktop.core.settings import Settings
        from desktop.ui.main_window import MainWindow
        app = QApplication([])
        services = open_services(Settings())
        window = MainWindow(services)
        window.show()
        QTimer.singleShot(1500, app.quit)
        app.exec()
        window.shut_down()
        print(sorted(m for m in ("numpy", "pypdf", "watchdog",
                                 "desktop.core.documents._library") if m in sys.modules))
    """)
    env = {"HEARTH_CONFIG_DIR": str(tmp_path / "config"),
           "HEARTH_DATA_DIR": str(tmp_path / "data"),
           "HEARTH_POLICY_FILE": str(tmp_path / "policy.toml"),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=60, cwd=Path(__file__).parents[2], check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert not (tmp_path / "data" / "documents.sqlite3").exists()


def test_the_panel_on_its_own_still_indexes(qtbot: QtBot, settings: Settings,
                                            tmp_path: Path) -> None:
    _notes(tmp_path / "rooms", 3)
    with Library.open_default(settings) as library:
        panel = DocumentsPanel(library)
        qtbot.addWidget(panel)
        panel.create_collection("Rooms")
        qtbot.waitUntil(lambda: bool(panel.infos), timeout=5000)
        panel.add_paths("Rooms", [tmp_path / "rooms"])
        qtbot.waitUntil(lambda: panel.last_report is not None and panel.indexing is None,
                        timeout=20_000)
        assert panel.last_report is not None and panel.last_report.indexed == 3
        panel.shut_down()



def test_files_changed_while_the_window_runs_are_indexed_a_moment_later(
        qtbot: QtBot, settings: Settings, services: Services, make_window: WindowFactory,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents_watch, "QUIET_MS", 200)
    folder = tmp_path / "house"
    folder.mkdir()
    (folder / "boiler.md").write_text(BOILER, encoding="utf-8")
    with Library.open_default(settings) as library:
        library.create("House")
        library.add("House", [folder])
        library.index("House")
    window = make_window(services, wait_for_model=False)
    documents = window.documents
    indexer = documents.indexer
    qtbot.waitUntil(lambda: documents.watch.watching == ("House",) and indexer.indexing is None
                    and indexer.last_report is not None, timeout=10_000)
    assert indexer.last_report is not None and indexer.last_report.indexed == 0

    (folder / "garden").mkdir()  # in a folder made after the watch began, too
    (folder / "garden" / "gutters.md").write_text(GUTTERS, encoding="utf-8")
    qtbot.waitUntil(lambda: indexer.last_report is not None
                    and indexer.last_report.indexed == 1, timeout=10_000)
    (folder / "boiler.md").unlink()
    qtbot.waitUntil(lambda: indexer.last_report is not None
                    and indexer.last_report.removed == 1, timeout=10_000)
    with Library.open_default(settings) as library:
        assert library.collection("House").files == 1
        assert [Path(p.path).name for p in library.search(["House"], "gutters")] == [
            "gutters.md"]
    window.close()
    assert documents.watch.watching == ()
