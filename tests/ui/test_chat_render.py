"""A long answer is rendered off the GUI thread when it completes, and shows as it would have."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.store import Message
from desktop.ui import chat_view
from desktop.ui.chat_view import LONG_ANSWER, ChatView

PARAGRAPH = ("Some **bold** words and `inline code`, long enough to wrap over a few lines in"
             " the chat view as real answers do.\n\n```python\nprint('hi')\n```\n\n")
LONG = PARAGRAPH * (LONG_ANSWER // len(PARAGRAPH) + 2)


def _finished_view(qtbot: QtBot, text: str) -> ChatView:
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    view.begin_answer("Tell me")
    view.append_text(text)
    view.finish_answer(Message(2, 1, "assistant", text, "complete", 0.0, None),
                       Message(1, 1, "user", "Tell me", "complete", 0.0, None))
    return view


def test_a_long_answer_keeps_its_streamed_text_until_rendered_off_the_gui_thread(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    view = _finished_view(qtbot, LONG)
    assert "**bold**" in view.toPlainText()  # still the streamed text, as it came
    qtbot.waitUntil(lambda: "**bold**" not in view.toPlainText(), timeout=5000)
    assert view.entries[-1].code_blocks.count("print('hi')\n") == LONG.count("```python")
    rendered = view.toHtml()

    # The same answer rendered on the GUI thread gives the same document.
    monkeypatch.setattr(chat_view, "LONG_ANSWER", len(LONG) + 1)
    in_place = _finished_view(qtbot, LONG)
    assert "**bold**" not in in_place.toPlainText()
    assert in_place.toHtml() == rendered


def test_a_long_answer_left_before_it_is_rendered_is_not_shown_in_the_next_chat(
        qtbot: QtBot) -> None:
    view = _finished_view(qtbot, LONG)
    view.show_messages([Message(7, 2, "user", "Another chat", "complete", 0.0, None)])
    qtbot.wait(300)  # time for the background rendering to come back, and be dropped
    assert "Another chat" in view.toPlainText() and "bold" not in view.toPlainText()


def test_a_short_answer_is_rendered_at_once(qtbot: QtBot) -> None:
    view = _finished_view(qtbot, PARAGRAPH)
    assert "**bold**" not in view.toPlainText() and "print('hi')" in view.toPlainText()
