"""Offscreen pictures of the Documents panel, the chat's Documents button and an answer with
its sources, light and dark.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.screenshots_documents [FOLDER]

Writes PNG files to FOLDER (default .cache/screenshots/docs) for a person to look at; it uses
throwaway config and data folders, a real library over made-up files, and a made-up receipt.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SCRATCH = Path(tempfile.mkdtemp(prefix="hearth-doc-screens-"))
os.environ["HEARTH_CONFIG_DIR"] = str(_SCRATCH / "config")
os.environ["HEARTH_DATA_DIR"] = str(_SCRATCH / "data")

from PySide6.QtCore import QCoreApplication, QEvent  # noqa: E402
from PySide6.QtGui import QHelpEvent, QTextCursor  # noqa: E402
from PySide6.QtWidgets import QApplication, QToolTip, QVBoxLayout, QWidget  # noqa: E402

import desktop.ui  # noqa: E402, F401 - its PySide6 workaround, before any Qt call
from desktop.core.documents import CollectionInfo, Library  # noqa: E402
from desktop.core.receipt import Source  # noqa: E402
from desktop.core.settings import Settings  # noqa: E402
from desktop.core.store import Message  # noqa: E402
from desktop.ui import theme  # noqa: E402
from desktop.ui.chat_view import ChatView  # noqa: E402
from desktop.ui.documents_choice import DocumentsButton  # noqa: E402
from desktop.ui.documents_panel import DocumentsPanel  # noqa: E402
from tests.ui.screenshots import _save, _settle, _wait, local_receipt  # noqa: E402

FILES = {
    "boiler.md": "# Boiler\n\nThe boiler service is due every March. The installer is "
                 "Northside Heating; the model is a Vaillant ecoTEC 825.\n",
    "insurance.md": "# Home insurance\n\nThe policy renews on 1 October. Water damage from "
                    "the boiler is covered up to 5,000 EUR.\n",
    "scan.pdf": "this is not really a PDF\n",
}


def make_library(settings: Settings) -> Library:
    library = Library.open_default(settings)
    folder = _SCRATCH / "house"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    library.create("House", privacy="device")
    library.add("House", [folder])
    library.index("House")
    notes = _SCRATCH / "recipes"
    notes.mkdir()
    (notes / "bread.txt").write_text("Knead for ten minutes, rest an hour.\n", encoding="utf-8")
    library.create("Recipes", privacy="send")
    library.add("Recipes", [notes])
    library.index("Recipes")
    return library


def answer_messages(folder: Path) -> list[Message]:
    sources = (
        Source(collection="House", path=str(folder / "boiler.md"),
               position="§ Boiler, lines 1–3",
               snippet="The boiler service is due every March. The installer is Northside "
                       "Heating; the model is a Vaillant ecoTEC 825.", score=0.033, chunk_id=1),
        Source(collection="House", path=str(folder / "insurance.md"),
               position="§ Home insurance, lines 1–3",
               snippet="Water damage from the boiler is covered up to 5,000 EUR.",
               score=0.016, chunk_id=2),
    )
    receipt = dataclasses.replace(
        local_receipt(escalation_offer=None, token_probability=None),
        reason="it draws on “House”, kept on this device",
        kept_local_for_collections=("House",), sources=sources, sources_trimmed=1,
        sources_tokens=96, sources_token_basis="counted")
    return [
        Message(1, 1, "user", "When is the boiler service due, and who does it?", "complete",
                0, None),
        Message(2, 1, "assistant", "The service is due every **March** [1]; Northside Heating "
                "installed the boiler and does the service [1]. Water damage from it is "
                "insured up to 5,000 EUR [2].", "complete", 0, receipt),
    ]


def _tooltip_shot(chat: ChatView, text: str, folder: Path, name: str) -> None:
    """Hover ``text`` in ``chat`` (a tooltip event at its place) and save the tooltip."""
    _settle()
    cursor = QTextCursor(chat.document())
    cursor.setPosition(chat.document().toPlainText().index(text) + 2)
    place = chat.cursorRect(cursor).center()
    QCoreApplication.sendEvent(chat.viewport(), QHelpEvent(
        QEvent.Type.ToolTip, place, chat.viewport().mapToGlobal(place)))
    _settle()
    for widget in QApplication.allWidgets():
        if widget.metaObject().className() == "QTipLabel" and widget.isVisible():
            path = folder / f"{name}.png"
            widget.grab().save(str(path))
            print(path)
    QToolTip.hideText()


def main(folder: Path) -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    library = make_library(settings)
    infos: list[CollectionInfo] = library.collections()
    for palette in (theme.LIGHT, theme.DARK):
        theme.apply(app, palette)
        name = palette.name
        panel = DocumentsPanel(library, ask=lambda _t, _x: True)
        panel.resize(820, 560)
        panel.show()
        _wait(lambda p=panel: bool(p.infos))
        panel.select("House")
        _save(panel, folder, f"documents-panel-{name}")
        panel.jobs.wait(5000)

        holder = QWidget()
        layout = QVBoxLayout(holder)
        button = DocumentsButton()
        button.set_available(infos)
        button.show_choice(("House",))
        chat = ChatView()
        chat.set_palette(palette)
        chat.show_messages(answer_messages(_SCRATCH / "house"))
        layout.addWidget(chat, 1)
        layout.addWidget(button)
        holder.resize(760, 520)
        holder.show()
        _tooltip_shot(chat, "[1] boiler.md", folder, f"source-tooltip-{name}")
        _save(holder, folder, f"answer-sources-{name}")
        menu = button.menu()
        assert menu is not None
        menu.resize(menu.sizeHint())
        _save(menu, folder, f"documents-menu-{name}")
    library.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".cache/screenshots/docs"))
