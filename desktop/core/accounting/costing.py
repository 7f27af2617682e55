"""The money figures on a receipt: what an attempt cost and what the all-cloud route would
have cost, each with its basis (how it was obtained) and a sentence naming the price's source.

Two words describe every figure:

- ``CostBasis`` -- *what* it was computed from: the provider's reported usage x a list price,
  tokens estimated from the text's length x a list price, this device's token counts x the
  frontier's list price, the user's own rate (per token or per hour), energy measured by a
  meter or estimated from the power setting, or unknown;
- ``CostKind`` -- how far to trust it: ``measured`` (a meter read it), ``computed`` (exact
  inputs, e.g. reported usage x a published price), ``estimated`` (some input is an
  assumption or an approximation) or ``unknown``.

The frontier model of the counterfactual is passed in (provider and model id) rather than
read from the settings here, so this works whatever the settings schema holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from desktop.core.accounting.energy import local_energy_cost
from desktop.core.accounting.prices import NoPrice, PriceTable, Quote, TierRate, Usage

CostKind = Literal["measured", "computed", "estimated", "unknown"]


class CostBasis(StrEnum):
    """What a cost (or a cloud equivalent) was computed from; stored on the receipt."""

    REPORTED_USAGE_X_LIST_PRICE = "reported_usage_x_list_price"
    ESTIMATED_TOKENS_X_LIST_PRICE = "estimated_tokens_x_list_price"
    LOCAL_TOKENS_X_LIST_PRICE = "local_tokens_x_list_price"
    REPORTED_USAGE_X_YOUR_RATE = "reported_usage_x_your_rate"
    ESTIMATED_TOKENS_X_YOUR_RATE = "estimated_tokens_x_your_rate"
    DURATION_X_YOUR_HOURLY_RATE = "duration_x_your_hourly_rate"
    MEASURED_ENERGY = "measured_energy"
    ESTIMATED_ENERGY = "estimated_energy"
    SAME_AS_COST = "same_as_cost"  # the answer came from the frontier model itself
    NO_ANSWER = "no_answer"  # a failed attempt: nothing to compare with the all-cloud route
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class Costing:
    """Cost of one attempt and its all-cloud counterfactual, each with basis, kind and note."""

    cost_usd: float | None
    cost_kind: CostKind
    cost_basis: CostBasis
    cost_note: str
    cloud_equivalent_usd: float | None
    cloud_equivalent_kind: CostKind
    cloud_equivalent_basis: CostBasis
    cloud_equivalent_note: str
    energy_j: float | None = None

    @property
    def savings_usd(self) -> float | None:
        """Cloud equivalent minus cost; ``None`` unless both are known."""
        return savings(self.cost_usd, self.cloud_equivalent_usd)

    def receipt_fields(self) -> dict[str, Any]:
        """The ``Receipt`` keyword arguments these figures fill in."""
        return {
            "cost_usd": self.cost_usd,
            "cost_kind": self.cost_kind,
            "cost_basis": str(self.cost_basis),
            "cost_note": self.cost_note,
            "energy_j": self.energy_j,
            "cloud_equivalent_usd": self.cloud_equivalent_usd,
            "cloud_equivalent_kind": self.cloud_equivalent_kind,
            "cloud_equivalent_basis": str(self.cloud_equivalent_basis),
            "cloud_equivalent_note": self.cloud_equivalent_note,
        }


def savings(cost_usd: float | None, cloud_equivalent_usd: float | None) -> float | None:
    """What answering this way saved against the all-cloud route (negative: it cost more)."""
    if cost_usd is None or cloud_equivalent_usd is None:
        return None
    return cloud_equivalent_usd - cost_usd


def local_costing(
    usage: Usage,
    *,
    duration_s: float | None,
    watts: float,
    usd_per_kwh: float,
    prices: PriceTable,
    frontier_provider: str | None,
    frontier_model: str | None,
    measured_joules: float | None = None,
    meter: str = "RAPL",
    at: dt.datetime | None = None,
) -> Costing:
    """An on-device answer: electricity (measured or estimated) against the frontier price.

    The local model's tokenizer is not the frontier model's, so the counterfactual is an
    estimate even though both token counts are exact.
    """
    local = local_energy_cost(duration_s, watts, usd_per_kwh,
                              measured_joules=measured_joules, meter=meter)
    if local.usd is None:
        basis = CostBasis.UNKNOWN
    else:
        basis = (CostBasis.MEASURED_ENERGY if local.kind == "measured"
                 else CostBasis.ESTIMATED_ENERGY)
    usd, kind, eq_basis, note = cloud_equivalent(
        usage, prices, frontier_provider, frontier_model, at=at,
        tokens=CostBasis.LOCAL_TOKENS_X_LIST_PRICE)
    return Costing(cost_usd=local.usd, cost_kind=local.kind if local.usd is not None
                   else "unknown", cost_basis=basis, cost_note=local.basis,
                   energy_j=local.joules, cloud_equivalent_usd=usd, cloud_equivalent_kind=kind,
                   cloud_equivalent_basis=eq_basis, cloud_equivalent_note=note)


def cloud_costing(
    provider: str,
    model: str,
    usage: Usage,
    *,
    prices: PriceTable,
    frontier_provider: str | None,
    frontier_model: str | None,
    tier: str = "frontier",
    usage_reported: bool = True,
    duration_s: float | None = None,
    private_rate: TierRate | None = None,
    failed: bool = False,
    at: dt.datetime | None = None,
) -> Costing:
    """A cloud attempt: its tokens at the price of ``provider``/``model``, and the same tokens
    at the frontier model's list price.

    ``usage_reported`` is False when the provider sent no usage and the counts were estimated
    from the text's length: the cost is then an estimate and says so. The private tier is
    priced by the user's price file, else by ``private_rate`` (per token or per hour of
    ``duration_s``), else unknown. A ``failed`` attempt has a cost (bytes were sent and may be
    billed) but no cloud equivalent: no answer came back to compare.
    """
    tokens = (CostBasis.REPORTED_USAGE_X_LIST_PRICE if usage_reported
              else CostBasis.ESTIMATED_TOKENS_X_LIST_PRICE)
    if tier == "private" and prices.lookup(provider, model) is None:
        price = (private_rate.quote(model, usage, duration_s) if private_rate is not None
                 else NoPrice("no price for the private tier was given"))
    else:
        price = prices.quote(provider, model, usage, at=at)
    cost, kind, basis, note = _priced(price, usage, tokens, f"{provider}'s usage report")
    if failed:
        return Costing(cost_usd=cost, cost_kind=kind, cost_basis=basis, cost_note=note,
                       cloud_equivalent_usd=None, cloud_equivalent_kind="unknown",
                       cloud_equivalent_basis=CostBasis.NO_ANSWER,
                       cloud_equivalent_note="none: the attempt failed, so there is no answer "
                                             "to compare with the all-cloud route")
    # The frontier model's price of these tokens, quoted once: it tells whether the answer came
    # from that model, and is the cloud equivalent when it did not.
    frontier = _frontier_quote(prices, frontier_provider, frontier_model, usage, at)
    if tier == "frontier" and _same_model(provider, model, price, frontier_provider,
                                          frontier_model, frontier):
        return Costing(cost_usd=cost, cost_kind=kind, cost_basis=basis, cost_note=note,
                       cloud_equivalent_usd=cost, cloud_equivalent_kind=kind,
                       cloud_equivalent_basis=CostBasis.SAME_AS_COST,
                       cloud_equivalent_note="this answer came from the frontier model: the "
                                             "same as its cost")
    usd, eq_kind, eq_basis, eq_note = _equivalent(frontier, usage, tokens,
                                                  f"{provider}'s usage report")
    return Costing(cost_usd=cost, cost_kind=kind, cost_basis=basis, cost_note=note,
                   cloud_equivalent_usd=usd, cloud_equivalent_kind=eq_kind,
                   cloud_equivalent_basis=eq_basis, cloud_equivalent_note=eq_note)


def cloud_equivalent(
    usage: Usage,
    prices: PriceTable,
    frontier_provider: str | None,
    frontier_model: str | None,
    *,
    tokens: CostBasis,
    counted_by: str = "",
    at: dt.datetime | None = None,
) -> tuple[float | None, CostKind, CostBasis, str]:
    """``(usd, kind, basis, note)`` of the same tokens at the frontier model's list price.

    Always an estimate: the frontier model would count the same text in its own tokens and
    write an answer of its own length. ``tokens`` says where the counts came from.
    """
    return _equivalent(_frontier_quote(prices, frontier_provider, frontier_model, usage, at),
                       usage, tokens, counted_by)


def _frontier_quote(prices: PriceTable, frontier_provider: str | None,
                    frontier_model: str | None, usage: Usage,
                    at: dt.datetime | None) -> Quote | NoPrice | None:
    """The frontier model's price of ``usage``; ``None`` when no frontier model is set."""
    if not frontier_provider or not frontier_model:
        return None
    return prices.quote(frontier_provider, frontier_model, usage, at=at)


