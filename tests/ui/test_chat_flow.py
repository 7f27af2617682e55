"""Asking, streaming, stopping, regenerating and editing, with the real engine on the tiny model."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.services import Services
from desktop.ui.composer import ComposerState
from desktop.ui.main_window import MainWindow

from .support import ANSWER_TIMEOUT_MS, ask, wait_answered, wait_ready


def _messages(services: Services, window: MainWindow) -> list[tuple[str, str, str]]:
    assert window.conversation_id is not None
    return [(m.role, m.content, m.status)
            for m in services.store.messages(window.conversation_id)]


def test_a_question_streams_into_the_chat_and_gets_a_receipt(
        qtbot: QtBot, window: MainWindow, services: Services,
        monkeypatch: pytest.MonkeyPatch) -> None:
    streamed: list[str] = []
    append = window.chat.append_text

    def spy(text: str) -> None:
        streamed.append(text)
        append(text)

    monkeypatch.setattr(window.chat, "append_text", spy)
    assert window.composer.state is ComposerState.READY
    ask(qtbot, window, "hello there")

    [(user_role, question, _), (role, answer, status)] = _messages(services, window)
    assert (user_role, question) == ("user", "hello there")
    assert role == "assistant" and status == "complete" and answer
    assert "".join(streamed).strip() == answer  # it arrived piece by piece, in order
    entries = window.chat.entries
    assert [e.role for e in entries] == ["user", "assistant"]
    assert entries[1].text == answer and entries[1].receipt is not None
    assert entries[1].receipt.privacy == "on-device"
    shown = window.chat.toPlainText()
    assert "hello there" in shown and "● On this device" in shown and "0 bytes sent" in shown
    assert "tok/s" in window.status.speed.text()
    assert window.status.context.text().startswith("Context ")
    assert window.conversations.conversation_ids() == [window.conversation_id]
    assert window.windowTitle() == "hello there — Hearth"
    assert window.composer.text() == "" and window.composer.state is ComposerState.READY


def test_the_status_bar_names_the_model_and_where_it_runs(window: MainWindow) -> None:
    assert window.status.model.text().startswith("hearth-tiny-test")
    assert "F16" in window.status.model.toolTip()  # the weights' format: a detail
    assert window.status.backend.text() == "On the CPU" or \
        window.status.backend.text().startswith("On the GPU")
    assert window.status.next_question.text() == "On this device only"


def test_the_status_bar_says_whether_answers_may_leave_the_device(
        window: MainWindow, services: Services) -> None:
    services.settings.set("network.offline", True)
    assert window.status.next_question.text() == "Offline: answers stay on this device"
    services.settings.set("network.offline", False)
    services.settings.set("cloud.escalation", True)  # but no cloud tier is set up
    assert window.status.next_question.text() == "On this device only: no cloud tier set up"
    services.settings.set("tiers.private.base_url", "http://127.0.0.1:9/v1")
    services.settings.set("tiers.private.model", "m")
    assert window.status.next_question.text() == "Hard questions may go to your private server"


def test_stop_keeps_what_was_written(qtbot: QtBot, window: MainWindow, services: Services,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    services.settings.set("local.context_size", 4096)
    services.settings.set("local.max_tokens", 4000)
    wait_ready(qtbot, window)
    append = window.chat.append_text

    def stop_on_first_text(text: str) -> None:
        append(text)
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Escape)  # Esc stops

    monkeypatch.setattr(window.chat, "append_text", stop_on_first_text)
    window.composer.set_text("tell me a long story")
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        window.composer.submit()
    wait_answered(qtbot, window)

    [_, (role, answer, status)] = _messages(services, window)
    assert role == "assistant" and status == "stopped" and answer
    entry = window.chat.entries[-1]
    assert entry.text == answer and entry.receipt is not None
    assert entry.receipt.finish_reason == "cancelled"
    assert entry.receipt.tokens_out < 3000
    assert "stopped" in window.chat.toPlainText()
    assert window.composer.state is ComposerState.READY


def test_the_stop_button_stops_too(qtbot: QtBot, window: MainWindow, services: Services,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    services.settings.set("local.context_size", 4096)
    services.settings.set("local.max_tokens", 4000)
    wait_ready(qtbot, window)
    append = window.chat.append_text

    def stop_on_first_text(text: str) -> None:
        append(text)
        assert window.composer.send_button.text() == "Stop"
        window.composer.send_button.click()

    monkeypatch.setattr(window.chat, "append_text", stop_on_first_text)
    window.composer.set_text("another long story")
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        window.composer.submit()
    wait_answered(qtbot, window)
    assert _messages(services, window)[-1][2] == "stopped"


def test_regenerate_replaces_the_last_answer(qtbot: QtBot, window: MainWindow,
                                             services: Services) -> None:
    ask(qtbot, window, "first question")
    assert window.conversation_id is not None
    before = services.store.messages(window.conversation_id)
    assert window.composer.regenerate_button.isVisible()
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        window.composer.regenerate_button.click()
    wait_answered(qtbot, window)

    after = services.store.messages(window.conversation_id)
    assert [m.role for m in after] == ["user", "assistant"]
    assert after[0].id == before[0].id and after[1].id > before[1].id
    assert after[1].status == "complete"
    assert [e.text for e in window.chat.entries] == [m.content for m in after]
    assert window.chat.entries[1].message_id == after[1].id


def test_edit_and_resend_replaces_the_last_question(qtbot: QtBot, window: MainWindow,
                                                   services: Services) -> None:
    ask(qtbot, window, "first question")
    ask(qtbot, window, "second question")
    window.composer.edit_button.click()
    assert window.composer.editing and window.composer.text() == "second question"
    assert window.composer.cancel_edit_button.isVisible()
    window.composer.set_text("edited question")
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)
    wait_answered(qtbot, window)

    messages = _messages(services, window)
    assert [(r, c) for r, c, _ in messages if r == "user"] == [
        ("user", "first question"), ("user", "edited question")]
    assert [r for r, _, _ in messages] == ["user", "assistant", "user", "assistant"]
    assert [e.text for e in window.chat.entries] == [c for _, c, _ in messages]
    assert not window.composer.editing


def test_editing_can_be_cancelled_with_escape(qtbot: QtBot, window: MainWindow,
                                             services: Services) -> None:
    ask(qtbot, window, "a question")
    window.edit_action.trigger()
    assert window.composer.editing
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_Escape)
    assert not window.composer.editing and window.composer.text() == ""
    assert len(_messages(services, window)) == 2


def test_copy_and_receipt_links_of_an_answer(qtbot: QtBot, window: MainWindow,
                                             services: Services) -> None:
    ask(qtbot, window, "hello")
    answer = window.chat.entries[1]
    window.chat.open_link("hearth:copy/1")
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == answer.text
    assert window.status.currentMessage() == "Message copied"
    shown: list[Any] = []
    window.chat.receipt_requested.connect(shown.append)
    window.chat.open_link("hearth:receipt/1")
    assert shown == [answer.receipt]


def test_leaving_a_new_chat_while_it_is_answered_keeps_the_view_where_the_user_went(
        qtbot: QtBot, window: MainWindow, services: Services) -> None:
    ask(qtbot, window, "an older chat")
    older = window.conversation_id
    window.new_chat()
    window.composer.set_text("a question in a new chat")
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        window.composer.submit()
        # back to the older chat at once
        window.conversations.list.setCurrentItem(window.conversations.chat_item(0))
        assert window.conversation_id == older
    wait_answered(qtbot, window)
    assert window.conversation_id == older
    assert [e.text for e in window.chat.entries][0] == "an older chat"
    assert len(services.store.conversations()) == 2

