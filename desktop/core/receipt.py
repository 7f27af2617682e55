"""The receipt every attempt carries: where it was computed, what left the device, what it cost.

A value type shared by every layer (the pipeline writes it, the store keeps it, the ledger and
the views read it), so it lives beside ``chat.py`` rather than inside one of them.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass, field
from pathlib import PurePath
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
class Source:
    """A passage of the user's documents that an answer was given: where it is, and a snippet.

    ``path`` is the file's absolute path on this device (to open it); ``position`` says where
    in it in words ("page 3", "§ Installation"); ``page`` is the 1-based PDF page when known.
    """

    collection: str
    path: str
    position: str
    page: int | None = None
    snippet: str = ""
    score: float = 0.0  # the retrieval's fused score (higher is better), for ordering only
    privacy: str = "device"  # the collection's level: "device" (never leaves) or "send"
    chunk_id: int | None = None

    @property
    def label(self) -> str:
        """How a citation names it: ``report.pdf, page 3``."""
        name = PurePath(self.path).name or self.path
        return f"{name}, {self.position}" if self.position else name


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
    # Documents: the passages the answer was given (numbered [1], [2] … in this order), how
    # many more were retrieved but left out to fit the local model's context, their size in
    # tokens and how that was known ("counted" by the local model's tokenizer or "estimated"),
    # and the collections kept on this device that kept the question here.
    sources: tuple[Source, ...] = ()
    sources_trimmed: int = 0
    sources_tokens: int = 0
    sources_token_basis: str | None = None
    kept_local_for_collections: tuple[str, ...] = ()
    continued: int = 0  # times "Continue" wrote more of this answer (figures are the sums)
    created_at: float = field(default_factory=time.time)

    @property
    def context_note(self) -> str | None:
        if not self.trimmed_messages:
            return None
        return (f"{self.trimmed_messages} oldest message(s) left out to fit the context window "
                "(the system prompt is always kept)")

    @property
    def sources_note(self) -> str | None:
        """The documents' share of the context in a sentence, or None when none were used."""
        if not self.sources and not self.sources_trimmed:
            return None
        basis = ("counted with the local model's tokenizer"
                 if self.sources_token_basis == "counted" else "estimated from their length")
        given = f"{len(self.sources)} passage(s), {self.sources_tokens:,} tokens ({basis})"
        trimmed = self.sources_trimmed_note
        return f"{given}; {trimmed}" if trimmed else given

    @property
    def sources_trimmed_note(self) -> str | None:
        """How many retrieved passages were left out to fit the context, or None when none."""
        if not self.sources_trimmed:
            return None
        return (f"{self.sources_trimmed} lower-ranked passage(s) left out to fit the local "
                "model's context")

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        # asdict has made dicts of the nested findings and sources already; lists, as in JSON
        data["findings"] = list(data["findings"])
        data["sources"] = list(data["sources"])
        data["context_note"] = self.context_note
        data["sources_note"] = self.sources_note
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
        values["kept_local_for_collections"] = tuple(data.get("kept_local_for_collections", ()))
        values["sources"] = tuple(_source(s) for s in data.get("sources") or ())
        return cls(**values)


def _source(data: dict[str, Any]) -> Source:
    names = _source_field_names()
    return Source(**{k: v for k, v in data.items() if k in names})


@functools.cache
def _source_field_names() -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(Source))


@functools.cache
def _field_names() -> frozenset[str]:
    """Receipt's field names (asked once per receipt read: a long chat reads hundreds)."""
    return frozenset(f.name for f in dataclasses.fields(Receipt))
