"""OpenAI Chat Completions, and every server that copies it (llama.cpp server, vLLM, Ollama).

``POST {base}/chat/completions`` with ``"stream": true`` and
``"stream_options": {"include_usage": true}``: ``data:`` chunks with ``choices[0].delta.content``
and ``finish_reason``, then one chunk with empty ``choices`` and the request's ``usage``, then
``data: [DONE]``. A server that ignores ``stream_options`` sends no usage: it is then estimated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from httpx_sse import ServerSentEvent

from desktop.core.chat import ChatMessage, GenerationParams
from desktop.core.cloud._types import ErrorDetail, FinishReason, StreamFailed, Usage
from desktop.core.cloud._wire import count, dig, error_message, load_json, split_system, text_of

# Codes and types OpenAI uses when money or quota ran out (429 or 403), never worth a retry.
_QUOTA_CODES = {"insufficient_quota", "billing_hard_limit_reached", "billing_not_active",
                "credit_balance_exhausted"}
_QUOTA_PHRASES = ("exceeded your current quota", "billing", "spend limit", "usage limit")
_REASONING_FIELDS = ("reasoning_content", "reasoning")


class OpenAIChat:
    """The Chat Completions wire format (``Authorization: Bearer``).

    ``compatible`` selects the private tier's flavour: any OpenAI-compatible server, the key
    optional, the portable ``max_tokens`` and sampling fields. The official API gets
    ``max_completion_tokens`` and no sampling fields, since its reasoning models accept only
    their defaults.
    """

    def __init__(self, *, compatible: bool) -> None:
        self._compatible = compatible
        self.provider = "openai-compatible" if compatible else "openai"
        self.display = "the private server" if compatible else "OpenAI"
        self.key_account = "private" if compatible else "openai"

    def url(self, base_url: str, model: str) -> str:
        return f"{base_url.rstrip('/')}/chat/completions"

    def headers(self, key: str | None) -> dict[str, str]:
        return {} if key is None else {"authorization": f"Bearer {key}"}

    def body(self, messages: Sequence[ChatMessage], params: GenerationParams,
             model: str) -> dict[str, Any]:
        system, turns = split_system(messages)
        chat = [{"role": "system", "content": system}] if system else []
        chat += [{"role": role, "content": content} for role, content in turns]
        body: dict[str, Any] = {
            "model": model,
            "messages": chat,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if self._compatible:
            body.update(max_tokens=params.max_tokens, temperature=params.temperature,
                        top_p=params.top_p)
            if params.seed >= 0:
                body["seed"] = params.seed
        else:
            body["max_completion_tokens"] = params.max_tokens
        return body

    def reader(self) -> _ChunkReader:
        return _ChunkReader()

    def error_detail(self, status: int, payload: object) -> ErrorDetail:
        _, message = error_message(payload)
        code = text_of(dig(payload, "error", "code")) or text_of(dig(payload, "error", "type"))
        lowered = message.lower()
        quota = (code in _QUOTA_CODES
                 or (status in (403, 429) and any(p in lowered for p in _QUOTA_PHRASES)))
        return ErrorDetail(status=status, kind=code, message=message, quota=quota)


class _ChunkReader:
    def __init__(self) -> None:
        self.usage = Usage()
        self.model: str | None = None
        self.finish: FinishReason | None = None
        self.hidden_chars = 0

    def feed(self, event: ServerSentEvent) -> str:
        data = event.data.strip()
        if not data or data == "[DONE]":
            return ""
        chunk = load_json(data)
        if chunk.get("error"):
            raise StreamFailed(_stream_error(chunk))
        model = chunk.get("model")
        if isinstance(model, str) and model:
            self.model = model
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self.usage = Usage(
                tokens_in=count(usage.get("prompt_tokens")),
                tokens_out=count(usage.get("completion_tokens")),
                cached_in=count(dig(usage, "prompt_tokens_details", "cached_tokens")) or 0,
            )
        text = ""
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else ():
            if dig(choice, "index") not in (0, None):
                continue  # only one answer is asked for; ignore any other
            text += text_of(dig(choice, "delta", "content"))
            # Reasoning that llama.cpp server, vLLM, DeepSeek (reasoning_content) or OpenRouter
            # (reasoning) stream before the answer: not shown, but the model is at work.
            for name in _REASONING_FIELDS:
                self.hidden_chars += len(text_of(dig(choice, "delta", name)))
            reason = dig(choice, "finish_reason")
            if isinstance(reason, str) and reason:
                self.finish = "length" if reason == "length" else "stop"
        return text


def _stream_error(chunk: dict[str, Any]) -> ErrorDetail:
    """An error sent inside the stream; its status is guessed from its type or code."""
    kind, message = error_message(chunk)
    code = count(dig(chunk, "error", "code"))
    label = f"{kind} {text_of(dig(chunk, 'error', 'code'))}".lower()
    if code is not None and 400 <= code < 600:
        status = code
    elif "rate_limit" in label:
        status = 429
    elif "quota" in label or "billing" in label:
        status = 402
    elif "invalid_request" in label:
        status = 400
    else:
        status = 500
    return ErrorDetail(status=status, kind=kind, message=message, quota=status == 402)
