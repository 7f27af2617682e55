"""How long to wait before a retry: the server's word first, else backoff with jitter."""

from __future__ import annotations

import random

import httpx
import pytest

from desktop.core.cloud import RetryPolicy
from desktop.core.cloud._retry import go_duration, server_wait

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@pytest.mark.parametrize(("headers", "wait"), [
    ({}, None),
    ({"retry-after": "7"}, 7.0),
    ({"retry-after": "0.5"}, 0.5),
    ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
    ({"retry-after": "Thu, 01 Jan 2026 00:00:30 GMT"}, 30.0),
    ({"retry-after": "soon"}, None),
    ({"anthropic-ratelimit-requests-remaining": "0",
      "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:12Z",
      "anthropic-ratelimit-tokens-remaining": "0",
      "anthropic-ratelimit-tokens-reset": "2026-01-01T00:00:20Z"}, 20.0),
    ({"anthropic-ratelimit-requests-remaining": "3",  # not the window that ran out
      "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:12Z"}, None),
    ({"anthropic-ratelimit-output-tokens-remaining": "0",
      "anthropic-ratelimit-output-tokens-reset": "2026-01-01T01:00:05+01:00"}, 5.0),
    ({"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "6m0s"}, 360.0),
    ({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "120ms"}, 0.12),
    ({"x-ratelimit-remaining-requests": "10", "x-ratelimit-reset-requests": "1s"}, None),
])
def test_server_wait(headers: dict[str, str], wait: float | None) -> None:
    found = server_wait(httpx.Headers(headers), NOW)
    assert found == pytest.approx(wait) if wait is not None else found is None


@pytest.mark.parametrize(("text", "seconds"), [
    ("1s", 1.0), ("6m0s", 360.0), ("1h2m3.5s", 3723.5), ("20ms", 0.02), ("36.4s", 36.4),
    ("", None), ("5", None), ("1x", None), ("s1", None), ("1s junk", None),
])
def test_go_duration(text: str, seconds: float | None) -> None:
    parsed = go_duration(text)
    assert parsed == pytest.approx(seconds) if seconds is not None else parsed is None


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=4.0)
    rng = random.Random(3)
    delays = [policy.delay(n, None, rng) for n in range(6)]
    for n, delay in enumerate(delays):
        ceiling = min(0.5 * 2 ** n, 4.0)
        assert delay is not None and 0.75 * ceiling <= delay <= ceiling


def test_server_wait_wins_unless_too_long() -> None:
    policy = RetryPolicy(max_wait_s=30.0)
    rng = random.Random(0)
    assert policy.delay(0, 12.0, rng) == 12.0
    assert policy.delay(0, -3.0, rng) == 0.0  # a reset time already past
    assert policy.delay(0, 31.0, rng) is None
