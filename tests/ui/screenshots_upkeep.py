"""Pictures of the model manager, the Documents and Other apps settings pages and the Documents
panel at 900×600 and 1440×900, light and dark, for a person to look at.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.screenshots_upkeep [FOLDER]

Throwaway folders (``tests.ui.screenshots``), the tiny test model registered as installed, an
embedding model registered from the catalog, a collection of a few notes; sends nothing.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QWidget

from desktop.core import paths
from desktop.core.catalog import ModelRecord, ModelRegistry
from desktop.core.documents import Library
from desktop.core.services import open_services
from desktop.core.settings import Settings
from desktop.ui.main_window import MainWindow
from tests.modelgen import cached_model
from tests.ui import screenshots as shots  # points Hearth at throwaway folders

SIZES = ((900, 600), (1440, 900))
_OWN_SIZE: dict[str, QSize] = {}  # each dialog's size as it opens, before any capping


def _grab(widget: QWidget, folder: Path, name: str) -> None:
    shots._grab(widget, folder, name, settle_ms=250)


def _fit(dialog: QWidget, width: int, height: int) -> None:
    """The dialog's own size, within a screen of the size given (a title bar left), as a
    window system would cap it."""
    own = _OWN_SIZE.setdefault(type(dialog).__name__, dialog.size())
    dialog.resize(min(own.width(), width), min(own.height(), height - 40))


def _install_models(tiny: Path) -> None:
    registry = ModelRegistry()
    folder = paths.data_dir() / "models"
    folder.mkdir(parents=True, exist_ok=True)
    chat = folder / "tiny-chat-q8_0.gguf"
    embed = folder / "nomic-embed-text-v1.5.Q4_K_M.gguf"
    for path in (chat, embed):
        shutil.copyfile(tiny, path)
    registry.add(ModelRecord(name="Tiny chat", path=chat, size=chat.stat().st_size,
                             sha256=None, source="import", added="2026-11-20T10:00:00+00:00",
                             owned=True))
    registry.add(ModelRecord(name="Nomic Embed Text v1.5", path=embed,
                             size=embed.stat().st_size, sha256=None, source="catalog",
                             added="2026-11-21T10:00:00+00:00", owned=True,
                             catalog_id="nomic-embed-text-v1.5"))


def _collection(settings: Settings, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(40):
        (folder / f"note{number:02}.md").write_text(
            f"# Room {number}\n\nRoom {number} was painted in {2000 + number}.\n",
            encoding="utf-8")
    with Library.open_default(settings) as library:
        library.create("House notes")
        library.add("House notes", [folder])
        library.index("House notes")
        library.create("Tax 2025")


def main(folder: Path) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    folder.mkdir(parents=True, exist_ok=True)
    tiny = cached_model("tiny")
    settings = Settings()
    settings.set("local.threads", 1)
    settings.set("local.model_path", str(tiny))
    _install_models(tiny)
    _collection(settings, paths.data_dir().parent / "notes")
    services = open_services(settings)
    window = MainWindow(services)
    window.show()
    shots._wait(lambda: window.model_state == "ready", 120)
    for width, height in SIZES:
        size = f"{width}x{height}"
        window.resize(width, height)
        for theme_name in ("light", "dark"):
            settings.set("ui.theme", theme_name)
            models = window.open_models()
            _fit(models, width, height)
            _grab(models, folder, f"models-{theme_name}-{size}")
            models.close()
            dialog = window.open_settings()
            _fit(dialog, width, height)
            for title in ("Documents", "Other apps"):
                dialog.show_section(title)
                _grab(dialog, folder, f"settings-{title.lower().replace(' ', '-')}-"
                                      f"{theme_name}-{size}")
            dialog.close()
            window.documents.open_panel()
            shots._wait(lambda: window.documents.panel is not None)
            panel = window.documents.panel
            assert panel is not None
            shots._wait(lambda p=panel: bool(p.infos))
            _fit(panel, width, height)
            _grab(panel, folder, f"documents-{theme_name}-{size}")
            panel.close()
            _grab(window, folder, f"window-{theme_name}-{size}")
    _indexing(window, paths.data_dir().parent / "notes", folder)
    window.close()
    window.shut_down()
    services.close()


def _indexing(window: MainWindow, notes: Path, folder: Path) -> None:
    """The panel while the window's queue indexes many new files: progress and counts."""
    for number in range(40, 6000):
        (notes / f"note{number:04}.md").write_text(
            f"# Room {number}\n\nRoom {number} was painted in {number}.\n", encoding="utf-8")
    window.resize(*SIZES[0])
    window.documents.indexer.index("House notes")
    window.documents.open_panel()
    panel = window.documents.panel
    assert panel is not None


    def counted() -> bool:  # the table shows a count read during the run
        item = panel.table.item(0, 2)
        return item is not None and 40 < int(item.text()) < 6000

    shots._wait(counted, 60)
    path = folder / "documents-indexing-dark-900x600.png"
    panel.grab().save(str(path))  # at once: the run ends within a second or two
    print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".cache/screens-upkeep"))
