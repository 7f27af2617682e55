"""What leaves the device for a cloud tier: the (redacted) conversation, previewed and audited."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from desktop.core.chat import ChatMessage
from desktop.core.routing import Redaction, Restorer, redact, scan


@dataclass(frozen=True, kw_only=True)
class ConsentRequest:
    """Shown to the user before sending: the exact text, the host, and why it is asked."""

    tier: str
    host: str
    payload: str
    classes: tuple[str, ...]
    redacted: bool
    reason: str


Consent = Callable[[ConsentRequest], bool]


@dataclass(frozen=True)
class Outbound:
    """The messages that will be sent, and how to put placeholders back in the reply."""

    messages: tuple[ChatMessage, ...]
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def redacted(self) -> bool:
        return bool(self.mapping)

    def restorer(self) -> Restorer:
        return Restorer(self.mapping)

    def preview(self) -> str:
        """The payload as a person reads it: one block per message, exactly as sent."""
        return "\n\n".join(f"[{m.role}]\n{m.content}" for m in self.messages)

    def fingerprint_text(self) -> str:
        """Canonical text of the payload for the audit log's hash (the log never holds it)."""
        return json.dumps([[m.role, m.content] for m in self.messages], ensure_ascii=False)


def prepare_outbound(messages: Sequence[ChatMessage], *, redact_kinds: frozenset[str],
                     custom_terms: Sequence[str]) -> Outbound:
    """Redact the ``redact_kinds`` findings of every message with one shared mapping (the same
    value gets the same placeholder across the conversation). The system prompt is the user's
    own instruction and is sent as written."""
    if not redact_kinds:
        return Outbound(tuple(messages))
    mapping: dict[str, str] = {}
    sent: list[ChatMessage] = []
    for message in messages:
        if message.role == "system":
            sent.append(message)
            continue
        findings = [f for f in scan(message.content, custom_terms=custom_terms)
                    if f.kind in redact_kinds]
        result: Redaction = redact(message.content, findings, known=mapping)
        mapping = dict(result.mapping)
        sent.append(ChatMessage(message.role, result.text))
    return Outbound(tuple(sent), mapping)