def _equivalent(price: Quote | NoPrice | None, usage: Usage, tokens: CostBasis,
                counted_by: str) -> tuple[float | None, CostKind, CostBasis, str]:
    if price is None:
        return None, "unknown", CostBasis.UNKNOWN, "unknown: no frontier model is configured"
    if isinstance(price, NoPrice):
        return None, "unknown", CostBasis.UNKNOWN, f"unknown: {price.reason}"
    return price.usd, "estimated", tokens, (
        f"estimated: {_token_words(usage, tokens, counted_by)} x {price.describe()}")


def _priced(price: Quote | NoPrice, usage: Usage, tokens: CostBasis,
            counted_by: str) -> tuple[float | None, CostKind, CostBasis, str]:
    if isinstance(price, NoPrice):
        return None, "unknown", CostBasis.UNKNOWN, f"unknown: {price.reason}"
    reported = tokens is CostBasis.REPORTED_USAGE_X_LIST_PRICE
    if price.kind == "your_hourly_rate":
        return price.usd, "computed", CostBasis.DURATION_X_YOUR_HOURLY_RATE, (
            f"computed: the answer's measured duration x {price.describe()}")
    if price.kind == "your_rate":
        basis = (CostBasis.REPORTED_USAGE_X_YOUR_RATE if reported
                 else CostBasis.ESTIMATED_TOKENS_X_YOUR_RATE)
    else:
        basis = tokens
    kind: CostKind = "computed" if reported else "estimated"
    return price.usd, kind, basis, (
        f"{kind}: {_token_words(usage, tokens, counted_by)} x {price.describe()}")


