"""The window's conversations: new, open, rename, delete, and the sidebar's upkeep.

``WindowChats`` is a part of ``MainWindow`` (kept apart so that each reads in one sitting); it
uses the window's conversation service, chat session, sidebar and notice bar. Renames and
deletions are written on the session's writes thread (another process may hold the database's
write lock for a while); the list follows once a change has landed, and a change that could not
be made is said in the notice bar.
Its methods carry no ``@Slot``: on a class that is not a QObject, PySide6 6.x registers such
slots against the wrong meta-object, and a signal connected to one crashed the window.
"""

from __future__ import annotations

import contextlib
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.core.errors import KnownError, NotFoundError

if TYPE_CHECKING:
    from desktop.core.conversations import Conversations
    from desktop.ui.chat_session import ChatSession
    from desktop.ui.conversation_list import ConversationList
    from desktop.ui.dashboard import Dashboard
    from desktop.ui.notices import NoticeBar


class WindowChats:
    """New, open, rename and delete conversations (a part of ``MainWindow``)."""

    if TYPE_CHECKING:  # the window's parts and methods this uses
        _chats: Conversations
        session: ChatSession
        conversations: ConversationList
        notice: NoticeBar
        _dashboard: Dashboard | None
        delete_confirmation: QMessageBox | None

        @property
        def conversation_id(self) -> int | None: ...
        def setWindowTitle(self, title: str) -> None: ...  # noqa: N802 - Qt's name
        def focus_composer(self) -> None: ...

    # -- conversations ---------------------------------------------------------------------

    def new_chat(self) -> None:
        self.session.show_new_chat()
        self.conversations.select(None)
        self.setWindowTitle("Hearth")
        self.focus_composer()

    def open_conversation(self, conversation_id: int) -> None:
        try:
            title = self.session.show_conversation(conversation_id).title
        except NotFoundError:
            self.conversations.reload()
            self.new_chat()
            return
        except KnownError as exc:
            self.notice.show_error(str(exc))
            return
        self.conversations.select(conversation_id)
        self.setWindowTitle(f"{title} — Hearth")

    def _on_conversation_saved(self, conversation_id: int) -> None:
        with contextlib.suppress(KnownError):
            self.setWindowTitle(f"{self._chats.get(conversation_id).title} — Hearth")
        self.conversations.reload()
        self.conversations.select(conversation_id)

    def _on_answer_ended(self) -> None:
        self.conversations.reload()  # the conversation moved to the top
        if self._dashboard is not None and self._dashboard.isVisible():
            self._dashboard.refresh()

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Rename off the GUI thread; the list and the title follow once it is saved."""
        def renamed(kept: str) -> None:
            self.conversations.reload()
            if conversation_id == self.conversation_id:
                self.setWindowTitle(f"{kept} — Hearth")

        def failed(message: str) -> None:
            if message:  # an empty one is a bug, shown as a crash report
                self.notice.show_error(f"The chat could not be renamed: {message}")
            self.conversations.reload()  # the old title again

        self.session.writes.run(partial(self._chats.rename, conversation_id, title),
                                on_done=renamed, on_failed=failed)

    def delete_conversation(self, conversation_id: int, *, confirm: bool = True) -> None:
        if self.session.answering_in == conversation_id:
            self.notice.show_info("An answer is being written in this chat: stop it first.")
            return
        if confirm:
            try:
                title = self._chats.get(conversation_id).title
            except KnownError as exc:  # deleted meanwhile, by another process
                self.notice.show_error(str(exc))
                self.conversations.reload()
                return
            if not self._confirm_delete(title):
                return

        def deleted(_none: object) -> None:
            self.conversations.reload()
            if conversation_id == self.conversation_id:
                self.new_chat()

        def failed(message: str) -> None:
            if message:  # an empty one is a bug, shown as a crash report
                self.notice.show_error(f"The chat could not be deleted: {message}")
            self.conversations.reload()

        self.session.writes.run(partial(self._chats.delete, conversation_id),
                                on_done=deleted, on_failed=failed)

    def wait_for_writes(self, timeout_ms: int) -> bool:
        """Let the changes asked for land (the window is closing); False on timeout."""
        return self.session.writes.wait(timeout_ms)

    def _confirm_delete(self, title: str) -> bool:
        """Ask before deleting; the buttons say what they do, and Cancel is the default."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete the chat",
                          f"Delete “{title}” and all its messages? This cannot be undone.",
                          QMessageBox.StandardButton.NoButton,
                          self if isinstance(self, QWidget) else None)
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        self.delete_confirmation = box  # for tests and screenshots while it is open
        box.exec()
        self.delete_confirmation = None
        return box.clickedButton() is delete

    def _delete_current(self) -> None:
        if self.conversation_id is not None:
            self.delete_conversation(self.conversation_id)
