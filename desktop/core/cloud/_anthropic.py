"""Anthropic's Messages API: ``POST /v1/messages`` with ``"stream": true``.

The stream is typed server-sent events: ``message_start`` (model, input usage),
``content_block_start`` / ``content_block_delta`` (``text_delta``), ``content_block_stop``,
``message_delta`` (stop reason and cumulative usage), ``message_stop``, ``ping`` any time, and
``error`` mid-stream (e.g. ``overloaded_error``). Unknown event types are skipped, as Anthropic's
versioning policy asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from httpx_sse import ServerSentEvent

from desktop.core.chat import ChatMessage, GenerationParams
from desktop.core.cloud._types import ErrorDetail, FinishReason, StreamFailed, Usage
from desktop.core.cloud._wire import count, dig, error_message, load_json, split_system, text_of

API_VERSION = "2023-06-01"

# The HTTP status Anthropic documents for each error type, for errors that arrive as events.
_STATUS_OF = {
    "invalid_request_error": 400, "authentication_error": 401, "billing_error": 402,
    "permission_error": 403, "not_found_error": 404, "request_too_large": 413,
    "rate_limit_error": 429, "api_error": 500, "timeout_error": 504, "overloaded_error": 529,
}
# Money, not rate: "Your credit balance is too low ...", spend limits, billing.
_QUOTA_WORDS = ("credit balance", "spend limit", "billing", "quota")


class AnthropicMessages:
    """The Messages API wire format (``x-api-key``, ``anthropic-version: 2023-06-01``)."""

    provider = "anthropic"
    display = "Anthropic"
    key_account = "anthropic"

    def url(self, base_url: str, model: str) -> str:
        return f"{base_url.rstrip('/')}/v1/messages"

    def headers(self, key: str | None) -> dict[str, str]:
        headers = {"anthropic-version": API_VERSION}
        if key is not None:
            headers["x-api-key"] = key
        return headers

    def body(self, messages: Sequence[ChatMessage], params: GenerationParams,
             model: str) -> dict[str, Any]:
        system, turns = split_system(messages)
        body: dict[str, Any] = {
            "model": model,
            "max_tokens": params.max_tokens,
            "messages": [{"role": role, "content": content} for role, content in turns],
            # Anthropic's range is 0..1; newer models refuse temperature and top_p together.
            "temperature": min(max(params.temperature, 0.0), 1.0),
            "stream": True,
        }
        if system:
            body["system"] = system
        return body

    def reader(self) -> _MessagesReader:
        return _MessagesReader()

    def error_detail(self, status: int, payload: object) -> ErrorDetail:
        kind, message = error_message(payload)
        code = dig(payload, "error", "details", "error_code")
        quota = (status == 402 or kind == "billing_error"
                 or code == "enforced_spend_limit_reached"
                 or (status in (400, 403, 429)
                     and any(word in message.lower() for word in _QUOTA_WORDS)))
        return ErrorDetail(status=status, kind=kind, message=message, quota=quota)


class _MessagesReader:
    def __init__(self) -> None:
        self.usage = Usage()
        self.model: str | None = None
        self.finish: FinishReason | None = None
        self._counts: dict[str, int] = {}
        self._output_final = False
        self.hidden_chars = 0

    def feed(self, event: ServerSentEvent) -> str:
        if not event.data:
            return ""
        data = load_json(event.data)
        kind = text_of(data.get("type")) or event.event
        if kind == "content_block_delta":
            delta = data.get("delta")
            if dig(delta, "type") == "thinking_delta":  # extended thinking: work, not answer
                self.hidden_chars += len(text_of(dig(delta, "thinking")))
            return text_of(dig(delta, "text")) if dig(delta, "type") == "text_delta" else ""
        if kind == "content_block_start":
            block = data.get("content_block")
            return text_of(dig(block, "text")) if dig(block, "type") == "text" else ""
        if kind == "message_start":
            self.model = text_of(dig(data, "message", "model")) or None
            self._take_usage(dig(data, "message", "usage"))
        elif kind == "message_delta":
            reason = dig(data, "delta", "stop_reason")
            if isinstance(reason, str):
                self.finish = "length" if reason in ("max_tokens",
                                                      "model_context_window_exceeded") else "stop"
            self._output_final = True  # message_delta's usage is cumulative and final
            self._take_usage(data.get("usage"))
        elif kind == "error":
            error_type = text_of(dig(data, "error", "type"))
            raise StreamFailed(ErrorDetail(
                status=_STATUS_OF.get(error_type, 500), kind=error_type,
                message=text_of(dig(data, "error", "message")),
                quota=error_type == "billing_error"))
        return ""

    def _take_usage(self, usage: object) -> None:
        if not isinstance(usage, dict):
            return
        for name, value in usage.items():
            number = count(value)
            if number is not None:
                self._counts[name] = number
        fresh = self._counts.get("input_tokens")
        cached = self._counts.get("cache_read_input_tokens", 0)
        written = self._counts.get("cache_creation_input_tokens", 0)
        # message_start's output_tokens is a placeholder; only message_delta's counts.
        output = self._counts.get("output_tokens") if self._output_final else None
        self.usage = Usage(tokens_in=None if fresh is None else fresh + cached + written,
                           tokens_out=output, cached_in=cached)
