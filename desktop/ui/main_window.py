"""The Hearth window: conversations on the left, the chat on the right, the model's state below.

The window holds no rule of its own: it shows what the core objects say and turns the user's
clicks and keys into calls on them (model work through the inference worker, the rest directly).
The chat itself, the conversation shown and the answer being written, is ``ChatSession``'s.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, SignalInstance, Slot
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.assistant import RoutePreview
from desktop.core.catalog import ModelRegistry, load_catalog
from desktop.core.local.slot import ModelSlot
from desktop.core.receipt import Receipt
from desktop.core.services import Services
from desktop.ui import assets, theme
from desktop.ui.chat_header import ChatHeader
from desktop.ui.chat_session import ChatSession
from desktop.ui.chat_view import ChatView
from desktop.ui.composer import Composer
from desktop.ui.consent import PreviewDialog
from desktop.ui.conversation_list import ConversationList
from desktop.ui.jobs import JobRunner
from desktop.ui.model_picker import ModelPicker
from desktop.ui.notices import CrashDialog, NoticeBar
from desktop.ui.status_bar import HearthStatusBar
from desktop.ui.welcome import WelcomePage
from desktop.ui.window_chats import WindowChats
from desktop.ui.window_documents import WindowDocuments
from desktop.ui.window_menus import WindowMenus
from desktop.ui.window_model import WindowModel
from desktop.ui.worker import InferenceThread

if TYPE_CHECKING:  # the dialogs load when first opened, off the window's start
    from desktop.ui.dashboard import Dashboard
    from desktop.ui.models_dialog import ModelsDialog
    from desktop.ui.receipt import ReceiptDialog
    from desktop.ui.settings_dialog import SettingsDialog

# Settings that change where the next question may go (and so what the window says of it).
_ROUTING_SECTIONS = ("network.", "cloud.", "tiers.", "routing.", "privacy.")
JOBS_SHUTDOWN_MS = 10_000  # a keyring prompt or a connection test left running is abandoned
Value = str | int | float | bool


class MainWindow(WindowChats, WindowModel, WindowMenus):
    """The main window, driving the services it is given; ``shut_down`` before discarding it."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self._settings = services.settings
        self._chats = services.conversations
        self.setWindowTitle("Hearth")
        self.setWindowIcon(assets.app_icon())
        self.setAccessibleName("Hearth")
        self.resize(1120, 760)

        self.inference = InferenceThread(services.assistant, services.models, self)
        self.jobs = JobRunner(self)
        self.conversations = ConversationList(self._chats)
        self.chat = ChatView()
        self.composer = Composer()
        self.notice = NoticeBar()
        self.welcome = WelcomePage()
        self.status = HearthStatusBar()
        self.setStatusBar(self.status)
        self.picker = ModelPicker(ModelRegistry(), lambda: list(load_catalog()))
        self.header = ChatHeader(self.picker)
        self.sidebar_button = self.header.sidebar_button
        self.session = ChatSession(
            self._chats, self.inference, self.chat, self.composer, self.status, self,
            outlook=lambda locked: services.assistant.outlook(locked=locked))
        self._build_layout()
        self._build_actions()
        self._connect()
        self.documents = WindowDocuments(self)  # the Documents panel, the chat's choice, sources

        self._model_state = "none"  # none | loading | ready | failed
        self._closed = False
        self._settings_dialog: SettingsDialog | None = None
        self.delete_confirmation: QMessageBox | None = None
        self._dashboard: Dashboard | None = None
        self._models_dialog: ModelsDialog | None = None
        self.palette_in_use = theme.LIGHT

        self._apply_look()
        self._show_network()
        self._settings.subscribe(self._on_setting_changed)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_scheme)
        if self._settings.problems:
            self.notice.show_error("\n".join(self._settings.problems))
        self.conversations.reload()
        ids = self.conversations.conversation_ids()
        if ids:
            self.open_conversation(ids[0])
        else:
            self.new_chat()
        if self._settings.get_str("local.model_path").strip():
            self._request_load()
        else:
            self._set_model_state("none")
            if ids:  # past chats can be read; answering needs a model
                self.notice.show_info("No model is chosen yet: Hearth needs a GGUF model file "
                                      "to answer.", ("Choose a model file…",
                                                     self.choose_model_file), fade=False,
                                      about="model")
        self.focus_composer()

    # -- building --------------------------------------------------------------------------

    def _build_layout(self) -> None:
        chat_page = QWidget()
        chat_layout = QVBoxLayout(chat_page)
        chat_layout.setContentsMargins(0, 0, 0, 0)
        chat_layout.setSpacing(0)
        chat_layout.addWidget(self.chat, 1)
        chat_layout.addWidget(self.composer)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(chat_page)
        self._chat_page = chat_page
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(0)
        notice_box = QWidget()
        notice_layout = QVBoxLayout(notice_box)
        notice_layout.setContentsMargins(10, 6, 10, 0)
        notice_layout.addWidget(self.notice)
        right_layout.addWidget(self.header)
        right_layout.addWidget(notice_box)
        right_layout.addWidget(self.pages, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.conversations)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([270, 850])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)
        self.setTabOrder(self.conversations.list, self.chat)
        self.setTabOrder(self.chat, self.composer.edit)

    @Slot(bool)
    def set_sidebar_shown(self, shown: bool) -> None:
        """Show or hide the chat list; the chat takes its room."""
        self.conversations.setVisible(shown)
        for control in (self.sidebar_button, self.sidebar_action):
            if control.isChecked() != shown:
                control.setChecked(shown)
        if not shown and self.conversations.isAncestorOf(self.focusWidget()):
            self.focus_composer()

    @property
    def sidebar_shown(self) -> bool:
        return not self.conversations.isHidden()

    def _connect(self) -> None:
        worker = self.inference.worker
        worker.load_started.connect(self._on_load_started)
        worker.loaded.connect(self._on_loaded)
        worker.load_failed.connect(self._on_load_failed)
        worker.crashed.connect(self.show_crash)
        self.session.conversation_saved.connect(self._on_conversation_saved)
        self.session.answer_finished.connect(self._on_answer_ended)
        self.session.answer_failed.connect(self._on_answer_ended)
        self.session.problem.connect(self.notice.show_error)
        self.session.fell_back.connect(self._on_fell_back)
        self.session.lock_changed.connect(self.lock_action.setChecked)
        self.session.state_changed.connect(self._update_page)
        self.session.state_changed.connect(self._update_cloud_actions)
        self.composer.preview_requested.connect(self.preview_sending)
        self.jobs.crashed.connect(self.show_crash)
        self.conversations.conversation_selected.connect(self.open_conversation)
        self.conversations.new_requested.connect(self.new_chat)
        self.conversations.rename_requested.connect(self.rename_conversation)
        self.conversations.delete_requested.connect(self.delete_conversation)
        self.chat.receipt_requested.connect(self.show_receipt)
        self.chat.copied.connect(self._on_copied)
        self.welcome.choose_model_requested.connect(self.choose_model_file)
        self.welcome.browse_models_requested.connect(self.open_models)
        self.sidebar_button.toggled.connect(self.set_sidebar_shown)
        self.picker.model_chosen.connect(self.use_model_file)
        self.picker.manage_requested.connect(self.open_models)

    # -- state -----------------------------------------------------------------------------

    @property
    def conversation_id(self) -> int | None:
        """The conversation shown (None: a new chat, created by its first question)."""
        return self.session.conversation_id

    @property
    def answering(self) -> bool:
        return self.session.answering

    @property
    def answer_finished(self) -> SignalInstance:
        """``ChatSession.answer_finished``: an answer was saved, in this conversation."""
        return self.session.answer_finished

    @property
    def answer_failed(self) -> SignalInstance:
        return self.session.answer_failed

    @Slot()
    def _update_page(self) -> None:
        no_model = self._model_state in ("none", "failed")
        welcome = no_model and self.conversation_id is None and not self.answering
        self.pages.setCurrentWidget(self.welcome if welcome else self._chat_page)

    def send(self, text: str) -> None:
        self.session.send(text)

    @Slot()
    def stop(self) -> None:
        self.session.stop()

    @Slot()
    def regenerate(self) -> None:
        self.session.regenerate()

    @Slot()
    def edit_last_question(self) -> None:
        self.session.edit_last_question()

    @Slot()
    def cancel_edit(self) -> None:
        self.session.cancel_edit()

    def ask_again(self, tier: str) -> None:
        """Answer the last question once more on ``tier`` (private or frontier)."""
        self.session.ask_again(tier)

    @Slot()
    def preview_sending(self) -> None:
        """Show where the text in the box would be answered, and what would leave; send nothing."""
        text = self.composer.text().strip()
        if not text:
            self.notice.show_info("Type a question first: the preview shows what it would send.")
            return
        work = partial(self.services.assistant.route, text,
                       conversation_id=self.conversation_id,
                       collections=(self.session.new_chat_collections  # a new chat's choice
                                    if self.conversation_id is None else None))
        self.jobs.run(work, on_done=self._show_preview, on_failed=self._job_failed,
                      context=self)

    def _show_preview(self, preview: RoutePreview) -> PreviewDialog:
        dialog = PreviewDialog(preview, self, palette=self.palette_in_use)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _job_failed(self, message: str) -> None:
        if message:  # an empty one is a bug, already shown as a crash report
            self.notice.show_error(message)

    @Slot(str)
    def _on_fell_back(self, why: str) -> None:
        self.notice.show_info(f"Answered on this device: {why}.",
                              ("Cloud settings…", lambda: self.open_settings("Cloud")))

    # -- settings and look -----------------------------------------------------------------

    @Slot()
    def open_settings(self, section: str | None = None) -> SettingsDialog:
        if self._settings_dialog is None:
            from desktop.ui.settings_dialog import SettingsDialog  # on first use: not at start

            self._settings_dialog = SettingsDialog(
                self._settings, self, keys=self.services.assistant.keys, jobs=self.jobs,
                audit=self.services.audit)
        dialog = self._settings_dialog
        dialog.load_values()
        if section:
            dialog.show_section(section)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    @Slot()
    def open_dashboard(self) -> Dashboard:
        if self._dashboard is None:
            from desktop.ui.dashboard import Dashboard  # with its charts, on first use

            self._dashboard = Dashboard(self._chats, self._settings, self.jobs, self,
                                        palette=self.palette_in_use)
        elif self._dashboard.data is not None:
            self._dashboard.refresh()
        dashboard = self._dashboard
        dashboard.show()
        dashboard.raise_()
        dashboard.activateWindow()
        return dashboard

    def _on_setting_changed(self, key: str, _value: Value) -> None:
        if self._closed:
            return
        if key.startswith("ui."):
            self._apply_look()
        if key.startswith(_ROUTING_SECTIONS):
            self._show_network()
        if key == "local.model_path" and not self._settings.get_str(key).strip():
            self.status.show_no_model("No model chosen")
            self.picker.show_none("No model chosen")
            self._set_model_state("none")
        elif ModelSlot.affects_engine(key):
            self._request_load()

    def _show_network(self) -> None:
        """Where questions may go changed: the session says it (status bar, empty chat)."""
        self.session.set_cloud_allowed(self._cloud_allowed())

    def _cloud_allowed(self) -> bool:
        """Whether questions may leave at all (in a chat not kept on this device)."""
        return self.services.assistant.outlook(locked=False).kind in ("no_tier", "may_leave")

    @Slot()
    def _on_system_scheme(self) -> None:
        if not self._closed and self._settings.get_str("ui.theme") == "system":
            self._apply_look()

    def _apply_look(self) -> None:
        palette = theme.palette_for(self._settings.get_str("ui.theme"))
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, palette)
        self.palette_in_use = palette
        size = self._settings.get_int("ui.font_size")
        self.chat.set_font_size(size)
        font = self.composer.edit.font()
        font.setPointSize(size)
        self.composer.edit.setFont(font)
        self.chat.set_palette(palette)
        if self._dashboard is not None:
            self._dashboard.set_palette(palette)

    # -- dialogs and messages --------------------------------------------------------------

    @Slot(object)
    def show_receipt(self, receipt: Receipt) -> ReceiptDialog:
        from desktop.ui.receipt import ReceiptDialog

        dialog = ReceiptDialog(receipt, self, palette=self.palette_in_use)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    @Slot(str)
    def show_crash(self, report: str) -> CrashDialog:
        dialog = CrashDialog(report, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    @Slot(str)
    def _on_copied(self, what: str) -> None:
        self.status.showMessage("Code copied" if what == "code" else "Message copied", 2500)

    @Slot()
    def focus_composer(self) -> None:
        self.composer.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot()
    def _on_escape(self) -> None:
        if self.answering:
            self.stop()
        elif self.session.editing:
            self.cancel_edit()
        elif self.conversations.search.hasFocus() and self.conversations.search.text():
            self.conversations.search.clear()

    # -- closing ---------------------------------------------------------------------------

    def shut_down(self) -> None:
        """Stop any answer, free the model on its thread and join it; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._settings.unsubscribe(self._on_setting_changed)
        self.chat.flush()
        self.inference.shut_down()
        if self._models_dialog is not None:
            self._models_dialog.shut_down()  # a download is cancelled, its partial file kept
        self.documents.shut_down()  # indexing stops after its file; what is done stays
        self.jobs.wait(JOBS_SHUTDOWN_MS)
        self.wait_for_writes(JOBS_SHUTDOWN_MS)  # a rename or deletion asked for lands

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.shut_down()
        for child in self.findChildren(QWidget):
            if child.isWindow() and child.isVisible():
                child.close()
        event.accept()

