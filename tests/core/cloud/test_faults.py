"""Every way a cloud call fails: the right CloudError, retried only when that can help."""

from __future__ import annotations

import email.utils
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from desktop.core.chat import StopSignal
from desktop.core.cloud import (
    CloudAuthError,
    CloudConnectionLost,
    CloudError,
    CloudProtocolError,
    CloudQuotaExceeded,
    CloudRateLimited,
    CloudRequestError,
    CloudServerError,
    CloudTimeout,
    CloudUnreachable,
    StreamingProvider,
)
from desktop.core.cloud._openai import OpenAIChat
from desktop.core.errors import KnownError
from desktop.core.netguard import Attempt, OfflineBlocked
from tests.core.cloud import wire
from tests.core.cloud.loopback import LoopbackServer, Reply, closed_port_url, full_backlog
from tests.core.cloud.support import KEYS, MESSAGES, PARAMS, provider_for


def _fail(name: str, url: str, sleeps: list[float] | None = None,
          **values: object) -> tuple[CloudError, list[str]]:
    deltas: list[str] = []
    with provider_for(name, url, sleep=(sleeps.append if sleeps is not None else None),
                      **values) as provider, pytest.raises(CloudError) as caught:
        provider.chat(MESSAGES, PARAMS, on_text=deltas.append)
    error = caught.value
    assert isinstance(error, KnownError)
    assert KEYS[name] not in str(error) and KEYS[name] not in error.reason
    return error, deltas


def _succeed(name: str, server: LoopbackServer, sleeps: list[float]) -> int:
    with provider_for(name, server.url, sleep=sleeps.append) as provider:
        answer = provider.chat(MESSAGES, PARAMS, on_text=lambda _: None)
    assert answer.text == wire.ANSWER
    assert answer.bytes_sent == sum(len(r.body) for r in server.requests)
    return answer.attempts


# -- no connection -----------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform != "linux",
                    reason="only Linux drops connection attempts to a full accept queue silently")
def test_connect_timeout(sleeps: list[float]) -> None:
    with full_backlog() as url:
        started = time.perf_counter()
        error, _ = _fail("anthropic", url, sleeps, **{"cloud.connect_timeout_s": 0.3})
    assert type(error) is CloudUnreachable and time.perf_counter() - started < 3
    host = url.removeprefix("http://")
    assert error.reason == f"frontier tier unreachable (connect timeout to {host})"
    assert error.bytes_sent == 0 and error.attempts == 1 and sleeps == []


def test_connection_refused(sleeps: list[float]) -> None:
    error, _ = _fail("private", closed_port_url(), sleeps)
    assert type(error) is CloudUnreachable and "connection refused" in error.reason
    assert error.bytes_sent == 0 and sleeps == []


# -- the connection breaks or stalls ---------------------------------------------------------


def test_read_timeout_before_the_answer(server: LoopbackServer, sleeps: list[float]) -> None:
    server.queue(Reply(silent=True))
    error, _ = _fail("openai", server.url, sleeps, **{"cloud.read_timeout_s": 0.3})
    assert type(error) is CloudTimeout and "silent for 0.3 s" in error.reason
    assert error.bytes_sent == len(server.requests[0].body) and sleeps == []


def test_read_timeout_mid_answer_keeps_the_text(server: LoopbackServer) -> None:
    body = wire.gemini_stream()
    server.queue(wire.sse_reply(body, [body[:body.index(b" fin.")]], after="stall"))
    error, deltas = _fail("gemini", server.url, **{"cloud.read_timeout_s": 0.3})
    assert type(error) is CloudTimeout
    assert error.partial_text == "".join(deltas).rstrip() == wire.ANSWER.removesuffix(" fin.")


def test_reset_mid_answer_is_not_retried(server: LoopbackServer, sleeps: list[float]) -> None:
    body = wire.anthropic_stream(end=False)
    server.queue(wire.sse_reply(body, after="reset"), wire.sse_reply(wire.anthropic_stream()))
    error, deltas = _fail("anthropic", server.url, sleeps)
    assert type(error) is CloudConnectionLost and "connection" in error.reason
    assert error.partial_text == "".join(deltas) == wire.ANSWER
    assert len(server.requests) == 1 and sleeps == []


