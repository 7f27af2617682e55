"""The Models dialog's long jobs: downloading a catalog model and importing a GGUF file, each on
the dialog's job runner so that the chat stays usable meanwhile.

``ModelJobs`` is the base of ``ModelsDialog`` (kept apart so that each reads in one sitting).
"""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from desktop import __version__
from desktop.core.catalog import (
    CatalogEntry,
    DownloadCancelled,
    DownloadProgress,
    InstallResult,
    ModelRecord,
    format_bytes,
    install_catalog_model,
)
from desktop.core.errors import KnownError
from desktop.ui.models_progress import Paused, describe_progress
from desktop.ui.wording import MODEL_FILE_FILTER

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton

    from desktop.core.catalog import ModelRegistry
    from desktop.core.settings import Settings
    from desktop.ui.jobs import JobRunner, ProgressRelay

_CHECKSUM_NOTES = {
    "catalog": "matches the catalog",
    "first download": "first download here: recorded, later downloads must match it",
    "recorded at first download": "matches the first download here",
}


class ModelJobs(QDialog):
    """Downloads and imports of ``ModelsDialog``."""

    if TYPE_CHECKING:  # the dialog's parts and methods the jobs use
        _settings: Settings
        _registry: ModelRegistry
        _importer: Callable[..., ModelRecord]
        _cancel: threading.Event | None
        _downloading: CatalogEntry | None
        _importing: bool
        last_result: InstallResult | None
        jobs: JobRunner
        _relay: ProgressRelay
        progress: QProgressBar
        progress_label: QLabel
        cancel_button: QPushButton
        changed: Any

        def selected_entry(self) -> CatalogEntry | None: ...
        def reload(self) -> None: ...
        def select_record(self, name: str) -> None: ...
        def _fill_catalog(self) -> None: ...
        def _update_buttons(self) -> None: ...
        def _say(self, text: str, *, error: bool = False) -> None: ...
        def _show_idle(self) -> None: ...
        def _setting(self, key: str, default: object) -> object: ...
        def _by_the_dialog(self) -> AbstractContextManager[None]: ...

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
        with self._by_the_dialog():
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
                                                    str(Path.home()), MODEL_FILE_FILTER)
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
        """Imported: it becomes the model in use at once (import and use is one step)."""
        self._importing = False
        how = "copied to" if record.owned else "used in place at"
        sha = f"\nSHA-256 {record.sha256}" if record.sha256 else ""
        try:
            self._settings.set("local.model_path", str(record.path))
            using = " Hearth now answers with it; it is loading."
        except KnownError as exc:
            using = f" It could not be made the model in use: {exc}"
        self.changed.emit()
        self.reload()
        self.select_record(record.name)
        self._say(f"Imported {record.name!r} ({format_bytes(record.size)}), {how} "
                  f"{record.path}.{using}{sha}")

    def _import_failed(self, message: str) -> None:
        self._importing = False
        self._say(message or "The import failed unexpectedly; see the crash report.",
                  error=True)
        self._update_buttons()
