"""The composer: Enter sends, Shift+Enter breaks the line, states and prompt progress."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.composer import Composer, ComposerState


def _composer(qtbot: QtBot, state: ComposerState = ComposerState.READY) -> Composer:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.show()
    composer.set_state(state)
    return composer


def test_enter_sends_and_shift_enter_adds_a_line(qtbot: QtBot) -> None:
    composer = _composer(qtbot)
    sent: list[str] = []
    composer.send_requested.connect(sent.append)
    qtbot.keyClicks(composer.edit, "first line")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(composer.edit, "second line  ")
    assert composer.text() == "first line\nsecond line  "
    assert sent == []
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == ["first line\nsecond line"]
    qtbot.keyClick(composer.edit, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert len(sent) == 2


def test_blank_text_is_not_sent(qtbot: QtBot) -> None:
    composer = _composer(qtbot)
    sent: list[str] = []
    composer.send_requested.connect(sent.append)
    qtbot.keyClicks(composer.edit, "   ")
    assert not composer.send_button.isEnabled()
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == []


def test_nothing_is_sent_while_the_model_loads(qtbot: QtBot) -> None:
    composer = _composer(qtbot, ComposerState.LOADING)
    sent: list[str] = []
    composer.send_requested.connect(sent.append)
    qtbot.keyClicks(composer.edit, "typed while loading")  # typing is allowed
    assert "Loading the model" in composer.edit.placeholderText()
    assert not composer.send_button.isEnabled()
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == []
    composer.set_state(ComposerState.READY)
    assert composer.send_button.isEnabled()
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == ["typed while loading"]


def test_while_answering_the_button_stops(qtbot: QtBot) -> None:
    composer = _composer(qtbot, ComposerState.ANSWERING)
    assert composer.send_button.text() == "Stop"
    assert composer.send_button.accessibleName() == "Stop the answer"
    with qtbot.waitSignal(composer.stop_requested):
        composer.send_button.click()
    composer.set_state(ComposerState.READY)
    assert composer.send_button.text() == "Send"


def test_prompt_progress_is_shown_until_the_answer_starts(qtbot: QtBot) -> None:
    composer = _composer(qtbot, ComposerState.ANSWERING)
    composer.show_waiting("Reading the conversation…")
    assert composer.progress.isVisible() and composer.progress.maximum() == 0
    composer.show_progress(512, 2048)
    assert composer.progress.value() == 512 and composer.progress.maximum() == 2048
    assert composer.progress_label.text() == "Reading the conversation: 512 of 2,048 tokens"
    composer.hide_progress()
    assert not composer.progress.isVisible()


def test_last_turn_actions_follow_the_state(qtbot: QtBot) -> None:
    composer = _composer(qtbot)
    assert not composer.regenerate_button.isVisible()
    composer.set_last_turn_available(True)
    assert composer.regenerate_button.isVisible() and composer.edit_button.isVisible()
    composer.set_state(ComposerState.ANSWERING)
    assert not composer.regenerate_button.isVisible()
    composer.set_state(ComposerState.LOADING)
    assert composer.regenerate_button.isVisible()
    assert not composer.regenerate_button.isEnabled()
    composer.set_state(ComposerState.READY)
    composer.begin_edit("old question")
    assert composer.text() == "old question" and composer.cancel_edit_button.isVisible()
    assert not composer.edit_button.isVisible()
    with qtbot.waitSignal(composer.edit_cancelled):
        composer.cancel_edit_button.click()


def test_the_box_grows_with_its_text_up_to_eight_lines_then_scrolls(qtbot: QtBot) -> None:
    composer = _composer(qtbot)
    composer.resize(600, composer.sizeHint().height())
    edit = composer.edit
    assert edit.shown_lines == 2
    empty_height = edit.height()
    composer.set_text("\n".join(f"line {n}" for n in range(5)))
    qtbot.waitUntil(lambda: edit.shown_lines == 5)
    assert edit.height() > empty_height
    assert edit.verticalScrollBar().maximum() == 0  # all of it in view
    composer.set_text("\n".join(f"line {n}" for n in range(20)))
    qtbot.waitUntil(lambda: edit.shown_lines == 8)
    assert edit.verticalScrollBar().maximum() > 0  # the rest scrolls
    # A long line wraps into more lines, which count too.
    composer.set_text("word " * 200)
    qtbot.waitUntil(lambda: edit.shown_lines > 2)
    composer.set_text("")
    qtbot.waitUntil(lambda: edit.shown_lines == 2)
    assert edit.height() == empty_height
