"""When to try a request again, and how long to wait first.

The wait a server asks for wins over our own backoff: ``retry-after-ms``, ``retry-after``
(seconds or an HTTP date), then the documented rate-limit reset headers of the window that ran
out (Anthropic's ``anthropic-ratelimit-*-reset``, RFC 3339 times; OpenAI's
``x-ratelimit-reset-*``, durations like ``6m0s``), then a hint in the error body (Gemini's
``RetryInfo``). Without any, exponential backoff with jitter, as the official SDKs do.
"""

from __future__ import annotations

import email.utils
import random
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

_ANTHROPIC_WINDOWS = ("requests", "tokens", "input-tokens", "output-tokens")
_OPENAI_WINDOWS = ("requests", "tokens")
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)")
_UNIT_S = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How often and how patiently to retry a rate-limited or failed request.

    ``max_wait_s`` bounds a wait the server asks for: an interactive answer that would start
    minutes from now is better given by another tier at once, so a longer wait is not retried.
    """

    max_retries: int = 2
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_wait_s: float = 30.0

    def delay(self, retry: int, server_wait_s: float | None, rng: random.Random) -> float | None:
        """Seconds to wait before retry number ``retry`` (0 first); None: do not retry."""
        if server_wait_s is not None:
            return None if server_wait_s > self.max_wait_s else max(server_wait_s, 0.0)
        backoff = min(self.base_delay_s * 2.0 ** retry, self.max_delay_s)
        return backoff * (1.0 - 0.25 * rng.random())


def server_wait(headers: httpx.Headers, now: float) -> float | None:
    """The wait in seconds the response's headers ask for, or None when they ask for none.

    ``now`` is the current Unix time, to turn absolute reset times into waits.
    """
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000.0
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        seconds = _number(retry_after)
        if seconds is not None:
            return seconds
        when = _http_date(retry_after)
        if when is not None:
            return when - now
    waits = []
    for window in _ANTHROPIC_WINDOWS:
        if headers.get(f"anthropic-ratelimit-{window}-remaining", "").strip() == "0":
            reset = _rfc3339(headers.get(f"anthropic-ratelimit-{window}-reset", ""))
            if reset is not None:
                waits.append(reset - now)
    for window in _OPENAI_WINDOWS:
        if headers.get(f"x-ratelimit-remaining-{window}", "").strip() == "0":
            reset = go_duration(headers.get(f"x-ratelimit-reset-{window}", ""))
            if reset is not None:
                waits.append(reset)
    return max(waits) if waits else None


def go_duration(text: str) -> float | None:
    """Seconds in a Go-style duration (``1s``, ``6m0s``, ``20ms``, ``1h2m3.5s``), or None."""
    text = text.strip()
    if not text:
        return None
    position, total = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _UNIT_S[match.group(2)]
        position = match.end()
    return total if position == len(text) else None


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _http_date(text: str) -> float | None:
    try:
        return email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _rfc3339(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        return None
