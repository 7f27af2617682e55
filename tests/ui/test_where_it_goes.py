"""The window says what will happen to the next question (status bar and empty chat) and never
shows a sensitive value in a title: real window, real tiny model, real SQLite."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.core.cloud.refusals import RefusedKeys
from desktop.core.services import Services
from desktop.ui.main_window import MainWindow
from desktop.ui.theme import LIGHT

from .support import ask

CARD = "4111 1111 1111 1111"
EMAIL = "jane.doe@example.com"
STAYS = "nothing you type here leaves it"


def _said(window: MainWindow) -> tuple[str, str]:
    """The status bar's words about the next question, and the empty chat's."""
    return window.status.next_question.text(), window.chat.toPlainText()


def _set_up_frontier(services: Services) -> None:
    services.settings.set("tiers.frontier.provider", "anthropic")
    services.settings.set("tiers.frontier.model", "claude-x")


def test_escalation_off_says_nothing_leaves(window: MainWindow) -> None:
    window.new_chat()
    status, empty = _said(window)
    assert status == "On this device only" and STAYS in empty
    assert window.status.next_question.objectName() == "HereLabel"


def test_escalation_on_says_where_a_hard_question_may_go_and_promises_no_privacy(
        window: MainWindow, services: Services) -> None:
    _set_up_frontier(services)
    services.settings.set("cloud.escalation", True)
    window.new_chat()
    status, empty = _said(window)
    assert status == "Hard questions may go to the cloud model"
    assert window.status.next_question.objectName() == "CloudLabel"
    assert "leaves it" not in empty and "may be sent to the cloud model" in empty
    assert "0.6" in window.status.next_question.toolTip()  # the threshold it follows
    services.settings.set("routing.cascade", "auto")
    assert window.status.next_question.text() == "Hard or unsure questions may go to the " \
                                                 "cloud model"


def test_a_locked_chat_says_it_stays_even_with_escalation_on(
        window: MainWindow, services: Services) -> None:
    _set_up_frontier(services)
    services.settings.set("cloud.escalation", True)
    window.new_chat()
    window.session.set_locked(True)
    status, empty = _said(window)
    assert status == "This chat stays on this device"
    assert "This chat is kept on this device" in empty and "may be sent" not in empty
    window.session.set_locked(False)
    assert window.status.next_question.text() == "Hard questions may go to the cloud model"


def test_offline_and_no_tier_say_why_nothing_leaves(window: MainWindow,
                                                    services: Services) -> None:
    services.settings.set("cloud.escalation", True)
    window.new_chat()
    status, empty = _said(window)
    assert status == "On this device only: no cloud tier set up" and STAYS in empty
    _set_up_frontier(services)
    services.settings.set("network.offline", True)
    status, empty = _said(window)
    assert status == "Offline: answers stay on this device"
    assert "Offline mode is on" in empty and STAYS in empty


def test_a_card_number_and_an_email_never_reach_a_title(
        qtbot: QtBot, window: MainWindow, services: Services) -> None:
    ask(qtbot, window, f"Charge {CARD} and mail {EMAIL}")
    assert window.conversation_id is not None
    stored = services.conversations.get(window.conversation_id).title
    listed = window.conversations.list.currentItem().text()
    for title in (window.windowTitle(), stored, listed):
        assert CARD not in title and "1111" not in title and EMAIL not in title, title
    assert stored == "Charge ⟨PAYMENT_CARD_1⟩ and mail ⟨EMAIL_1⟩"
    assert window.windowTitle() == f"{stored} — Hearth"
    # The answer says where it was computed, and the question marks what was found.
    found = window.chat.document().find(CARD)
    assert found.charFormat().background().color().name() == LIGHT.sensitive_bg
    assert "● On this device" in window.chat.toPlainText()


def test_a_refused_key_is_not_offered_and_the_chat_menu_leads_to_its_setting(
        window: MainWindow, services: Services) -> None:
    _set_up_frontier(services)
    services.settings.set("cloud.escalation", True)
    RefusedKeys().note("anthropic", status=401, host="api.anthropic.com")
    window.new_chat()  # the outlook is read again for the chat shown
    status, empty = _said(window)
    assert status == "On this device only: a cloud key was refused"
    assert "refused by api.anthropic.com (HTTP 401)" in window.status.next_question.toolTip()
    assert "Settings → Cloud" in window.status.next_question.toolTip()
    assert "refused the key" in empty and "leaves it" in empty
    window._update_cloud_actions()
    assert not window.ask_frontier_action.isVisible()
    assert window.cloud_why_action.isVisible() and window.cloud_why_action.isEnabled()
    assert "key was refused" in window.cloud_why_action.text()
    window.cloud_why_action.trigger()  # opens the page where a new key is stored
    dialog = window.open_settings()
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Cloud"
    dialog.close()
