"""What leaves the device for a cloud tier: the (redacted) conversation, previewed and audited."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from desktop.core.assistant._documents import INSTRUCTIONS
from desktop.core.chat import ChatMessage
from desktop.core.receipt import Finding
from desktop.core.routing import KINDS, Redaction, Restorer, RouteDecision, redact


@dataclass(frozen=True, kw_only=True)
class ConsentRequest:
    """Shown to the user before sending: the exact text, the host, and why it is asked."""

    tier: str
    host: str
    payload: str
    classes: tuple[str, ...]
    redacted: bool
    reason: str
    changed_parts: tuple[str, ...] = ()  # which parts redaction changed ("system prompt" …)
    # Sensitive values still in ``payload`` (spans into it), for the dialog to highlight.
    spans: tuple[Finding, ...] = ()
    # What "replace, then send" would send instead: every sensitive value of the conversation
    # replaced by its placeholder. None when no value is left to replace.
    replaced_payload: str | None = None


class ConsentChoice(StrEnum):
    """The user's answer to a ``ConsentRequest``."""

    SEND = "send"  # the payload as shown
    REPLACE = "replace"  # ``replaced_payload``: placeholders instead of every sensitive value
    KEEP_LOCAL = "keep_local"  # nothing leaves: answered on this device


# A bool answer is read as before: True sends the payload as shown, False keeps it here.
Consent = Callable[[ConsentRequest], ConsentChoice | bool]


def consent_choice(answer: ConsentChoice | bool) -> ConsentChoice:
    """A consent answer as a choice (``True`` → send, ``False`` → keep local)."""
    if isinstance(answer, ConsentChoice):
        return answer
    return ConsentChoice.SEND if answer is True else ConsentChoice.KEEP_LOCAL


@dataclass(frozen=True)
class Outbound:
    """The messages that will be sent, and how to put placeholders back in the reply."""

    messages: tuple[ChatMessage, ...]
    mapping: dict[str, str] = field(default_factory=dict)
    changed_parts: tuple[str, ...] = ()

    @property
    def redacted(self) -> bool:
        return bool(self.mapping)

    def restorer(self) -> Restorer:
        return Restorer(self.mapping)

    def preview(self) -> str:
        """The messages exactly as sent, as JSON: no text inside a message can imitate the
        boundary between two messages or their roles (a ``[user]`` line in a prompt stays
        inside its string)."""
        return json.dumps([{"role": m.role, "content": m.content} for m in self.messages],
                          ensure_ascii=False, indent=2)


Scan = Callable[[Sequence[str]], list[tuple[Finding, ...]]]


def payload_spans(outbound: Outbound, scan: Scan) -> tuple[Finding, ...]:
    """The sensitive values still in ``outbound``, as spans into ``outbound.preview()``.

    The preview is JSON, whose escapes (``\\n``, ``\\"``) shift positions: each span is
    moved by the length of its message's text up to it, as JSON writes it.
    """
    preview = outbound.preview()
    found = scan([m.content for m in outbound.messages])
    spans: list[Finding] = []
    cursor = 0
    for message, findings in zip(outbound.messages, found, strict=True):
        encoded = _json_string(message.content)
        at = preview.find(f'"content": {encoded}', cursor)
        if at < 0:  # cannot happen with json.dumps; then nothing is highlighted
            continue
        start = at + len('"content": ') + 1  # past the opening quote
        cursor = start + len(encoded) - 1
        for finding in findings:
            offset = start + len(_json_string(message.content[:finding.start])) - 2
            length = len(_json_string(message.content[finding.start:finding.end])) - 2
            spans.append(Finding(kind=finding.kind, start=offset, end=offset + length))
    return tuple(spans)


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def prepare_outbound(messages: Sequence[ChatMessage], *, redact_kinds: frozenset[str],
                     scan: Scan) -> Outbound:
    """Redact the ``redact_kinds`` findings in every part that leaves — the system prompt, the
    history and the question, scanned together as one conversation — with one shared mapping
    (the same value gets the same placeholder everywhere)."""
    if not redact_kinds:
        return Outbound(tuple(messages))
    found = scan([m.content for m in messages])
    mapping: dict[str, str] = {}
    sent: list[ChatMessage] = []
    changed: list[str] = []
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    for index, (message, findings) in enumerate(zip(messages, found, strict=True)):
        wanted = [f for f in findings if f.kind in redact_kinds]
        result: Redaction = redact(message.content, wanted, known=mapping)
        mapping = dict(result.mapping)
        sent.append(ChatMessage(message.role, result.text))
        if result.text != message.content:
            changed.append(_part_name(message, index, last_user))
    return Outbound(tuple(sent), mapping, tuple(changed))


def _part_name(message: ChatMessage, index: int, last_user: int) -> str:
    if message.role == "system":
        return "system prompt"
    if index == last_user:  # the passages of the user's documents ride in front of it
        return ("question with document passages" if message.content.startswith(INSTRUCTIONS)
                else "question")
    return f"earlier {'question' if message.role == 'user' else 'answer'} (message {index})"


def ask_consent(outbound: Outbound, messages: Sequence[ChatMessage], decision: RouteDecision,
                *, host: str, scan: Scan, consent: Consent) -> Outbound | None:
    """Ask the user about ``outbound`` (the conversation ``messages`` as it would leave): what
    to send (it, or it with every sensitive value replaced by a placeholder), or None to keep
    the question here."""
    spans = payload_spans(outbound, scan)
    replaced = (prepare_outbound(messages, redact_kinds=frozenset(KINDS) | {
        s.kind for s in spans}, scan=scan) if spans else None)
    request = ConsentRequest(
        tier=decision.tier, host=host, payload=outbound.preview(), classes=decision.classes,
        redacted=outbound.redacted, reason=decision.reason,
        changed_parts=outbound.changed_parts, spans=spans,
        replaced_payload=replaced.preview() if replaced is not None else None)
    choice = consent_choice(consent(request))
    if choice is ConsentChoice.KEEP_LOCAL:
        return None
    if choice is ConsentChoice.REPLACE and replaced is not None:
        return replaced
    return outbound
