"""The window's documents: the Documents panel (File ▸ Documents…, Ctrl+Shift+D), the chat's
"Documents" button above the message box, and the sources under answers, which open their file.

One object wires them into ``MainWindow`` so that the window itself changes by a line: the
library is opened off the GUI thread the first time it is needed, and every read or write of it
runs on a job thread; the chat's choice is stored with the conversation.

Once the window is on screen, every collection is brought up to date in the background (files
added, changed or deleted while Hearth was closed), one after another on the window's
``IndexQueue``; the Documents panel shows the progress. Without a documents database there is
nothing to catch up with, and the library (NumPy with it) is not loaded at all. While the window
runs, the collections' folders are watched (``FolderWatch``) and a collection whose files
change is indexed again a moment later.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QMenu, QWidget

from desktop.core.documents import CollectionInfo, IndexReport, default_path
from desktop.core.errors import KnownError
from desktop.core.receipt import Source
from desktop.ui.answer_sources import open_source
from desktop.ui.documents_choice import DocumentsButton
from desktop.ui.documents_indexing import IndexQueue
from desktop.ui.documents_panel import DocumentsPanel
from desktop.ui.documents_watch import FolderWatch
from desktop.ui.jobs import JobRunner

if TYPE_CHECKING:
    from desktop.core.documents import Library
    from desktop.ui.main_window import MainWindow

SHORTCUT = "Ctrl+Shift+D"


class WindowDocuments(QObject):
    """Documents in ``window``: the panel, the chat's choice and the sources' links."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._library: Library | None = None
        self._opening = threading.Lock()  # two job threads may ask for it at once
        self._shown_for: int | None = None  # the conversation whose choice is shown
        self.panel: DocumentsPanel | None = None
        self.jobs = JobRunner(self)
        self.jobs.crashed.connect(window.show_crash)
        self.indexer = IndexQueue(self.library, self.jobs, self)
        self.indexer.finished.connect(self._on_indexed)
        self.indexer.failed.connect(self._on_index_failed)
        self._caught_up = False  # the start's pass over the collections was asked for
        self.watch = FolderWatch(self.indexer, self.jobs, self)
        self.button = DocumentsButton()
        row = QWidget()
        row.setObjectName("DocumentsRow")
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(10, 2, 10, 0)
        row_layout.addWidget(self.button)
        row_layout.addStretch(1)
        parent = window.composer.parentWidget()
        layout = parent.layout() if parent is not None else None
        if layout is not None:  # just above the message box
            layout.insertWidget(layout.indexOf(window.composer), row)
        self.action = QAction("&Documents…", window)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.triggered.connect(lambda _checked=False: self.open_panel())
        menu, before = _file_menu(window), _quit_action(window)
        if before is not None and before in menu.actions():
            menu.insertAction(before, self.action)
        else:
            menu.addAction(self.action)
        self.button.chosen.connect(self.choose)
        self.button.manage_requested.connect(self.open_panel)
        window.chat.source_requested.connect(self.open_source)
        window.session.state_changed.connect(self.show_chat_choice)
        window.session.conversation_saved.connect(self._on_saved)
        window.installEventFilter(self)  # its first showing starts the catch-up
        self.show_chat_choice()

    # -- the library, off the GUI thread -------------------------------------------------------

    def library(self) -> Library:
        """The user's library, opened on first use (call from a job thread)."""
        with self._opening:
            if self._library is None:
                # Imported here, not at the top: the library brings NumPy, which the window's
                # start need not wait for.
                from desktop.core.documents import Library

                self._library = Library.open_default(self._window.services.settings)
            return self._library

    def refresh(self) -> None:
        """Read the collections again for the chat's button."""
        self.jobs.run(lambda: self.library().collections(), on_done=self._available,
                      on_failed=lambda _message: None, context=self.button)

    def _available(self, infos: list[CollectionInfo]) -> None:
        self.button.set_available(infos)
        self.watch.watch(infos)  # folders added or removed: watched from now on, or not

    # -- catching up at start --------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._window:
            if event.type() == QEvent.Type.Show and not self._caught_up:
                self._caught_up = True
                # After the first paint: the window is on screen before any of this begins.
                QTimer.singleShot(0, self.catch_up)
            elif event.type() == QEvent.Type.Close:
                # Stop now, while the window frees the model; shut_down waits for it later.
                self.watch.shut_down()
                self.indexer.shut_down()
        return False

    @Slot()
    def catch_up(self) -> None:
        """Bring every collection up to date (files added, changed, deleted meanwhile), in the
        background; nothing at all when there is no documents database yet."""
        if not default_path().exists():
            return  # no collection was ever made: NumPy and the library stay unloaded

        def found(infos: list[CollectionInfo]) -> None:
            self._available(infos)
            self.indexer.index_all([info.name for info in infos if info.roots])

        self.jobs.run(lambda: self.library().collections(), on_done=found,
                      on_failed=self._say_failed, context=self.button)

    def _say_failed(self, message: str) -> None:
        if message:  # an empty one is a bug, already shown as a crash report
            self._window.notice.show_error(message)

    @Slot(object)
    def _on_indexed(self, report: IndexReport) -> None:
        if report.indexed or report.removed:  # the chat's button shows the new counts
            self.refresh()
            if self.panel is None or not self.panel.isVisible():
                self._window.status.showMessage(
                    f"Documents: “{report.collection}” is up to date ({report.indexed} "
                    f"file(s) read, {report.removed} removed).", 8000)

    @Slot(str, str)
    def _on_index_failed(self, name: str, message: str) -> None:
        if message and (self.panel is None or not self.panel.isVisible()):
            self._window.notice.show_error(f"Documents: “{name}” could not be brought up to "
                                           f"date: {message}")

    # -- the panel -------------------------------------------------------------------------

    @Slot()
    def open_panel(self) -> None:
        """Show the Documents panel (opened the first time off the GUI thread)."""
        if self.panel is not None:
            self.panel.reload()
            self._raise(self.panel)
            return
        self.jobs.run(self.library, on_done=self._show_panel,
                      on_failed=self._window.notice.show_error, context=self._window)

    def _show_panel(self, library: Library) -> None:
        if self.panel is None:
            self.panel = DocumentsPanel(library, self._window, indexer=self.indexer)
            self.panel.jobs.crashed.connect(self._window.show_crash)
            self.panel.changed.connect(self.refresh)
        self._raise(self.panel)

    @staticmethod
    def _raise(panel: DocumentsPanel) -> None:
        panel.show()
        panel.raise_()
        panel.activateWindow()

    # -- the chat's choice -----------------------------------------------------------------

    @Slot()
    def show_chat_choice(self) -> None:
        """Show the collections of the chat on screen (a new chat's pending choice)."""
        window = self._window
        conversation_id = window.conversation_id
        if conversation_id is None:
            self._shown_for = None
            self.button.show_choice(window.session.new_chat_collections)
            return
        if conversation_id == self._shown_for:
            return  # the session's state changes often; its conversation less so
        self._shown_for = conversation_id
        with contextlib.suppress(KnownError):
            self.button.show_choice(window.services.conversations.get(conversation_id)
                                    .collections)

    @Slot(object)
    def choose(self, names: tuple[str, ...]) -> None:
        """The user chose ``names`` for the chat on screen: store it with the conversation,
        or keep it for a new chat's first question."""
        window = self._window
        conversation_id = window.conversation_id
        if conversation_id is None:
            window.session.new_chat_collections = tuple(names)
            return
        try:
            window.services.conversations.set_collections(conversation_id, names)
        except KnownError as exc:
            window.notice.show_error(str(exc))

    @Slot(int)
    def _on_saved(self, _conversation_id: int) -> None:
        self._window.session.new_chat_collections = ()  # stored with the new conversation
        self._shown_for = None
        self.show_chat_choice()

    # -- sources ---------------------------------------------------------------------------

    @Slot(object)
    def open_source(self, source: Source) -> None:
        """Open the passage's file; the notice says where in it the passage is."""
        self._window.notice.show_info(open_source(source))

    def shut_down(self) -> None:
        """Stop indexing after the file being read (the next start goes on from there),
        wait for the jobs and close the library."""
        self.watch.shut_down()
        self.indexer.shut_down()
        if self.panel is not None:
            self.panel.shut_down()
        self.jobs.wait(10_000)
        if self._library is not None:
            self._library.close()
            self._library = None


def _file_menu(window: MainWindow) -> QMenu:
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and menu.title().replace("&", "") == "File":
            return menu
    return window.menuBar().addMenu("&File")


def _quit_action(window: MainWindow) -> QAction | None:
    quit_action = getattr(window, "quit_action", None)
    return quit_action if isinstance(quit_action, QAction) else None
