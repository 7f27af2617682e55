"""Google's Gemini API: ``POST /v1beta/models/{model}:streamGenerateContent?alt=sse``.

The key goes in the ``x-goog-api-key`` header, never in the URL. Each ``data:`` event is a whole
``GenerateContentResponse``: ``candidates[0].content.parts[].text``, ``finishReason`` on the last,
``usageMetadata`` (``promptTokenCount``, ``candidatesTokenCount``, ``thoughtsTokenCount``,
``cachedContentTokenCount``) and ``modelVersion``. There is no end marker: the stream ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from httpx_sse import ServerSentEvent

from desktop.core.chat import ChatMessage, GenerationParams
from desktop.core.cloud._retry import go_duration
from desktop.core.cloud._types import ErrorDetail, FinishReason, StreamFailed, Usage
from desktop.core.cloud._wire import count, dig, error_message, load_json, split_system, text_of

_LONG_WINDOWS = ("PerDay", "PerMonth")


class GeminiGenerate:
    """The ``streamGenerateContent`` wire format of the Gemini API."""

    provider = "gemini"
    display = "Gemini"
    key_account = "gemini"

    def url(self, base_url: str, model: str) -> str:
        name = quote(model.removeprefix("models/"), safe="-._~")
        return f"{base_url.rstrip('/')}/v1beta/models/{name}:streamGenerateContent?alt=sse"

    def headers(self, key: str | None) -> dict[str, str]:
        return {} if key is None else {"x-goog-api-key": key}

    def body(self, messages: Sequence[ChatMessage], params: GenerationParams,
             model: str) -> dict[str, Any]:
        system, turns = split_system(messages)
        body: dict[str, Any] = {
            "contents": [
                {"role": "model" if role == "assistant" else "user", "parts": [{"text": text}]}
                for role, text in turns
            ],
            "generationConfig": {
                "maxOutputTokens": params.max_tokens,
                "temperature": params.temperature,
            },
        }
        if system:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        return body

    def reader(self) -> _ResponseReader:
        return _ResponseReader()

    def error_detail(self, status: int, payload: object) -> ErrorDetail:
        kind, message = error_message(payload)
        if isinstance(payload, list) and payload:
            payload = payload[0]
        details = dig(payload, "error", "details")
        quota, wait = False, None
        if status == 429 or kind == "RESOURCE_EXHAUSTED":
            quota, wait = _exhausted(details if isinstance(details, list) else [], message)
        return ErrorDetail(status=status, kind=kind, message=message,
                           quota=quota or status == 402, wait_s=wait)


def _exhausted(details: list[Any], message: str) -> tuple[bool, float | None]:
    """``(is_quota, wait_s)`` for RESOURCE_EXHAUSTED.

    Gemini uses it both for a per-minute limit (with a ``RetryInfo`` delay: a rate limit) and
    for a daily quota or billing problem (no point retrying today). The message alone cannot
    tell them apart; the ``QuotaFailure`` quota ids and the ``RetryInfo`` can.
    """
    wait: float | None = None
    long_window = False
    for detail in details:
        kind = text_of(dig(detail, "@type"))
        if kind.endswith("RetryInfo"):
            wait = go_duration(text_of(dig(detail, "retryDelay")))
        elif kind.endswith("QuotaFailure"):
            for violation in dig(detail, "violations") or ():
                quota_id = text_of(dig(violation, "quotaId"))
                long_window |= any(window in quota_id for window in _LONG_WINDOWS)
    lowered = message.lower()
    vague_quota = wait is None and ("quota" in lowered or "billing" in lowered)
    return long_window or vague_quota, None if long_window else wait


class _ResponseReader:
    def __init__(self) -> None:
        self.usage = Usage()
        self.model: str | None = None
        self.finish: FinishReason | None = None
        self._any_text = False
        self.hidden_chars = 0

    def feed(self, event: ServerSentEvent) -> str:
        if not event.data.strip():
            return ""
        response = load_json(event.data)
        if response.get("error"):
            kind, message = error_message(response)
            status = count(dig(response, "error", "code")) or 500
            raise StreamFailed(ErrorDetail(status=status, kind=kind, message=message,
                                           quota=status == 402))
        model = response.get("modelVersion")
        if isinstance(model, str) and model:
            self.model = model
        self._take_usage(response.get("usageMetadata"))
        candidate = dig(response, "candidates", 0)
        blocked = dig(response, "promptFeedback", "blockReason")
        if candidate is None and isinstance(blocked, str):
            raise StreamFailed(ErrorDetail(status=400, kind=blocked,
                                           message=f"the question was blocked ({blocked})"))
        parts = dig(candidate, "content", "parts") or ()
        text = "".join(text_of(dig(part, "text")) for part in parts
                       if not dig(part, "thought"))  # thought summaries are not the answer
        self.hidden_chars += sum(len(text_of(dig(part, "text"))) for part in parts
                                 if dig(part, "thought"))
        self._any_text |= bool(text)
        reason = dig(candidate, "finishReason")
        if isinstance(reason, str) and reason not in ("", "FINISH_REASON_UNSPECIFIED"):
            if reason == "MAX_TOKENS":
                self.finish = "length"
            elif reason == "STOP" or self._any_text:
                self.finish = "stop"
            else:  # SAFETY, RECITATION, PROHIBITED_CONTENT ... before any text: no answer
                raise StreamFailed(ErrorDetail(status=400, kind=reason,
                                               message=f"no answer was given ({reason})"))
        return text

    def _take_usage(self, metadata: object) -> None:
        if not isinstance(metadata, dict):
            return
        prompt = count(metadata.get("promptTokenCount"))
        answer = count(metadata.get("candidatesTokenCount"))
        thoughts = count(metadata.get("thoughtsTokenCount")) or 0  # billed as output
        self.usage = Usage(
            tokens_in=prompt,
            tokens_out=None if answer is None else answer + thoughts,
            cached_in=count(metadata.get("cachedContentTokenCount")) or 0,
        )
