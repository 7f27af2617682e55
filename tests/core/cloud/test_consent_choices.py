"""The user's choices before and around sending: consent as send / replace / keep local (with
the sensitive spans of the payload), titles made from redacted text, the classes that kept a
question here, and what a front end may say about the next question. Real tiny model, real
SQLite, the frontier API on a loopback server speaking OpenAI's wire format."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from desktop.core.assistant import Assistant, ConsentChoice, ConsentRequest
from desktop.core.assistant._outbound import Outbound, payload_spans
from desktop.core.chat import ChatMessage
from desktop.core.local.slot import ModelSlot
from desktop.core.routing import scan_conversation
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore
from tests.core.cloud.loopback import LoopbackServer
from tests.core.cloud.support import MODELS, memory_keys
from tests.core.cloud.wire import openai_stream, sse_reply

PHONE = "+44 20 7946 0958"
CARD = "4111 1111 1111 1111"
EMAIL = "jane.doe@example.com"


@pytest.fixture
def assistant(settings: Settings, user_store: ConversationStore,
              server: LoopbackServer) -> Iterator[Assistant]:
    settings.set("local.max_tokens", 4)
    settings.set("cloud.escalation", True)
    settings.set("tiers.frontier.provider", "openai")
    settings.set("tiers.frontier.model", MODELS["openai"])
    settings.set("tiers.frontier.base_url", f"{server.url}/v1")
    assistant = Assistant(user_store, settings, ModelSlot(settings), keys=memory_keys())
    yield assistant
    assistant.models.close()


def test_the_title_of_a_new_chat_holds_placeholders_not_the_card_or_the_email(
        assistant: Assistant, user_store: ConversationStore, settings: Settings) -> None:
    settings.set("cloud.escalation", False)
    result = assistant.ask(f"Charge {CARD}, receipt to {EMAIL}")
    title = user_store.conversation(result.conversation_id).title
    assert CARD not in title and CARD.replace(" ", "") not in title and "1111" not in title
    assert EMAIL not in title and "jane" not in title
    assert title == "Charge ⟨PAYMENT_CARD_1⟩, receipt to ⟨EMAIL_1⟩"


def test_the_spans_point_at_the_values_in_the_json_payload() -> None:
    content = f'He said "call {PHONE}"\n\tand wrote to {EMAIL}'
    outbound = Outbound((ChatMessage("system", 'Be "brief".'), ChatMessage("user", content)))
    preview = outbound.preview()
    spans = payload_spans(outbound, scan_conversation)
    assert [preview[s.start:s.end] for s in spans] == [PHONE, EMAIL]
    assert [s.kind for s in spans] == ["phone", "email"]


def test_replace_sends_placeholders_and_puts_the_values_back(
        assistant: Assistant, settings: Settings, server: LoopbackServer) -> None:
    settings.set("privacy.phone", "ask")
    asked: list[ConsentRequest] = []

    def replace(request: ConsentRequest) -> ConsentChoice:
        asked.append(request)
        return ConsentChoice.REPLACE

    server.queue(sse_reply(openai_stream(["I will call ⟨PHONE_1⟩."])))
    result = assistant.ask(f"Call me on {PHONE} tomorrow", tier="frontier", consent=replace)

    [request] = asked
    assert [request.payload[s.start:s.end] for s in request.spans] == [PHONE]
    assert request.replaced_payload is not None and PHONE not in request.replaced_payload
    [sent] = server.requests
    wire = sent.body.decode("utf-8")
    assert PHONE not in wire and "⟨PHONE_1⟩" in json.loads(wire)["messages"][-1]["content"]
    assert result.receipt.privacy == "redacted" and result.receipt.tier == "frontier"
    assert result.receipt.payload == request.replaced_payload
    assert result.text == f"I will call {PHONE}."


def test_send_sends_as_shown_and_keep_local_sends_nothing(
        assistant: Assistant, settings: Settings, server: LoopbackServer) -> None:
    settings.set("privacy.phone", "ask")
    result = assistant.ask(f"Call me on {PHONE}", tier="frontier",
                           consent=lambda _request: ConsentChoice.KEEP_LOCAL)
    assert server.requests == [] and result.receipt.tier == "local"
    assert result.receipt.fallback == "you chose not to send it"
    server.queue(sse_reply(openai_stream(["ok"])))
    result = assistant.ask(f"Call me on {PHONE}", tier="frontier",
                           consent=lambda _request: ConsentChoice.SEND)
    [sent] = server.requests
    assert PHONE in json.loads(sent.body)["messages"][-1]["content"]
    assert result.receipt.privacy == "sent"


def test_a_question_kept_here_by_its_data_names_the_classes_on_its_receipt(
        assistant: Assistant, settings: Settings, server: LoopbackServer) -> None:
    result = assistant.ask(f"Is {CARD} a valid card number?", tier="frontier")
    assert server.requests == [] and result.receipt.tier == "local"
    assert result.receipt.kept_local_for == ("payment_card",)
    assert [f.kind for f in result.receipt.findings] == ["payment_card"]
    settings.set("cloud.escalation", False)  # here it stays for another reason
    result = assistant.ask(f"Is {CARD} a valid card number?")
    assert result.receipt.kept_local_for == ()


def test_the_outlook_follows_offline_escalation_lock_and_tiers(
        assistant: Assistant, settings: Settings) -> None:
    assert assistant.outlook(locked=False).kind == "may_leave"
    assert assistant.outlook(locked=False).tiers == ("frontier",)
    assert assistant.outlook(locked=True).kind == "locked"
    settings.set("tiers.frontier.model", "")
    assert assistant.outlook(locked=False).kind == "no_tier"
    settings.set("cloud.escalation", False)
    assert assistant.outlook(locked=False).kind == "escalation_off"
    settings.set("network.offline", True)
    assert assistant.outlook(locked=True).kind == "offline"
