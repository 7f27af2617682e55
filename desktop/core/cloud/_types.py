"""The shapes every cloud provider shares: the answer, the provider, and a wire format."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from desktop.core.chat import ChatMessage, GenerationParams, StopSignal

if TYPE_CHECKING:
    from httpx_sse import ServerSentEvent

Tier = Literal["private", "frontier"]
FinishReason = Literal["stop", "length", "cancelled"]
TextSink = Callable[[str], None]
# Hears the body of every HTTP request just before it is sent (retries too): the audit log.
RequestSink = Callable[[bytes], None]


@dataclass(frozen=True, kw_only=True)
class CloudAnswer:
    """One answer from a cloud tier, with the provider's own usage figures.

    ``tokens_in`` counts every prompt token, cached ones included (Anthropic reports the cached
    ones apart; they are added back here); ``cached_tokens_in`` is the part read from the
    provider's prompt cache. ``usage_estimated`` is True when the stream ended without usage
    (cancelled, or a server that does not report it): the counts are then a rough estimate of
    four characters per token, and ``decode_tok_per_s`` is None. ``bytes_sent`` counts the
    request bodies that went out, over all attempts. ``ttft_s`` runs from the call to the first
    text, retries included.
    """

    text: str
    finish_reason: FinishReason
    provider: str
    model: str
    host: str
    tokens_in: int
    tokens_out: int
    cached_tokens_in: int
    usage_estimated: bool
    bytes_sent: int
    ttft_s: float | None
    decode_tok_per_s: float | None
    duration_s: float
    attempts: int


class CloudProvider(Protocol):
    """A streaming chat endpoint of the private or frontier tier, shaped like the local engine.

    ``chat`` delivers text to ``on_text`` as it arrives and returns the answer with usage;
    ``stop`` ends it at once, keeping the text so far. Failures raise a
    ``CloudError`` (see ``errors``). One thread uses a provider at a time.
    """

    provider: str
    model: str
    host: str
    tier: Tier

    def request_body(self, messages: Sequence[ChatMessage], params: GenerationParams) -> bytes:
        """The exact bytes ``chat`` sends as each request's body."""
        ...

    def chat(self, messages: Sequence[ChatMessage], params: GenerationParams, *,
             on_text: TextSink, stop: StopSignal | None = None,
             on_request: RequestSink | None = None) -> CloudAnswer: ...

    def close(self) -> None: ...


@dataclass(frozen=True, kw_only=True)
class ErrorDetail:
    """A provider's error, from a response body or an error event in the stream.

    ``status`` is the HTTP status (for an event, the one the provider documents for its type);
    ``quota`` says it is about money or quota rather than rate, so it must not be retried.
    """

    status: int
    kind: str
    message: str
    quota: bool = False
    wait_s: float | None = None


class StreamFailed(Exception):
    """Raised by a reader for an error the provider reported inside a 200 stream."""

    def __init__(self, detail: ErrorDetail) -> None:
        super().__init__(detail.kind)
        self.detail = detail


class MalformedStream(Exception):
    """Raised by a reader for an event that is not in the documented format."""


@dataclass
class Usage:
    """Token counts as the provider reported them; None where it has not (yet)."""

    tokens_in: int | None = None
    tokens_out: int | None = None
    cached_in: int = 0


class EventReader(Protocol):
    """Turns one provider's server-sent events into text, usage and a finish reason."""

    usage: Usage
    model: str | None
    finish: FinishReason | None  # set once the provider said why it stopped: the answer is whole
    # Characters the model generated that are not the answer (reasoning or thinking text some
    # servers stream): progress for the idle deadline, and output tokens for the local cap.
    hidden_chars: int

    def feed(self, event: ServerSentEvent) -> str:
        """Consume one event and return its text ("" if none).

        Raises StreamFailed for an error event, MalformedStream for one it cannot read.
        """
        ...


class Dialect(Protocol):
    """One provider's wire format: the request it expects and the stream it sends back."""

    provider: str  # the receipt's name: "anthropic", "openai", "gemini", "openai-compatible"
    display: str  # for messages: "Anthropic", "OpenAI", "Gemini", "the private server"
    key_account: str  # keyring account of its key

    def url(self, base_url: str, model: str) -> str: ...

    def headers(self, key: str | None) -> dict[str, str]: ...

    def body(self, messages: Sequence[ChatMessage], params: GenerationParams,
             model: str) -> dict[str, Any]: ...

    def reader(self) -> EventReader: ...

    def error_detail(self, status: int, payload: object) -> ErrorDetail: ...
