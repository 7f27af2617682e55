"""Every attempt is on the record: a cloud answer that broke off after its request left the
device keeps its own receipt, and the local answer that replaced it points to it.

Real parts: llama.cpp on the tiny model, a loopback server speaking OpenAI's streaming wire
format that resets the connection mid-answer, real SQLite and the real audit log.
"""

from __future__ import annotations

import json
from hashlib import sha256

from desktop.core.assistant import Assistant
from desktop.core.audit import AuditLog
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore
from tests.core.cloud.loopback import LoopbackServer
from tests.core.cloud.wire import json_reply, openai_stream, sse_reply

QUESTION = "hello there"



def test_a_reset_mid_stream_leaves_a_receipt_of_what_was_sent(
        frontier: Assistant, user_store: ConversationStore, server: LoopbackServer) -> None:
    body = openai_stream(["Partial ", "answer ", "that never ends"], usage=False)
    server.queue(sse_reply(body, pieces=[body[: len(body) // 2]], after="reset"))

    result = frontier.ask(QUESTION, tier="frontier")

    [request] = server.requests
    user, broken, answer = user_store.messages(result.conversation_id)
    attempt = broken.receipt
    assert attempt is not None and broken.status == "failed"
    assert broken.content.startswith("Partial")
    assert attempt.outcome == "failed" and attempt.privacy == "sent"
    assert attempt.bytes_sent == len(request.body)
    assert attempt.endpoint == server.url.removeprefix("http://")
    assert attempt.question_id == user.id and attempt.requests == 1
    assert attempt.error and "connection lost" in attempt.error
    assert attempt.usage_estimated and attempt.tokens_in > 0  # no usage came back
    assert attempt.payload is not None and QUESTION in attempt.payload
    # The local answer that replaced it says so, and where it came from.
    assert answer.id == result.assistant_message_id
    assert result.receipt.tier == "local" and result.receipt.privacy == "on-device"
    assert result.receipt.fallback_from == broken.id
    assert result.receipt.question_id == user.id
    # The audit log's record of the send covers exactly the bytes the server received.
    [record] = [r for r in map(json.loads, AuditLog().lines())
                if r["type"] == "outbound_request"]
    assert record["payload_sha256"] == attempt.payload_sha256 == sha256(request.body).hexdigest()
    assert record["bytes"] == len(request.body) and record["host"] == attempt.endpoint


def test_every_retry_is_audited_with_the_bytes_sent(
        frontier: Assistant, user_store: ConversationStore, server: LoopbackServer,
        settings: Settings) -> None:
    server.queue(json_reply(503, {"error": {"message": "busy", "type": "server_error"}}),
                 json_reply(503, {"error": {"message": "busy", "type": "server_error"}}),
                 sse_reply(openai_stream(["Fine."])))
    result = frontier.ask(QUESTION, tier="frontier")
    assert result.receipt.tier == "frontier" and len(server.requests) == 3
    records = [r for r in map(json.loads, AuditLog().lines())
               if r["type"] == "outbound_request"]
    assert [r["payload_sha256"] for r in records] == [
        sha256(r.body).hexdigest() for r in server.requests]
    assert result.receipt.requests == 3
    assert result.receipt.bytes_sent == sum(len(r.body) for r in server.requests)
    assert {r["payload_sha256"] for r in records} == {result.receipt.payload_sha256}


def test_a_refused_connection_sends_nothing_and_leaves_no_attempt(
        frontier: Assistant, user_store: ConversationStore, server: LoopbackServer,
        settings: Settings) -> None:
    settings.set("tiers.frontier.base_url", "http://127.0.0.1:9/v1")  # discard port: refused
    result = frontier.ask(QUESTION, tier="frontier")
    roles = [(m.role, m.status) for m in user_store.messages(result.conversation_id)]
    assert roles == [("user", "complete"), ("assistant", "complete")]
    assert result.receipt.fallback and result.receipt.fallback_from is None


def test_regenerate_keeps_both_versions(frontier: Assistant, user_store: ConversationStore) -> None:
    first = frontier.ask(QUESTION, tier="local")
    second = frontier.regenerate(first.conversation_id, tier="local")
    thread = user_store.thread(first.conversation_id)
    assert [m.id for m in thread.messages] == [first.user_message_id,
                                               second.assistant_message_id]
    assert thread.versions[second.assistant_message_id] == (first.assistant_message_id,
                                                            second.assistant_message_id)
    assert second.receipt.question_id == first.user_message_id


def test_editing_the_second_of_five_questions_forks_there(
        frontier: Assistant, user_store: ConversationStore) -> None:
    first = frontier.ask("q1", tier="local")
    chat = first.conversation_id
    questions = [first.user_message_id]
    for n in range(2, 6):
        questions.append(frontier.ask(f"q{n}", conversation_id=chat,
                                       tier="local").user_message_id)
    edited = frontier.edit_and_resend(questions[1], "q2, edited", tier="local")
    shown = user_store.messages(chat)
    assert [m.content for m in shown if m.role == "user"] == ["q1", "q2, edited"]
    assert len(shown) == 4 and shown[-1].id == edited.assistant_message_id
    assert user_store.thread(chat).versions[edited.user_message_id] == (questions[1],
                                                                   edited.user_message_id)
    user_store.choose_version(questions[1])  # the original five questions are all still there
    assert [m.content for m in user_store.messages(chat) if m.role == "user"] == [
        "q1", "q2", "q3", "q4", "q5"]


def test_a_locked_new_chat_is_locked_before_routing(
        frontier: Assistant, user_store: ConversationStore, server: LoopbackServer) -> None:
    result = frontier.ask(QUESTION, tier="frontier", lock_local=True)
    assert user_store.conversation(result.conversation_id).locked_local
    assert result.receipt.tier == "local" and "locked" in result.receipt.reason
    assert server.requests == []
