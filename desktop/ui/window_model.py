"""The window's model: loading it (in its own process, through the inference thread), the
picker at the top of the chat, choosing a file, and the Models dialog.

``WindowModel`` is a part of ``MainWindow`` (kept apart so that each reads in one sitting).
Its methods carry no ``@Slot``: on a class that is not a QObject, PySide6 6.x registers such
slots against the wrong meta-object, and a signal connected to one crashed the window.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QStackedWidget, QWidget

from desktop.core.errors import KnownError
from desktop.core.local.engine import ModelInfo
from desktop.ui.chat_session import last_receipt
from desktop.ui.wording import MODEL_FILE_FILTER

if TYPE_CHECKING:
    from desktop.core.services import Services
    from desktop.core.settings import Settings
    from desktop.ui.chat_session import ChatSession
    from desktop.ui.chat_view import ChatView
    from desktop.ui.composer import Composer
    from desktop.ui.model_picker import ModelPicker
    from desktop.ui.models_dialog import ModelsDialog
    from desktop.ui.notices import NoticeBar
    from desktop.ui.status_bar import HearthStatusBar
    from desktop.ui.welcome import WelcomePage
    from desktop.ui.worker import InferenceThread

class WindowModel:
    """The model's state as the window shows it (a part of ``MainWindow``)."""

    if TYPE_CHECKING:  # the window's parts and methods this uses
        services: Services
        _settings: Settings
        session: ChatSession
        inference: InferenceThread
        chat: ChatView
        composer: Composer
        notice: NoticeBar
        status: HearthStatusBar
        welcome: WelcomePage
        picker: ModelPicker
        pages: QStackedWidget
        _model_state: str
        _models_dialog: ModelsDialog | None

        @property
        def conversation_id(self) -> int | None: ...
        @property
        def answering(self) -> bool: ...
        def show_crash(self, report: str) -> object: ...

    @property
    def model_state(self) -> str:
        return self._model_state

    def _set_model_state(self, state: str) -> None:
        self._model_state = state
        self.session.set_model_state(state)  # which updates the page too

    def _request_load(self) -> None:
        self.inference.load()
        self._set_model_state("loading")

    def _on_load_started(self, path: str) -> None:
        self.status.show_loading(path)
        self.picker.show_loading(path)
        self.welcome.show_loading(path)
        self._set_model_state("loading")
        if self.answering:  # the question waits for the model before it is read
            self.composer.show_waiting("Loading the model…")

    def _on_loaded(self, info: ModelInfo) -> None:
        self.status.show_model(info)
        self.picker.show_loaded(info)
        self.welcome.reset()
        if self.conversation_id is not None and not self.answering:
            # The context use of the last answer shown can be said now that the model is known.
            self.status.show_receipt(last_receipt(self.chat.entries))
        if self.notice.isVisible() and self.notice.kind == "error":
            self.notice.hide()
        self.notice.resolved("model")  # "no model is chosen yet" no longer holds
        self._set_model_state("ready")

    def _on_load_failed(self, message: str, choose_another: bool) -> None:
        failed = bool(self._settings.get_str("local.model_path").strip())
        self.status.show_no_model("Model not loaded" if failed else "No model chosen")
        self.picker.show_none("Model not loaded" if failed else "No model chosen")
        self.welcome.show_problem(message)
        self._set_model_state("failed" if failed else "none")
        if self.pages.currentWidget() is not self.welcome:  # else the welcome page says it
            action = ("Choose another model…", self.choose_model_file) if choose_another else None
            self.notice.show_error(message, action)

    def choose_model_file(self) -> None:
        current = self._settings.get_str("local.model_path")
        start = str(Path(current).parent) if current else str(Path.home())
        window = self if isinstance(self, QWidget) else None
        path, _filter = QFileDialog.getOpenFileName(window, "Choose a model file", start,
                                                    MODEL_FILE_FILTER)
        if path:
            self.use_model_file(path)

    def use_model_file(self, path: str) -> None:
        """Make ``path`` the model that answers; it loads in the background."""
        try:
            self._settings.set("local.model_path", path)
        except KnownError as exc:
            self.notice.show_error(str(exc))

    def open_models(self) -> ModelsDialog:
        """The catalog, downloads and imports; non-modal, so the chat goes on meanwhile."""
        if self._models_dialog is None:
            from desktop.ui.models_dialog import ModelsDialog  # brings httpx: on first use

            self._models_dialog = ModelsDialog(
                self._settings, self if isinstance(self, QWidget) else None)
            self._models_dialog.jobs.crashed.connect(self.show_crash)
        else:
            self._models_dialog.reload()
        dialog = self._models_dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog
