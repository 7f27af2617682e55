"""The idle and total deadlines, the local cap at max_tokens, and a stop at any moment.

Loopback servers pace their pieces (``Reply.every_s``), so each case happens in real time: a
server that only pings, one that trickles text, one that ignores ``max_tokens``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from desktop.core.chat import GenerationParams, StopSignal
from desktop.core.cloud import CloudAnswer, CloudAuthError, CloudError, CloudTimeout
from tests.core.cloud import wire
from tests.core.cloud.loopback import LoopbackServer, Reply
from tests.core.cloud.support import MESSAGES, PARAMS, provider_for

PING = b": ping\n\n"
ANTHROPIC_PING = wire.event({"type": "ping"}, "ping")
SHORT = GenerationParams(max_tokens=16, temperature=0.2)


def _anthropic_opening(text: str) -> list[bytes]:
    """message_start, a text block, a ping and one text delta: anthropic_stream's opening."""
    events = wire.anthropic_stream([text]).split(b"\n\n")
    return [part + b"\n\n" for part in events[:4]]


def _chat(name: str, server: LoopbackServer, params: GenerationParams = PARAMS,
          stop: StopSignal | None = None, **values: object) -> tuple[CloudAnswer, list[str]]:
    deltas: list[str] = []
    with provider_for(name, server.url, **values) as provider:
        answer = provider.chat(MESSAGES, params, on_text=deltas.append, stop=stop)
    return answer, deltas


def _timeout(name: str, server: LoopbackServer, **values: object) -> tuple[CloudTimeout, float]:
    started = time.monotonic()
    with provider_for(name, server.url, sleep=_no_retry, **values) as provider, \
            pytest.raises(CloudError) as caught:
        provider.chat(MESSAGES, PARAMS, on_text=lambda _: None)
    assert type(caught.value) is CloudTimeout
    return caught.value, time.monotonic() - started


def _no_retry(delay: float) -> None:
    raise AssertionError(f"a timeout must not be retried (asked to wait {delay} s)")


# -- the idle deadline ---------------------------------------------------------------------


def test_a_server_that_only_sends_comments_times_out_at_the_idle_deadline(
        server: LoopbackServer) -> None:
    """The users' case: ': ping' every few seconds kept httpx's read timeout from ever firing."""
    server.queue(wire.sse_reply(b"", [PING] * 400, every_s=0.05))  # 20 s of pings
    error, took = _timeout("private", server, **{"cloud.idle_timeout_s": 0.5,
                                                "cloud.read_timeout_s": 5.0})
    assert 0.5 <= took < 1.5
    assert error.reason == f"private tier timed out (no answer from 127.0.0.1:{server.port} " \
                           "for 0.5 s)"
    assert "keep-alive messages" in str(error) and "cloud.idle_timeout_s" in str(error)
    assert error.partial_text == "" and error.attempts == 1
    assert error.bytes_sent == len(server.requests[0].body) > 0


def test_anthropic_ping_events_do_not_reset_it_and_the_text_is_kept(
        server: LoopbackServer) -> None:
    server.queue(wire.sse_reply(b"", _anthropic_opening("Grüße aus") + [ANTHROPIC_PING] * 400,
                                every_s=0.05))
    error, took = _timeout("anthropic", server, **{"cloud.idle_timeout_s": 0.6})
    # The clock restarted with the text (the 4th piece, ~0.15 s in), then only pings came.
    assert 0.75 <= took < 2.0
    assert error.partial_text == "Grüße aus"
    # What a receipt of the failed attempt needs, with the usage Anthropic had reported.
    assert (error.provider, error.model, error.host) == (
        "anthropic", "claude-test-1", f"127.0.0.1:{server.port}")
    assert error.tokens_in == wire.PROMPT_TOKENS and error.cached_tokens_in == wire.CACHED_TOKENS
    assert error.tokens_out == 3 and error.usage_estimated  # ceil(9 chars / 4): no final count
    assert error.ttft_s is not None and 0 < error.ttft_s < error.duration_s
    assert error.bytes_sent == len(server.requests[0].body)


def test_a_silent_server_times_out_at_the_idle_deadline_before_the_read_timeout(
        server: LoopbackServer) -> None:
    server.queue(Reply(silent=True))
    error, took = _timeout("openai", server, **{"cloud.idle_timeout_s": 0.3,
                                               "cloud.read_timeout_s": 30.0})
    assert took < 1.0 and "(nothing at all)" in str(error)
    assert error.tokens_out == 0 and error.ttft_s is None


def test_text_arriving_slowly_keeps_the_idle_deadline_away(server: LoopbackServer) -> None:
    pieces = [wire.openai_chunk(word) for word in ("One", " two", " three", " four", " five")]
    pieces.append(wire.openai_chunk(finish="stop"))
    server.queue(wire.sse_reply(b"", [*pieces, wire.event("[DONE]")], every_s=0.2))
    answer, _ = _chat("private", server, **{"cloud.idle_timeout_s": 0.5})
    assert answer.text == "One two three four five" and answer.finish_reason == "stop"
    assert answer.duration_s > 1.0  # longer than the idle deadline, in steps shorter than it


def test_streamed_reasoning_counts_as_progress(server: LoopbackServer) -> None:
    """A reasoning model on an OpenAI-compatible server thinks aloud before it answers."""
    pieces = [wire.openai_chunk(reasoning="Let me think. ") for _ in range(6)]
    pieces += [wire.openai_chunk("Yes."), wire.openai_chunk(finish="stop"), wire.event("[DONE]")]
    server.queue(wire.sse_reply(b"", pieces, every_s=0.15))
    answer, _ = _chat("private", server, **{"cloud.idle_timeout_s": 0.5})
    assert answer.text == "Yes." and answer.finish_reason == "stop"
    assert answer.usage_estimated and answer.tokens_out == 22  # ceil((4 + 6 * 14) / 4)


