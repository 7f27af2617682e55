"""The window around the chat: conversations, shortcuts, first run, bad models, errors, restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from desktop.core.services import Services, open_services
from desktop.core.settings import Settings
from desktop.ui.composer import ComposerState
from desktop.ui.main_window import MainWindow
from desktop.ui.notices import CrashDialog
from desktop.ui.settings_dialog import SettingsDialog

from .conftest import WindowFactory
from .support import LOAD_TIMEOUT_MS, ask, wait_ready

# -- conversations ---------------------------------------------------------------------------


def test_new_chat_starts_empty_and_the_first_question_creates_it(
        qtbot: QtBot, window: MainWindow, services: Services) -> None:
    ask(qtbot, window, "about apples")
    first = window.conversation_id
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.conversation_id is None and window.chat.entries == []
    assert window.composer.edit.hasFocus() or not window.isActiveWindow()
    ask(qtbot, window, "about bananas")
    second = window.conversation_id
    assert second is not None and second != first
    assert window.conversations.conversation_ids() == [second, first]  # newest first
    window.conversations.list.setCurrentItem(window.conversations.chat_item(1))
    assert window.conversation_id == first
    assert [e.text for e in window.chat.entries][0] == "about apples"
    assert window.chat.scrolled_to_end()


def test_rename_a_conversation_in_the_list(qtbot: QtBot, window: MainWindow,
                                           services: Services) -> None:
    ask(qtbot, window, "original title")
    assert window.conversation_id is not None
    item = window.conversations.chat_item(0)
    item.setText("  A better   name ")  # what finishing the in-place editor does
    qtbot.waitUntil(lambda: window.windowTitle() == "A better name — Hearth", timeout=5000)
    assert services.store.conversation(window.conversation_id).title == "A better name"
    assert window.conversations.chat_item(0).text() == "A better name"
    window.conversations.chat_item(0).setText("   ")  # an empty title is refused
    qtbot.waitUntil(lambda: window.conversations.chat_item(0).text() == "A better name",
                    timeout=5000)
    assert services.store.conversation(window.conversation_id).title == "A better name"


def test_delete_a_conversation_after_confirming(qtbot: QtBot, window: MainWindow,
                                                services: Services) -> None:
    ask(qtbot, window, "to be deleted")
    ask(qtbot, window, "kept for now")
    kept = window.conversation_id
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    ask(qtbot, window, "another chat")
    asked: list[tuple[str, str, str]] = []

    def answer(choice: str) -> None:
        """Press a button of the confirmation once it is open (its own event loop runs)."""
        def press() -> None:
            box = window.delete_confirmation
            assert box is not None
            delete = next(b for b in box.buttons() if b.text() == "Delete")
            default = box.defaultButton()
            assert default is not None
            asked.append((box.text(), delete.text(), default.text()))
            (delete if choice == "Delete" else box.escapeButton()).click()
        QTimer.singleShot(0, press)

    window.conversations.list.setFocus()
    window.conversations.list.setCurrentItem(window.conversations.chat_item(1))
    assert window.conversation_id == kept
    answer("Cancel")
    window.conversations.delete_current()  # cancelled
    assert kept in [c.id for c in services.store.conversations()]
    answer("Delete")
    window.conversations.delete_current()  # confirmed
    qtbot.waitUntil(lambda: window.conversation_id is None, timeout=5000)
    assert [a[1:] for a in asked] == [("Delete", "Cancel")] * 2  # Cancel is the default
    assert "This cannot be undone" in asked[0][0]
    assert kept not in [c.id for c in services.store.conversations()]
    assert kept not in window.conversations.conversation_ids()
    assert window.conversation_id is None and window.chat.entries == []


def test_search_finds_conversations_by_their_messages(qtbot: QtBot, make_window: WindowFactory,
                                                      services: Services) -> None:
    store = services.store
    for title, text in [("Fruit", "I like bananas"), ("Cars", "A red car"),
                        ("Trees", "Banana trees grow fast")]:
        conversation = store.create_conversation(title)
        store.add_message(conversation.id, "user", text)
    window = make_window(services)
    assert len(window.conversations.conversation_ids()) == 3
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.conversations.search, "BANANA")
    qtbot.waitUntil(lambda: len(window.conversations.conversation_ids()) == 2)
    titles = [window.conversations.chat_item(i).text() for i in range(2)]
    assert sorted(titles) == ["Fruit", "Trees"]
    window.conversations.search.setText("nothing like this")
    qtbot.waitUntil(lambda: window.conversations.empty_label.isVisibleTo(window))
    assert "nothing like this" in window.conversations.empty_label.text()
    window.conversations.search.clear()
    qtbot.waitUntil(lambda: len(window.conversations.conversation_ids()) == 3)


def test_keyboard_shortcuts(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    shortcuts = {a.text(): a.shortcut().toString() for a in window.findChildren(type(
        window.new_action))}
    assert shortcuts["&New chat"] == "Ctrl+N"
    assert shortcuts["&Search chats"] == "Ctrl+F"
    assert shortcuts["&Settings…"] == "Ctrl+,"
    assert shortcuts["S&top the answer"] == "Esc"
    assert shortcuts["&Quit"] == "Ctrl+Q"
    window.search_action.trigger()
    window.settings_action.trigger()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.reject()


def test_controls_have_accessible_names(window: MainWindow) -> None:
    for widget in (window.composer.edit, window.composer.send_button, window.chat,
                   window.conversations.list, window.conversations.search,
                   window.conversations.new_button, window.welcome.choose_button,
                   window.status):
        assert widget.accessibleName(), widget


# -- the model -------------------------------------------------------------------------------


def test_first_run_explains_and_lets_the_user_choose_a_model(
        qtbot: QtBot, make_window: WindowFactory, tiny_model: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    settings.set("local.threads", 1)
    services = open_services(settings)
    try:
        window = make_window(services, wait_for_model=False)
        assert window.pages.currentWidget() is window.welcome
        assert window.composer.state is ComposerState.NO_MODEL
        assert "runs open language models on this computer" in " ".join(
            label.text() for label in window.welcome.findChildren(type(window.welcome.error)))
        monkeypatch.setattr(QFileDialog, "getOpenFileName",
                            lambda *args, **kwargs: (str(tiny_model), ""))
        window.welcome.choose_button.click()
        assert settings.get_str("local.model_path") == str(tiny_model)
        wait_ready(qtbot, window)
        assert window.pages.currentWidget() is not window.welcome
        ask(qtbot, window, "first words")
        assert window.chat.entries[-1].role == "assistant"
    finally:
        services.close()


def test_a_bad_model_file_gets_a_clear_message_and_the_app_stays_usable(
        qtbot: QtBot, window: MainWindow, services: Services, tmp_path: Path,
        tiny_model: Path) -> None:
    ask(qtbot, window, "before the bad file")
    bad = tmp_path / "bad.gguf"
    bad.write_text("this is not a model\n")
    window.use_model_file(str(bad))
    qtbot.waitUntil(lambda: window.model_state == "failed", timeout=LOAD_TIMEOUT_MS)
    assert window.notice.isVisible() and window.notice.kind == "error"
    assert "bad.gguf" in window.notice.label.text()
    assert window.notice.action_button.text() == "Choose another model…"
    assert window.composer.state is ComposerState.NO_MODEL
    assert window.status.model.text() == "Model not loaded"
    # Reading past conversations still works, and choosing a good model brings chat back.
    assert window.chat.entries[0].text == "before the bad file"
    window.new_chat()
    assert window.pages.currentWidget() is window.welcome
    assert "bad.gguf" in window.welcome.error.text()
    window.use_model_file(str(tiny_model))
    wait_ready(qtbot, window)
    assert not window.notice.isVisible()
    ask(qtbot, window, "after the bad file")


def test_changing_a_model_setting_reloads_the_model_without_restart(
        qtbot: QtBot, window: MainWindow, services: Services) -> None:
    dialog = window.open_settings()
    editor = dialog.editor("local.threads")
    editor.set_value(2)
    assert dialog.apply()
    assert "reloads" in dialog.result_label.text()
    wait_ready(qtbot, window)
    qtbot.waitUntil(lambda: not window.inference.busy)
    engine = services.models.loaded
    assert engine is not None and engine.info.threads == 2
    assert services.settings.get_int("local.threads") == 2
    assert "2 threads" in window.status.model.toolTip()
    dialog.close()


def test_theme_and_font_size_apply_at_once(qtbot: QtBot, window: MainWindow,
                                           services: Services) -> None:
    dialog = window.open_settings()
    dialog.editor("ui.theme").set_value("dark")
    dialog.editor("ui.font_size").set_value(15)
    assert dialog.apply()
    assert dialog.result_label.text() == "Saved."
    assert window.palette_in_use.name == "dark"
    assert QGuiApplication.palette().base().color().name() == window.palette_in_use.base
    assert window.chat.document().defaultFont().pointSize() == 15
    assert window.composer.edit.font().pointSize() == 15
    services.settings.set("ui.theme", "light")
    assert window.palette_in_use.name == "light"
    dialog.close()


# -- errors ----------------------------------------------------------------------------------


def test_a_known_error_becomes_a_message_in_the_window(qtbot: QtBot, window: MainWindow,
                                                      services: Services) -> None:
    too_long = " ".join(["word"] * 3000)  # far beyond the 1024-token context
    window.composer.set_text(too_long)
    with qtbot.waitSignal(window.answer_failed, timeout=60_000) as failed:
        window.composer.submit()
    assert "context" in failed.args[0]
    assert window.notice.isVisible() and window.notice.kind == "error"
    assert window.findChild(CrashDialog) is None
    qtbot.waitUntil(lambda: not window.inference.busy)
    assert window.composer.state is ComposerState.READY
    ask(qtbot, window, "short question")  # and the window carries on


def test_a_bug_in_the_worker_shows_a_crash_report_and_the_app_keeps_running(
        qtbot: QtBot, window: MainWindow, services: Services,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("unexpected state, api_key=sk-test-1234567890abcdef")

    monkeypatch.setattr(services.assistant, "ask", broken)
    window.composer.set_text("trigger the bug")
    with qtbot.waitSignal(window.answer_failed, timeout=60_000):
        window.composer.submit()
    dialog = window.findChild(CrashDialog)
    assert dialog is not None and dialog.isVisible()
    report = dialog.report.toPlainText()
    assert "RuntimeError: unexpected state" in report and "Traceback" in report
    assert "sk-test-1234567890abcdef" not in report
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == report
    assert window.composer.text() == "trigger the bug"  # it never reached the store
    monkeypatch.undo()
    qtbot.waitUntil(lambda: not window.inference.busy)
    window.composer.set_text("")
    ask(qtbot, window, "still working")


# -- restart ---------------------------------------------------------------------------------


def test_reopening_shows_the_same_conversations_scrolled_to_the_end(
        qtbot: QtBot, make_window: WindowFactory, settings: Settings) -> None:
    settings.set("local.max_tokens", 120)
    services = open_services(settings)
    window = make_window(services)
    ask(qtbot, window, "older chat")
    window.new_chat()
    for text in ("first", "second", "third", "fourth"):
        ask(qtbot, window, text)
    shown_id = window.conversation_id
    shown = [(e.role, e.text) for e in window.chat.entries]
    window.close()
    services.close()

    reopened = open_services(Settings())
    try:
        again = make_window(reopened)
        assert again.conversation_id == shown_id
        assert [(e.role, e.text) for e in again.chat.entries] == shown
        assert len(again.conversations.conversation_ids()) == 2
        qtbot.waitUntil(again.chat.scrolled_to_end)
        assert again.chat.verticalScrollBar().maximum() > 0
        assert "On this device" in again.chat.toPlainText()
    finally:
        again.shut_down()
        reopened.close()


def test_past_chats_stay_readable_without_a_model(qtbot: QtBot,
                                                  make_window: WindowFactory) -> None:
    services = open_services(Settings())
    try:
        conversation = services.store.create_conversation("Kept chat")
        services.store.add_message(conversation.id, "user", "an old question")
        window = make_window(services, wait_for_model=False)
        assert window.conversation_id == conversation.id
        assert window.pages.currentWidget() is not window.welcome
        assert window.chat.entries[0].text == "an old question"
        assert window.composer.state is ComposerState.NO_MODEL
        assert window.notice.isVisible() and "No model is chosen" in window.notice.label.text()
        window.new_chat()
        assert window.pages.currentWidget() is window.welcome
    finally:
        services.close()
