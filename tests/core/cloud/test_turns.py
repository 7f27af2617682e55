"""Whole turns through the Assistant: routing, cloud tiers, redaction, consent and fallback.

Real parts throughout: llama.cpp on the tiny model for local answers, llama-cpp-python's own
server for the private tier, loopback servers speaking the documented wire formats for the
frontier APIs, real SQLite and the real audit log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.assistant import Assistant, ConsentRequest
from desktop.core.audit import AuditLog
from desktop.core.cloud import KeyStore
from desktop.core.local.slot import ModelSlot
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore
from tests.core.cloud.llama_server import ALIAS, SERVER_KEY
from tests.core.cloud.loopback import LoopbackServer, closed_port_url
from tests.core.cloud.support import MODELS, MemoryKeyring, memory_keys
from tests.core.cloud.wire import openai_stream, sse_reply

SIMPLE = "hello there"
HARD = ("Please prove step by step that the integral of x^2 is x^3/3, then compare two methods, "
        "and write a detailed report with code:\n```python\ndef f(x):\n    return x**2\n```")


@pytest.fixture
def local(settings: Settings) -> Settings:
    """The tiny model, one thread, greedy (the `settings` fixture), plus a short answer."""
    settings.set("local.max_tokens", 8)
    return settings


@pytest.fixture
def store(hearth_dirs: tuple[Path, Path]) -> Iterator[ConversationStore]:
    with ConversationStore.open_default() as opened:
        yield opened


def _assistant(store: ConversationStore, settings: Settings, keys: KeyStore | None = None
               ) -> Assistant:
    return Assistant(store, settings, ModelSlot(settings), keys=keys or memory_keys())


def _frontier(settings: Settings, url: str, provider: str = "openai") -> None:
    settings.set("cloud.escalation", True)
    settings.set("cloud.read_timeout_s", 5.0)
    settings.set("tiers.frontier.provider", provider)
    settings.set("tiers.frontier.model", MODELS[provider])
    settings.set("tiers.frontier.base_url", f"{url}/v1" if provider == "openai" else url)


def _outbound_records() -> list[dict[str, object]]:
    records = [json.loads(line) for line in AuditLog().lines()]
    return [r for r in records if r["type"] == "outbound_request"]


def test_escalation_off_keeps_an_explicit_cloud_request_local(
        local: Settings, store: ConversationStore, server: LoopbackServer) -> None:
    _frontier(local, server.url)
    local.set("cloud.escalation", False)
    result = _assistant(store, local).ask(SIMPLE, tier="frontier")
    assert result.receipt.tier == "local" and result.receipt.bytes_sent == 0
    assert "cloud model is turned off" in str(result.receipt.reason)
    assert server.requests == [] and _outbound_records() == []


def test_private_tier_on_a_real_openai_compatible_server(
        local: Settings, store: ConversationStore, llama_server: str) -> None:
    local.set("cloud.escalation", True)
    local.set("tiers.private.base_url", f"{llama_server}/v1")
    local.set("tiers.private.model", ALIAS)
    keys = KeyStore(MemoryKeyring())
    keys.set("private", SERVER_KEY)
    streamed: list[str] = []
    result = _assistant(store, local, keys).ask(SIMPLE, tier="private",
                                                on_text=streamed.append)
    receipt = result.receipt
    assert receipt.tier == "private" and receipt.privacy == "sent"
    assert receipt.endpoint == llama_server.removeprefix("http://")
    assert receipt.provider == "openai-compatible" and receipt.model == ALIAS
    assert receipt.bytes_sent > len(SIMPLE) and receipt.tokens_out > 0
    assert receipt.usage_estimated  # this server sends no usage chunk
    assert result.text and "".join(streamed).strip() == result.text
    [record] = _outbound_records()
    assert record["host"] == receipt.endpoint and record["tier"] == "private"
    [_, answer] = store.messages(result.conversation_id)
    assert answer.status == "complete" and answer.receipt is not None
    assert answer.receipt.payload == receipt.payload and SIMPLE in str(receipt.payload)


def test_unreachable_frontier_falls_back_to_local(local: Settings,
                                                  store: ConversationStore) -> None:
    _frontier(local, closed_port_url().removesuffix("/"))
    result = _assistant(store, local).ask(SIMPLE, tier="frontier")
    assert result.receipt.tier == "local" and result.receipt.fallback
    assert "unreachable" in result.receipt.fallback
    roles = [(m.role, m.status) for m in store.messages(result.conversation_id)]
    assert roles == [("user", "complete"), ("assistant", "complete")]


def test_stream_broken_mid_answer_keeps_the_text_and_answers_locally(
        local: Settings, store: ConversationStore, server: LoopbackServer) -> None:
    _frontier(local, server.url)
    body = openai_stream(["Partial ", "answer ", "that never ends"], usage=False)
    server.queue(sse_reply(body, pieces=[body[: len(body) // 2]], after="reset"))
    result = _assistant(store, local).ask(SIMPLE, tier="frontier")
    assert result.receipt.tier == "local" and result.receipt.fallback
    user, broken, answer = store.messages(result.conversation_id)
    assert broken.status == "failed" and broken.content.startswith("Partial")
    assert answer.id == result.assistant_message_id and answer.status == "complete"


def test_redaction_sends_placeholders_and_restores_the_reply(
        local: Settings, store: ConversationStore, server: LoopbackServer) -> None:
    _frontier(local, server.url)
    local.set("privacy.email", "redact")
    body = openai_stream(["Write to ⟨EMA", "IL_1⟩ today."])
    server.queue(sse_reply(body))
    result = _assistant(store, local).ask("Draft a note to jane.doe@example.com please",
                                          tier="frontier")
    sent = server.requests[0].body.decode("utf-8")
    assert "jane.doe@example.com" not in sent and "⟨EMAIL_1⟩" in sent
    assert result.text == "Write to jane.doe@example.com today."
    assert result.receipt.privacy == "redacted" and result.receipt.classes == ("email",)
    assert result.receipt.payload is not None and "⟨EMAIL_1⟩" in result.receipt.payload
    assert [f.kind for f in result.receipt.findings] == ["email"]


def test_keep_local_policy_wins_over_an_explicit_choice(
        local: Settings, store: ConversationStore, server: LoopbackServer) -> None:
    _frontier(local, server.url)
    result = _assistant(store, local).ask("My card is 4111 1111 1111 1111, is it valid?",
                                          tier="frontier")
    assert result.receipt.tier == "local" and "payment card numbers" in str(result.receipt.reason)
    assert server.requests == []


def test_ask_policy_shows_the_payload_and_respects_a_no(
        local: Settings, store: ConversationStore, server: LoopbackServer) -> None:
    _frontier(local, server.url)
    local.set("privacy.phone", "ask")
    asked: list[ConsentRequest] = []

    def decline(request: ConsentRequest) -> bool:
        asked.append(request)
        return False

    result = _assistant(store, local).ask("Call me on +44 20 7946 0958 tomorrow",
                                          tier="frontier", consent=decline)
    assert asked and asked[0].host == server.url.removeprefix("http://")
    assert "+44 20 7946 0958" in asked[0].payload and asked[0].classes == ("phone",)
    assert result.receipt.tier == "local" and result.receipt.fallback == "you chose not to send it"
    assert server.requests == [] and _outbound_records() == []


def test_auto_routes_hard_questions_out_and_simple_ones_local(
        local: Settings, store: ConversationStore, server: LoopbackServer) -> None:
    _frontier(local, server.url)
    server.queue(sse_reply(openai_stream(["A proof."])))
    assistant = _assistant(store, local)
    hard = assistant.ask(HARD)
    simple = assistant.ask(SIMPLE)
    assert hard.receipt.tier == "frontier" and "looks hard" in hard.receipt.reason
    assert hard.receipt.difficulty is not None and hard.receipt.difficulty >= 0.6
    assert simple.receipt.tier == "local" and "routine" in simple.receipt.reason
    assert len(server.requests) == 1


def test_cascade_escalates_an_unsure_local_answer(
        local: Settings, store: ConversationStore, server: LoopbackServer) -> None:
    _frontier(local, server.url)
    local.set("routing.cascade", "auto")
    local.set("routing.min_token_probability", 0.99)  # random weights are never this sure
    server.queue(sse_reply(openai_stream(["A better answer."])))
    result = _assistant(store, local).ask(SIMPLE)
    assert result.receipt.tier == "frontier" and "looked unsure" in str(result.receipt.reason)
    assert "sure of its words on average, below your 99%" in str(result.receipt.reason)
    user, local_answer, cloud_answer = store.messages(result.conversation_id)
    assert local_answer.receipt is not None and local_answer.receipt.tier == "local"
    assert local_answer.receipt.token_probability < 0.99
    assert cloud_answer.content == "A better answer."


def test_cascade_offer_only_marks_the_receipt(
        local: Settings, store: ConversationStore, server: LoopbackServer) -> None:
    _frontier(local, server.url)
    local.set("routing.cascade", "offer")
    local.set("routing.min_token_probability", 0.99)
    result = _assistant(store, local).ask(SIMPLE)
    assert result.receipt.tier == "local" and result.receipt.escalation_offer == "frontier"
    assert server.requests == []


def test_offline_mode_keeps_everything_local(local: Settings, store: ConversationStore,
                                             server: LoopbackServer) -> None:
    _frontier(local, server.url)
    local.set("network.offline", True)
    result = _assistant(store, local).ask(HARD, tier="frontier")
    assert result.receipt.tier == "local" and "offline" in result.receipt.reason
    assert server.requests == []


def test_locked_conversation_stays_local(local: Settings, store: ConversationStore,
                                         server: LoopbackServer) -> None:
    _frontier(local, server.url)
    conversation = store.create_conversation("secret project")
    store.set_locked_local(conversation.id, True)
    result = _assistant(store, local).ask(HARD, conversation_id=conversation.id)
    assert result.receipt.tier == "local" and "locked" in result.receipt.reason


def test_route_preview_sends_nothing(local: Settings, store: ConversationStore,
                                     server: LoopbackServer) -> None:
    _frontier(local, server.url)
    local.set("privacy.email", "redact")
    preview = _assistant(store, local).route("Mail bob@example.org the plan", tier="frontier")
    assert preview.decision.tier == "frontier" and preview.host == server.url[7:]
    assert preview.payload is not None and "⟨EMAIL_1⟩" in preview.payload
    assert "bob@example.org" not in preview.payload
    assert server.requests == [] and store.conversations() == []


def test_cli_route_json(local: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from desktop.__main__ import main

    assert main(["route", "--json", "write to ann@example.com"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["tier"] == "local" and report["payload"] is None
    assert report["findings"] == [{"kind": "email", "start": 9, "end": 24}]
