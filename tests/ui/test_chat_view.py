"""The chat view on its own: rendering, streaming at frame rate, links."""

from __future__ import annotations

import dataclasses

from PySide6.QtGui import QGuiApplication, QTextTable
from pytestqt.qtbot import QtBot

from desktop.core.receipt import Finding, Receipt
from desktop.core.store import Message
from desktop.ui.chat_view import ChatView
from desktop.ui.theme import DARK, LIGHT

RECEIPT = Receipt(
    tier="local", provider="llama.cpp", model="tiny", endpoint=None, privacy="on-device",
    bytes_sent=0, tokens_in=12, tokens_out=5, ttft_s=0.01, decode_tok_per_s=250.0,
    cost_usd=None, cloud_equivalent_usd=None, reason="answered here",
)


def _message(index: int, role: str, content: str, *, status: str = "complete",
             receipt: Receipt | None = None) -> Message:
    return Message(index, 1, role, content, status, 0.0, receipt)


def _view(qtbot: QtBot) -> ChatView:
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    return view


def test_an_empty_conversation_promises_only_what_it_is_told(qtbot: QtBot) -> None:
    view = _view(qtbot)
    assert view.toPlainText().strip() == "Ask anything."  # nothing claimed until told
    view.set_empty_text("Ask anything. This chat is kept on this device.")
    assert "This chat is kept on this device." in view.toPlainText()