def test_reset_before_any_text_is_retried(server: LoopbackServer, sleeps: list[float]) -> None:
    server.queue(wire.sse_reply(b"", [b": hello\n\n"], after="reset"),
                 wire.sse_reply(wire.openai_stream()))
    assert _succeed("openai", server, sleeps) == 2 and len(sleeps) == 1


def test_stream_that_ends_without_its_end(server: LoopbackServer, sleeps: list[float]) -> None:
    server.queue(wire.sse_reply(wire.anthropic_stream(end=False)))
    error, _ = _fail("anthropic", server.url, sleeps)
    assert type(error) is CloudProtocolError and "ended early" in error.reason
    assert error.partial_text == wire.ANSWER and sleeps == []


def test_body_cut_off_mid_chunk(server: LoopbackServer) -> None:
    server.queue(wire.sse_reply(wire.openai_stream()[:200], after="eof"))
    error, _ = _fail("private", server.url, **{"cloud.max_retries": 0})
    assert type(error) is CloudConnectionLost


# -- statuses that are retried ----------------------------------------------------------------


def test_429_retry_after_seconds(server: LoopbackServer, sleeps: list[float]) -> None:
    server.queue(wire.anthropic_error(429, "rate_limit_error", "Number of requests exceeded",
                                      {"retry-after": "2"}),
                 wire.sse_reply(wire.anthropic_stream()))
    assert _succeed("anthropic", server, sleeps) == 2
    assert sleeps == [2.0]


def test_429_retry_after_http_date(server: LoopbackServer, sleeps: list[float]) -> None:
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=4), usegmt=True)
    server.queue(wire.openai_error(429, "Rate limit reached", "rate_limit_exceeded",
                                   headers={"retry-after": when}),
                 wire.sse_reply(wire.openai_stream()))
    assert _succeed("openai", server, sleeps) == 2
    [delay] = sleeps
    assert 2.0 < delay <= 4.0


def test_429_anthropic_reset_headers(server: LoopbackServer, sleeps: list[float]) -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=6)).isoformat().replace("+00:00", "Z")
    headers = {"anthropic-ratelimit-tokens-remaining": "0",
               "anthropic-ratelimit-tokens-reset": reset,
               "anthropic-ratelimit-requests-remaining": "40",
               "anthropic-ratelimit-requests-reset": reset}
    server.queue(wire.anthropic_error(429, "rate_limit_error", "tokens per minute", headers),
                 wire.sse_reply(wire.anthropic_stream()))
    assert _succeed("anthropic", server, sleeps) == 2
    [delay] = sleeps
    assert 4.0 < delay <= 6.0


def test_429_openai_reset_headers(server: LoopbackServer, sleeps: list[float]) -> None:
    headers = {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.5s",
               "x-ratelimit-remaining-tokens": "900", "x-ratelimit-reset-tokens": "6m0s"}
    server.queue(wire.openai_error(429, "Rate limit reached for requests", "rate_limit_exceeded",
                                   headers=headers),
                 wire.sse_reply(wire.openai_stream()))
    assert _succeed("openai", server, sleeps) == 2 and sleeps == [1.5]


def test_429_gemini_retry_info(server: LoopbackServer, sleeps: list[float]) -> None:
    details = [{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
                   {"quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
               {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "3s"}]
    server.queue(wire.gemini_error(429, "RESOURCE_EXHAUSTED",
                                   "You exceeded your current quota, please check your plan "
                                   "and billing details.", details),
                 wire.sse_reply(wire.gemini_stream()))
    assert _succeed("gemini", server, sleeps) == 2 and sleeps == [3.0]


def test_429_asking_for_too_long_a_wait_is_not_retried(server: LoopbackServer,
                                                       sleeps: list[float]) -> None:
    server.queue(wire.anthropic_error(429, "rate_limit_error", "slow down",
                                      {"retry-after": "600"}))
    error, _ = _fail("anthropic", server.url, sleeps)
    assert type(error) is CloudRateLimited and "wait 600 s" in str(error)
    assert sleeps == [] and len(server.requests) == 1


def test_500_then_success(server: LoopbackServer, sleeps: list[float]) -> None:
    server.queue(wire.openai_error(500, "The server had an error", None, "server_error"),
                 wire.sse_reply(wire.openai_stream()))
    assert _succeed("private", server, sleeps) == 2
    [delay] = sleeps
    assert 0.375 <= delay <= 0.5  # 0.5 s backoff less up to 25 % jitter


def test_529_until_the_retries_run_out(server: LoopbackServer, sleeps: list[float]) -> None:
    overloaded = wire.anthropic_error(529, "overloaded_error", "Overloaded")
    server.queue(overloaded, overloaded, overloaded, overloaded)
    error, _ = _fail("anthropic", server.url, sleeps, **{"cloud.max_retries": 2})
    assert type(error) is CloudServerError and "529 overloaded_error" in str(error)
    assert error.attempts == 3 and len(server.requests) == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # exponential backoff
    assert error.bytes_sent == sum(len(r.body) for r in server.requests)


def test_rate_limited_until_the_retries_run_out(server: LoopbackServer,
                                                sleeps: list[float]) -> None:
    limited = wire.openai_error(429, "Rate limit reached", "rate_limit_exceeded")
    server.queue(limited, limited)
    error, _ = _fail("openai", server.url, sleeps, **{"cloud.max_retries": 1})
    assert type(error) is CloudRateLimited and error.attempts == 2
    assert error.reason == f"frontier tier rate limited (127.0.0.1:{server.port})"


def test_stop_during_a_backoff_ends_it(server: LoopbackServer) -> None:
    server.queue(wire.anthropic_error(429, "rate_limit_error", "slow", {"retry-after": "20"}))
    stop = StopSignal()
    timer = threading.Timer(0.2, stop.set)
    timer.start()
    started = time.perf_counter()
    with provider_for("anthropic", server.url) as provider:  # the real, stop-aware wait
        answer = provider.chat(MESSAGES, PARAMS, on_text=lambda _: None, stop=stop)
    timer.join()
    assert answer.finish_reason == "cancelled" and time.perf_counter() - started < 5
    assert len(server.requests) == 1


def test_stop_while_the_provider_is_silent(server: LoopbackServer,
                                           sleeps: list[float]) -> None:
    server.queue(Reply(silent=True))
    stop = StopSignal()

    def stop_once_asked() -> None:
        deadline = time.monotonic() + 10
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()

    stopper = threading.Thread(target=stop_once_asked)
    with provider_for("openai", server.url, sleep=sleeps.append,
                      **{"cloud.read_timeout_s": 0.3}) as provider:
        stopper.start()
        answer = provider.chat(MESSAGES, PARAMS, on_text=lambda _: None, stop=stop)
    stopper.join()
    # A stop is not a failure to fall back from (test_limits: it is noticed at once).
    assert answer.finish_reason == "cancelled" and answer.bytes_sent > 0 and sleeps == []


# -- statuses that are never retried ---------------------------------------------------------


@pytest.mark.parametrize(("name", "reply", "kind", "words"), [
    ("anthropic", wire.anthropic_error(401, "authentication_error", "invalid x-api-key"),
     CloudAuthError, "the Anthropic key was refused (401 authentication_error: invalid x-api-key)"
                     "; set a new one with 'hearth keys set anthropic'"),
    ("openai", wire.openai_error(401, f"Incorrect API key provided: {KEYS['openai']}.",
                                 "invalid_api_key"),
     CloudAuthError, "Incorrect API key provided: [key]"),
    ("gemini", wire.gemini_error(403, "PERMISSION_DENIED", "Permission denied"),
     CloudAuthError, "hearth keys set gemini"),
    ("anthropic", wire.anthropic_error(400, "invalid_request_error", "max_tokens: too large"),
     CloudRequestError, "Anthropic rejected the request (400 invalid_request_error: "
                        "max_tokens: too large)"),
    ("gemini", wire.gemini_error(404, "NOT_FOUND", "models/gemini-test-001 is not found"),
     CloudRequestError, "is not found"),
    ("openai", wire.openai_error(429, "You exceeded your current quota, please check your "
                                      "plan and billing details.", "insufficient_quota",
                                 "insufficient_quota"),
     CloudQuotaExceeded, "out of quota or credit"),
    ("anthropic", wire.anthropic_error(400, "invalid_request_error",
                                       "Your credit balance is too low to access the "
                                       "Anthropic API."),
     CloudQuotaExceeded, "credit balance"),
    ("anthropic", wire.anthropic_error(429, "rate_limit_error", "spend limit reached",
                                       details={"error_code": "enforced_spend_limit_reached"}),
     CloudQuotaExceeded, "spend limit"),
    ("gemini", wire.gemini_error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.", [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
         "violations": [{"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "20s"}]),
     CloudQuotaExceeded, "RESOURCE_EXHAUSTED"),
    ("private", wire.json_reply(401, {"detail": "Invalid API key"}),
     CloudAuthError, "the private-tier key was refused"),
])
def test_not_retried(name: str, reply: Reply, kind: type[CloudError], words: str,
                     server: LoopbackServer, sleeps: list[float]) -> None:
    server.queue(reply, wire.sse_reply(wire.STREAMS[name]()))
    error, _ = _fail(name, server.url, sleeps)
    assert type(error) is kind and words in str(error)
    assert len(server.requests) == 1 and sleeps == [] and error.attempts == 1


def test_malformed_json(server: LoopbackServer, sleeps: list[float]) -> None:
    server.queue(wire.sse_reply(wire.event({"type": "message_start", "message": {}})
                                + b"data: {\"type\": \"content_block_delta\", \"delta\n\n"))
    error, _ = _fail("anthropic", server.url, sleeps)
    assert type(error) is CloudProtocolError and "not valid JSON" in str(error)
    assert sleeps == []


def test_not_an_event_stream(server: LoopbackServer) -> None:
    server.queue(wire.json_reply(200, {"choices": [{"message": {"content": "hi"}}]}))
    error, _ = _fail("private", server.url)
    assert type(error) is CloudProtocolError and "'application/json'" in str(error)


def test_html_error_page(server: LoopbackServer) -> None:
    server.queue(Reply(502, {"content-type": "text/html"}, [b"<html>Bad gateway</html>"]),
                 Reply(502, {"content-type": "text/html"}, [b"<html>Bad gateway</html>"]),
                 Reply(502, {"content-type": "text/html"}, [b"<html>Bad gateway</html>"]))
    error, _ = _fail("openai", server.url, [])
    assert type(error) is CloudServerError and "<html>" not in str(error)
    assert "502" in error.reason


def test_offline_mode_refusing_the_connection() -> None:
    """The offline guard raises inside the connection attempt (here, inside the transport)."""
    attempt = Attempt(time=datetime.now(UTC), event="socket.connect", host="api.openai.com",
                      port=443)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise OfflineBlocked(attempt)

    provider = StreamingProvider(OpenAIChat(compatible=False), tier="frontier",
                                 base_url="https://api.openai.com/v1", model="m",
                                 api_key=KEYS["openai"], transport=httpx.MockTransport(refuse))
    with provider, pytest.raises(CloudUnreachable) as caught:
        provider.chat(MESSAGES, PARAMS, on_text=lambda _: None)
    assert caught.value.reason == "frontier tier unreachable (offline mode refused " \
                                  "api.openai.com)"
    assert str(caught.value) == str(OfflineBlocked(attempt)) and caught.value.attempts == 1
