"""The Documents panel: the user's collections, how private each is, and how far indexing got.

    collections ─ name, privacy ("This device only" / "May be sent"), files, passages, state
    selected    ─ its files and folders, the files that could not be read and why
    actions     ─ New collection…, Add files…, Add folder…, Index now / Stop, Remove…,
                  and the privacy level, changed by a click on its button (never by the wheel)

Reads, writes and indexing run on the panel's own job runner (a pool thread; indexing uses its
own SQLite connection), so the window stays responsive; progress arrives as a queued signal.
Loosening a collection to "May be sent" asks first, because its passages may then leave with a
question (through the privacy gate, like the question itself).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.documents import CollectionInfo, IndexProgress, IndexReport, Privacy
from desktop.ui.documents_indexing import IndexQueue
from desktop.ui.documents_words import PRIVACY_WORDS, collection_state, describe_progress
from desktop.ui.jobs import JobRunner
from desktop.ui.theme import restyle

if TYPE_CHECKING:
    from desktop.core.documents import Library

COLUMNS = ("Collection", "Kept", "Files", "Passages", "State")
SHUTDOWN_MS = 10_000
# While indexing, the table's counts are read again at most this often (each read is one
# query per collection, on a job thread).
COUNTS_EVERY_S = 1.0


class DocumentsPanel(QDialog):
    """Manage the document collections; non-modal, so chatting goes on meanwhile.

    Signals:
        changed(): collections were created, removed, indexed or changed privacy.
    """

    changed = Signal()

    def __init__(self, library: Library, parent: QWidget | None = None, *,
                 ask: Callable[[str, str], bool] | None = None,
                 indexer: IndexQueue | None = None) -> None:
        """``indexer`` is the window's (it may be indexing already); without one the panel
        indexes on a queue of its own."""
        super().__init__(parent)
        self.setWindowTitle("Documents")
        self.setAccessibleName("Documents")
        self.setModal(False)
        self.resize(820, 600)
        self._library = library
        self._ask = ask or self._ask_user
        self.infos: list[CollectionInfo] = []
        self.jobs = JobRunner(self)
        self._owns_indexer = indexer is None
        self.indexer = indexer or IndexQueue(lambda: library, self.jobs, self)
        self.indexer.started.connect(self._on_started)
        self.indexer.progressed.connect(self._on_progress)
        self.indexer.finished.connect(self._indexed)
        self.indexer.failed.connect(self._index_failed)
        self._counts_read_at = 0.0
        self._counts_reading = False
        self._build()
        if self.indexer.indexing is not None:  # a run that began before the panel opened
            self._on_started(self.indexer.indexing)
            if self.indexer.last_progress is not None:
                self._on_progress(self.indexer.last_progress)
        self.reload()

    @property
    def indexing(self) -> str | None:
        """The collection being indexed, if any."""
        return self.indexer.indexing

    @property
    def last_report(self) -> IndexReport | None:
        return self.indexer.last_report

    # -- building --------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        intro = QLabel("Chats that use a collection answer from its passages and cite them. "
                       "“This device only” (the default): its passages never leave this "
                       "computer, so a question that uses it is answered here. “May be sent”: "
                       "they may go with a question to a cloud tier, through the privacy gate.")
        intro.setObjectName("Muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Document collections")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._show_selected)
        layout.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.new_button = self._button("New collection…", "Create a document collection",
                                       self.choose_new, row)
        self.add_files_button = self._button("Add files…", "Add files to the collection",
                                             lambda: self.choose_paths(folder=False), row)
        self.add_folder_button = self._button("Add folder…", "Add a folder to the collection",
                                              lambda: self.choose_paths(folder=True), row)
        self.privacy_button = self._button("", "Change who may see the collection's passages",
                                           self.toggle_privacy, row)
        self.index_button = self._button("Index now", "Index the collection's new and "
                                         "changed files", self.index_selected, row)
        self.stop_button = self._button("Stop", "Stop indexing; it goes on from there next "
                                        "time", self.stop_indexing, row)
        self.remove_button = self._button("Remove…", "Forget the collection (the files stay)",
                                          lambda: self.remove_selected(), row)
        row.addStretch(1)
        layout.addLayout(row)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Indexing progress")
        self.progress_label = QLabel()
        self.progress_label.setObjectName("Muted")
        self.progress_label.setWordWrap(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)

        self.roots_label = QLabel()
        self.roots_label.setWordWrap(True)
        self.roots_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.roots_label)
        self.failed_label = QLabel("Files that could not be read")
        self.failed_label.setObjectName("Muted")
        layout.addWidget(self.failed_label)
        self.failed = QListWidget()
        self.failed.setAccessibleName("Files that could not be read, and why")
        self.failed.setMaximumHeight(140)  # the collections keep the room
        layout.addWidget(self.failed)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Documents message")
        self.message.hide()
        layout.addWidget(self.message)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        layout.addWidget(close)
        self._show_idle()
        self._show_selected()

    def _button(self, text: str, name: str, slot: Callable[[], object],
                row: QHBoxLayout) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.clicked.connect(lambda _checked=False: slot())
        row.addWidget(button)
        return button

    # -- what is shown ---------------------------------------------------------------------

    def reload(self) -> None:
        """Read the collections again (off the GUI thread) and show them."""
        self.jobs.run(self._library.collections, on_done=self._fill, on_failed=self._fail,
                      context=self)

    def _fill(self, infos: list[CollectionInfo]) -> None:
        selected = self.selected_name()
        self.infos = list(infos)
        self.table.setRowCount(len(self.infos))
        for row, info in enumerate(self.infos):
            cells = (info.name, PRIVACY_WORDS.get(info.privacy, info.privacy), str(info.files),
                     str(info.chunks), collection_state(info, self.indexing))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 1:
                    item.setToolTip("Its passages never leave this computer"
                                    if info.privacy == "device" else
                                    "Its passages may go with a question to a cloud tier")
                self.table.setItem(row, column, item)
        names = [i.name for i in self.infos]
        if selected in names:
            self.table.selectRow(names.index(selected))
        elif self.infos:
            self.table.selectRow(0)
        self._show_selected()

    def selected_name(self) -> str | None:
        info = self.selected()
        return info.name if info is not None else None

    def selected(self) -> CollectionInfo | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.infos):
            return None
        return self.infos[rows[0].row()]

    def select(self, name: str) -> None:
        for row, info in enumerate(self.infos):
            if info.name == name:
                self.table.selectRow(row)

    @Slot()
    def _show_selected(self) -> None:
        info = self.selected()
        has = info is not None
        for button in (self.add_files_button, self.add_folder_button, self.privacy_button,
                       self.remove_button):
            button.setEnabled(has)
        self.index_button.setEnabled(has and self.indexing is None)
        self.privacy_button.setText("Keep on this device" if has and info.privacy == "send"
                                    else "Allow sending…")
        self.failed.clear()
        if info is None:
            self.roots_label.setText("Create a collection, then add files or folders to it.")
            self.failed_label.hide()
            self.failed.hide()
            return
        roots = ", ".join(info.roots) if info.roots else "nothing added yet"
        self.roots_label.setText(f"“{info.name}” holds: {roots}")
        for path, reason in info.failed:
            item = QListWidgetItem(f"{Path(path).name}: {reason}")
            item.setToolTip(path)
            self.failed.addItem(item)
        self.failed_label.setVisible(bool(info.failed))
        self.failed.setVisible(bool(info.failed))

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        restyle(self.message, "ErrorLabel" if error else "Muted")
        self.message.setVisible(bool(text))

    def _fail(self, message: str) -> None:
        self._say(message or "Something went wrong; the crash report says what.", error=True)

    def _show_idle(self) -> None:
        self.progress.hide()
        self.stop_button.hide()
        if not self.progress_label.text():
            self.progress_label.hide()

    # -- intents ---------------------------------------------------------------------------

    def choose_new(self) -> None:
        name, ok = QInputDialog.getText(self, "New collection", "Name of the collection:")
        if ok and name.strip():
            self.create_collection(name.strip())

    def create_collection(self, name: str, privacy: Privacy = "device") -> None:
        def created(info: CollectionInfo) -> None:
            self._say(f"Created “{info.name}”, kept on this device. Add files or folders to "
                      "it." if info.privacy == "device" else f"Created “{info.name}”.")
            self._changed(select=info.name)

        self.jobs.run(partial(self._library.create, name, privacy=privacy), on_done=created,
                      on_failed=self._fail, context=self)

    def choose_paths(self, *, folder: bool) -> None:
        name = self.selected_name()
        if name is None:
            return
        if folder:
            chosen = QFileDialog.getExistingDirectory(self, f"Add a folder to “{name}”")
            paths = [chosen] if chosen else []
        else:
            paths, _ = QFileDialog.getOpenFileNames(self, f"Add files to “{name}”")
        if paths:
            self.add_paths(name, paths)

    def add_paths(self, name: str, paths: Sequence[str | Path]) -> None:
        """Add ``paths`` to collection ``name``, then index it."""
        def added(_info: CollectionInfo) -> None:
            self._changed(select=name)
            self.index(name)

        self.jobs.run(partial(self._library.add, name, list(paths)), on_done=added,
                      on_failed=self._fail, context=self)

    def toggle_privacy(self) -> None:
        info = self.selected()
        if info is not None:
            self.set_privacy(info.name, "device" if info.privacy == "send" else "send")

    def set_privacy(self, name: str, privacy: Privacy) -> None:
        """Change ``name``'s level; loosening it to "send" is confirmed first."""
        if privacy == "send" and not self._ask(
                f"Allow “{name}” to be sent?",
                f"Passages of “{name}” may then go with a question to a cloud tier, after "
                "the privacy gate has looked at them (sensitive values are kept here, "
                "replaced or shown to you first, as your privacy settings say). Questions "
                "that use it are no longer kept on this device because of it."):
            return
        self.jobs.run(partial(self._library.set_privacy, name, privacy),
                      on_done=lambda _info: self._changed(select=name),
                      on_failed=self._fail, context=self)

    def remove_selected(self) -> None:
        name = self.selected_name()
        if name is not None and self._ask(
                f"Remove “{name}”?", "Hearth forgets the collection and its index. The files "
                "themselves are not touched."):
            self.jobs.run(partial(self._library.remove, name),
                          on_done=lambda _none: self._changed(), on_failed=self._fail,
                          context=self)

    def index_selected(self) -> None:
        name = self.selected_name()
        if name is not None:
            self.index(name)

    def index(self, name: str) -> None:
        """Index ``name`` on a job thread (after the run in progress, if any)."""
        self.indexer.index(name)

    @Slot()
    def stop_indexing(self) -> None:
        """Stop at the next file; what is indexed stays, the rest is done next time."""
        if self.indexer.indexing is not None:
            self.indexer.stop()
            self.progress_label.setText("Stopping after the file being read…")

    @Slot(str)
    def _on_started(self, name: str) -> None:
        self.progress.setRange(0, 0)
        self.progress.show()
        self.stop_button.show()
        self.progress_label.setText(f"Indexing “{name}”: looking for new and changed files…")
        self.progress_label.show()
        self._show_selected()
        self._show_state_cells()

    @Slot(object)
    def _on_progress(self, progress: IndexProgress) -> None:
        if self.indexer.indexing is None:
            return
        if progress.files_total:
            self.progress.setRange(0, progress.files_total)
            self.progress.setValue(progress.files_done)
        if not self.indexer.stopping:
            self.progress_label.setText(describe_progress(progress))
        self._read_counts()

    def _read_counts(self) -> None:
        """The table's file and passage counts as committed so far, read at most once a
        second while a run goes on (each file is committed when it is read)."""
        now = time.monotonic()
        if self._counts_reading or now - self._counts_read_at < COUNTS_EVERY_S:
            return
        self._counts_reading, self._counts_read_at = True, now

        def read(infos: list[CollectionInfo]) -> None:
            self._counts_reading = False
            self._fill(infos)

        def failed(_message: str) -> None:
            self._counts_reading = False  # the run's own report says what went wrong

        self.jobs.run(self._library.collections, on_done=read, on_failed=failed,
                      context=self)

    @Slot(object)
    def _indexed(self, report: IndexReport) -> None:
        state = "stopped" if report.stopped else "done"
        failed = f", {len(report.failed)} could not be read" if report.failed else ""
        self.progress_label.setText(
            f"Indexing “{report.collection}” {state}: {report.indexed} file(s) indexed"
            f"{failed}, {report.chunks} passages, in {report.elapsed_s:.1f} s (measured).")
        self._index_ended()

    @Slot(str, str)
    def _index_failed(self, _name: str, message: str) -> None:
        self._fail(message)
        self.progress_label.setText("")
        self._index_ended()

    def _index_ended(self) -> None:
        if self.indexer.indexing is None:
            self._show_idle()
        self._changed()

    def _show_state_cells(self) -> None:
        for row, info in enumerate(self.infos):
            item = self.table.item(row, 4)
            if item is not None:
                item.setText(collection_state(info, self.indexing))

    def _changed(self, *, select: str | None = None) -> None:
        def filled(infos: list[CollectionInfo]) -> None:
            self._fill(infos)
            if select is not None:
                self.select(select)
            self.changed.emit()

        self.jobs.run(self._library.collections, on_done=filled, on_failed=self._fail,
                      context=self)

    def _ask_user(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text,
                                      QMessageBox.StandardButton.Yes
                                      | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def shut_down(self) -> None:
        """Stop its own indexing (what is done stays) and wait for the jobs; the window's
        queue is the window's to stop."""
        if self._owns_indexer:
            self.indexer.shut_down()
        self.jobs.wait(SHUTDOWN_MS)
