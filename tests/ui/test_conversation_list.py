"""The sidebar on a real store: order, search, rename and delete intents."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.conversations import Conversations
from desktop.core.store import ConversationStore
from desktop.ui.conversation_list import ConversationList
from desktop.ui.main_window import MainWindow


def _sidebar(qtbot: QtBot, tmp_path: Path) -> tuple[ConversationList, ConversationStore]:
    store = ConversationStore(tmp_path / "chats.sqlite3")
    sidebar = ConversationList(Conversations(store, reads=store.reader()))
    qtbot.addWidget(sidebar)
    sidebar.show()
    return sidebar, store


def test_lists_conversations_newest_first(qtbot: QtBot, tmp_path: Path) -> None:
    sidebar, store = _sidebar(qtbot, tmp_path)
    sidebar.reload()
    assert sidebar.conversation_ids() == []
    assert sidebar.empty_label.text() == "Your conversations will appear here."
    old = store.create_conversation("Old")
    new = store.create_conversation("New")
    store.add_message(new.id, "user", "hi")
    sidebar.reload()
    assert sidebar.conversation_ids() == [new.id, old.id]
    assert not sidebar.empty_label.isVisible()
    store.close()


def test_picking_a_conversation_announces_it_once(qtbot: QtBot, tmp_path: Path) -> None:
    sidebar, store = _sidebar(qtbot, tmp_path)
    first = store.create_conversation("First")
    second = store.create_conversation("Second")
    sidebar.reload()
    picked: list[int] = []
    sidebar.conversation_selected.connect(picked.append)
    sidebar.select(second.id)  # the window's own choice: not announced
    sidebar.list.setCurrentRow(1)
    sidebar.reload()  # keeps the selection, quietly
    assert picked == [first.id]
    assert sidebar.list.currentItem().text() == "First"
    store.close()


def test_search_filters_after_a_short_pause(qtbot: QtBot, tmp_path: Path) -> None:
    sidebar, store = _sidebar(qtbot, tmp_path)
    for title in ("Straße", "Garden", "STRASSE notes"):
        store.create_conversation(title)
    sidebar.reload()
    qtbot.keyClicks(sidebar.search, "strasse")
    qtbot.waitUntil(lambda: len(sidebar.conversation_ids()) == 2)  # casefold: ß is ss
    store.close()


def test_rename_and_delete_are_forwarded(qtbot: QtBot, tmp_path: Path) -> None:
    sidebar, store = _sidebar(qtbot, tmp_path)
    conversation = store.create_conversation("Title")
    sidebar.reload()
    sidebar.list.setCurrentRow(0)
    with qtbot.waitSignal(sidebar.rename_requested) as renamed:
        sidebar.list.item(0).setText("New title")
    assert renamed.args == [conversation.id, "New title"]
    sidebar.activateWindow()
    qtbot.waitUntil(sidebar.isActiveWindow)
    sidebar.list.setFocus()
    with qtbot.waitSignal(sidebar.delete_requested) as deleted:
        qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)
    assert deleted.args == [conversation.id]
    with qtbot.waitSignal(sidebar.new_requested):
        sidebar.new_button.click()
    store.close()


def test_the_chat_list_collapses_with_its_button_and_ctrl_b(qtbot: QtBot,
                                                            window: MainWindow) -> None:
    assert window.sidebar_shown and window.conversations.isVisible()
    width = window.chat.width()
    qtbot.mouseClick(window.sidebar_button, Qt.MouseButton.LeftButton)
    assert not window.conversations.isVisible() and not window.sidebar_action.isChecked()
    qtbot.waitUntil(lambda: window.chat.width() > width)  # the chat takes the room
    window.composer.edit.setFocus()
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert window.conversations.isVisible() and window.sidebar_button.isChecked()
    assert "Ctrl+B" in [s.toString() for s in window.sidebar_action.shortcuts()]
