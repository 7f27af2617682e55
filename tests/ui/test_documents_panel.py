"""The Documents panel, the chat's "Documents" choice and the sources under an answer, on the
real library (SQLite FTS5 over real files) and the real window with the tiny model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QTextCursor
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.documents import Library
from desktop.core.services import Services
from desktop.core.settings import Settings
from desktop.ui.consent import PreviewDialog
from desktop.ui.documents_panel import DocumentsPanel
from desktop.ui.main_window import MainWindow
from desktop.ui.wheel_guard import changes_on_wheel

from .support import ask

BOILER = ("# Boiler\n\nThe boiler service is due every March. The installer is Northside "
          "Heating.\n")


@pytest.fixture
def library(settings: Settings) -> Iterator[Library]:
    opened = Library.open_default(settings)
    yield opened
    opened.close()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder with a readable note and a "PDF" that is not one."""
    folder = tmp_path / "house"
    folder.mkdir()
    (folder / "boiler.md").write_text(BOILER, encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"this is not a PDF file at all\n")
    return folder


class _Opened(QObject):
    """Stands in for the desktop's file opener (``QDesktopServices.setUrlHandler``, Qt's own
    seam): records the URLs instead of starting an application."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_the_panel_indexes_added_files_and_says_why_one_failed(
        qtbot: QtBot, library: Library, files: Path) -> None:
    asked: list[str] = []
    panel = DocumentsPanel(library, ask=lambda title, _text: asked.append(title) is None)
    qtbot.addWidget(panel)
    panel.show()
    panel.create_collection("Tax 2025")
    qtbot.waitUntil(lambda: [i.name for i in panel.infos] == ["Tax 2025"], timeout=5000)
    assert panel.table.item(0, 1).text() == "This device only"
    panel.add_paths("Tax 2025", [files])
    qtbot.waitUntil(lambda: panel.last_report is not None and panel.indexing is None
                    and panel.infos and panel.infos[0].files == 1, timeout=20_000)
    info = panel.infos[0]
    assert (info.files, len(info.failed)) == (1, 1)
    assert panel.table.item(0, 2).text() == "1" and "could not be read" in \
        panel.table.item(0, 4).text()
    # The failed file is listed with its reason, in words.
    assert panel.failed.isVisibleTo(panel) and panel.failed.count() == 1
    shown = panel.failed.item(0).text()
    assert shown.startswith("broken.pdf: ") and len(shown) > len("broken.pdf: ") + 5
    assert "Indexing “Tax 2025” done: 1 file(s) indexed, 1 could not be read" in \
        panel.progress_label.text()
    # The privacy level changes by an explicit click, confirmed; no field reacts to the wheel.
    assert not any(changes_on_wheel(w) for w in panel.findChildren(QWidget))
    assert panel.privacy_button.text() == "Allow sending…"
    panel.privacy_button.click()
    qtbot.waitUntil(lambda: panel.infos[0].privacy == "send", timeout=5000)
    assert asked == ["Allow “Tax 2025” to be sent?"]
    assert panel.table.item(0, 1).text() == "May be sent"
    assert library.collection("Tax 2025").privacy == "send"
    panel.privacy_button.click()  # back to this device: no question asked
    qtbot.waitUntil(lambda: panel.infos[0].privacy == "device", timeout=5000)
    assert len(asked) == 1
    panel.shut_down()


def test_a_chats_collections_are_saved_and_its_answer_lists_sources_that_open(
        qtbot: QtBot, make_window: object, services: Services, library: Library,
        files: Path) -> None:
    (files / "broken.pdf").unlink()
    library.add("Tax 2025", [files])
    assert not library.index("Tax 2025").failed
    window: MainWindow = make_window(services)  # type: ignore[operator]
    button = window.documents.button
    qtbot.waitUntil(lambda: bool(button._available), timeout=5000)
    # A new chat keeps the choice for its first question, which stores it with the chat.
    button.toggle("Tax 2025")
    assert button.text() == "Documents: Tax 2025"
    ask(qtbot, window, "When is the boiler service due?")
    conversation_id = window.conversation_id
    assert conversation_id is not None
    assert services.conversations.get(conversation_id).collections == ("Tax 2025",)
    answer = window.chat.entries[-1]
    assert answer.receipt is not None
    assert [s.label.split(",")[0] for s in answer.receipt.sources] == ["boiler.md"]
    assert 'href="hearth:source/1/0"' in window.chat.toHtml()
    assert "[1] boiler.md, § Boiler" in window.chat.toPlainText()
    # Hovering the source shows the passage with the question's words marked.
    cursor = QTextCursor(window.chat.document())
    cursor.setPosition(window.chat.toPlainText().index("[1] boiler.md") + 2)
    tip = cursor.charFormat().toolTip()
    assert "kept on this device" in tip and ">boiler</span>" in tip and ">service</span>" in tip
    # Clicking the source opens the file (through the desktop's opener) and says where.
    opened = _Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        window.chat.open_link("hearth:source/1/0")
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in opened.urls] == [str(files / "boiler.md")]
    assert window.notice.isVisible() and "boiler.md" in window.notice.label.text()
    # Turning the collection off is stored with the conversation at once.
    button.toggle("Tax 2025")
    assert services.conversations.get(conversation_id).collections == ()
    assert button.text() == "Documents: off"


def test_the_receipt_view_tells_what_the_documents_took() -> None:
    from desktop.core.receipt import Receipt, Source
    from desktop.ui.receipt_summary import summary_sections

    receipt = Receipt(
        tier="local", provider="llama.cpp", model="m", endpoint=None, privacy="on-device",
        bytes_sent=0, tokens_in=10, tokens_out=2, ttft_s=None, decode_tok_per_s=None,
        cost_usd=None, cloud_equivalent_usd=None,
        reason="it draws on “House”, kept on this device",
        sources=(Source(collection="House", path="/h/boiler.md", position="§ Boiler"),),
        sources_trimmed=2, sources_tokens=96, sources_token_basis="estimated")
    rows = {label: (value, how) for _, section in summary_sections(receipt.to_dict())
            for label, value, how in section}
    assert rows["Documents"] == ("1 passage(s) from “House”; 2 lower-ranked left out to fit "
                                 "the local model's context", "96 tokens, estimated from length")
    assert rows["Why there"][0] == "it draws on “House”, kept on this device"


def test_the_preview_of_a_new_chat_uses_its_chosen_documents(
        qtbot: QtBot, make_window: object, services: Services, settings: Settings,
        library: Library, files: Path) -> None:
    (files / "broken.pdf").unlink()
    library.add("Tax 2025", [files])
    assert not library.index("Tax 2025").failed
    settings.set("cloud.escalation", True)  # else escalation being off is the reason
    window: MainWindow = make_window(services)  # type: ignore[operator]
    qtbot.waitUntil(lambda: bool(window.documents.button._available), timeout=5000)
    window.documents.button.toggle("Tax 2025")
    window.composer.set_text("When is the boiler service due?")
    window.preview_sending()

    def shown() -> list[PreviewDialog]:
        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, PreviewDialog) and w.isVisible()]

    qtbot.waitUntil(lambda: bool(shown()), timeout=10_000)
    [dialog] = shown()
    assert dialog.preview.decision.tier == "local"
    assert dialog.preview.decision.reason == "it draws on “Tax 2025”, kept on this device"
    assert [s.collection for s in dialog.preview.sources] == ["Tax 2025"]
    dialog.close()