def test_messages_are_rendered_with_markdown_and_a_receipt(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.show_messages([
        _message(1, "user", "Show **me** <b>code</b>"),
        _message(2, "assistant", "Here is **bold** and:\n\n```python\nprint('hi')\n```\n",
                 receipt=RECEIPT),
    ])
    text = view.toPlainText()
    assert "Show **me** <b>code</b>" in text  # a question is shown exactly as typed
    assert "Here is bold and:" in text and "print('hi')" in text
    assert "On this device · 0 bytes sent · 7 words ›" in text  # words, not Markdown marks
    frames = view.document().rootFrame().childFrames()
    # One frame per message, laid out block by block (a table would be laid out whole).
    assert len(frames) == 2 and not any(isinstance(f, QTextTable) for f in frames)


def test_copy_links_copy_the_message_and_each_code_block(qtbot: QtBot) -> None:
    view = _view(qtbot)
    answer = "Two blocks:\n\n```python\nprint(1)\n```\n\n```\nplain text\n```\n"
    view.show_messages([_message(1, "user", "q"), _message(2, "assistant", answer)])
    copied: list[str] = []
    view.copied.connect(copied.append)
    view.open_link("hearth:code/1/0")
    assert QGuiApplication.clipboard().text() == "print(1)\n"
    view.open_link("hearth:code/1/1")
    assert QGuiApplication.clipboard().text() == "plain text\n"
    view.open_link("hearth:copy/1")
    assert QGuiApplication.clipboard().text() == answer
    view.open_link("hearth:copy/0")
    assert QGuiApplication.clipboard().text() == "q"
    assert copied == ["code", "code", "message", "message"]
    view.open_link("hearth:code/9/0")  # a stale link does nothing
    view.open_link("hearth:nonsense")


def test_the_receipt_link_asks_for_the_full_receipt(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.show_messages([_message(1, "user", "q"), _message(2, "assistant", "a",
                                                           receipt=RECEIPT)])
    with qtbot.waitSignal(view.receipt_requested) as blocker:
        view.open_link("hearth:receipt/1")
    assert blocker.args == [RECEIPT]


def test_streamed_text_is_appended_once_per_frame_without_rerendering(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.show_messages([_message(i, "user" if i % 2 else "assistant", f"message {i}")
                        for i in range(1, 41)])
    first_table = view.document().rootFrame().childFrames()[0]
    first_html = view.entries[0].html
    view.begin_answer("the question")
    for piece in ["Hel", "lo ", "**wor", "ld**"]:
        view.append_text(piece)
    assert "Hello" not in view.toPlainText()  # not yet: it waits for the next frame
    qtbot.waitUntil(lambda: "Hello **world**" in view.toPlainText())
    assert view.entries[-1].text == "Hello **world**" and view.streaming
    assert view.document().rootFrame().childFrames()[0] is first_table
    assert view.entries[0].html is first_html
    assert view.scrolled_to_end()

    view.finish_answer(_message(100, "assistant", "Hello **world**", receipt=RECEIPT),
                       _message(99, "user", "the question"))
    assert not view.streaming
    assert "Hello world" in view.toPlainText() and "**" not in view.toPlainText()
    assert view.entries[-2].message_id == 99 and view.entries[-1].message_id == 100
    assert "On this device" in view.toPlainText()


def test_scrolling_up_stops_following_the_answer(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.show_messages([_message(i, "user", f"message {i}") for i in range(1, 60)])
    view.begin_answer("q")
    view.verticalScrollBar().setValue(0)
    view.append_text("more\n" * 40)
    view.flush()
    assert view.verticalScrollBar().value() == 0
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    view.append_text("and more\n" * 40)
    view.flush()
    qtbot.waitUntil(view.scrolled_to_end)


def test_an_interrupted_answer_says_so(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.show_messages([_message(1, "user", "q"), _message(2, "assistant", "partial",
                                                           status="failed")])
    assert "The answer was interrupted." in view.toPlainText()
    view.show_messages([_message(1, "user", "q"), _message(2, "assistant", "partial",
                                                           status="stopped")])
    assert "Stopped before it finished." in view.toPlainText()


def test_the_live_answer_survives_switching_away_and_back(qtbot: QtBot) -> None:
    view = _view(qtbot)
    stored = [_message(1, "user", "q"), _message(2, "assistant", "Par", status="streaming")]
    view.show_messages(stored, live_text="Partial answ")
    assert view.streaming and view.entries[-1].text == "Partial answ"
    view.append_text("er")
    view.flush()
    assert "Partial answer" in view.toPlainText()
    view.show_messages(stored[:1], live_text="")  # the answer was not created yet
    assert view.streaming and [e.role for e in view.entries] == ["user", "assistant"]


def test_a_new_palette_renders_everything_again(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.show_messages([_message(1, "user", "q"), _message(2, "assistant", "`x`")])
    light = view.entries[1].html
    view.set_palette(DARK)
    assert view.entries[1].html is not None and view.entries[1].html != light
    assert DARK.assistant_bubble in view.toHtml()
    view.set_font_size(17)
    assert view.document().defaultFont().pointSize() == 17


def test_a_long_conversation_opens_with_its_last_messages(qtbot: QtBot) -> None:
    from desktop.ui.chat_view import EARLIER, RENDERED

    view = _view(qtbot)
    total = RENDERED + EARLIER + 30
    view.show_messages([_message(i, "user", f"message {i}") for i in range(total)])
    tables = [f for f in view.document().rootFrame().childFrames()]
    assert len(tables) == RENDERED and view.hidden_count == total - RENDERED
    assert f"message {total - 1}" in view.toPlainText()
    assert "message 0\n" not in view.toPlainText()
    assert f"({total - RENDERED:,} not shown)" in view.toPlainText()
    view.open_link("hearth:earlier")
    assert view.hidden_count == 30
    assert not view.scrolled_to_end()  # the view stays where the reader was
    view.open_link("hearth:copy/31")
    assert QGuiApplication.clipboard().text() == "message 31"
    view.show_earlier()
    assert view.hidden_count == 0 and "Show earlier messages" not in view.toPlainText()
    assert len(view.document().rootFrame().childFrames()) == total
    view.begin_answer("new question")
    view.append_text("streamed")
    view.flush()
    assert view.entries[-1].text == "streamed"


CLOUD = dataclasses.replace(RECEIPT, tier="frontier", provider="openai", model="gpt-x",
                            endpoint="api.example.com", privacy="redacted", bytes_sent=900,
                            reason="hard question")


def _colour_at(view: ChatView, words: str) -> tuple[str, str]:
    """The text colour of ``words`` in the view, and the background of its message's frame."""
    found = view.document().find(words)
    assert not found.isNull(), words
    frame = found.currentFrame()
    return (found.charFormat().foreground().color().name(),
            frame.frameFormat().background().color().name())


def test_each_answer_says_where_it_was_computed_in_words_and_colour(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.show_messages([_message(1, "user", "q"), _message(2, "assistant", "here", receipt=RECEIPT),
                        _message(3, "user", "q2"),
                        _message(4, "assistant", "there", receipt=CLOUD)])
    text = view.toPlainText()
    assert "Hearth" not in text  # no answer is headed alike whatever its origin
    assert "● On this device" in text and "● From the cloud · api.example.com" in text
    assert "gpt-x · sent with placeholders" in text
    assert _colour_at(view, "On this device") == (LIGHT.here_text, LIGHT.assistant_bubble)
    assert _colour_at(view, "From the cloud") == (LIGHT.cloud_text, LIGHT.cloud_bubble)


def test_a_cloud_answer_finished_in_place_gets_its_heading_and_colour(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.begin_answer("a hard question")
    view.set_writing_origin("frontier")
    assert "● Asking the cloud model" in view.toPlainText()
    assert _colour_at(view, "Asking the cloud model")[1] == LIGHT.cloud_bubble
    view.append_text("partial")
    view.flush()
    view.finish_answer(_message(2, "assistant", "partial answer", receipt=CLOUD))
    assert "● From the cloud · api.example.com" in view.toPlainText()
    assert _colour_at(view, "From the cloud") == (LIGHT.cloud_text, LIGHT.cloud_bubble)


def test_a_question_kept_here_for_its_data_says_so_and_marks_the_values(qtbot: QtBot) -> None:
    question = "Is 4111 1111 1111 1111 valid? Mail jane@example.com"
    kept = dataclasses.replace(RECEIPT, kept_local_for=("payment_card",),
                               classes=("payment_card", "email"),
                               findings=(Finding(kind="payment_card", start=3, end=22),
                                         Finding(kind="email", start=35, end=51)))
    view = _view(qtbot)
    view.show_messages([_message(1, "user", question), _message(2, "assistant", "ok",
                                                                receipt=kept)])
    assert "Kept on this device: it contains a card number." in view.toPlainText()
    for value in ("4111 1111 1111 1111", "jane@example.com"):
        found = view.document().find(value)
        assert found.charFormat().background().color().name() == LIGHT.sensitive_bg
        assert found.charFormat().toolTip() in ("a card number", "an e-mail address")
    plain = view.document().find("valid?")
    assert plain.charFormat().background().color().name() != LIGHT.sensitive_bg
    view.show_messages([_message(1, "user", question), _message(2, "assistant", "ok",
                                                                receipt=RECEIPT)])
    assert "Kept on this device" not in view.toPlainText()  # kept for another reason
