"""The sidebar on a real store: order, search, rename and delete intents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
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
    sidebar.list.setCurrentRow(2)  # below the "Today" heading and Second
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
    sidebar.list.setCurrentRow(1)  # row 0 is the "Today" heading
    with qtbot.waitSignal(sidebar.rename_requested) as renamed:
        sidebar.list.item(1).setText("New title")
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


TODAY = dt.date(2026, 11, 29)


def _at(day: dt.date, hour: int = 12) -> float:
    return dt.datetime(day.year, day.month, day.day, hour).timestamp()


def test_chats_are_grouped_by_date_and_other_apps_have_their_own_group(
        qtbot: QtBot, tmp_path: Path) -> None:
    now = [0.0]
    store = ConversationStore(tmp_path / "chats.sqlite3", clock=lambda: now[0])
    sidebar = ConversationList(Conversations(store, reads=store.reader()), today=lambda: TODAY)
    qtbot.addWidget(sidebar)
    made: dict[str, int] = {}
    for title, day in (("march", dt.date(2026, 3, 2)), ("october", dt.date(2026, 10, 20)),
                       ("three weeks", TODAY - dt.timedelta(days=21)),
                       ("five days", TODAY - dt.timedelta(days=5)),
                       ("yesterday", TODAY - dt.timedelta(days=1)), ("today", TODAY)):
        now[0] = _at(day)
        made[title] = store.create_conversation(title).id
    now[0] = _at(TODAY, 9)
    made["from an app"] = store.create_conversation("from an app", origin="Obsidian").id
    sidebar.reload()
    assert sidebar.headings() == ["Today", "Yesterday", "Previous 7 days", "Previous 30 days",
                                  "October 2026", "March 2026", "From other apps"]
    assert sidebar.conversation_ids() == [made[t] for t in (
        "today", "yesterday", "five days", "three weeks", "october", "march", "from an app")]
    # A heading is not a chat: the arrow keys pass over it.
    sidebar.list.setFocus()
    sidebar.select(made["today"])
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Down)
    assert sidebar.list.currentItem().text() == "yesterday"
    store.close()


def test_a_search_hit_shows_what_it_matched_and_down_moves_into_the_results(
        qtbot: QtBot, tmp_path: Path) -> None:
    sidebar, store = _sidebar(qtbot, tmp_path)
    plain = store.create_conversation("Groceries")
    store.add_message(plain.id, "user", "Buy milk, eggs and the good sourdough bread please")
    titled = store.create_conversation("Sourdough starter")
    chosen: list[int] = []
    sidebar.conversation_selected.connect(chosen.append)
    sidebar.search.setFocus()
    qtbot.keyClicks(sidebar.search, "sourdough")
    qtbot.waitUntil(lambda: len(sidebar.conversation_ids()) == 2)
    assert sidebar.snippet(plain.id) == "Buy milk, eggs and the good sourdough bread please"
    assert sidebar.snippet(titled.id) is None  # only its title matched
    qtbot.keyClick(sidebar.search, Qt.Key.Key_Down)
    assert sidebar.list.hasFocus()
    assert chosen == [sidebar.conversation_ids()[0]]
    store.close()


def test_the_rename_editor_is_as_tall_as_it_needs(qtbot: QtBot, tmp_path: Path) -> None:
    sidebar, store = _sidebar(qtbot, tmp_path)
    chat = store.create_conversation("A title to rename")
    sidebar.reload()
    sidebar.select(chat.id)
    sidebar.rename_current()
    editor = sidebar.list.findChild(QLineEdit)
    assert editor is not None
    qtbot.waitUntil(editor.isVisible)
    assert editor.height() >= editor.sizeHint().height()
    store.close()
