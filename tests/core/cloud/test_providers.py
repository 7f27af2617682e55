"""Each provider's wire format, against a loopback server speaking it as documented."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.chat import StopSignal
from desktop.core.cloud import CloudAnswer, CloudServerError, StreamingProvider
from desktop.core.cloud._anthropic import AnthropicMessages
from tests.core.cloud import wire
from tests.core.cloud.loopback import LoopbackServer
from tests.core.cloud.support import KEYS, MESSAGES, MODELS, PARAMS, PATHS, provider_for

NAMES = ("anthropic", "openai", "gemini", "private")


def _ask(provider_name: str, server: LoopbackServer) -> tuple[CloudAnswer, list[str]]:
    deltas: list[str] = []
    with provider_for(provider_name, server.url) as provider:
        answer = provider.chat(MESSAGES, PARAMS, on_text=deltas.append)
    return answer, deltas


@pytest.mark.parametrize("name", NAMES)
def test_streams_text_usage_and_model(name: str, server: LoopbackServer) -> None:
    server.queue(wire.sse_reply(wire.STREAMS[name]()))
    answer, deltas = _ask(name, server)
    assert "".join(deltas) == answer.text == wire.ANSWER
    assert len(deltas) == len(wire.TEXTS)
    assert answer.finish_reason == "stop" and answer.attempts == 1
    assert (answer.tokens_in, answer.tokens_out, answer.cached_tokens_in) == (
        wire.PROMPT_TOKENS, wire.ANSWER_TOKENS, wire.CACHED_TOKENS)
    assert not answer.usage_estimated
    assert answer.host == f"127.0.0.1:{server.port}"
    # The model the provider reports having used (the private server's stream names its own).
    assert answer.model == ("gpt-test-1" if name == "private" else MODELS[name])
    assert answer.provider == {"private": "openai-compatible"}.get(name, name)
    [request] = server.requests
    assert answer.bytes_sent == len(request.body) > 0
    assert answer.ttft_s is not None and answer.duration_s >= answer.ttft_s
    assert answer.decode_tok_per_s is None or answer.decode_tok_per_s > 0


@pytest.mark.parametrize("name", NAMES)
def test_request_is_in_the_documented_shape(name: str, server: LoopbackServer) -> None:
    server.queue(wire.sse_reply(wire.STREAMS[name]()))
    _ask(name, server)
    [request] = server.requests
    body = json.loads(request.body)
    assert request.method == "POST" and request.target == PATHS[name]
    assert KEYS[name] not in request.target  # never a key in the URL (it would reach logs)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["content-length"] == str(len(request.body))
    if name == "anthropic":
        assert request.headers["x-api-key"] == KEYS[name]
        assert request.headers["anthropic-version"] == "2023-06-01"
        assert body["system"] == "Answer briefly." and body["stream"] is True
        assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
        assert body["max_tokens"] == 64 and body["model"] == MODELS[name]
    elif name == "gemini":
        assert request.headers["x-goog-api-key"] == KEYS[name]
        assert body["systemInstruction"] == {"parts": [{"text": "Answer briefly."}]}
        assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
        assert body["generationConfig"]["maxOutputTokens"] == 64
    else:
        assert request.headers["authorization"] == f"Bearer {KEYS[name]}"
        assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
        assert body["messages"][0] == {"role": "system", "content": "Answer briefly."}
        assert body["model"] == MODELS[name]
        limit = "max_tokens" if name == "private" else "max_completion_tokens"
        assert body[limit] == 64


@pytest.mark.parametrize("cut", [wire.every_byte, wire.inside_characters,
                                 lambda body: wire.at_random(body, 1),
                                 lambda body: wire.at_random(body, 2)],
                         ids=["every-byte", "inside-utf8", "random-1", "random-2"])
@pytest.mark.parametrize("name", ("anthropic", "openai", "gemini"))
def test_events_cut_anywhere_arrive_whole(name: str, cut: Callable[[bytes], list[bytes]],
                                          server: LoopbackServer) -> None:
    body = wire.STREAMS[name](newline="\r\n")
    server.queue(wire.sse_reply(body, cut(body)))
    answer, deltas = _ask(name, server)
    assert "".join(deltas) == answer.text == wire.ANSWER
    assert not answer.usage_estimated and answer.tokens_out == wire.ANSWER_TOKENS


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_comments_pings_and_line_endings(newline: str, server: LoopbackServer) -> None:
    events = wire.anthropic_stream(newline=newline).split((newline * 2).encode())
    noisy = (newline * 2).encode().join(
        wire.comment("keep-alive", newline=newline) + part for part in events)
    server.queue(wire.sse_reply(noisy, wire.at_random(noisy, 3)))
    answer, _ = _ask("anthropic", server)
    assert answer.text == wire.ANSWER and answer.tokens_in == wire.PROMPT_TOKENS


def test_error_event_mid_stream_keeps_the_text_and_is_not_retried(
        server: LoopbackServer, sleeps: list[float]) -> None:
    body = wire.anthropic_stream(end=False) + wire.anthropic_error_event()
    server.queue(wire.sse_reply(body), wire.sse_reply(wire.anthropic_stream()))
    deltas: list[str] = []
    with provider_for("anthropic", server.url, sleep=sleeps.append) as provider, \
            pytest.raises(CloudServerError, match="overloaded mid-answer") as caught:
        provider.chat(MESSAGES, PARAMS, on_text=deltas.append)
    assert caught.value.partial_text == "".join(deltas) == wire.ANSWER
    assert len(server.requests) == 1 and sleeps == []  # a retry would repeat shown text
    assert caught.value.bytes_sent == len(server.requests[0].body)


def test_error_event_before_any_text_is_retried(server: LoopbackServer,
                                                sleeps: list[float]) -> None:
    server.queue(wire.sse_reply(wire.anthropic_stream(texts=(), end=False)
                                + wire.anthropic_error_event()),
                 wire.sse_reply(wire.anthropic_stream()))
    with provider_for("anthropic", server.url, sleep=sleeps.append) as provider:
        answer = provider.chat(MESSAGES, PARAMS, on_text=lambda _: None)
    assert answer.text == wire.ANSWER and answer.attempts == 2 and len(sleeps) == 1
    assert answer.bytes_sent == sum(len(r.body) for r in server.requests)


@pytest.mark.parametrize("name", ("anthropic", "openai", "gemini"))
def test_stop_mid_stream_keeps_the_text_and_estimates_usage(
        name: str, server: LoopbackServer) -> None:
    body = wire.STREAMS[name]()
    events = [part + b"\n\n" for part in body.replace(b"\r\n", b"\n").split(b"\n\n") if part]
    first_text = next(i for i, part in enumerate(events) if "Grüße".encode() in part)
    # The server sends the first text, then waits: the stop must not wait for more.
    server.queue(wire.sse_reply(b"", events[:first_text + 1], after="stall"))
    stop = StopSignal()
    deltas: list[str] = []

    def on_text(text: str) -> None:
        deltas.append(text)
        stop.set()

    with provider_for(name, server.url) as provider:
        answer = provider.chat(MESSAGES, PARAMS, on_text=on_text, stop=stop)
    assert answer.finish_reason == "cancelled"
    assert answer.text == deltas[0] == "Grüße aus"
    assert answer.usage_estimated and answer.tokens_out == 3  # ceil(9 chars / 4)
    assert answer.decode_tok_per_s is None
    if name == "anthropic":  # message_start already gave the real input count
        assert answer.tokens_in == wire.PROMPT_TOKENS


def test_stop_before_sending_sends_nothing(server: LoopbackServer) -> None:
    stop = StopSignal()
    stop.set()
    with provider_for("openai", server.url) as provider:
        answer = provider.chat(MESSAGES, PARAMS, on_text=lambda _: None, stop=stop)
    assert answer.finish_reason == "cancelled" and answer.bytes_sent == 0
    assert server.requests == [] and answer.tokens_in == 0 and not answer.usage_estimated


def test_a_stream_without_usage_is_estimated(server: LoopbackServer) -> None:
    server.queue(wire.sse_reply(wire.openai_stream(usage=False, finish="length")))
    answer, _ = _ask("private", server)
    assert answer.usage_estimated and answer.finish_reason == "length"
    assert answer.tokens_out == -(-len(wire.ANSWER) // 4) and answer.tokens_in > 0


@pytest.mark.parametrize(("name", "reason"), [("anthropic", "max_tokens"),
                                              ("openai", "length"), ("gemini", "MAX_TOKENS")])
def test_length_limit_is_reported(name: str, reason: str, server: LoopbackServer) -> None:
    stream = {"anthropic": lambda: wire.anthropic_stream(stop_reason=reason),
              "openai": lambda: wire.openai_stream(finish=reason),
              "gemini": lambda: wire.gemini_stream(finish=reason)}[name]
    server.queue(wire.sse_reply(stream()))
    answer, _ = _ask(name, server)
    assert answer.finish_reason == "length"


def test_one_provider_gives_answer_after_answer(server: LoopbackServer) -> None:
    """Each request has a connection of its own (a stop can shut it down), none left open."""
    server.queue(wire.sse_reply(wire.openai_stream()), wire.sse_reply(wire.openai_stream()))
    with provider_for("openai", server.url) as provider:
        for _ in range(2):
            assert provider.chat(MESSAGES, PARAMS, on_text=lambda _: None).text == wire.ANSWER
    assert len(server.requests) == 2


class _Pieces(httpx.SyncByteStream):
    def __init__(self, pieces: list[bytes]) -> None:
        self._pieces = pieces

    def __iter__(self) -> Iterator[bytes]:
        yield from self._pieces


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=2000), max_size=60),
       newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_any_cut_through_a_transport(cuts: list[int], newline: str) -> None:
    """The same, without sockets, for many more cuts (httpx's MockTransport)."""
    body = wire.anthropic_stream(newline=newline)
    pieces = wire.cut_at(body, sorted({c for c in cuts if c < len(body)}))

    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=wire.SSE_HEADERS, stream=_Pieces(pieces))

    with StreamingProvider(AnthropicMessages(), tier="frontier", base_url="https://example.test",
                           model="m", api_key="k", transport=httpx.MockTransport(reply)) as p:
        answer = p.chat(MESSAGES, PARAMS, on_text=lambda _: None)
    assert answer.text == wire.ANSWER and answer.tokens_out == wire.ANSWER_TOKENS
