"""One chat request as a turn of the assistant, run on the queue's thread, with its events
passed to the request's event loop: which tier answers, the text as it comes, the end."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass

from desktop.core.assistant import (
    Attempt,
    ClientQuestion,
    ClientRequestError,
    ClientTurns,
    TurnOptions,
    TurnResult,
)
from desktop.core.chat import StopSignal
from desktop.core.cloud import CloudError
from desktop.core.errors import ContextOverflowError, KnownError, ModelLoadError
from desktop.core.local.slot import NoModelError
from desktop.server._errors import ApiError
from desktop.server._requests import ChatRequest
from desktop.server._stops import StopSequences

_LOG = logging.getLogger("hearth.server")


@dataclass(frozen=True, slots=True)
class Started:
    """An attempt is about to stream (the response's headers come from the last one)."""

    attempt: Attempt


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Finished:
    result: TurnResult
    text: str  # what the client was shown (cut before a stop sequence)
    finish_reason: str  # OpenAI's: "stop" or "length"


@dataclass(frozen=True, slots=True)
class Failed:
    error: ApiError


Event = Started | Text | Finished | Failed


class TurnJob:
    """A request's turn: built on the event loop, run on the queue's thread.

    ``cancel`` (the client went away) stops the answer at once through the same ``StopSignal``
    the window's Stop button uses.
    """

    def __init__(self, turns: ClientTurns, request: ChatRequest, client: str,
                 loop: asyncio.AbstractEventLoop) -> None:
        self._turns = turns
        self._request = request
        self._client = client
        self._loop = loop
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self.stop = StopSignal()
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()
        self.stop.set()

    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def run(self) -> None:
        request = self._request
        stops = StopSequences(request.stop)

        def on_text(piece: str) -> None:
            shown = stops.feed(piece)
            if shown:
                self._emit(Text(shown))
            if stops.matched:
                self.stop.set()

        def on_attempt(attempt: Attempt) -> None:
            # A later attempt (a cloud answer that broke off, then the local one; or the
            # cascade asking the cloud after an unsure local answer) starts its text afresh:
            # the whole body carries the final answer only. A stream gets a later attempt only
            # while nothing was shown (``single_attempt``), so it too carries one attempt.
            nonlocal stops
            stops = StopSequences(request.stop)
            self._emit(Started(attempt))

        options = TurnOptions(tier=request.tier, max_tokens=request.max_tokens,
                              temperature=request.temperature, seed=request.seed,
                              on_text=on_text, stop=self.stop, on_attempt=on_attempt,
                              single_attempt=request.stream)
        try:
            result = self._turns.ask(ClientQuestion(self._client, request.messages), options)
        except Exception as exc:  # noqa: BLE001 - every failure is answered in OpenAI's shape
            self._emit(Failed(_api_error(exc)))
            return
        if not stops.matched:
            tail = stops.flush()
            if tail:
                self._emit(Text(tail))
        finish = "length" if result.receipt.finish_reason == "length" and not stops.matched \
            else "stop"
        self._emit(Finished(result, "".join(stops.shown), finish))

    def _emit(self, event: Event) -> None:
        self._loop.call_soon_threadsafe(self.events.put_nowait, event)


def _api_error(exc: Exception) -> ApiError:
    """How a turn that failed with ``exc`` is answered."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, CloudError):  # broke off mid-stream; its receipt is kept (single_attempt)
        return ApiError(502, f"the cloud answer broke off: {exc.reason}",
                        code="cloud_answer_broke_off")
    if isinstance(exc, ClientRequestError):
        return ApiError(400, str(exc), code="invalid_value", param="messages")
    if isinstance(exc, (NoModelError, ModelLoadError)):
        return ApiError(503, f"the local model is not available: {exc}",
                        code="model_not_available")
    if isinstance(exc, ContextOverflowError):
        return ApiError(400, str(exc), code="context_length_exceeded", param="messages")
    if isinstance(exc, KnownError):
        return ApiError(500, str(exc), code="server_error")
    _LOG.error("a chat request failed", exc_info=exc)  # a bug: logged, the client gets a 500
    return ApiError(500, "Hearth could not answer (see its log)", code="server_error")
