"""The Models dialog: the catalog to download from, the models Hearth knows, and which one answers.

    search    ─ filters both tables by name, description, quantization
    catalog   ─ name, what it is for, size, memory needed, licence, downloaded or not; the
                recommended one first, marked and preselected
    download  ─ progress bar with bytes, speed and time left; Cancel keeps the partial file
    installed ─ the model in use named above and marked; name, size, where it came from,
                SHA-256; Import and use…, Use, Remove

Downloads, imports (a trial load in a child process) and the hardware reading for the
recommendation run on the dialog's own job runner, so the chat stays usable meanwhile; closing
the dialog does not stop a download. Use (and an import, which is used at once) sets
``local.model_path``, which makes the window load that model. A message about an action goes
when the user moves on (another row, the search), so no stale line stays.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.catalog import (
    Catalog,
    CatalogEntry,
    InstallResult,
    ModelRecord,
    ModelRegistry,
    Recommendation,
    format_bytes,
    import_model,
    load_catalog,
    models_dir,
    recommend_model,
)
from desktop.core.errors import ConfigError, KnownError
from desktop.core.settings import Settings
from desktop.ui.jobs import JobRunner, ProgressRelay
from desktop.ui.models_jobs import ModelJobs
from desktop.ui.models_tables import (
    CATALOG_COLUMNS,
    INSTALLED_COLUMNS,
    catalog_order,
    fill_catalog,
    fill_installed,
    fit_rows,
    make_table,
    selected_row,
)
from desktop.ui.theme import restyle

SHUTDOWN_MS = 10_000
Importer = Callable[..., ModelRecord]


class ModelsDialog(ModelJobs):
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
        self.resize(960, 680)
        self._settings = settings
        self._catalog = catalog
        self._registry = registry or ModelRegistry()
        self._importer = importer
        self._entries: list[CatalogEntry] = []
        self._records: list[ModelRecord] = []
        self._recommended: str | None = None
        self._chose_entry = False  # the user picked a catalog row: the advice keeps off it
        self._refilling = 0  # tables being filled or rows selected by the dialog itself
        self._cancel: threading.Event | None = None
        self._downloading: CatalogEntry | None = None
        self._importing = False
        self.last_result: InstallResult | None = None
        self.jobs = JobRunner(self)
        self._relay = ProgressRelay(self)
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

        self.search = QLineEdit()
        self.search.setAccessibleName("Search models")
        self.search.setPlaceholderText("Search models: name, size, what for…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)
        layout.addWidget(self.search)

        catalog_box = QGroupBox("Catalog")
        catalog_layout = QVBoxLayout(catalog_box)
        # The advice in one line; its reasons (several lines) on demand, so that the catalog
        # keeps its rows on a small screen.
        advice_row = QHBoxLayout()
        self.advice_headline = QLabel("Looking at this computer's memory and speed for a "
                                      "recommendation…")
        self.advice_headline.setObjectName("Muted")
        advice_row.addWidget(self.advice_headline, 1)
        self.advice_toggle = QToolButton()
        self.advice_toggle.setText("Why this one?")
        self.advice_toggle.setCheckable(True)
        self.advice_toggle.setAutoRaise(True)
        self.advice_toggle.setAccessibleName("Show why this model is recommended")
        self.advice_toggle.hide()
        advice_row.addWidget(self.advice_toggle)
        catalog_layout.addLayout(advice_row)
        self.advice = QLabel("Looking at this computer's memory and speed for a "
                             "recommendation…")
        self.advice.setObjectName("Muted")
        self.advice.setWordWrap(True)
        self.advice.hide()
        self.advice_toggle.toggled.connect(self.advice.setVisible)
        catalog_layout.addWidget(self.advice)
        self.catalog_table = make_table(CATALOG_COLUMNS, "Catalog models")
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
        layout.addWidget(catalog_box, 1)

        installed_box = QGroupBox("On this computer")
        installed_layout = QVBoxLayout(installed_box)
        self.in_use_label = QLabel()
        self.in_use_label.setAccessibleName("Model in use")
        self.in_use_label.setWordWrap(True)
        self.in_use_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        installed_layout.addWidget(self.in_use_label)
        self.installed_table = make_table(INSTALLED_COLUMNS, "Installed models")
        installed_layout.addWidget(self.installed_table)  # its rows' height (fit_rows)
        buttons = QHBoxLayout()
        self.import_button = QPushButton("Import and use…")
        self.import_button.setAccessibleName("Import a GGUF file and answer with it")
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
        layout.addWidget(installed_box)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAccessibleName("Models message")
        self.message.hide()
        layout.addWidget(self.message)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        layout.addWidget(close)

        self.catalog_table.itemSelectionChanged.connect(self._on_selection)
        self.installed_table.itemSelectionChanged.connect(self._on_selection)
        self.catalog_table.itemClicked.connect(self._note_choice)
        self._show_idle()

    # -- what is shown ---------------------------------------------------------------------

    def reload(self) -> None:
        """Read the catalog (once) and the registry (each time) again and fill both tables."""
        if self._catalog is None:
            self._catalog = load_catalog()
        self._entries = catalog_order(list(self._catalog), self._recommended)
        self._records = self._registry.records()
        with self._by_the_dialog():
            self._fill_catalog()
            self._fill_installed()
        self._update_buttons()

    @contextlib.contextmanager
    def _by_the_dialog(self) -> Iterator[None]:
        """Selection changes meanwhile are the dialog's own, not the user moving on."""
        self._refilling += 1
        try:
            yield
        finally:
            self._refilling -= 1

    def _context(self) -> int:
        return self._settings.get_int("local.context_size")

    def _fill_catalog(self) -> None:
        selected = self.selected_entry()
        installed = {r.catalog_id for r in self._records if r.catalog_id and r.path.is_file()}
        fill_catalog(self.catalog_table, self._entries, context=self._context(),
                     recommended=self._recommended, installed=installed,
                     downloading=self._downloading.id if self._downloading else None,
                     needle=self.search.text())
        if selected is not None:
            self.select_entry(selected.id)

    def _fill_installed(self) -> None:
        selected = self.selected_record()
        current = self._current_path()
        fill_installed(self.installed_table, self._records, in_use=current,
                       needle=self.search.text())
        fit_rows(self.installed_table)
        if selected is not None:
            self.select_record(selected.name)
        self.in_use_label.setText(self._in_use_text(current))

    def _in_use_text(self, current: Path | None) -> str:
        if current is None:
            return "No model is in use yet: download one above, or import a GGUF file."
        record = next((r for r in self._records if r.path == current), None)
        if record is None:  # chosen as a file, not through this dialog
            return f"In use: {current.name} ({current})"
        return f"In use: {record.name} ({format_bytes(record.size)}), {record.path}"

    def _current_path(self) -> Path | None:
        value = self._settings.get_str("local.model_path").strip()
        return Path(value).expanduser() if value else None

    def selected_entry(self) -> CatalogEntry | None:
        row = selected_row(self.catalog_table)
        return self._entries[row] if row is not None and row < len(self._entries) else None

    def selected_record(self) -> ModelRecord | None:
        row = selected_row(self.installed_table)
        return self._records[row] if row is not None and row < len(self._records) else None

    def select_entry(self, entry_id: str) -> None:
        with self._by_the_dialog():
            for row, entry in enumerate(self._entries):
                if entry.id == entry_id:
                    self.catalog_table.selectRow(row)

    def select_record(self, name: str) -> None:
        with self._by_the_dialog():
            for row, record in enumerate(self._records):
                if record.name == name:
                    self.installed_table.selectRow(row)

    @Slot()
    def _on_selection(self) -> None:
        if not self._refilling and not self.downloading and not self._importing:
            self._say("")  # the last action's message is about something else now
            self._show_idle()
        self._update_buttons()

    def _note_choice(self) -> None:
        self._chose_entry = True

    @Slot(str)
    def _on_search(self, _text: str) -> None:
        with self._by_the_dialog():
            self._fill_catalog()
            self._fill_installed()
        if not self.downloading and not self._importing:
            self._say("")

    @Slot()
    def _update_buttons(self) -> None:
        downloading = self._downloading is not None
        self.download_button.setEnabled(self.selected_entry() is not None and not downloading)
        record = self.selected_record()
        self.use_button.setEnabled(record is not None and record.path.is_file())
        self.remove_button.setEnabled(record is not None)
        self.import_button.setEnabled(not self._importing)

    def _say(self, text: str, *, error: bool = False) -> None:
        restyle(self.message, "ErrorLabel" if error else "Muted")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _show_idle(self) -> None:
        self.progress.setValue(0)
        self.progress.hide()
        self.cancel_button.hide()
        self.progress_label.setText("")
        self.progress_label.hide()

    # -- the recommendation ----------------------------------------------------------------

    def _advise(self) -> Recommendation:
        from desktop.core.local.hardware import detect_hardware

        return recommend_model(self._entries, detect_hardware(), context=self._context())

    def _show_advice(self, advice: Recommendation) -> None:
        """Name the recommended model, put it first and, unless the user chose one, select it."""
        entry = advice.entry
        self._recommended = entry.id if entry is not None else None
        self.advice.setText(f"Recommended for this computer: {advice.reason}"
                            if entry is not None else f"No recommendation: {advice.reason}")
        self.advice_headline.setText(f"Recommended for this computer: {entry.name}."
                                     if entry is not None else "No recommendation for this "
                                     "computer.")
        self.advice_headline.setToolTip(self.advice.text())
        self.advice_toggle.setText("Why this one?" if entry is not None else "Why?")
        self.advice_toggle.show()
        self._entries = catalog_order(self._entries, self._recommended)
        with self._by_the_dialog():
            self._fill_catalog()
        if entry is not None and not self._chose_entry and not self.downloading:
            self.select_entry(entry.id)

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
        with self._by_the_dialog():
            self._fill_installed()
        self._say(f"Hearth now answers with {record.name}; it is loading.")

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


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False
