"""Requests from other apps obey the privacy gate, escalation, consent and offline mode as the
window does: a loopback server speaking OpenAI's protocol stands in for the frontier API and
records every request that reaches it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from keyring.backend import KeyringBackend

from desktop.core.audit import AuditLog
from desktop.core.conversations import Conversations
from desktop.core.settings import Settings
from desktop.core.store import Message
from tests.core.cloud.loopback import LoopbackServer, Reply, loopback_server
from tests.core.cloud.wire import SSE_HEADERS, openai_stream, sse_reply
from tests.server.conftest import Served, start_server

CARD = "My card is 4111 1111 1111 1111, exp 12/29. Is it still valid?"


@pytest.fixture
def cloud() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        yield running


@pytest.fixture
def escalating(server_settings: Settings, cloud: LoopbackServer,
               os_keyring: KeyringBackend) -> Iterator[Served]:
    server_settings.set("cloud.escalation", True)
    server_settings.set("tiers.frontier.provider", "openai")
    server_settings.set("tiers.frontier.model", "gpt-4o")
    server_settings.set("tiers.frontier.base_url", f"{cloud.url}/v1")
    os_keyring.set_password("hearth", "openai", "test-key-0123456789")
    with start_server(os_keyring) as running:
        yield running


def test_a_harmless_question_for_the_frontier_goes_there(escalating: Served,
                                                         cloud: LoopbackServer) -> None:
    cloud.queue(sse_reply(openai_stream(["Paris."], model="gpt-4o")))
    raw = escalating.client().chat.completions.with_raw_response.create(
        model="hearth-frontier", messages=[{"role": "user", "content": "Capital of France?"}])
    assert raw.headers["x-hearth-tier"] == "frontier"
    assert raw.headers["x-hearth-privacy"] == "sent"
    assert raw.parse().choices[0].message.content == "Paris."
    assert len(cloud.requests) == 1
    # The audit log holds the request that left, hashed as it was sent.
    records = [json.loads(line) for line in AuditLog().lines()]
    [sent] = [r for r in records if r.get("payload_sha256")]
    assert sent["payload_sha256"] == hashlib.sha256(cloud.requests[0].body).hexdigest()
    assert sent["host"] == cloud.url.removeprefix("http://")


@pytest.mark.parametrize("model", ["hearth-frontier", "hearth-auto"])
@pytest.mark.parametrize("stream", [False, True])
def test_a_card_number_stays_on_this_device(escalating: Served, cloud: LoopbackServer,
                                            model: str, stream: bool) -> None:
    raw = escalating.client().chat.completions.with_raw_response.create(
        model=model, messages=[{"role": "user", "content": CARD}], stream=stream,
        max_tokens=4)
    assert raw.headers["x-hearth-tier"] == "local"
    assert raw.headers["x-hearth-privacy"] == "on-device"
    if stream:
        list(raw.parse())  # type: ignore[call-overload]
    else:
        receipt = raw.parse().model_extra["hearth"]["receipt"]  # type: ignore[union-attr,index]
        assert receipt["bytes_sent"] == 0 and "payment_card" in receipt["kept_local_for"]
    assert cloud.requests == []


def test_what_needs_consent_is_answered_here_and_says_why(
        escalating: Served, cloud: LoopbackServer, server_settings: Settings) -> None:
    server_settings.set("privacy.payment_card", "ask")
    raw = escalating.client().chat.completions.with_raw_response.create(
        model="hearth-frontier", messages=[{"role": "user", "content": CARD}], max_tokens=4)
    assert raw.headers["x-hearth-tier"] == "local"
    assert "consent" in raw.headers["x-hearth-fallback"]
    receipt = raw.parse().model_extra["hearth"]["receipt"]  # type: ignore[index]
    assert "consent" in receipt["fallback"]
    assert cloud.requests == []


def test_offline_mode_keeps_serving_on_loopback_and_sends_nothing(
        escalating: Served, cloud: LoopbackServer, server_settings: Settings) -> None:
    server_settings.set("network.offline", True)
    raw = escalating.client().chat.completions.with_raw_response.create(
        model="hearth-frontier", messages=[{"role": "user", "content": "Capital of France?"}],
        max_tokens=4, user="offline-app")
    assert raw.headers["x-hearth-tier"] == "local"
    assert raw.parse().choices[0].message.content
    assert cloud.requests == []
    with Conversations.open_default() as conversations:
        [conversation] = conversations.recent()
    assert conversation.origin == "offline-app"


def test_a_server_started_offline_serves(server_settings: Settings,
                                         os_keyring: KeyringBackend) -> None:
    server_settings.set("network.offline", True)
    with start_server(os_keyring) as served:
        answer = served.client().chat.completions.create(
            model="hearth-auto", messages=[{"role": "user", "content": "hi"}], max_tokens=3)
        assert answer.choices[0].message.content


def test_a_cloud_answer_that_breaks_off_is_replaced_by_the_local_one(
        escalating: Served, cloud: LoopbackServer) -> None:
    whole = openai_stream(["Partial ", "answer."], model="gpt-4o")
    cut = whole.rfind(b"data:", 0, whole.index(b"answer."))
    cloud.queue(Reply(headers=SSE_HEADERS, pieces=[whole[:cut]], after="reset"))
    raw = escalating.client().chat.completions.with_raw_response.create(
        model="hearth-frontier", messages=[{"role": "user", "content": "Capital of France?"}],
        max_tokens=4, user="flaky")
    completion = raw.parse()
    assert raw.headers["x-hearth-tier"] == "local" and raw.headers["x-hearth-fallback"]
    with Conversations.open_default() as conversations:
        [conversation] = conversations.recent()
        *_, failed, answer = conversations.thread(conversation.id).messages
    assert failed.status == "failed" and failed.content == "Partial "
    # The body is the answer that replaced it, not the broken-off text before it.
    assert completion.choices[0].message.content == answer.content
    assert int(raw.headers["x-hearth-receipt"]) == answer.id


def _read_stream(served: Served, model: str, question: str
                 ) -> tuple[httpx.Headers, str, list[dict[str, Any]], list[str]]:
    """A streamed request read off the wire: its headers, the text its chunks carry, the
    error events and every ``data:`` line as sent."""
    with httpx.stream("POST", f"{served.url}/chat/completions", timeout=60,
                      headers={"authorization": f"Bearer {served.token}"},
                      json={"model": model, "stream": True, "max_tokens": 4, "user": "reader",
                            "messages": [{"role": "user", "content": question}]}) as reply:
        assert reply.status_code == 200
        lines = [line.removeprefix("data: ") for line in reply.iter_lines()
                 if line.startswith("data: ")]
    events = [json.loads(line) for line in lines if line != "[DONE]"]
    text = "".join(choice["delta"].get("content") or ""
                   for event in events for choice in event.get("choices", ()))
    return reply.headers, text, [e["error"] for e in events if "error" in e], lines


def _client_thread() -> list[Message]:
    with Conversations.open_default() as conversations:
        [conversation] = conversations.recent()
        return list(conversations.thread(conversation.id).messages)


def test_a_stream_carries_the_unsure_local_answer_without_the_cascade(
        escalating: Served, cloud: LoopbackServer, server_settings: Settings) -> None:
    server_settings.set("routing.cascade", "auto")
    server_settings.set("routing.min_token_probability", 1.0)  # no answer is ever this sure
    cloud.queue(sse_reply(openai_stream(["A cloud answer."], model="gpt-4o")))
    headers, text, errors, lines = _read_stream(escalating, "hearth-auto", "Capital of France?")
    assert headers["x-hearth-tier"] == "local" and lines[-1] == "[DONE]" and errors == []
    _, answer = _client_thread()
    assert int(headers["x-hearth-receipt"]) == answer.id
    assert answer.receipt is not None and answer.receipt.tier == "local"
    assert text and text == answer.content
    assert cloud.requests == []  # the second attempt was never started


def test_a_stream_whose_cloud_answer_breaks_off_ends_with_an_error(
        escalating: Served, cloud: LoopbackServer) -> None:
    whole = openai_stream(["Partial ", "answer."], model="gpt-4o")
    cut = whole.rfind(b"data:", 0, whole.index(b"answer."))
    cloud.queue(Reply(headers=SSE_HEADERS, pieces=[whole[:cut]], after="reset"))
    headers, text, errors, lines = _read_stream(escalating, "hearth-frontier",
                                                "Capital of France?")
    assert headers["x-hearth-tier"] == "frontier" and text == "Partial "
    [error] = errors
    assert error["code"] == "cloud_answer_broke_off" and error["type"] == "server_error"
    assert json.loads(lines[-2]) == {"error": error} and lines[-1] == "[DONE]"
    # The attempt that sent bytes is on the record, and no local answer followed it.
    _, failed = _client_thread()
    assert int(headers["x-hearth-receipt"]) == failed.id and failed.status == "failed"
    assert failed.receipt is not None and failed.receipt.outcome == "failed"
    assert failed.receipt.bytes_sent == len(cloud.requests[0].body) > 0
    receipt = httpx.get(f"{escalating.url}/receipts/{failed.id}",
                        headers={"authorization": f"Bearer {escalating.token}"}).json()
    assert receipt["status"] == "failed" and receipt["receipt"]["outcome"] == "failed"
