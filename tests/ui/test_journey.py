"""A first day with Hearth, end to end, in the real window: first start, choose the model file,
chat, regenerate (both versions kept), a question holding a card number (stays here, its title
redacted, the reason shown), a question holding an e-mail address (the consent dialog marks it,
yes sends it to the cloud tier), then the dashboard.

Real parts: the window, the tiny generated GGUF in llama.cpp, SQLite, the privacy gate; only
the frontier API is a loopback server speaking OpenAI's wire format. Offscreen by default; under
a real X server with ``xvfb-run -a env QT_QPA_PLATFORM=xcb pytest tests/ui/test_journey.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from desktop.core.services import open_services
from desktop.core.settings import Settings
from desktop.ui.composer import ComposerState
from desktop.ui.consent import ConsentDialog
from desktop.ui.theme import LIGHT
from tests.core.cloud.loopback import LoopbackServer, loopback_server
from tests.core.cloud.support import MODELS, memory_keys
from tests.core.cloud.wire import openai_stream, sse_reply

from .conftest import WindowFactory
from .support import ANSWER_TIMEOUT_MS, ask, wait_answered, wait_ready

CARD = "4111 1111 1111 1111"
EMAIL = "jane.doe@example.com"


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        yield running


def test_a_first_day_with_hearth(qtbot: QtBot, make_window: WindowFactory, tiny_model: Path,
                                 server: LoopbackServer,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    settings.set("local.threads", 1)
    settings.set("local.max_tokens", 8)
    services = open_services(settings, keys=memory_keys())
    try:
        # First start: no model yet, the welcome page says what Hearth is and offers a file.
        window = make_window(services, wait_for_model=False)
        assert window.pages.currentWidget() is window.welcome
        assert window.composer.state is ComposerState.NO_MODEL
        monkeypatch.setattr(QFileDialog, "getOpenFileName",
                            lambda *args, **kwargs: (str(tiny_model), ""))  # the OS dialog
        window.welcome.choose_button.click()
        wait_ready(qtbot, window)
        assert window.pages.currentWidget() is not window.welcome
        assert window.status.model.text() and "F16" in window.status.model.toolTip()

        # Chat, then regenerate: the first answer is kept as version 1 of 2.
        ask(qtbot, window, "What is a hearth?")
        first = window.chat.entries[-1].text
        assert window.chat.entries[-1].role == "assistant" and first
        with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
            window.regenerate()
        wait_answered(qtbot, window)
        assert window.chat.entries[-1].version == (2, 2)
        assert "‹" in window.chat.toPlainText() and "2/2" in window.chat.toPlainText()
        assert window.conversation_id is not None
        thread = services.store.thread(window.conversation_id)
        shown = thread.messages[-1]
        versions = thread.versions[shown.id]
        assert len(versions) == 2 and shown.id == versions[1]  # both kept, the new one shown
        assert services.store.message(versions[0]).content == first

        # Questions may now leave, to a frontier tier on the loopback server.
        settings.set("cloud.escalation", True)
        settings.set("cloud.read_timeout_s", 5.0)
        settings.set("tiers.frontier.provider", "openai")
        settings.set("tiers.frontier.model", MODELS["openai"])
        settings.set("tiers.frontier.base_url", f"{server.url}/v1")
        settings.set("routing.difficulty_threshold", 0.0)  # every question would go out

        # A card number keeps the question here: the title is redacted, the reason shown.
        window.new_chat()
        ask(qtbot, window, f"Is the card {CARD} still valid?")
        assert server.requests == []
        assert window.conversation_id is not None
        title = services.conversations.get(window.conversation_id).title
        for shown in (title, window.windowTitle(), window.conversations.list.currentItem().text()):
            assert CARD not in shown and "1111" not in shown, shown
        assert "⟨PAYMENT_CARD_1⟩" in title
        text = window.chat.toPlainText()
        assert "Kept on this device: it contains a card number." in text
        assert "● On this device" in text
        receipt = window.chat.entries[-1].receipt
        assert receipt is not None and receipt.tier == "local"
        assert receipt.reason == ("it holds payment card numbers, which your privacy settings "
                                  "keep on this device")

        # An e-mail address with the "ask me" policy: the dialog marks it; yes sends it.
        settings.set("privacy.email", "ask")
        window.new_chat()
        server.queue(sse_reply(openai_stream(["Sent to the cloud."])))
        opened: list[ConsentDialog] = []
        window.session.consent_opened.connect(opened.append)
        window.composer.set_text(f"Draft a thank-you note to {EMAIL}")
        with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
            window.composer.submit()
            qtbot.waitUntil(lambda: bool(opened), timeout=ANSWER_TIMEOUT_MS)
            dialog = opened[0]
            assert dialog.view.marked == [EMAIL]
            assert dialog.view.payload is not None
            [mark] = dialog.view.payload.extraSelections()
            assert mark.cursor.selectedText() == EMAIL
            assert mark.format.background().color().name() == LIGHT.sensitive_bg
            assert server.url.removeprefix("http://") in dialog.view.values["Goes to"].text()
            dialog.send_button.click()
        wait_answered(qtbot, window)
        [request] = server.requests
        assert EMAIL in request.body.decode("utf-8")  # the user said yes to exactly this
        assert window.chat.entries[-1].text == "Sent to the cloud."
        assert window.chat.entries[-1].receipt is not None
        assert window.chat.entries[-1].receipt.tier == "frontier"

        # The dashboard counts the day: answers here and the one from the cloud.
        dashboard = window.open_dashboard()
        qtbot.waitUntil(lambda: dashboard.data is not None, timeout=ANSWER_TIMEOUT_MS)
        assert dashboard.isVisible()
        data = dashboard.data
        assert data is not None
        dashboard.close()
    finally:
        services.close()