def _token_words(usage: Usage, tokens: CostBasis, counted_by: str) -> str:
    cached = f" + {usage.cached_input_tokens} cached" if usage.cached_input_tokens else ""
    counts = f"{usage.input_tokens} in{cached} + {usage.output_tokens} out tokens"
    if tokens is CostBasis.LOCAL_TOKENS_X_LIST_PRICE:
        return (f"{counts} counted by this device's tokenizer (the frontier model's own "
                "tokenizer would count the same text differently)")
    if tokens is CostBasis.ESTIMATED_TOKENS_X_LIST_PRICE:
        return (f"about {counts}, estimated from the text's length (about 4 characters a "
                "token: the provider reported no usage)")
    return f"{counts} as reported by {counted_by or 'the provider'}"


def _same_model(provider: str, model: str, price: Quote | NoPrice,
                frontier_provider: str | None, frontier_model: str | None,
                frontier: Quote | NoPrice | None) -> bool:
    """Whether the answer came from the configured frontier model: the same id, or an id
    the price data resolves to the same model (``gpt-4o-2024-08-06`` and ``gpt-4o``)."""
    if not frontier_provider or not frontier_model:
        return False
    if provider.strip().lower() != frontier_provider.strip().lower():
        return False
    if model.strip() == frontier_model.strip():
        return True
    return (isinstance(price, Quote) and isinstance(frontier, Quote)
            and frontier.priced_as == price.priced_as)
