"""The answer to a chat request, as OpenAI's Chat Completions API sends it: one JSON object, or
a stream of ``chat.completion.chunk`` server-sent events ending with ``data: [DONE]``.

The response starts only once an attempt has begun streaming (its first text, or its end), so
the ``x-hearth-*`` headers name the tier that answers: routing, the privacy gate and a fallback
to this device (say, because sending needed consent no one can give over the API) have all
happened by then. An error before that point is a proper HTTP error; after it, the stream ends
with an OpenAI-shaped error event. A stream carries one attempt's text: once some was sent, no
second attempt follows it (``TurnOptions.single_attempt``).

While it waits or streams, the response listens for the client's disconnect and cancels the
turn at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from desktop.core.assistant import Attempt, TurnResult
from desktop.server._errors import ApiError
from desktop.server._jobs import Failed, Finished, Started, Text, TurnJob
from desktop.server._queue import TurnQueue
from desktop.server._requests import ChatRequest


def hearth_headers(attempt: Attempt | None, result: TurnResult | None) -> dict[str, str]:
    """``x-hearth-tier``, ``-privacy``, ``-receipt`` (the receipt's id for /v1/receipts/{id}),
    ``-conversation`` and, when the answer replaced a cloud attempt, ``-fallback``."""
    if result is not None:
        receipt = result.receipt
        values = {"tier": receipt.tier, "privacy": receipt.privacy,
                  "receipt": str(result.assistant_message_id),
                  "conversation": str(result.conversation_id), "fallback": receipt.fallback}
    elif attempt is not None:
        values = {"tier": attempt.tier, "privacy": attempt.privacy,
                  "receipt": str(attempt.message_id), "fallback": attempt.fallback}
    else:
        return {}
    return {f"x-hearth-{name}": _header_text(value) for name, value in values.items()
            if value is not None}


def _header_text(value: str) -> str:
    # Header values are Latin-1 on the wire; a reason in other scripts keeps its ASCII form.
    return " ".join(value.split()).encode("ascii", "replace").decode()


def hearth_field(result: TurnResult) -> dict[str, Any]:
    """The ``hearth`` field of a body: the receipt and where to find it again."""
    return {"receipt_id": result.assistant_message_id,
            "conversation_id": result.conversation_id,
            "receipt": result.receipt.to_dict()}


def usage(result: TurnResult) -> dict[str, int]:
    receipt = result.receipt
    return {"prompt_tokens": receipt.tokens_in, "completion_tokens": receipt.tokens_out,
            "total_tokens": receipt.tokens_in + receipt.tokens_out}


class TurnResponse:
    """An ASGI response that runs ``job`` on ``queue`` and answers as the request asked."""

    def __init__(self, job: TurnJob, queue: TurnQueue, request: ChatRequest) -> None:
        self._job = job
        self._queue = queue
        self._request = request
        self._created = int(time.time())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        watcher = asyncio.create_task(self._watch_disconnect(receive))
        try:
            if self._request.stream:
                await self._stream(send)
            else:
                await self._whole(send)
        except OSError:
            self._give_up()  # the connection broke while sending
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def _watch_disconnect(self, receive: Receive) -> None:
        while True:
            message: Message = await receive()
            if message["type"] == "http.disconnect":
                self._give_up()
                return

    def _give_up(self) -> None:
        """The client went away: stop (or never start) its turn, and end this response now
        (a withdrawn job would never send the event it waits for)."""
        self._queue.withdraw(self._job)
        self._job.cancel()
        self._job.events.put_nowait(Failed(ApiError(400, "the client closed the connection",
                                                    code="client_closed")))

    async def _whole(self, send: Send) -> None:
        while True:
            event = await self._job.events.get()
            if isinstance(event, Failed):
                await send_error(send, event.error)
                return
            if isinstance(event, Finished):
                break
        result = event.result
        body = {
            "id": f"chatcmpl-{result.assistant_message_id}", "object": "chat.completion",
            "created": self._created, "model": self._request.model, "system_fingerprint": None,
            "choices": [{"index": 0, "logprobs": None, "finish_reason": event.finish_reason,
                         "message": {"role": "assistant", "content": event.text,
                                     "refusal": None}}],
            "usage": usage(result), "hearth": hearth_field(result),
        }
        await send_json(send, 200, body, hearth_headers(None, result))

    async def _stream(self, send: Send) -> None:
        attempt: Attempt | None = None
        event = await self._job.events.get()
        while isinstance(event, Started):
            attempt = event.attempt
            event = await self._job.events.get()
        if isinstance(event, Failed):
            await send_error(send, event.error)
            return
        result = event.result if isinstance(event, Finished) else None
        headers = {"content-type": "text/event-stream; charset=utf-8",
                   "cache-control": "no-cache", "x-accel-buffering": "no",
                   **hearth_headers(attempt, result)}
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(k.encode(), v.encode()) for k, v in headers.items()]})
        chunk_id = f"chatcmpl-{attempt.message_id if attempt else 0}"
        await self._chunk(send, chunk_id, {"role": "assistant", "content": ""})
        while True:
            if isinstance(event, Text):
                await self._chunk(send, chunk_id, {"content": event.text})
            elif isinstance(event, Failed):
                await _event(send, {"error": json.loads(event.error.body())["error"]})
                break
            elif isinstance(event, Finished):
                await self._finish(send, chunk_id, event)
                break
            event = await self._job.events.get()
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n",
                    "more_body": False})

    async def _finish(self, send: Send, chunk_id: str, event: Finished) -> None:
        last: dict[str, Any] = {"hearth": hearth_field(event.result)}
        if self._request.include_usage:
            await self._chunk(send, chunk_id, {}, finish_reason=event.finish_reason)
            await self._chunk(send, chunk_id, None, extra={"usage": usage(event.result), **last})
        else:
            await self._chunk(send, chunk_id, {}, finish_reason=event.finish_reason, extra=last)

    async def _chunk(self, send: Send, chunk_id: str, delta: dict[str, Any] | None, *,
                     finish_reason: str | None = None,
                     extra: dict[str, Any] | None = None) -> None:
        choices = [] if delta is None else [
            {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
        body: dict[str, Any] = {"id": chunk_id, "object": "chat.completion.chunk",
                                "created": self._created, "model": self._request.model,
                                "system_fingerprint": None, "choices": choices}
        if self._request.include_usage:
            body["usage"] = None  # OpenAI sends null until the last chunk
        body.update(extra or {})
        await _event(send, body)


async def _event(send: Send, data: dict[str, Any]) -> None:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    await send({"type": "http.response.body", "body": f"data: {payload}\n\n".encode(),
                "more_body": True})


async def send_json(send: Send, status: int, body: dict[str, Any],
                    headers: dict[str, str] | None = None) -> None:
    await _send_whole(send, status, json.dumps(body, ensure_ascii=False).encode(), headers or {})


async def send_error(send: Send, error: ApiError) -> None:
    await _send_whole(send, error.status, error.body(), error.headers)


async def _send_whole(send: Send, status: int, raw: bytes, headers: dict[str, str]) -> None:
    """A complete JSON response: ``raw`` with its length, after ``headers``."""
    pairs = {"content-type": "application/json", "content-length": str(len(raw)), **headers}
    await send({"type": "http.response.start", "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in pairs.items()]})
    await send({"type": "http.response.body", "body": raw, "more_body": False})
