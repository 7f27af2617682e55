"""Receipts for local and cloud answers, with their costs."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from desktop.core.accounting.costing import Costing, cloud_costing, local_costing
from desktop.core.accounting.prices import PriceTable, TierRate, Usage
from desktop.core.cloud import CloudAnswer, CloudError
from desktop.core.local.engine import LocalAnswer, ModelInfo
from desktop.core.receipt import Receipt
from desktop.core.routing import RouteDecision
from desktop.core.settings import Settings


@dataclass(frozen=True, slots=True)
class Accounting:
    """What costing needs besides the answer: settings, prices, measured energy."""

    settings: Settings
    prices: PriceTable

    def frontier(self) -> tuple[str | None, str | None]:
        model = self.settings.get_str("tiers.frontier.model") or None
        return self.settings.get_str("tiers.frontier.provider") or None, model

    def local(self, usage: Usage, *, duration_s: float | None,
              joules: float | None) -> Costing:
        """An on-device answer's costing: electricity (``joules`` measured, else estimated
        from the device's watts) against what the frontier tier would have charged."""
        provider, model = self.frontier()
        return local_costing(
            usage, duration_s=duration_s, watts=self.settings.get_float("accounting.device_watts"),
            usd_per_kwh=self.settings.get_float("accounting.electricity_usd_per_kwh"),
            prices=self.prices, frontier_provider=provider, frontier_model=model,
            measured_joules=joules)


def local_receipt(accounting: Accounting, info: ModelInfo, answer: LocalAnswer,
                  decision: RouteDecision, *, question_id: int, fallback: str | None = None,
                  fallback_from: int | None = None, joules: float | None = None,
                  escalation_offer: str | None = None) -> Receipt:
    costing = accounting.local(
        Usage(input_tokens=answer.tokens_in, output_tokens=answer.tokens_out),
        duration_s=answer.duration_s, joules=joules)
    confidence = answer.confidence
    return Receipt(
        tier="local", provider="llama.cpp", model=info.name, endpoint=None, privacy="on-device",
        bytes_sent=0, tokens_in=answer.tokens_in, tokens_out=answer.tokens_out,
        ttft_s=answer.ttft_s, decode_tok_per_s=answer.decode_tok_per_s, reason=decision.reason,
        fallback=fallback, findings=decision.findings, classes=decision.classes,
        prompt_tok_per_s=answer.prompt_tok_per_s, duration_s=answer.duration_s,
        tokens_reused=answer.tokens_reused, finish_reason=answer.finish_reason,
        trimmed_messages=answer.trimmed_messages, backend=info.backend,
        gpu_layers=info.gpu_layers,
        difficulty=decision.difficulty.score if decision.difficulty else None,
        token_probability=math.exp(confidence.mean_logprob) if confidence else None,
        escalation_offer=escalation_offer, question_id=question_id,
        fallback_from=fallback_from, kept_local_for=decision.kept_for,
        kept_local_for_collections=decision.kept_for_collections,
        **costing.receipt_fields(),
    )


def cloud_receipt(accounting: Accounting, tier: str, answer: CloudAnswer,
                  decision: RouteDecision, *, payload: str, body_sha256: str, redacted: bool,
                  question_id: int, redacted_parts: tuple[str, ...] = (),
                  failed: bool = False) -> Receipt:
    """A cloud attempt's receipt: ``payload`` shows the messages sent, ``body_sha256`` is the
    hash of each request's exact body (the audit log records the same hash per request)."""
    provider, model = accounting.frontier()
    cached = answer.cached_tokens_in
    costing = cloud_costing(
        answer.provider, answer.model,
        Usage(input_tokens=answer.tokens_in - cached, output_tokens=answer.tokens_out,
              cached_input_tokens=cached),
        prices=accounting.prices, frontier_provider=provider, frontier_model=model, tier=tier,
        usage_reported=not answer.usage_estimated, duration_s=answer.duration_s,
        private_rate=TierRate.from_settings(accounting.settings), failed=failed,
    )
    return Receipt(
        tier=tier, provider=answer.provider, model=answer.model,  # type: ignore[arg-type]
        endpoint=answer.host, privacy="redacted" if redacted else "sent",
        bytes_sent=answer.bytes_sent, tokens_in=answer.tokens_in, tokens_out=answer.tokens_out,
        tokens_cached=cached, usage_estimated=answer.usage_estimated, ttft_s=answer.ttft_s,
        decode_tok_per_s=answer.decode_tok_per_s, duration_s=answer.duration_s,
        reason=decision.reason, findings=decision.findings, classes=decision.classes,
        finish_reason=answer.finish_reason, payload=payload,
        payload_sha256=body_sha256,
        difficulty=decision.difficulty.score if decision.difficulty else None,
        question_id=question_id, requests=answer.attempts, redacted_parts=redacted_parts,
        **costing.receipt_fields(),
    )


def failed_cloud_receipt(accounting: Accounting, tier: str, error: CloudError,
                         decision: RouteDecision, *, payload: str, body_sha256: str,
                         redacted: bool, question_id: int,
                         redacted_parts: tuple[str, ...] = ()) -> Receipt:
    """The record of a cloud attempt that broke off after its request left the device.

    What left is exact (the bytes counted on the connection, the host, the payload); its
    tokens are those the provider reported before it broke off, or an estimate marked so, and
    its cost follows from them (an estimate then too).
    """
    answer = CloudAnswer(
        text=error.partial_text, finish_reason="stop", provider=error.provider,
        model=error.model, host=error.host, tokens_in=error.tokens_in,
        tokens_out=error.tokens_out, cached_tokens_in=error.cached_tokens_in,
        usage_estimated=error.usage_estimated, bytes_sent=error.bytes_sent,
        ttft_s=error.ttft_s, decode_tok_per_s=None, duration_s=error.duration_s,
        attempts=error.attempts)
    receipt = cloud_receipt(accounting, tier, answer, decision, payload=payload,
                            body_sha256=body_sha256, redacted=redacted, question_id=question_id,
                            redacted_parts=redacted_parts, failed=True)
    return dataclasses.replace(receipt, outcome="failed", error=error.reason,
                               finish_reason="error")
