"""The ASGI application: OpenAI's routes over Hearth's assistant.

Why Starlette (under uvicorn), not FastAPI or a hand-written HTTP server: both are maintained,
both already ship in the bundle (llama-cpp-python's server extra depends on them), and
Starlette alone is the part needed (routing, requests, CORS) — FastAPI's validation layer
would add import time for fields checked by hand here anyway (desktop/server/_requests.py).
Measured on the development machine (warm cache): importing Starlette and uvicorn takes about
75 ms, FastAPI about 175 ms more. They are imported only by ``hearth serve``, never by the rest
of the CLI (``tests/server/test_startup.py`` checks it).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from desktop.core.assistant import ClientTurns, client_name
from desktop.core.conversations import Conversations
from desktop.core.errors import KnownError
from desktop.server._embeddings import MODEL as EMBEDDING_MODEL
from desktop.server._embeddings import EmbeddingSlot, not_installed
from desktop.server._errors import ApiError, bad_request
from desktop.server._jobs import TurnJob
from desktop.server._queue import QueueFull, TurnQueue
from desktop.server._requests import MODEL_ROUTES, parse_chat, parse_json
from desktop.server._responses import TurnResponse, send_error

_LOG = logging.getLogger("hearth.server")


@dataclass(frozen=True, kw_only=True)
class GatewayLimits:
    """What one request may ask of the server (settings ``server.*``)."""

    max_body_bytes: int
    max_prompt_chars: int


class Gateway:
    """The state the routes share: the assistant's client turns, the queue, the token."""

    def __init__(self, turns: ClientTurns, conversations: Conversations, token: str,
                 limits: GatewayLimits, queue: TurnQueue, embeddings: EmbeddingSlot) -> None:
        self.turns = turns
        self.embeddings = embeddings
        self.conversations = conversations
        self.token = token
        self.limits = limits
        self.queue = queue


def create_app(gateway: Gateway, *, cors_origins: tuple[str, ...] = ()) -> Starlette:
    """The application; CORS answers only the origins given (none: browsers are refused)."""
    middleware = [Middleware(_BearerToken, token=gateway.token),
                  Middleware(_BodyLimit, limit=gateway.limits.max_body_bytes)]
    if cors_origins:
        # Outermost, so a browser's preflight (which carries no token) gets its answer.
        middleware.insert(0, Middleware(CORSMiddleware, allow_origins=list(cors_origins),
                                        allow_methods=["GET", "POST"],
                                        allow_headers=["authorization", "content-type"],
                                        expose_headers=["x-hearth-tier", "x-hearth-privacy",
                                                        "x-hearth-receipt"]))
    routes = [
        Route("/v1/models", _models, methods=["GET"]),
        Route("/v1/chat/completions", _chat, methods=["POST"]),
        Route("/v1/embeddings", _embeddings, methods=["POST"]),
        Route("/v1/receipts/{receipt_id}", _receipt, methods=["GET"]),
    ]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={ApiError: _api_error, 404: _not_found,
                                        405: _not_allowed})
    app.state.gateway = gateway
    return app


# -- routes -----------------------------------------------------------------------------------

async def _models(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    created = int(time.time())
    names = [*MODEL_ROUTES, *([EMBEDDING_MODEL] if gateway.embeddings.installed() else [])]
    # How many requests wait for the model: an app can see how busy it is before asking.
    return JSONResponse({"object": "list", "data": [
        {"id": name, "object": "model", "created": created, "owned_by": "hearth"}
        for name in names]}, headers={"x-hearth-waiting": str(gateway.queue.waiting())})


async def _chat(request: Request) -> Response | TurnResponse:
    gateway: Gateway = request.app.state.gateway
    body = parse_json(await request.body())
    chat = parse_chat(body, max_prompt_chars=gateway.limits.max_prompt_chars)
    client = client_name(chat.user, request.headers.get("user-agent"))
    job = TurnJob(gateway.turns, chat, client, asyncio.get_running_loop())
    try:
        gateway.queue.submit(job)
    except QueueFull as exc:
        raise ApiError(429, f"the local model is busy with {gateway.queue.waiting()} waiting "
                            f"requests; retry in {exc.retry_after_s} s", code="queue_full",
                       headers={"retry-after": str(exc.retry_after_s)}) from None
    return TurnResponse(job, gateway.queue, chat)


async def _embeddings(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    body = parse_json(await request.body())
    if not gateway.embeddings.installed():
        raise not_installed()
    return JSONResponse(await asyncio.to_thread(gateway.embeddings.embed, body))


async def _receipt(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    raw = request.path_params["receipt_id"]
    if not raw.isdigit():
        raise bad_request("a receipt id is a whole number (the x-hearth-receipt header)",
                          param="receipt_id")
    found = await asyncio.to_thread(_client_receipt, gateway.conversations, int(raw))
    if found is None:
        # Receipts of questions asked in the window are not shown to other apps.
        raise ApiError(404, f"no receipt {raw} from an app using this server",
                       code="receipt_not_found")
    return JSONResponse(found)


def _client_receipt(conversations: Conversations, message_id: int) -> dict[str, Any] | None:
    try:
        message = conversations.message(message_id)
        conversation = conversations.get(message.conversation_id)
    except KnownError:
        return None
    if message.receipt is None or conversation.origin is None:
        return None
    return {"id": message.id, "object": "hearth.receipt", "conversation_id": conversation.id,
            "client": conversation.origin, "status": message.status,
            "receipt": message.receipt.to_dict()}


# -- errors -----------------------------------------------------------------------------------

async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return Response(exc.body(), status_code=exc.status, headers=exc.headers,
                    media_type="application/json")


async def _not_found(request: Request, exc: Exception) -> Response:
    return await _api_error(request, ApiError(404, f"no route {request.url.path}",
                                              code="not_found"))


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return await _api_error(request, ApiError(405, f"{request.method} is not allowed on "
                                                   f"{request.url.path}",
                                              code="method_not_allowed"))


# -- middleware -------------------------------------------------------------------------------

class _BearerToken:
    """Every request needs ``Authorization: Bearer <token>`` (compared in constant time)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self._app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not secrets.compare_digest(given, self._expected):
                await send_error(send, ApiError(
                    401, "a valid token is required: Authorization: Bearer <token> "
                         "(see 'hearth serve --show-token')", code="invalid_api_key"))
                return
        await self._app(scope, receive, send)


class _BodyLimit:
    """Refuses a body over ``limit`` bytes with 413, by its Content-Length or as it arrives."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self._app = app
        self._limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._limit:
            await send_error(send, self._too_large())
            return
        received = 0

        async def limited() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._limit:
                    raise self._too_large()
            return message

        try:
            await self._app(scope, limited, send)
        except ApiError as exc:
            await send_error(send, exc)

    def _too_large(self) -> ApiError:
        return ApiError(413, f"the request body is larger than {self._limit} bytes "
                             "(setting server.max_request_kb)", code="request_too_large")