# -- the total deadline --------------------------------------------------------------------


def test_an_answer_that_never_ends_stops_at_the_total_deadline(server: LoopbackServer) -> None:
    server.queue(wire.sse_reply(b"", [wire.openai_chunk("word ")] * 200, every_s=0.05))
    error, took = _timeout("private", server, **{"cloud.total_timeout_s": 1.0,
                                                "cloud.idle_timeout_s": 5.0})
    assert 1.0 <= took < 2.0
    assert error.reason == f"private tier timed out (answer from 127.0.0.1:{server.port} not " \
                           "finished in 1 s)"
    assert error.partial_text.startswith("word word") and error.usage_estimated


# -- the local cap at max_tokens -----------------------------------------------------------


def test_a_stream_that_ignores_max_tokens_is_cut_off_by_estimate(
        server: LoopbackServer) -> None:
    server.queue(wire.sse_reply(b"", [wire.openai_chunk(" word")] * 300, every_s=0.01))
    started = time.monotonic()
    answer, _ = _chat("private", server, SHORT)
    assert time.monotonic() - started < 2.0
    assert answer.finish_reason == "length"
    # No usage reported: cut once ~4 chars/token exceeds 16 × 1.5 + 4 = 28 tokens (113 chars).
    assert answer.text == " ".join(["word"] * 23)  # 114 characters
    assert answer.usage_estimated and answer.tokens_out == 29
    assert _hung_up(server), "the response was not closed"


def test_a_stream_that_ignores_max_tokens_is_cut_off_by_its_own_usage(
        server: LoopbackServer) -> None:
    """vLLM's continuous usage: every chunk carries the tokens so far, which decide exactly."""
    pieces = [wire.openai_chunk(" tok", usage={"prompt_tokens": 12, "completion_tokens": n,
                                    "total_tokens": 12 + n}) for n in range(1, 301)]
    server.queue(wire.sse_reply(b"", pieces, every_s=0.01))
    answer, deltas = _chat("private", server, SHORT)
    assert answer.finish_reason == "length" and len(deltas) == 17
    assert (answer.tokens_in, answer.tokens_out, answer.usage_estimated) == (12, 17, False)
    assert _hung_up(server), "the response was not closed"


def test_an_answer_the_provider_limited_itself_is_not_cut_short(
        server: LoopbackServer) -> None:
    """80 characters estimate 20 tokens, more than 16, but within the estimate's margin."""
    text = "abcdefghij" * 8
    server.queue(wire.sse_reply(b"".join(
        [wire.openai_chunk(text[i:i + 10]) for i in range(0, 80, 10)]
        + [wire.openai_chunk(finish="length"), wire.event("[DONE]")])))
    answer, _ = _chat("private", server, SHORT)
    assert answer.text == text and answer.finish_reason == "length"


# -- a stop at any moment --------------------------------------------------------------------


def test_stop_while_waiting_for_the_first_byte_is_immediate(server: LoopbackServer) -> None:
    server.queue(Reply(silent=True))
    stop = StopSignal()
    before = set(threading.enumerate())
    stopped_at = _stop_when(stop, lambda: bool(server.requests))
    answer, _ = _chat("openai", server, stop=stop, **{"cloud.read_timeout_s": 30.0})
    assert answer.finish_reason == "cancelled" and answer.bytes_sent > 0
    assert time.monotonic() - stopped_at[0] < 0.5
    # The request's socket was shut down: its thread is not left waiting for the read timeout.
    assert not [t for t in set(threading.enumerate()) - before
                if t.name == "hearth-cloud-request"]


def test_stop_during_a_stream_of_comments_is_immediate(server: LoopbackServer) -> None:
    """The users' other case: the first Ctrl+C went unnoticed while only pings arrived."""
    server.queue(wire.sse_reply(b"", [wire.openai_chunk("Partial"), *[PING] * 400], every_s=0.05))
    stop = StopSignal()
    deltas: list[str] = []
    stopped_at = _stop_when(stop, lambda: bool(deltas), delay=0.3)
    with provider_for("private", server.url) as provider:
        answer = provider.chat(MESSAGES, PARAMS, on_text=deltas.append, stop=stop)
    assert answer.finish_reason == "cancelled" and answer.text == "Partial"
    assert time.monotonic() - stopped_at[0] < 0.5
    assert _hung_up(server)


def test_a_refused_request_counts_no_tokens(server: LoopbackServer) -> None:
    server.queue(wire.anthropic_error(401, "authentication_error", "invalid x-api-key"))
    with provider_for("anthropic", server.url) as provider, \
            pytest.raises(CloudAuthError) as caught:
        provider.chat(MESSAGES, PARAMS, on_text=lambda _: None)
    error = caught.value
    assert (error.provider, error.model, error.attempts) == ("anthropic", "claude-test-1", 1)
    assert (error.tokens_in, error.tokens_out, error.usage_estimated) == (0, 0, False)
    assert error.bytes_sent == len(server.requests[0].body)


def _stop_when(stop: StopSignal, ready: Any, delay: float = 0.0) -> list[float]:
    """Set ``stop`` from another thread once ``ready()`` (then ``delay``); returns [when]."""
    when: list[float] = [float("inf")]

    def watch() -> None:
        deadline = time.monotonic() + 10
        while not ready() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(delay)
        when[0] = time.monotonic()
        stop.set()

    threading.Thread(target=watch, daemon=True).start()
    return when


def _hung_up(server: LoopbackServer) -> bool:
    deadline = time.monotonic() + 3
    while not server.hangups and time.monotonic() < deadline:
        time.sleep(0.02)
    return server.hangups > 0
