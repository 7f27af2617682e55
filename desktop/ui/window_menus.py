"""The window's menu bar: every command with its shortcut, the Chat menu's cloud entries kept to
the tiers that can answer (otherwise why not, and the settings page that changes it), and the
commands only the menus give: text size, full screen, the shortcuts sheet, About.

``WindowMenus`` is the base of ``MainWindow``, kept apart so that each reads in one sitting;
the menus trigger the window's own slots (``new_chat``, ``open_settings``, ``regenerate``…).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox

from desktop.core.errors import KnownError
from desktop.core.settings import setting_for
from desktop.ui.shortcuts import ShortcutsSheet
from desktop.ui.wording import no_cloud_entry

if TYPE_CHECKING:
    from desktop.core.settings import Settings
    from desktop.ui.chat_session import ChatSession
    from desktop.ui.chat_view import ChatView
    from desktop.ui.conversation_list import ConversationList
    from desktop.ui.notices import NoticeBar
    from desktop.ui.status_bar import HearthStatusBar


class WindowMenus(QMainWindow):
    """The menu bar of ``MainWindow``; ``_build_actions`` once its parts exist."""

    # Set by MainWindow before the menus are built.
    session: ChatSession
    chat: ChatView
    conversations: ConversationList
    notice: NoticeBar
    status: HearthStatusBar
    _settings: Settings

    if TYPE_CHECKING:  # MainWindow's slots, which the menus trigger
        def new_chat(self) -> None: ...
        def choose_model_file(self) -> None: ...
        def open_models(self) -> Any: ...
        def open_settings(self, section: str | None = None) -> Any: ...
        def focus_composer(self) -> None: ...
        def _on_escape(self) -> None: ...
        def regenerate(self) -> None: ...
        def edit_last_question(self) -> None: ...
        def preview_sending(self) -> None: ...
        def ask_again(self, tier: str) -> None: ...
        def _delete_current(self) -> None: ...
        def open_dashboard(self) -> Any: ...
        def set_sidebar_shown(self, shown: bool) -> None: ...

    def _action(self, text: str, shortcut: QKeySequence | str | None, slot: Any,
                menu: Any) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_action = self._action("&New chat", "Ctrl+N", self.new_chat, file_menu)
        self._action("Choose a model &file…", None, self.choose_model_file, file_menu)
        self.models_action = self._action("&Models…", "Ctrl+M", self.open_models, file_menu)
        self.settings_action = self._action("&Settings…", "Ctrl+,", self.open_settings,
                                            file_menu)
        file_menu.addSeparator()
        self.quit_action = self._action("&Quit", "Ctrl+Q", self.close, file_menu)
        chat_menu = bar.addMenu("&Chat")
        self.search_action = self._action("&Search chats", "Ctrl+F",
                                          self.conversations.focus_search, chat_menu)
        self._action("Focus the &message box", "Ctrl+L", self.focus_composer, chat_menu)
        chat_menu.addSeparator()
        self.stop_action = self._action("S&top the answer", "Esc", self._on_escape, chat_menu)
        self.regenerate_action = self._action("&Regenerate the answer", "Ctrl+R",
                                              self.regenerate, chat_menu)
        self.edit_action = self._action("&Edit the last question", "Ctrl+E",
                                        self.edit_last_question, chat_menu)
        chat_menu.addSeparator()
        self.lock_action = self._action("&Keep this chat on this device", None,
                                        self.session.set_locked, chat_menu)
        self.lock_action.setCheckable(True)
        self.preview_action = self._action("&Preview what would be sent", "Ctrl+Shift+P",
                                           self.preview_sending, chat_menu)
        self.ask_private_action = self._action("Ask the pri&vate tier", None,
                                               lambda: self.ask_again("private"), chat_menu)
        self.ask_frontier_action = self._action("Ask the &frontier tier", None,
                                                lambda: self.ask_again("frontier"), chat_menu)
        # Shown instead of the two above when neither can work: why, and where to change it.
        self.cloud_why_action = self._action("", None, self._open_cloud_why, chat_menu)
        chat_menu.addSeparator()
        self._action("Re&name the chat", None, self.conversations.rename_current, chat_menu)
        self._action("&Delete the chat", None, self._delete_current, chat_menu)
        view_menu = bar.addMenu("&View")
        self.dashboard_action = self._action("&Dashboard", "Ctrl+D", self.open_dashboard,
                                             view_menu)
        view_menu.addSeparator()
        self.zoom_in_action = self._action("&Larger text", "Ctrl+=", lambda: self.zoom(1),
                                           view_menu)
        self.zoom_in_action.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
        self.zoom_out_action = self._action("&Smaller text", "Ctrl+-", lambda: self.zoom(-1),
                                            view_menu)
        self.zoom_reset_action = self._action("&Usual text size", "Ctrl+0",
                                              lambda: self.zoom(0), view_menu)
        self.sidebar_action = self._action("Chat l&ist", "Ctrl+B", self.set_sidebar_shown,
                                           view_menu)
        self.sidebar_action.setCheckable(True)
        self.sidebar_action.setChecked(True)
        self.full_screen_action = self._action("&Full screen", "F11", self.toggle_full_screen,
                                               view_menu)
        self.full_screen_action.setCheckable(True)
        help_menu = bar.addMenu("&Help")
        self.shortcuts_action = self._action("&Keyboard shortcuts", "Ctrl+/",
                                             self.show_shortcuts, help_menu)
        self._action("&About Hearth", None, self._about, help_menu)

    # -- the Chat menu's cloud entries -----------------------------------------------------

    @Slot()
    def _update_cloud_actions(self) -> None:
        """Offer only the tiers that can answer; with none, say why and where to change it."""
        offered = self.chat.ask_again_tiers
        outlook = self.session.outlook
        configured = outlook.tiers  # none where the next question may not leave
        for tier, action in (("private", self.ask_private_action),
                             ("frontier", self.ask_frontier_action)):
            action.setVisible(tier in configured)
            action.setEnabled(tier in offered)
        why = no_cloud_entry(outlook.kind)
        self.cloud_why_action.setVisible(not configured and why is not None)
        if why is not None:
            self.cloud_why_action.setText(why[0])
            self.cloud_why_action.setEnabled(why[1] is not None)
        self.preview_action.setEnabled(self.session.cloud_allowed and not self.session.locked)
        self.lock_action.setChecked(self.session.locked)

    @Slot()
    def _open_cloud_why(self) -> None:
        why = no_cloud_entry(self.session.outlook.kind)
        if why is not None and why[1] is not None:
            self.open_settings(why[1])

    # -- the View and Help menus -----------------------------------------------------------

    def zoom(self, step: int) -> None:
        """Chat text one point larger (1), smaller (-1) or back to the usual size (0); kept in
        the ``ui.font_size`` setting, within its limits."""
        key = "ui.font_size"
        setting = setting_for(key)
        size = (int(self._settings.default(key)) if step == 0
                else self._settings.get_int(key) + step)
        low = int(setting.minimum) if setting.minimum is not None else size
        high = int(setting.maximum) if setting.maximum is not None else size
        size = max(low, min(high, size))
        if size != self._settings.get_int(key):
            try:
                self._settings.set(key, size)
            except KnownError as exc:
                self.notice.show_error(str(exc))
                return
        self.status.showMessage(f"Chat text size {size} pt", 2000)

    @Slot()
    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.full_screen_action.setChecked(self.isFullScreen())

    @Slot()
    def show_shortcuts(self) -> ShortcutsSheet:
        sheet = ShortcutsSheet(self.menuBar(), self)
        sheet.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        sheet.show()
        return sheet

    def _about(self) -> None:
        QMessageBox.about(self, "About Hearth",
                          "Hearth — a private assistant that runs open models on this computer.")
