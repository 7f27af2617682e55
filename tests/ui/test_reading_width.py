"""On a wide window the messages keep to a centred column of at most 760 px; on a narrow one
they use the width there is."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.ui.chat_links import READING_WIDTH_PX
from desktop.ui.main_window import MainWindow

from .support import ask


def _frame_span(window: MainWindow) -> tuple[float, float]:
    """Left and right edge of the first message's box, in viewport pixels."""
    document = window.chat.document()
    frame = document.rootFrame().childFrames()[0]
    rect = document.documentLayout().frameBoundingRect(frame)
    return rect.left(), rect.right()


def test_messages_are_centred_in_a_reading_column_on_a_wide_window(
        qtbot: QtBot, window: MainWindow) -> None:
    ask(qtbot, window, "A question long enough to fill a line of the chat " * 8)
    window.resize(1440, 900)
    qtbot.waitUntil(lambda: window.chat.viewport().width() > 1000)
    viewport = window.chat.viewport().width()
    qtbot.waitUntil(lambda: window.chat.reading_margin > 0)
    left, right = _frame_span(window)
    assert right - left <= READING_WIDTH_PX + 1
    assert abs(left - (viewport - right)) <= 20  # centred (the scroll bar takes a little)

    window.resize(900, 600)
    qtbot.waitUntil(lambda: window.chat.viewport().width() < 700)
    qtbot.waitUntil(lambda: window.chat.reading_margin == 0)
    left, right = _frame_span(window)
    assert right - left > window.chat.viewport().width() - 60  # the width there is
