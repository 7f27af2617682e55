"""The sidebar: every conversation, newest first and grouped by date (``chat_groups``), with
search (each hit with the text it matched), new, rename and delete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.conversations import Conversation, Conversations
from desktop.ui.chat_groups import HEADER_ROLE, SNIPPET_ROLE, ChatItemDelegate, grouped

SEARCH_DELAY_MS = 200
_ID_ROLE = Qt.ItemDataRole.UserRole


class ConversationList(QWidget):
    """Lists the user's conversations (or those matching the search) and forwards intents.

    Signals:
        conversation_selected(int): the user picked a conversation.
        new_requested(): start a new conversation.
        rename_requested(int, str): a conversation was given a new title.
        delete_requested(int): the user asked to delete a conversation.
    """

    conversation_selected = Signal(int)
    new_requested = Signal()
    rename_requested = Signal(int, str)
    delete_requested = Signal(int)

    def __init__(self, chats: Conversations, parent: QWidget | None = None, *,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        super().__init__(parent)
        self._chats = chats
        self._today = today
        self.setObjectName("Sidebar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)

        self.new_button = QPushButton("New chat")
        self.new_button.setObjectName("PrimaryButton")
        self.new_button.setAccessibleName("New chat")
        self.new_button.setToolTip("Start a new conversation (Ctrl+N)")
        self.new_button.clicked.connect(self.new_requested)
        layout.addWidget(self.new_button)

        self.search = QLineEdit()
        self.search.setAccessibleName("Search conversations")
        self.search.setPlaceholderText("Search chats (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)  # Down moves into the results
        layout.addWidget(self.search)

        self.list = QListWidget()
        self.list.setAccessibleName("Conversations")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setItemDelegate(ChatItemDelegate(self.list))
        layout.addWidget(self.list, 1)

        self.empty_label = QLabel()
        self.empty_label.setObjectName("Hint")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_label)

        rename = QAction("Rename", self.list)
        rename.setShortcut(QKeySequence(Qt.Key.Key_F2))
        rename.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        rename.triggered.connect(self.rename_current)
        delete = QAction("Delete", self.list)
        delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(self.delete_current)
        self.list.addActions([rename, delete])
        self._rename_action, self._delete_action = rename, delete

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self.reload)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.customContextMenuRequested.connect(self._show_menu)
        self._current_id: int | None = None
        self._filling = False

    # -- display ---------------------------------------------------------------------------

    @Slot()
    def reload(self) -> None:
        """Read the conversations again (after a change, or as the search text changes)."""
        self._search_timer.stop()
        needle = self.search.text().strip()
        snippets: dict[int, str] = {}
        if needle:
            hits = self._chats.search_hits(needle)
            conversations = [hit.conversation for hit in hits]
            snippets = {h.conversation.id: h.snippet for h in hits if h.snippet is not None}
        else:
            conversations = self._chats.recent()
        self._fill(conversations, snippets)
        if conversations:
            self.empty_label.hide()
        else:
            self.empty_label.setText(f"No chat mentions “{needle}”." if needle
                                     else "Your conversations will appear here.")
            self.empty_label.show()

    def select(self, conversation_id: int | None) -> None:
        """Highlight a conversation without announcing it (the window already shows it)."""
        self._current_id = conversation_id
        self._filling = True
        try:
            item = self._item(conversation_id) if conversation_id is not None else None
            if item is None:
                self.list.setCurrentRow(-1)
                self.list.clearSelection()
            else:
                self.list.setCurrentItem(item)
        finally:
            self._filling = False

    def conversation_ids(self) -> list[int]:
        """The chats listed, top to bottom (group headings left out)."""
        return [int(item.data(_ID_ROLE)) for item in self._chat_items()]

    def chat_item(self, position: int) -> QListWidgetItem:
        """The item of the chat at ``position`` among the chats listed (headings skipped)."""
        return self._chat_items()[position]

    def headings(self) -> list[str]:
        """The group headings, top to bottom."""
        return [item.text() for item in self._all_items() if item.data(HEADER_ROLE)]

    def snippet(self, conversation_id: int) -> str | None:
        """The matched text shown under a search hit."""
        item = self._item(conversation_id)
        value = item.data(SNIPPET_ROLE) if item is not None else None
        return str(value) if value else None

    def _all_items(self) -> list[QListWidgetItem]:
        return [self.list.item(row) for row in range(self.list.count())]

    def _chat_items(self) -> list[QListWidgetItem]:
        return [item for item in self._all_items() if not item.data(HEADER_ROLE)]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.search and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Down:
            items = self._chat_items()
            if items:
                self.list.setFocus(Qt.FocusReason.TabFocusReason)
                current = self.list.currentItem()
                if current is None or current.data(HEADER_ROLE):
                    self.list.setCurrentItem(items[0])  # which opens it, as a click would
                return True
        return super().eventFilter(watched, event)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _fill(self, conversations: list[Conversation], snippets: Mapping[int, str]) -> None:
        self._filling = True
        try:
            self.list.clear()
            for heading, chats in grouped(conversations, self._today()):
                header = QListWidgetItem(heading)
                header.setData(HEADER_ROLE, True)
                header.setFlags(Qt.ItemFlag.NoItemFlags)  # not selectable: arrows skip it
                self.list.addItem(header)
                for conversation in chats:
                    self.list.addItem(self._chat_item(conversation,
                                                      snippets.get(conversation.id)))
            current = self._item(self._current_id) if self._current_id is not None else None
            if current is not None:
                self.list.setCurrentItem(current)
        finally:
            self._filling = False

    @staticmethod
    def _chat_item(conversation: Conversation, snippet: str | None) -> QListWidgetItem:
        item = QListWidgetItem(conversation.title or "Untitled chat")
        item.setData(_ID_ROLE, conversation.id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        updated = dt.datetime.fromtimestamp(conversation.updated_at)
        where = f"\nFrom {conversation.origin}" if conversation.origin else ""
        found = f"\n…{snippet}" if snippet else ""
        item.setToolTip(f"{conversation.title}\nLast message {updated:%Y-%m-%d %H:%M}"
                        f"{where}{found}")
        if snippet:
            item.setData(SNIPPET_ROLE, snippet)
        return item

    def _item(self, conversation_id: int) -> QListWidgetItem | None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(_ID_ROLE) == conversation_id:
                return item
        return None

    # -- intents ---------------------------------------------------------------------------

    @Slot()
    def rename_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and not item.data(HEADER_ROLE):
            self.list.editItem(item)

    @Slot()
    def delete_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and not item.data(HEADER_ROLE):
            self.delete_requested.emit(int(item.data(_ID_ROLE)))

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_current_changed(self, current: QListWidgetItem | None,
                            _previous: QListWidgetItem | None) -> None:
        if self._filling or current is None or current.data(HEADER_ROLE):
            return
        conversation_id = int(current.data(_ID_ROLE))
        if conversation_id != self._current_id:
            self._current_id = conversation_id
            self.conversation_selected.emit(conversation_id)

    @Slot(QListWidgetItem)
    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._filling or item.data(HEADER_ROLE):
            return
        title = " ".join(item.text().split())
        if title:
            self.rename_requested.emit(int(item.data(_ID_ROLE)), title)
        else:
            self.reload()  # an empty title is not a rename: put the old one back

    @Slot(QPoint)
    def _show_menu(self, position: QPoint) -> None:
        item = self.list.itemAt(position)
        if item is None or item.data(HEADER_ROLE):
            return
        self.list.setCurrentItem(item)
        menu = QMenu(self)
        menu.addAction(self._rename_action)
        menu.addAction(self._delete_action)
        menu.exec(self.list.viewport().mapToGlobal(position))
