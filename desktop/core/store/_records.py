"""The records the store hands out, and how they map to rows and columns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from desktop.core.receipt import Receipt

ROLES = ("system", "user", "assistant")
STATUSES = ("complete", "streaming", "stopped", "failed")

CONVERSATION_COLUMNS = "id, title, created_at, updated_at, locked_local, origin, collections"
MESSAGE_COLUMNS = ("id, conversation_id, role, content, status, created_at, receipt, parent_id,"
                   " chosen_at")


@dataclass(frozen=True, slots=True)
class Conversation:
    """One chat; ``locked_local`` means it never leaves the device, whatever the router says."""

    id: int
    title: str
    created_at: float
    updated_at: float
    locked_local: bool
    origin: str | None = None  # None: asked on this device; else the local server's client
    collections: tuple[str, ...] = ()  # document collections its questions draw on


@dataclass(frozen=True, slots=True)
class Message:
    """One turn of a chat; ``receipt`` says where an answer was made and what it cost.

    ``parent_id`` is the message it follows (None for a first question); see ``_branches``.
    """

    id: int
    conversation_id: int
    role: str
    content: str
    status: str
    created_at: float
    receipt: Receipt | None
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredReceipt:
    """The receipt of one answer or attempt, without the message's text (for the ledger)."""

    message_id: int
    conversation_id: int
    created_at: float
    status: str
    receipt: Receipt


@dataclass(frozen=True, slots=True)
class Thread:
    """A conversation as shown: the chosen path, and each of its messages' versions."""

    messages: list[Message]
    versions: dict[int, tuple[int, ...]]

    def version_of(self, message_id: int) -> tuple[int, int]:
        """(1-based position, count) of this message among its versions."""
        ids = self.versions.get(message_id, (message_id,))
        return ids.index(message_id) + 1, len(ids)


def check_role(role: str) -> None:
    """Reject a role the schema does not allow (a bug in the caller, hence ValueError)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}; got {role!r}")


def check_status(status: str) -> None:
    """Reject a status the schema does not allow (a bug in the caller, hence ValueError)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}; got {status!r}")


def dump_receipt(receipt: Receipt | None) -> str | None:
    """The receipt as stored: JSON, keys sorted, non-ASCII kept readable."""
    if receipt is None:
        return None
    return json.dumps(receipt.to_dict(), ensure_ascii=False, sort_keys=True)


def load_receipt(text: str | None) -> Receipt | None:
    """The stored receipt; ``None`` when there is none or it is damaged."""
    if text is None:
        return None
    try:
        value = json.loads(text)
        # A damaged receipt must not make the whole conversation unreadable.
        return Receipt.from_dict(value) if isinstance(value, dict) else None
    except (ValueError, TypeError, KeyError):
        return None


def conversation_from_row(row: tuple[Any, ...]) -> Conversation:
    """A ``Conversation`` from a row of ``CONVERSATION_COLUMNS``."""
    return Conversation(row[0], row[1], row[2], row[3], bool(row[4]), row[5],
                        _collection_names(row[6]))


def _collection_names(raw: str | None) -> tuple[str, ...]:
    """The stored JSON array of collection names; anything unreadable counts as none."""
    if not raw:
        return ()
    try:
        names = json.loads(raw)
    except ValueError:
        return ()
    if not isinstance(names, list):
        return ()
    return tuple(name for name in names if isinstance(name, str))


def message_from_row(row: tuple[Any, ...]) -> Message:
    """A ``Message`` from a row of ``MESSAGE_COLUMNS``."""
    return Message(row[0], row[1], row[2], row[3], row[4], row[5], load_receipt(row[6]), row[7])
