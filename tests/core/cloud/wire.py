"""What each provider sends, as its documentation shows it: streams, errors, and ways to cut them.

The builders return the exact bytes of a response body, so tests can split them anywhere.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

from tests.core.cloud.loopback import Reply

SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
JSON_HEADERS = {"content-type": "application/json"}

# Multi-byte UTF-8 in every delta: 2-, 3- and 4-byte characters.
TEXTS = ("Grüße aus", " 日本語の", " Küche 🙂", " fin.")
ANSWER = "".join(TEXTS)
PROMPT_TOKENS, ANSWER_TOKENS, CACHED_TOKENS = 31, 9, 5


def event(data: Any, name: str | None = None, *, newline: str = "\n") -> bytes:
    lines = [f"event: {name}"] if name else []
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    lines += [f"data: {line}" for line in text.split("\n")]
    return (newline.join(lines) + newline + newline).encode("utf-8")


def comment(text: str = "ping", *, newline: str = "\n") -> bytes:
    return f": {text}{newline}".encode()


def anthropic_stream(texts: Sequence[str] = TEXTS, *, newline: str = "\n",
                     stop_reason: str = "end_turn", end: bool = True,
                     model: str = "claude-test-1") -> bytes:
    """Messages API events: message_start, ping, one text block, message_delta, message_stop."""
    parts = [
        event({"type": "message_start", "message": {
            "id": "msg_01", "type": "message", "role": "assistant", "content": [],
            "model": model, "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": PROMPT_TOKENS - CACHED_TOKENS, "output_tokens": 1,
                      "cache_creation_input_tokens": 0,
                      "cache_read_input_tokens": CACHED_TOKENS}}},
            "message_start", newline=newline),
        event({"type": "content_block_start", "index": 0,
               "content_block": {"type": "text", "text": ""}},
              "content_block_start", newline=newline),
        event({"type": "ping"}, "ping", newline=newline),
    ]
    for text in texts:
        parts.append(event({"type": "content_block_delta", "index": 0,
                            "delta": {"type": "text_delta", "text": text}},
                           "content_block_delta", newline=newline))
    parts.append(event({"type": "content_block_stop", "index": 0}, "content_block_stop",
                       newline=newline))
    if end:
        parts.append(event({"type": "message_delta",
                            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                            "usage": {"output_tokens": ANSWER_TOKENS}},
                           "message_delta", newline=newline))
        parts.append(event({"type": "message_stop"}, "message_stop", newline=newline))
    return b"".join(parts)


def anthropic_error_event(error_type: str = "overloaded_error",
                          message: str = "Overloaded") -> bytes:
    return event({"type": "error", "error": {"type": error_type, "message": message}}, "error")


def openai_stream(texts: Sequence[str] = TEXTS, *, newline: str = "\n", usage: bool = True,
                  finish: str = "stop", model: str = "gpt-test-1") -> bytes:
    """Chat Completions chunks: role, deltas, finish_reason, the usage chunk, [DONE]."""

    def chunk(choices: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> bytes:
        body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                "model": model, "choices": choices, **({"usage": None} if usage else {})}
        body.update(extra or {})
        return event(body, newline=newline)

    parts = [chunk([{"index": 0, "delta": {"role": "assistant", "content": ""},
                     "finish_reason": None}])]
    parts += [chunk([{"index": 0, "delta": {"content": text}, "finish_reason": None}])
              for text in texts]
    parts.append(chunk([{"index": 0, "delta": {}, "finish_reason": finish}]))
    if usage:
        parts.append(chunk([], {"usage": {
            "prompt_tokens": PROMPT_TOKENS, "completion_tokens": ANSWER_TOKENS,
            "total_tokens": PROMPT_TOKENS + ANSWER_TOKENS,
            "prompt_tokens_details": {"cached_tokens": CACHED_TOKENS}}}))
    parts.append(event("[DONE]", newline=newline))
    return b"".join(parts)


def openai_chunk(text: str = "", *, reasoning: str = "", finish: str | None = None,
                 usage: dict[str, int] | None = None) -> bytes:
    """One Chat Completions chunk, as an OpenAI-compatible server (model ``open-test-1``)
    streams it; ``reasoning`` goes in ``reasoning_content``, as llama.cpp server sends it."""
    delta: dict[str, str] = {}
    if text:
        delta["content"] = text
    if reasoning:
        delta["reasoning_content"] = reasoning
    body: dict[str, Any] = {"id": "c1", "object": "chat.completion.chunk", "model": "open-test-1",
                            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if usage is not None:
        body["usage"] = usage
    return event(body)


def gemini_stream(texts: Sequence[str] = TEXTS, *, newline: str = "\r\n",
                  finish: str = "STOP", model: str = "gemini-test-001") -> bytes:
    """streamGenerateContent?alt=sse: one GenerateContentResponse per event, CRLF as Google
    sends them; the last carries finishReason and the final usageMetadata."""
    parts = []
    for i, text in enumerate(texts):
        last = i == len(texts) - 1
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]},
                                     "index": 0}
        usage: dict[str, Any] = {"promptTokenCount": PROMPT_TOKENS,
                                 "cachedContentTokenCount": CACHED_TOKENS,
                                 "totalTokenCount": PROMPT_TOKENS}
        if last:
            candidate["finishReason"] = finish
            usage.update(candidatesTokenCount=ANSWER_TOKENS - 2, thoughtsTokenCount=2,
                         totalTokenCount=PROMPT_TOKENS + ANSWER_TOKENS)
        parts.append(event({"candidates": [candidate], "usageMetadata": usage,
                            "modelVersion": model, "responseId": "r1"}, newline=newline))
    return b"".join(parts)


STREAMS = {"anthropic": anthropic_stream, "openai": openai_stream, "gemini": gemini_stream,
           "private": openai_stream}


def sse_reply(body: bytes, pieces: Sequence[bytes] | None = None, **kwargs: Any) -> Reply:
    return Reply(200, dict(SSE_HEADERS), list(pieces) if pieces is not None else [body],
                 **kwargs)


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {**JSON_HEADERS, **(headers or {})},
                 [json.dumps(payload).encode("utf-8")])


def anthropic_error(status: int, error_type: str, message: str,
                    headers: dict[str, str] | None = None, **extra: Any) -> Reply:
    error = {"type": error_type, "message": message, **extra}
    return json_reply(status, {"type": "error", "error": error, "request_id": "req_1"}, headers)


def openai_error(status: int, message: str, code: str | None, error_type: str = "",
                 headers: dict[str, str] | None = None) -> Reply:
    return json_reply(status, {"error": {"message": message, "type": error_type,
                                         "param": None, "code": code}}, headers)


def gemini_error(status: int, state: str, message: str,
                 details: list[dict[str, Any]] | None = None) -> Reply:
    return json_reply(status, {"error": {"code": status, "message": message, "status": state,
                                         "details": details or []}})


# -- cutting a body ----------------------------------------------------------------------------


def every_byte(body: bytes) -> list[bytes]:
    return [body[i:i + 1] for i in range(len(body))]


def inside_characters(body: bytes) -> list[bytes]:
    """Cut after the first byte of every multi-byte UTF-8 character."""
    cuts = [i + 1 for i, byte in enumerate(body) if byte >= 0xC0]
    return cut_at(body, cuts)


def at_random(body: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return cut_at(body, sorted(rng.sample(range(1, len(body)), k=min(40, len(body) - 1))))


def cut_at(body: bytes, cuts: Sequence[int]) -> list[bytes]:
    edges = [0, *cuts, len(body)]
    return [body[a:b] for a, b in zip(edges, edges[1:], strict=False) if b > a]
