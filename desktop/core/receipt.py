"""The receipt every attempt carries: where it was computed, what left the device, what it cost.

A value type shared by every layer (the pipeline writes it, the store keeps it, the ledger and
the views read it), so it lives beside ``chat.py`` rather than inside one of them.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass, field
from typing import Any, Literal

Tier = Literal["local", "private", "frontier"]
Privacy = Literal["on-device", "redacted", "sent"]
# "failed": an attempt that broke off (after sending, for a cloud tier); its bytes and any cost
# still count in the ledger and the budget.
Outcome = Literal["answer", "failed"]


@dataclass(frozen=True, kw_only=True)
class Finding:
    """Sensitive data found in a prompt: its class and span, never its value."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, kw_only=True)
class Receipt:
    """Facts about one answer. A figure that was not measured or documented is ``None``."""

    tier: Tier
    provider: str
    model: str
    endpoint: str | None
    privacy: Privacy
    bytes_sent: int
    tokens_in: int
    tokens_out: int
    ttft_s: float | None
    decode_tok_per_s: float | None
    cost_usd: float | None
    cloud_equivalent_usd: float | None
    reason: str
    fallback: str | None = None
    findings: tuple[Finding, ...] = ()
    prompt_tok_per_s: float | None = None
    duration_s: float | None = None
    tokens_reused: int = 0
    finish_reason: str = "stop"
    trimmed_messages: int = 0
    cost_basis: str | None = None
    backend: str | None = None
    gpu_layers: int | None = None
    # Accounting details (desktop.core.accounting.costing). ``*_basis``: what the figure was
    # computed from (a ``CostBasis`` value, e.g. "reported_usage_x_list_price"); ``*_kind``:
    # "measured", "computed", "estimated" or "unknown"; ``*_note``: the same in a sentence,
    # naming the price's source and date. None on receipts written before they existed (older
    # receipts hold the sentence in ``*_basis``).
    tokens_cached: int = 0
    cost_kind: str | None = None
    cost_note: str | None = None
    energy_j: float | None = None
    cloud_equivalent_kind: str | None = None
    cloud_equivalent_basis: str | None = None
    cloud_equivalent_note: str | None = None
    # Routing details: what the gate saw and what exactly left the device.
    usage_estimated: bool = False  # the provider reported no usage: counts are ~4 chars/token
    classes: tuple[str, ...] = ()  # sensitive classes anywhere in the outgoing conversation
    payload: str | None = None  # the exact text that left (after redaction); None if nothing
    payload_sha256: str | None = None  # of each request's exact body, as in the audit log
    difficulty: float | None = None
    token_probability: float | None = None  # geometric mean, when the cascade measured it
    escalation_offer: str | None = None  # the tier a one-click "ask the cloud" would use
    kept_local_for: tuple[str, ...] = ()  # classes whose policy kept the question here
    # Attempts: every try at answering a question gets a receipt, a failed one too.
    question_id: int | None = None  # the question (user message) this attempt answers
    outcome: Outcome = "answer"
    error: str | None = None  # why a failed attempt broke off
    fallback_from: int | None = None  # message id of the failed attempt this answer replaced
    requests: int = 0  # HTTP requests a cloud attempt made, retries included (0 on device)
    redacted_parts: tuple[str, ...] = ()  # which parts of what left were changed by redaction
    continued: int = 0  # times "Continue" wrote more of this answer (figures are the sums)
    created_at: float = field(default_factory=time.time)

    @property
    def context_note(self) -> str | None:
        if not self.trimmed_messages:
            return None
        return (f"{self.trimmed_messages} oldest message(s) left out to fit the context window "
                "(the system prompt is always kept)")

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["findings"] = [dataclasses.asdict(f) for f in self.findings]
        data["context_note"] = self.context_note
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Receipt:
        """Rebuild a stored receipt; keys from newer versions are ignored."""
        names = _field_names()
        values = {k: v for k, v in data.items() if k in names}
        values["findings"] = tuple(Finding(**f) for f in data.get("findings", ()))
        values["classes"] = tuple(data.get("classes", ()))
        values["redacted_parts"] = tuple(data.get("redacted_parts", ()))
        values["kept_local_for"] = tuple(data.get("kept_local_for", ()))
        return cls(**values)


@functools.cache
def _field_names() -> frozenset[str]:
    """Receipt's field names (asked once per receipt read: a long chat reads hundreds)."""
    return frozenset(f.name for f in dataclasses.fields(Receipt))
