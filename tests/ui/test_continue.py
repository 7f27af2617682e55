"""An answer cut at its length limit offers "Continue": more text in the same answer, on the
real tiny model, with the receipt adding up both parts."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.core.services import Services
from desktop.ui.chat_entry import SCHEME
from desktop.ui.main_window import MainWindow

from .support import ANSWER_TIMEOUT_MS, ask, wait_answered


def test_continue_appends_to_the_same_answer_and_sums_the_receipt(
        qtbot: QtBot, window: MainWindow, services: Services) -> None:
    services.settings.set("local.max_tokens", 4)
    ask(qtbot, window, "Tell me a long story")
    before = window.chat.entries
    answer = before[-1]
    assert answer.receipt is not None and answer.receipt.finish_reason == "length"
    text, tokens_out, message_id = answer.text, answer.receipt.tokens_out, answer.message_id
    assert "Continue</a>" in window.chat.toHtml() or ">Continue<" in window.chat.toHtml()
    index = len(before) - 1

    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        window.chat.open_link(f"{SCHEME}:continue/{index}")
        assert window.answering  # streaming into the same answer, off the GUI thread
    wait_answered(qtbot, window)

    after = window.chat.entries
    assert len(after) == len(before)  # no new message
    continued = after[-1]
    assert continued.message_id == message_id
    assert continued.text.startswith(text) and len(continued.text) > len(text)
    assert continued.receipt is not None
    assert continued.receipt.continued == 1
    assert continued.receipt.tokens_out == tokens_out + 4
    assert "Continued once" in window.chat.toPlainText()
    stored = services.store.message(message_id or 0)
    assert stored.content == continued.text and stored.status == "complete"


def test_a_complete_answer_offers_no_continue(qtbot: QtBot, window: MainWindow,
                                              services: Services) -> None:
    services.settings.set("local.max_tokens", 400)
    ask(qtbot, window, "hi")
    receipt = window.chat.entries[-1].receipt
    assert receipt is not None
    if receipt.finish_reason != "length":
        assert "continue/" not in window.chat.toHtml()
        with qtbot.assertNotEmitted(window.chat.continue_requested):
            window.chat.open_link(f"{SCHEME}:continue/{len(window.chat.entries) - 1}")
