"""Small helpers the wire formats share: the conversation as turns, and reading JSON safely."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from desktop.core.chat import ChatMessage, Role
from desktop.core.cloud._types import MalformedStream

CHARS_PER_TOKEN = 4  # a rough estimate for English text, used only when usage is missing


def split_system(messages: Sequence[ChatMessage]) -> tuple[str, list[tuple[Role, str]]]:
    """The system prompt (all system messages joined) and the other turns.

    Empty messages are dropped (a cancelled answer can leave one, and some APIs reject them),
    and neighbours of the same role are joined, since some APIs require strict alternation.
    """
    system = "\n\n".join(m.content for m in messages if m.role == "system" and m.content.strip())
    turns: list[tuple[Role, str]] = []
    for message in messages:
        if message.role == "system" or not message.content.strip():
            continue
        if turns and turns[-1][0] == message.role:
            turns[-1] = (message.role, f"{turns[-1][1]}\n\n{message.content}")
        else:
            turns.append((message.role, message.content))
    return system, turns


def load_json(data: str) -> dict[str, Any]:
    """The JSON object in an event's data, or MalformedStream."""
    try:
        value = json.loads(data)
    except ValueError:
        raise MalformedStream(f"an event is not valid JSON: {data[:80]!r}") from None
    if not isinstance(value, dict):
        raise MalformedStream(f"an event is not a JSON object: {data[:80]!r}")
    return value


def dig(container: object, *path: str | int) -> Any:
    """``container[path[0]][path[1]]...``, or None where a step is missing or the wrong type."""
    value: Any = container
    for step in path:
        if isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        elif isinstance(step, str) and isinstance(value, dict):
            value = value.get(step)
        else:
            return None
    return value


def count(value: object) -> int | None:
    """A token count from JSON: a non-negative whole number, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if value >= 0 and math.isfinite(value) else None


def text_of(value: object) -> str:
    return value if isinstance(value, str) else ""


def estimate_tokens(chars: int) -> int:
    """A rough token count for ``chars`` characters of text (four characters per token)."""
    return math.ceil(chars / CHARS_PER_TOKEN) if chars > 0 else 0


def error_message(payload: object) -> tuple[str, str]:
    """``(kind, message)`` from the ``{"error": {...}}`` body most providers send."""
    if isinstance(payload, list) and payload:  # Gemini sometimes wraps the error in a list
        payload = payload[0]
    error = dig(payload, "error")
    if isinstance(error, dict):
        kind = text_of(error.get("type")) or text_of(error.get("status")) \
            or text_of(error.get("code"))
        return kind, text_of(error.get("message"))
    if isinstance(error, str):
        return "", error
    detail = dig(payload, "detail")  # FastAPI-style servers
    if isinstance(detail, str):
        return "", detail
    return "", ""
