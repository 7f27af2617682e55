"""Turn what went wrong (an HTTP status, a provider's error, an httpx exception) into a CloudError.

Each function returns a ``Failure``: a builder that, given where the request went, makes the
error with a sentence for the user and a short ``reason`` for the receipt. Messages are built
from statuses, hosts and the provider's own error text (with anything key-like masked), never
from the request, so a key cannot leak into them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from desktop.core.cloud._types import ErrorDetail
from desktop.core.cloud.errors import (
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
)

_MAX_MESSAGE = 300
# Key-shaped words a provider may echo back, e.g. OpenAI's "Incorrect API key provided: sk-…".
_KEY_LIKE = re.compile(r"\b(?:sk|pk|rk)-[\w\-*.]{6,}|\bAIza[\w\-]{10,}")
_DNS = ("name or service not known", "nodename nor servname", "getaddrinfo failed",
        "name resolution", "no address associated", "no such host")
_OFFLINE = ("network is unreachable", "no route to host", "host is unreachable")


@dataclass(frozen=True, kw_only=True)
class Context:
    """Where the failed request went; ``during`` is True for an error mid-answer."""

    tier: str
    host: str
    display: str
    key_account: str
    has_key: bool
    during: bool = False

    @property
    def key_label(self) -> str:
        return "private-tier" if self.key_account == "private" else self.display


class Failure:
    """A CloudError waiting for its ``Context``."""

    def __init__(self, build: Callable[[Context], CloudError]) -> None:
        self._build = build

    def error(self, context: Context) -> CloudError:
        return self._build(context)


def from_detail(detail: ErrorDetail) -> Failure:
    """The error for an HTTP error status or an error event, as the provider described it."""

    def build(c: Context) -> CloudError:
        status, said = detail.status, _said(detail)
        when = " mid-answer" if c.during else ""
        if detail.quota or status == 402:
            return CloudQuotaExceeded(
                f"{c.display} says the account is out of quota or credit ({said}); check its "
                "plan and billing", reason=f"{c.tier} tier out of quota or credit ({c.host})")
        if status in (401, 403):
            message = (f"the {c.key_label} key was refused ({said}); set a new one with "
                       f"'hearth keys set {c.key_account}'") if c.has_key else \
                (f"{c.host} asks for a key ({said}); store one with "
                 f"'hearth keys set {c.key_account}'")
            refused = CloudAuthError(message,
                                     reason=f"{c.tier} tier key refused ({status} from {c.host})")
            refused.status = status
            return refused
        if status == 429:
            wait = f"; it asks to wait {detail.wait_s:.0f} s" if detail.wait_s else ""
            return CloudRateLimited(
                f"{c.display} is rate limiting requests{when} ({said}){wait}; try again later",
                reason=f"{c.tier} tier rate limited ({c.host})", retryable=True,
                retry_after_s=detail.wait_s)
        if status == 408:
            return CloudTimeout(f"{c.host} timed out the request ({said})",
                                reason=f"{c.tier} tier timed out ({c.host})", retryable=True,
                                retry_after_s=detail.wait_s)
        if status >= 500 or status == 409:
            return CloudServerError(
                f"{c.display} failed or is overloaded{when} ({said}); try again later",
                reason=f"{c.tier} tier server error ({status} from {c.host})", retryable=True,
                retry_after_s=detail.wait_s)
        return CloudRequestError(f"{c.display} rejected the request ({said})",
                                 reason=f"{c.tier} tier request rejected ({status} from "
                                        f"{c.host})")

    return Failure(build)


def transport(exc: httpx.HTTPError, timeouts: tuple[float, float]) -> Failure:
    """The error for a failure below HTTP: connecting, reading, or the connection breaking."""
    connect_s, read_s = timeouts

    def build(c: Context) -> CloudError:
        if isinstance(exc, httpx.ConnectTimeout):
            return _unreachable(c, f"no connection within {connect_s:g} s",
                                f"connect timeout to {c.host}")
        if isinstance(exc, httpx.ConnectError | httpx.ProxyError):
            cause = _chain_text(exc)
            if any(marker in cause for marker in _DNS):
                return _unreachable(c, "the name could not be resolved; offline?",
                                    f"cannot resolve {c.host}")
            if "refused" in cause:
                return _unreachable(c, "connection refused", f"connection refused by {c.host}")
            if "certificate" in cause or "ssl" in cause or "tls" in cause:
                return _unreachable(c, "its TLS certificate could not be verified",
                                    f"TLS failure with {c.host}")
            if any(marker in cause for marker in _OFFLINE):
                return _unreachable(c, "the network is unreachable; offline?",
                                    f"network unreachable for {c.host}")
            return _unreachable(c, f"{type(exc).__name__}", f"cannot connect to {c.host}")
        if isinstance(exc, httpx.TimeoutException):
            return CloudTimeout(
                f"{c.host} sent nothing for {read_s:g} s (read timeout); it may be overloaded",
                reason=f"{c.tier} tier timed out ({c.host} silent for {read_s:g} s)")
        if isinstance(exc, httpx.DecodingError):
            return CloudProtocolError(f"the reply from {c.host} could not be decoded",
                                      reason=f"{c.tier} tier protocol error ({c.host})")
        cause = "connection reset" if "reset" in _chain_text(exc) else "connection closed"
        return CloudConnectionLost(
            f"the connection to {c.host} was lost ({cause}); try again",
            reason=f"{c.tier} tier connection lost ({cause}, {c.host})", retryable=True)

    return Failure(build)


def idle_timeout(idle_s: float, keepalives: int) -> Failure:
    """No part of the answer for ``idle_s`` seconds; ``keepalives`` comments or pings came."""
    heard = (f"only {keepalives} keep-alive message{'s' if keepalives != 1 else ''}"
             if keepalives else "nothing at all")
    return Failure(lambda c: CloudTimeout(
        f"{c.host} sent no part of the answer for {idle_s:g} s ({heard}); it may be stuck or "
        f"overloaded (the limit is cloud.idle_timeout_s)",
        reason=f"{c.tier} tier timed out (no answer from {c.host} for {idle_s:g} s)"))


def total_timeout(total_s: float) -> Failure:
    """The whole answer, retries included, was not finished within ``total_s`` seconds."""
    return Failure(lambda c: CloudTimeout(
        f"the answer from {c.host} was not finished after {total_s:g} s (the limit is "
        f"cloud.total_timeout_s)",
        reason=f"{c.tier} tier timed out (answer from {c.host} not finished in {total_s:g} s)"))


def offline(message: str) -> Failure:
    """Offline mode (``network.offline``) refused the connection: nothing was sent."""
    return Failure(lambda c: CloudUnreachable(
        message, reason=f"{c.tier} tier unreachable (offline mode refused {c.host})"))


def not_a_stream(content_type: str) -> Failure:
    return Failure(lambda c: CloudProtocolError(
        f"{c.host} answered with {content_type or 'no content type'!r} instead of an event "
        f"stream; is tiers.{c.tier}.base_url the address of the API?",
        reason=f"{c.tier} tier protocol error ({c.host} sent no event stream)"))


def malformed(problem: str) -> Failure:
    return Failure(lambda c: CloudProtocolError(
        f"{c.display} sent a stream Hearth cannot read: {problem}",
        reason=f"{c.tier} tier protocol error ({c.host})"))


def ended_early() -> Failure:
    return Failure(lambda c: CloudProtocolError(
        f"the answer from {c.host} ended before it was complete",
        reason=f"{c.tier} tier stream ended early ({c.host})"))


def local_protocol() -> Failure:
    return Failure(lambda c: CloudProtocolError(
        f"the request to {c.host} could not be sent (an invalid header)",
        reason=f"{c.tier} tier request not sent ({c.host})"))


def plain_body(text: str, response: httpx.Response) -> str:
    """A short message from an error body that is not a provider's JSON error."""
    if "html" in response.headers.get("content-type", "") or not text.strip():
        return response.reason_phrase or "no details"
    return text


def _unreachable(c: Context, why: str, reason: str) -> CloudError:
    return CloudUnreachable(
        f"cannot reach {c.host} ({why}); check the network connection and "
        f"tiers.{c.tier}.base_url", reason=f"{c.tier} tier unreachable ({reason})")


def _said(detail: ErrorDetail) -> str:
    message = " ".join(_KEY_LIKE.sub("[key]", detail.message).split())
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE - 1] + "…"
    head = f"{detail.status} {detail.kind}".strip()
    return f"{head}: {message}" if message else head


def _chain_text(exc: BaseException) -> str:
    """The messages of ``exc`` and its causes, lower-cased, to recognise a cause."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 5:
        parts.append(str(seen))
        seen = seen.__cause__ or seen.__context__
    return " ".join(parts).lower()
