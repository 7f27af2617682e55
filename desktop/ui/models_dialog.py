"""The Models dialog: the catalog to download from, the models Hearth knows, and which one answers.

    catalog   ─ name, size, licence, memory needed, downloaded or not; the recommended one marked
    download  ─ progress bar with bytes, speed and time left; Cancel keeps the partial file
    installed ─ name, size, where it came from, SHA-256; Import…, Use, Remove

Downloads, imports (a trial load in a child process) and the hardware reading for the
recommendation run on the dialog's own job runner, so the chat stays usable meanwhile; closing
the dialog does not stop a download. Use sets ``local.model_path``, which makes the window load
that model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.core.catalog import (
    Catalog,
    CatalogEntry,
    DownloadCancelled,
    DownloadProgress,
    InstallResult,
    ModelRecord,
    ModelRegistry,
    format_bytes,
    import_model,
    install_catalog_model,
    load_catalog,
    models_dir,
    recommend_model,
)
from desktop.core.errors import ConfigError, KnownError
from desktop.core.settings import Settings
from desktop.ui.jobs import JobRunner

MODEL_FILTER = "GGUF models (*.gguf);;All files (*)"
SHUTDOWN_MS = 10_000
_CHECKSUM_NOTES = {
    "catalog": "matches the catalog",
    "first download": "first download here: recorded, later downloads must match it",
    "recorded at first download": "matches the first download here",
}
CATALOG_COLUMNS = ("Model", "Size", "Licence", "Memory needed", "Status")
INSTALLED_COLUMNS = ("Name", "Size", "From", "SHA-256", "")

Importer = Callable[..., ModelRecord]


@dataclass(frozen=True)
class Paused:
    """A cancelled download: what was received is kept, the same download resumes it."""

    message: str


class _ProgressRelay(QObject):
    """Created on the GUI thread; the download thread emits, the slot runs on the GUI thread."""

    progressed = Signal(object)


def describe_progress(progress: DownloadProgress) -> str:
    """``12.3 MB of 400 MB · 4.1 MB/s · 1 min 35 s left``, with what is known."""
    parts = [format_bytes(progress.done)
             + (f" of {format_bytes(progress.total)}" if progress.total else "")]
    if progress.bytes_per_s:
        parts.append(f"{format_bytes(progress.bytes_per_s)}/s")
    if progress.eta_s is not None:
        parts.append(f"{duration(progress.eta_s)} left")
    return " · ".join(parts)


def duration(seconds: float) -> str:
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
    if whole >= 60:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole} s"


class ModelsDialog(QDialog):
    """Browse the catalog, download, import, choose and remove models; non-modal.

    Signals:
        changed(): the installed models changed (a download or import finished, one removed).
    """

    changed = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None, *,
                 catalog: Catalog | None = None, registry: ModelRegistry | None = None,
                 importer: Importer = import_model, detect: bool = True) -> None:
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.setAccessibleName("Models")
        self.setModal(False)
        self.resize(860, 640)
        self._settings = settings
        self._catalog = catalog
        self._registry = registry or ModelRegistry()
        self._importer = importer
        self._entries: list[CatalogEntry] = []
        self._records: list[ModelRecord] = []
        self._recommended: str | None = None
        self._cancel: threading.Event | None = None
        self._downloading: CatalogEntry | None = None
        self._importing = False
        self.last_result: InstallResult | None = None
        self.jobs = JobRunner(self)
        self._relay = _ProgressRelay(self)
        self._relay.progressed.connect(self._on_progress)
        self._build()
        self.reload()
        if detect:
            self.jobs.run(self._advise, on_done=self._show_advice, on_failed=lambda _m: None,
                          context=self)

    # -- building --------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)

        catalog_box = QGroupBox("Catalog")
        catalog_layout = QVBoxLayout(catalog_box)
        self.advice = QLabel("Looking at this computer's memory for a recommendation…")
        self.advice.setObjectName("Muted")
        self.advice.setWordWrap(True)
        catalog_layout.addWidget(self.advice)
        self.catalog_table = _table(CATALOG_COLUMNS, "Catalog models")
        catalog_layout.addWidget(self.catalog_table, 1)
        row = QHBoxLayout()
        self.download_button = QPushButton("Download")
        self.download_button.setObjectName("PrimaryButton")
        self.download_button.setAccessibleName("Download the selected model")
        self.download_button.clicked.connect(self.download_selected)
        row.addWidget(self.download_button)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Download progress")
        self.progress.setRange(0, 100)
        row.addWidget(self.progress, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the download")
        self.cancel_button.clicked.connect(self.cancel_download)
        row.addWidget(self.cancel_button)
        catalog_layout.addLayout(row)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("Muted")
        catalog_layout.addWidget(self.progress_label)
        layout.addWidget(catalog_box, 3)

        installed_box = QGroupBox("On this computer")
        installed_layout = QVBoxLayout(installed_box)
        self.installed_table = _table(INSTALLED_COLUMNS, "Installed models")
        installed_layout.addWidget(self.installed_table, 1)
        buttons = QHBoxLayout()
        self.import_button = QPushButton("Import…")
        self.import_button.setAccessibleName("Import a GGUF file")
        self.import_button.clicked.connect(self.choose_import)
        self.use_button = QPushButton("Use")
        self.use_button.setAccessibleName("Answer with the selected model")
        self.use_button.clicked.connect(self.use_selected)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName("Remove the selected model")
        self.remove_button.clicked.connect(lambda: self.remove_selected())
        for button in (self.import_button, self.use_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        installed_layout.addLayout(buttons)
        layout.addWidget(installed_box, 2)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAccessibleName("Models message")
        self.message.hide()
        layout.addWidget(self.message)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        layout.addWidget(close)

        self.catalog_table.itemSelectionChanged.connect(self._update_buttons)
        self.installed_table.itemSelectionChanged.connect(self._update_buttons)
        self._show_idle()

    # -- what is shown ---------------------------------------------------------------------

    def reload(self) -> None:
        """Read the catalog (once) and the registry (each time) again and fill both tables."""
        if self._catalog is None:
            self._catalog = load_catalog()
        self._entries = list(self._catalog)
        self._records = self._registry.records()
        self._fill_catalog()
        self._fill_installed()
        self._update_buttons()

    def _context(self) -> int:
        return self._settings.get_int("local.context_size")

    def _fill_catalog(self) -> None:
        table = self.catalog_table
        selected = self.selected_entry()
        installed = {r.catalog_id for r in self._records if r.catalog_id and r.path.is_file()}
        table.setRowCount(len(self._entries))
        for row, entry in enumerate(self._entries):
            name = entry.name + ("  ★ recommended" if entry.id == self._recommended else "")
            size = format_bytes(entry.size_estimate) if entry.size_estimate else "unknown"
            need = entry.memory_needed(self._context())
            memory = f"~{format_bytes(need)}" if need is not None else "unknown"
            if entry is self._downloading:
                status = "downloading…"
            else:
                status = "downloaded" if entry.id in installed else ""
            cells = (name, size, entry.licence, memory, status)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, entry.id)
                tip = f"{entry.id}: {entry.quantization}, {entry.parameters or '?'} parameters"
                item.setToolTip(tip + (f"\n{entry.note}" if entry.note else ""))
                table.setItem(row, column, item)
            if selected is not None and entry.id == selected.id:
                table.selectRow(row)

    def _fill_installed(self) -> None:
        table = self.installed_table
        current = self._current_path()
        table.setRowCount(len(self._records))
        for row, record in enumerate(self._records):
            origin = {"catalog": "downloaded"}.get(record.source, "copied" if record.owned
                                                   else "used in place")
            state = "answering now" if current == record.path else ""
            if not record.path.is_file():
                state = "file missing"
            sha = record.sha256[:16] + "…" if record.sha256 else "—"
            for column, text in enumerate((record.name, format_bytes(record.size), origin, sha,
                                           state)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, record.name)
                item.setToolTip(f"{record.path}" + (f"\nSHA-256 {record.sha256}"
                                                     if record.sha256 else ""))
                table.setItem(row, column, item)

    def _current_path(self) -> Path | None:
        value = self._settings.get_str("local.model_path").strip()
        return Path(value).expanduser() if value else None

    def selected_entry(self) -> CatalogEntry | None:
        rows = self.catalog_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._entries):
            return None
        return self._entries[rows[0].row()]

    def selected_record(self) -> ModelRecord | None:
        rows = self.installed_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._records):
            return None
        return self._records[rows[0].row()]

    def select_entry(self, entry_id: str) -> None:
        for row, entry in enumerate(self._entries):
            if entry.id == entry_id:
                self.catalog_table.selectRow(row)

    def select_record(self, name: str) -> None:
        for row, record in enumerate(self._records):
            if record.name == name:
                self.installed_table.selectRow(row)

    @Slot()
    def _update_buttons(self) -> None:
        downloading = self._downloading is not None
        self.download_button.setEnabled(self.selected_entry() is not None and not downloading)
        record = self.selected_record()
        self.use_button.setEnabled(record is not None and record.path.is_file())
        self.remove_button.setEnabled(record is not None)
        self.import_button.setEnabled(not self._importing)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setObjectName("ErrorLabel" if error else "Muted")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _show_idle(self) -> None:
        self.progress.setValue(0)
        self.progress.hide()
        self.cancel_button.hide()
        self.progress_label.setText("")
        self.progress_label.hide()

    # -- the recommendation ----------------------------------------------------------------

    def _advise(self) -> object:
        from desktop.core.local.hardware import detect_hardware

        return recommend_model(self._entries, detect_hardware(), context=self._context())

    def _show_advice(self, advice: object) -> None:
        entry = getattr(advice, "entry", None)
        reason = str(getattr(advice, "reason", ""))
        self._recommended = entry.id if entry is not None else None
        self.advice.setText(f"Recommended for this computer: {reason}" if entry is not None
                            else f"No recommendation: {reason}")
        self._fill_catalog()

    # -- downloading -----------------------------------------------------------------------

    @property
    def downloading(self) -> bool:
        return self._downloading is not None

    @Slot()
    def download_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None or self._downloading is not None:
            return
        offline = self._setting("network.offline", False)
        mirror = str(self._setting("models.mirror_url", ""))
        self._cancel = threading.Event()
        self._downloading = entry
        self._say("")
        self.progress.setValue(0)
        self.progress.setRange(0, 0 if entry.size_bytes is None else 100)
        self.progress.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.progress_label.setText(f"Starting the download of {entry.name}…")
        self.progress_label.show()
        self._fill_catalog()
        self._update_buttons()
        work = partial(self._download, entry, bool(offline), mirror, self._cancel)
        self.jobs.run(work, on_done=self._download_done, on_failed=self._download_failed,
                      context=self)

    def _download(self, entry: CatalogEntry, offline: bool, mirror: str,
                  cancel: threading.Event) -> InstallResult | Paused:
        """On a pool thread."""
        import httpx

        client = httpx.Client(follow_redirects=True, timeout=httpx.Timeout(30.0, read=120.0),
                              headers={"User-Agent": f"hearth/{__version__}"})
        try:
            return install_catalog_model(entry, client=client, offline=offline,
                                         mirror_url=mirror, registry=self._registry,
                                         on_progress=self._relay.progressed.emit,
                                         cancel=cancel)
        except DownloadCancelled as exc:
            return Paused(str(exc))
        finally:
            client.close()

    @Slot(object)
    def _on_progress(self, progress: DownloadProgress) -> None:
        if self._downloading is None:
            return
        if progress.fraction is not None:
            self.progress.setRange(0, 100)
            self.progress.setValue(min(100, int(progress.fraction * 100)))
        self.progress_label.setText(describe_progress(progress))

    @Slot()
    def cancel_download(self) -> None:
        """Stop the download at the next chunk; the partial file stays for a later resume."""
        if self._cancel is not None:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling…")

    def _download_done(self, result: InstallResult | Paused) -> None:
        entry = self._downloading
        self._downloading = None
        self._cancel = None
        if isinstance(result, Paused):
            self._show_idle()
            self._say(f"Paused: {result.message}. Download it again to resume from there.")
        else:
            self.last_result = result
            self.progress.setRange(0, 100)
            self.progress.setValue(100)
            self.cancel_button.hide()
            record = result.record
            name = entry.name if entry is not None else record.name
            if result.already_installed:
                self._say(f"{name} is already downloaded: {record.path}")
            else:
                note = _CHECKSUM_NOTES.get(result.checksum, result.checksum)
                self.progress_label.setText(f"{format_bytes(record.size)} downloaded")
                self._say(f"Downloaded {name} ({format_bytes(record.size)}) to {record.path}.\n"
                          f"SHA-256 {record.sha256} ({note}). Select it below and press Use "
                          "to answer with it.")
            self.changed.emit()
        self.reload()
        if not isinstance(result, Paused):
            self.select_record(result.record.name)

    def _download_failed(self, message: str) -> None:
        self._downloading = None
        self._cancel = None
        self._show_idle()
        self._say(message or "The download failed unexpectedly; see the crash report.",
                  error=True)
        self.reload()

    # -- importing -------------------------------------------------------------------------

    @Slot()
    def choose_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Import a model file",
                                                    str(Path.home()), MODEL_FILTER)
        if not path:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Import a model",
                          f"Copy {Path(path).name} into Hearth's models folder, or use it "
                          "where it is?", parent=self)
        copy = box.addButton("Copy", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Use in place", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is cancel:
            return
        self.import_file(path, copy=box.clickedButton() is copy)

    def import_file(self, path: str | Path, *, copy: bool) -> None:
        """Check, trial-load (in a child process) and register ``path``, off the GUI thread."""
        if self._importing:
            return
        self._importing = True
        self._update_buttons()
        self._say(f"Checking {Path(path).name}: its header, then a trial load in a separate "
                  "process…")
        work = partial(self._importer, path, copy=copy, registry=self._registry)
        self.jobs.run(work, on_done=self._import_done, on_failed=self._import_failed,
                      context=self)

    @property
    def importing(self) -> bool:
        return self._importing

    def _import_done(self, record: ModelRecord) -> None:
        self._importing = False
        how = "copied to" if record.owned else "used in place at"
        sha = f"\nSHA-256 {record.sha256}" if record.sha256 else ""
        self._say(f"Imported {record.name!r} ({format_bytes(record.size)}), {how} "
                  f"{record.path}.{sha}")
        self.changed.emit()
        self.reload()
        self.select_record(record.name)

    def _import_failed(self, message: str) -> None:
        self._importing = False
        self._say(message or "The import failed unexpectedly; see the crash report.",
                  error=True)
        self._update_buttons()

    # -- using and removing ----------------------------------------------------------------

    @Slot()
    def use_selected(self) -> None:
        record = self.selected_record()
        if record is None:
            return
        if not record.path.is_file():
            self._say(f"The file of {record.name!r} is missing: {record.path}", error=True)
            return
        try:
            self._settings.set("local.model_path", str(record.path))
        except KnownError as exc:
            self._say(str(exc), error=True)
            return
        self._say(f"Hearth now answers with {record.name}; it is loading.")
        self._fill_installed()

    def remove_selected(self, *, confirm: bool = True) -> None:
        record = self.selected_record()
        if record is None:
            return
        deletes = record.owned and _inside(record.path, models_dir())
        if confirm:
            what = "and delete its file" if deletes else "(the file stays where it is)"
            reply = QMessageBox.question(
                self, "Remove the model", f"Remove {record.name!r} {what}?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if reply != QMessageBox.StandardButton.Yes:
                return
        try:
            self._registry.remove(record.name)
            if deletes:
                record.path.unlink(missing_ok=True)
            if self._current_path() == record.path:
                self._settings.set("local.model_path", "")
        except OSError as exc:
            self._say(f"Removed {record.name!r}, but its file could not be deleted: "
                      f"{exc.strerror or exc}", error=True)
        except KnownError as exc:
            self._say(str(exc), error=True)
        else:
            self._say(f"Removed {record.name!r}" + ("." if deletes else
                                                    f"; the file stays at {record.path}."))
        self.changed.emit()
        self.reload()

    # -- lifetime --------------------------------------------------------------------------

    def _setting(self, key: str, default: object) -> object:
        try:
            return self._settings.get(key)
        except ConfigError:
            return default

    def shut_down(self) -> None:
        """Cancel a running download (its partial file is kept) and wait for the jobs."""
        if self._cancel is not None:
            self._cancel.set()
        self.jobs.wait(SHUTDOWN_MS)


def _table(columns: tuple[str, ...], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False
