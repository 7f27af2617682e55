"""One model, many clients: requests wait their turn (FIFO, one answer at a time), a full
queue says 429 with Retry-After, and a client that hangs up frees the model at once."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import openai
import pytest
from keyring.backend import KeyringBackend

from desktop.core.conversations import Conversations
from desktop.core.settings import Settings
from tests.server.conftest import Served, start_server

LONG = 3000  # tokens: far longer than the test waits, so only a stop can end it early


@pytest.fixture
def roomy(server_settings: Settings, os_keyring: KeyringBackend) -> Iterator[Served]:
    server_settings.set("local.context_size", 4096)
    server_settings.set("server.queue_size", 4)  # all four may wait at once
    with start_server(os_keyring) as running:
        yield running


def _stream(client: openai.OpenAI, user: str, prompt: str, max_tokens: int
            ) -> openai.Stream:  # type: ignore[type-arg]
    return client.chat.completions.create(  # type: ignore[call-overload, no-any-return]
        model="hearth-local", messages=[{"role": "user", "content": prompt}], stream=True,
        max_tokens=max_tokens, user=user)


def _drain(client: openai.OpenAI, user: str) -> None:
    for _ in _stream(client, user, "hello", 2):
        pass


def _wait_until_waiting(served: Served, count: int) -> None:
    """Until the server says ``count`` requests wait for the model (header x-hearth-waiting)."""
    client = served.client()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        reply = client.models.with_raw_response.list()
        if reply.headers["x-hearth-waiting"] == str(count):
            return
        time.sleep(0.01)
    raise AssertionError(f"never {count} waiting requests")


def test_four_streaming_clients_each_get_their_own_answer(roomy: Served) -> None:
    results: dict[str, tuple[str, str | None]] = {}

    def ask(user: str) -> None:
        pieces, finish = [], None
        for chunk in _stream(roomy.client(), user, f"Tell {user} about hearths.", 24):
            if chunk.choices:
                pieces.append(chunk.choices[0].delta.content or "")
                finish = chunk.choices[0].finish_reason or finish
        results[user] = ("".join(pieces), finish)

    threads = [threading.Thread(target=ask, args=(f"app-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == ["app-0", "app-1", "app-2", "app-3"]
    assert all(finish == "length" for _, finish in results.values())
    with Conversations.open_default() as conversations:
        stored = {c.origin: conversations.thread(c.id).messages for c in conversations.recent()}
    for user, (text, _) in results.items():
        question, answer = stored[user]
        assert question.content == f"Tell {user} about hearths."
        assert answer.content == text and text  # its own text, whole, nothing of another's
        assert answer.receipt is not None and answer.receipt.tokens_out == 24


def test_a_client_that_hangs_up_frees_the_model_at_once(roomy: Served) -> None:
    first = _stream(roomy.client(), "leaver", "Say a lot.", LONG)
    received = 0
    for chunk in first:
        received += bool(chunk.choices and chunk.choices[0].delta.content)
        if received >= 3:
            break
    started: list[float] = []

    def next_client() -> None:
        for chunk in _stream(roomy.client(), "waiter", "Your turn.", 4):
            if chunk.choices and chunk.choices[0].delta.content:
                started.append(time.monotonic())
                break

    waiter = threading.Thread(target=next_client)
    waiter.start()
    _wait_until_waiting(roomy, 1)  # the second request is queued behind the first
    assert not started, "the second request must wait for the first"
    hung_up = time.monotonic()
    first.close()
    waiter.join(timeout=30)

    assert started, "the queued request never started"
    print(f"next request started {1000 * (started[0] - hung_up):.0f} ms after the hang-up")
    assert 0 < started[0] - hung_up < 0.5
    with Conversations.open_default() as conversations:
        [leaver] = [c for c in conversations.recent() if c.origin == "leaver"]
        answer = conversations.thread(leaver.id).messages[-1]
    assert answer.status == "stopped"
    assert answer.receipt is not None and answer.receipt.tokens_out < LONG


def test_a_full_queue_is_429_with_retry_after(server_settings: Settings,
                                             os_keyring: KeyringBackend) -> None:
    server_settings.set("local.context_size", 4096)
    server_settings.set("server.queue_size", 1)
    with start_server(os_keyring) as served:
        running = _stream(served.client(), "a", "Say a lot.", LONG)
        next(iter(running))
        waiting = threading.Thread(target=_drain, args=(served.client(), "b"))
        waiting.start()
        _wait_until_waiting(served, 1)
        with pytest.raises(openai.RateLimitError) as raised:
            served.client().chat.completions.create(
                model="hearth-local", messages=[{"role": "user", "content": "c"}])
        assert raised.value.code == "queue_full"
        assert int(raised.value.response.headers["retry-after"]) >= 1
        running.close()
        waiting.join(timeout=30)
        assert not waiting.is_alive()


def test_a_queued_client_that_hangs_up_leaves_the_queue(roomy: Served) -> None:
    first = _stream(roomy.client(), "talker", "Say a lot.", LONG)
    next(iter(first))
    host, port = roomy.url.removeprefix("http://").removesuffix("/v1").split(":")
    body = json.dumps({"model": "hearth-local", "user": "gone",
                       "messages": [{"role": "user", "content": "never mind"}]}).encode()
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                    b"Authorization: Bearer " + roomy.token.encode() + b"\r\n"
                    b"Content-Type: application/json\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        _wait_until_waiting(roomy, 1)
    _wait_until_waiting(roomy, 0)  # taken out of the queue when it hung up
    first.close()
    with Conversations.open_default() as conversations:
        origins = {c.origin for c in conversations.recent()}
    assert "gone" not in origins  # it never started, so nothing of it was recorded
