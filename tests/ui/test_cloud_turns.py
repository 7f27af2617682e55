"""Cloud turns from the window: consent before sending, asking another tier, the one-click
cascade offer, locked chats, the preview. The local model is the real tiny one; the frontier
API is a loopback server speaking OpenAI's wire format."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.core.assistant import ConsentRequest
from desktop.core.receipt import Receipt
from desktop.core.services import Services, open_services
from desktop.core.settings import Settings
from desktop.ui.consent import ConsentDialog, PreviewDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.theme import LIGHT
from tests.core.cloud.loopback import LoopbackServer, loopback_server
from tests.core.cloud.support import MODELS, memory_keys
from tests.core.cloud.wire import openai_stream, sse_reply

from .conftest import WindowFactory
from .support import ANSWER_TIMEOUT_MS, ask, wait_answered

PHONE_QUESTION = "Call me on +44 20 7946 0958 tomorrow"


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        yield running


@pytest.fixture
def cloud(settings: Settings, server: LoopbackServer) -> Iterator[Services]:
    """Escalation on, the frontier tier (OpenAI's format) on the loopback server, keys in
    memory; the private tier is not set up."""
    settings.set("local.max_tokens", 8)
    settings.set("cloud.escalation", True)
    settings.set("cloud.read_timeout_s", 5.0)
    settings.set("tiers.frontier.provider", "openai")
    settings.set("tiers.frontier.model", MODELS["openai"])
    settings.set("tiers.frontier.base_url", f"{server.url}/v1")
    services = open_services(settings, keys=memory_keys())
    services.store.recover_interrupted()
    yield services
    services.close()


@pytest.fixture
def window(make_window: WindowFactory, cloud: Services) -> MainWindow:
    return make_window(cloud)


def _host(server: LoopbackServer) -> str:
    return server.url.removeprefix("http://")


def _receipts(services: Services, window: MainWindow) -> list[Receipt]:
    assert window.conversation_id is not None
    return [m.receipt for m in services.store.messages(window.conversation_id)
            if m.role == "assistant" and m.receipt is not None]


@dataclass(frozen=True)
class Asked:
    """What the consent dialog showed, read before it was answered (and deleted)."""

    request: ConsentRequest
    payload: str
    goes_to: str
    sensitive: str


@contextmanager
def _consent_asked(qtbot: QtBot, window: MainWindow, text: str) -> Iterator[ConsentDialog]:
    """Send ``text``; gives the consent dialog once it opens (to answer in the block), and
    returns once the answer is saved."""
    opened: list[ConsentDialog] = []
    window.session.consent_opened.connect(opened.append)
    window.composer.set_text(text)
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        window.composer.submit()
        qtbot.waitUntil(lambda: bool(opened), timeout=ANSWER_TIMEOUT_MS)
        yield opened[0]
    wait_answered(qtbot, window)


def _send_and_decide(qtbot: QtBot, window: MainWindow, text: str, *, send: bool) -> Asked:
    with _consent_asked(qtbot, window, text) as dialog:
        assert dialog.isVisible() and window.session.consent_dialog is dialog
        assert dialog.parent() is window and dialog.keep_button.isDefault()
        assert dialog.view.payload is not None
        asked = Asked(dialog.request, dialog.view.payload.toPlainText(),
                      dialog.view.values["Goes to"].text(),
                      dialog.view.values["Sensitive data"].text())
        (dialog.send_button if send else dialog.keep_button).click()
    return asked


def test_ask_policy_shows_the_payload_and_host_and_no_keeps_it_here(
        qtbot: QtBot, window: MainWindow, cloud: Services, server: LoopbackServer) -> None:
    cloud.settings.set("privacy.phone", "ask")
    cloud.settings.set("routing.difficulty_threshold", 0.0)  # every question goes out
    asked = _send_and_decide(qtbot, window, PHONE_QUESTION, send=False)

    assert asked.request.host == _host(server) and asked.request.classes == ("phone",)
    assert "+44 20 7946 0958" in asked.payload and asked.payload == asked.request.payload
    assert _host(server) in asked.goes_to
    assert "phone numbers" in asked.sensitive
    assert server.requests == []
    [receipt] = _receipts(cloud, window)
    assert receipt.tier == "local" and receipt.fallback == "you chose not to send it"
    assert window.notice.isVisible() and "you chose not to send it" in (
        window.notice.label.text())
    assert window.session.consent_dialog is None


def test_yes_sends_exactly_what_was_shown(qtbot: QtBot, window: MainWindow, cloud: Services,
                                          server: LoopbackServer) -> None:
    cloud.settings.set("privacy.phone", "ask")
    cloud.settings.set("routing.difficulty_threshold", 0.0)
    server.queue(sse_reply(openai_stream(["I will call."])))
    asked = _send_and_decide(qtbot, window, PHONE_QUESTION, send=True)
    [receipt] = _receipts(cloud, window)
    assert receipt.tier == "frontier" and receipt.endpoint == _host(server)
    assert receipt.payload == asked.payload
    assert window.chat.entries[-1].text == "I will call."
    assert f"{_host(server)} · " in window.chat.toPlainText()  # the badge names the host


def test_the_dialog_marks_the_phone_number_and_replace_sends_a_placeholder(
        qtbot: QtBot, window: MainWindow, cloud: Services, server: LoopbackServer) -> None:
    cloud.settings.set("privacy.phone", "ask")
    cloud.settings.set("routing.difficulty_threshold", 0.0)
    server.queue(sse_reply(openai_stream(["I will call ⟨PHONE_1⟩."])))
    with _consent_asked(qtbot, window, PHONE_QUESTION) as dialog:
        assert dialog.view.marked == ["+44 20 7946 0958"]  # marked where it sits in the text
        assert dialog.view.payload is not None
        [mark] = dialog.view.payload.extraSelections()
        assert mark.cursor.selectedText() == "+44 20 7946 0958"
        assert mark.format.background().color().name() == LIGHT.sensitive_bg
        assert "a phone number" in dialog.view.legend.text()
        assert "phone numbers — sent as written" in dialog.view.values["Sensitive data"].text()
        assert "placeholders" not in dialog.view.values["Sensitive data"].text()
        assert dialog.replace_button.isVisible() and dialog.keep_button.isDefault()
        assert dialog.show_replaced is not None
        dialog.show_replaced.setChecked(True)  # what "replace" would send, before choosing
        shown = dialog.view.payload.toPlainText()
        assert "+44 20 7946 0958" not in shown and "⟨PHONE_1⟩" in shown
        dialog.replace_button.click()
    [request] = server.requests
    assert "+44 20 7946 0958" not in request.body.decode("utf-8")
    [receipt] = _receipts(cloud, window)
    assert receipt.tier == "frontier" and receipt.privacy == "redacted"
    assert receipt.payload == shown  # exactly what the dialog showed
    assert window.chat.entries[-1].text == "I will call +44 20 7946 0958."


def test_ask_the_frontier_tier_adds_a_second_answer(
        qtbot: QtBot, window: MainWindow, cloud: Services, server: LoopbackServer) -> None:
    ask(qtbot, window, "hello there")  # routine: answered here
    # Only what can work is offered: the private tier has no server set up.
    assert window.chat.ask_again_tiers == ("frontier",)
    assert "Ask the frontier tier" in window.chat.toPlainText()
    assert window.ask_frontier_action.isEnabled()
    assert window.ask_frontier_action.isVisible() and not window.ask_private_action.isVisible()
    assert not window.cloud_why_action.isVisible()
    server.queue(sse_reply(openai_stream(["Hello from the frontier."])))
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        window.chat.open_link("hearth:ask/frontier")
        assert window.chat.ask_again_tiers == ()  # no second click while it answers
    wait_answered(qtbot, window)

    messages = cloud.store.messages(window.conversation_id or 0)
    assert [m.role for m in messages] == ["user", "assistant", "assistant"]
    local, frontier = (m.receipt for m in messages[1:])
    assert local is not None and frontier is not None
    assert local.tier == "local" and frontier.tier == "frontier"
    assert frontier.reason == "you asked for the frontier tier"
    assert messages[2].content == "Hello from the frontier."
    assert [e.text for e in window.chat.entries][2] == "Hello from the frontier."
    assert len(server.requests) == 1
    # The links sit on the last answer only, and not for the tier that wrote it.
    assert "Ask the private tier" not in window.chat.toPlainText()
    assert "Ask the frontier tier" not in window.chat.toPlainText()


def test_an_unsure_answer_offers_the_cloud_in_one_click(
        qtbot: QtBot, window: MainWindow, cloud: Services, server: LoopbackServer) -> None:
    cloud.settings.set("routing.cascade", "offer")
    cloud.settings.set("routing.min_token_probability", 0.99)  # random weights: never sure
    ask(qtbot, window, "hello there")
    [receipt] = _receipts(cloud, window)
    assert receipt.escalation_offer == "frontier" and server.requests == []
    assert "This answer looked unsure" in window.chat.toPlainText()
    server.queue(sse_reply(openai_stream(["A surer answer."])))
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        window.chat.open_link("hearth:ask/frontier")
    wait_answered(qtbot, window)
    assert [r.tier for r in _receipts(cloud, window)] == ["local", "frontier"]


def test_a_locked_chat_keeps_a_hard_question_here(
        qtbot: QtBot, window: MainWindow, cloud: Services, server: LoopbackServer) -> None:
    cloud.settings.set("routing.difficulty_threshold", 0.0)
    assert window.composer.lock_box.isVisible() and not window.composer.lock_box.isChecked()
    window.composer.lock_box.click()  # a new chat: locked from its first question on
    assert window.session.locked and window.lock_action.isChecked()
    assert not window.composer.preview_button.isVisible()
    ask(qtbot, window, "prove the theorem step by step")
    conversation = cloud.store.conversation(window.conversation_id or 0)
    assert conversation.locked_local
    [receipt] = _receipts(cloud, window)
    assert receipt.tier == "local" and "locked" in str(receipt.reason)
    assert window.chat.ask_again_tiers == ()
    assert server.requests == []

    window.lock_action.trigger()  # unlocked from the menu: the next question may go out
    qtbot.waitUntil(lambda: not cloud.store.conversation(conversation.id).locked_local,
                    timeout=5000)
    assert not window.composer.lock_box.isChecked()
    window.new_chat()
    assert not window.session.locked
    window.open_conversation(conversation.id)
    assert not window.session.locked


def test_preview_shows_what_would_leave_and_sends_nothing(
        qtbot: QtBot, window: MainWindow, cloud: Services, server: LoopbackServer) -> None:
    cloud.settings.set("privacy.email", "redact")
    cloud.settings.set("routing.difficulty_threshold", 0.0)
    window.composer.set_text("Draft a note to jane.doe@example.com please")
    window.preview_action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(w, PreviewDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()),
                    timeout=ANSWER_TIMEOUT_MS)
    [dialog] = [w for w in QApplication.topLevelWidgets() if isinstance(w, PreviewDialog)]
    assert dialog.view.payload is not None
    sent = dialog.view.payload.toPlainText()
    assert "⟨EMAIL_1⟩" in sent and "jane.doe@example.com" not in sent
    assert _host(server) in dialog.view.values["Goes to"].text()
    assert "placeholders" in dialog.view.values["Sensitive data"].text()
    assert server.requests == [] and cloud.store.conversations() == []
    dialog.close()


def test_without_escalation_nothing_cloud_is_offered(
        qtbot: QtBot, window: MainWindow, cloud: Services) -> None:
    cloud.settings.set("cloud.escalation", False)
    ask(qtbot, window, "hello there")
    assert window.chat.ask_again_tiers == ()
    assert "Ask the" not in window.chat.toPlainText()
    assert not window.composer.lock_box.isVisible()
    assert not window.ask_frontier_action.isEnabled()
    assert not window.preview_action.isEnabled()


def test_with_no_tier_that_can_answer_the_menu_says_why_and_opens_the_setting(
        qtbot: QtBot, window: MainWindow, cloud: Services) -> None:
    ask(qtbot, window, "hello there")
    cloud.settings.set("tiers.frontier.model", "")  # now no tier is set up: the menu follows
    assert not window.ask_frontier_action.isVisible()
    assert not window.ask_private_action.isVisible()
    why = window.cloud_why_action
    assert why.isVisible() and why.text().startswith("No cloud tier is set up")
    assert "Ask the" not in window.chat.toPlainText()  # no link that cannot work
    why.trigger()
    dialog = window.open_settings()  # the one the action opened
    assert dialog.isVisible()
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Cloud"
    dialog.close()
    cloud.settings.set("cloud.escalation", False)
    assert why.text().startswith("No cloud tier: questions may not leave this device")
    cloud.settings.set("network.offline", True)
    assert "offline mode is on" in why.text()
