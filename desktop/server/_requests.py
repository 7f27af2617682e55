"""What an OpenAI chat request asks for, checked field by field (a bad one names its ``param``).

Only what Hearth honours is read: the messages, the model name (which chooses the route),
``max_tokens`` / ``max_completion_tokens``, ``temperature``, ``seed``, ``stop``, ``stream``,
``stream_options.include_usage`` and ``user``. Other OpenAI fields are accepted and ignored, as
llama.cpp's server does, so existing apps keep working.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from desktop.core.chat import ChatMessage, Role
from desktop.core.routing import TierChoice
from desktop.server._errors import ApiError, bad_request

# Model names an app may ask for, and the route each one means.
MODEL_ROUTES: dict[str, TierChoice] = {
    "hearth-auto": "auto",          # the router decides, as in the window
    "hearth-local": "local",        # this computer only
    "hearth-private": "private",    # your OpenAI-compatible server, when escalation allows it
    "hearth-frontier": "frontier",  # the frontier API, when escalation allows it
}
_ROLES: dict[str, Role] = {"system": "system", "developer": "system", "user": "user",
                           "assistant": "assistant"}
_MAX_STOP_SEQUENCES = 4  # OpenAI's own limit


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatRequest:
    """One checked ``POST /v1/chat/completions`` body."""

    model: str
    tier: TierChoice
    messages: tuple[ChatMessage, ...]
    stream: bool
    include_usage: bool
    max_tokens: int | None
    temperature: float | None
    seed: int | None
    stop: tuple[str, ...]
    user: str | None


def parse_json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad_request(f"the request body is not valid JSON ({exc})",
                          code="invalid_json") from None
    if not isinstance(value, dict):
        raise bad_request("the request body must be a JSON object", code="invalid_json")
    return value


def route_for(model: object) -> TierChoice:
    if not isinstance(model, str) or not model:
        raise bad_request("'model' is required: one of " + ", ".join(MODEL_ROUTES),
                          param="model")
    try:
        return MODEL_ROUTES[model]
    except KeyError:
        raise ApiError(404, f"the model {model!r} does not exist; this server offers "
                            + ", ".join(MODEL_ROUTES), code="model_not_found",
                       param="model") from None


def parse_chat(body: dict[str, Any], *, max_prompt_chars: int) -> ChatRequest:
    """The request, or ``ApiError`` (400, or 404 for an unknown model)."""
    tier = route_for(body.get("model"))
    messages = _messages(body.get("messages"))
    size = sum(len(m.content) for m in messages)
    if size > max_prompt_chars:
        raise bad_request(f"the messages hold {size} characters; this server takes at most "
                          f"{max_prompt_chars} (setting server.max_prompt_chars)",
                          param="messages", code="context_length_exceeded")
    stream = _optional(body, "stream", bool) or False
    options = _optional(body, "stream_options", dict) or {}
    include_usage = options.get("include_usage", False)
    if not isinstance(include_usage, bool):
        raise bad_request("'stream_options.include_usage' must be true or false",
                          param="stream_options")
    max_tokens = _optional(body, "max_completion_tokens", int)
    if max_tokens is None:
        max_tokens = _optional(body, "max_tokens", int)
    if max_tokens is not None and max_tokens < 1:
        raise bad_request("'max_tokens' must be at least 1", param="max_tokens")
    temperature = _optional(body, "temperature", float)
    if temperature is not None and not (0.0 <= temperature <= 2.0):
        raise bad_request("'temperature' must be between 0 and 2", param="temperature")
    user = _optional(body, "user", str)
    return ChatRequest(model=body["model"], tier=tier, messages=messages, stream=stream,
                       include_usage=include_usage, max_tokens=max_tokens,
                       temperature=temperature, seed=_optional(body, "seed", int),
                       stop=_stop(body.get("stop")), user=user)


def _messages(value: object) -> tuple[ChatMessage, ...]:
    if not isinstance(value, list) or not value:
        raise bad_request("'messages' must be a non-empty array", param="messages")
    messages = []
    for index, item in enumerate(value):
        where = f"messages[{index}]"
        if not isinstance(item, dict):
            raise bad_request(f"{where} must be an object", param=where)
        role = _ROLES.get(str(item.get("role")))
        if role is None:
            raise bad_request(f"{where}.role must be one of system, developer, user, assistant "
                              f"(tools are not supported)", param=f"{where}.role")
        messages.append(ChatMessage(role, _content(item.get("content"), where)))
    return tuple(messages)


def _content(value: object, where: str) -> str:
    """A message's text: a string, or an array of text parts (images are not supported)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, list):
        texts = []
        for part in value:
            if not (isinstance(part, dict) and part.get("type") == "text"
                    and isinstance(part.get("text"), str)):
                raise bad_request(f"{where}.content may only hold text parts",
                                  param=f"{where}.content")
            texts.append(part["text"])
        return "".join(texts)
    raise bad_request(f"{where}.content must be a string or an array of text parts",
                      param=f"{where}.content")


def _stop(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    stops = [value] if isinstance(value, str) else value
    if (not isinstance(stops, list) or len(stops) > _MAX_STOP_SEQUENCES
            or not all(isinstance(s, str) and s for s in stops)):
        raise bad_request("'stop' must be a string or an array of up to 4 non-empty strings",
                          param="stop")
    return tuple(stops)


def _optional(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if value is None:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise bad_request(f"'{name}' must be {_KIND_WORDS[kind]}", param=name)
    if isinstance(value, float) and not math.isfinite(value):
        raise bad_request(f"'{name}' must be a finite number", param=name)
    return value


_KIND_WORDS = {bool: "true or false", int: "a whole number", float: "a number",
               str: "a string", dict: "an object"}
