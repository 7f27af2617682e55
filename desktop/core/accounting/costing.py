"""The money figures on a receipt: what the answer cost, what the all-cloud route would have
cost, and the difference, each saying whether it was measured, estimated or is unknown.

The frontier model of the counterfactual is passed in (provider and model id) rather than
read from the settings here, so this works whatever the settings schema holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.core.accounting.energy import Kind, local_energy_cost
from desktop.core.accounting.prices import ModelPrice, PriceTable, Usage


@dataclass(frozen=True, slots=True, kw_only=True)
class Costing:
    """Cost of one answer and its all-cloud counterfactual."""

    cost_usd: float | None
    cost_kind: Kind
    cost_basis: str
    cloud_equivalent_usd: float | None
    cloud_equivalent_kind: Kind
    cloud_equivalent_basis: str
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
            "cost_basis": self.cost_basis,
            "energy_j": self.energy_j,
            "cloud_equivalent_usd": self.cloud_equivalent_usd,
            "cloud_equivalent_kind": self.cloud_equivalent_kind,
            "cloud_equivalent_basis": self.cloud_equivalent_basis,
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
) -> Costing:
    """An on-device answer: electricity (measured or estimated) against the frontier price.

    The local model's tokenizer is not the frontier model's, so the counterfactual is an
    estimate even though both token counts are exact.
    """
    local = local_energy_cost(duration_s, watts, usd_per_kwh,
                              measured_joules=measured_joules, meter=meter)
    usd, kind, basis = cloud_equivalent(usage, prices, frontier_provider, frontier_model,
                                        tokens_from="this device's tokenizer")
    return Costing(cost_usd=local.usd, cost_kind=local.kind, cost_basis=local.basis,
                   energy_j=local.joules, cloud_equivalent_usd=usd,
                   cloud_equivalent_kind=kind, cloud_equivalent_basis=basis)


def cloud_costing(
    provider: str,
    model: str,
    usage: Usage,
    *,
    prices: PriceTable,
    frontier_provider: str | None,
    frontier_model: str | None,
) -> Costing:
    """A cloud answer: the provider's reported usage at the list price, against the frontier.

    When the answer came from the frontier model itself, the counterfactual is the cost.
    """
    price = prices.lookup(provider, model)
    cost = price.cost(usage) if price is not None else None
    cost_kind: Kind = "measured" if cost is not None else "unknown"
    if price is None:
        cost_basis = f"unknown: {_no_price(provider, model)}"
    elif cost is None:
        cost_basis = f"unknown: {_no_cached_price(price)}"
    else:
        cost_basis = f"measured: {_tokens(usage)} reported by the provider, {price.describe()}"
    frontier = _frontier(prices, frontier_provider, frontier_model)
    if price is not None and frontier is price:
        return Costing(cost_usd=cost, cost_kind=cost_kind, cost_basis=cost_basis,
                       cloud_equivalent_usd=cost, cloud_equivalent_kind=cost_kind,
                       cloud_equivalent_basis="this answer came from the frontier model: "
                                              "same as its cost")
    usd, kind, basis = cloud_equivalent(usage, prices, frontier_provider, frontier_model,
                                        tokens_from=f"{provider}'s tokenizer")
    return Costing(cost_usd=cost, cost_kind=cost_kind, cost_basis=cost_basis,
                   cloud_equivalent_usd=usd, cloud_equivalent_kind=kind,
                   cloud_equivalent_basis=basis)


def cloud_equivalent(
    usage: Usage,
    prices: PriceTable,
    frontier_provider: str | None,
    frontier_model: str | None,
    *,
    tokens_from: str,
) -> tuple[float | None, Kind, str]:
    """``(usd, kind, basis)`` of the same tokens at the frontier model's list price."""
    if not frontier_provider or not frontier_model:
        return None, "unknown", "unknown: no frontier model is configured"
    price = prices.lookup(frontier_provider, frontier_model)
    if price is None:
        return None, "unknown", f"unknown: {_no_price(frontier_provider, frontier_model)}"
    usd = price.cost(usage)
    if usd is None:
        return None, "unknown", f"unknown: {_no_cached_price(price)}"
    return usd, "estimated", (f"estimated: {_tokens(usage)} (counted by {tokens_from}) "
                              f"at {price.describe()}")


def _frontier(prices: PriceTable, provider: str | None, model: str | None) -> ModelPrice | None:
    return prices.lookup(provider, model) if provider and model else None


def _tokens(usage: Usage) -> str:
    cached = f" + {usage.cached_input_tokens} cached" if usage.cached_input_tokens else ""
    return f"{usage.input_tokens} in{cached} + {usage.output_tokens} out tokens"


def _no_price(provider: str, model: str) -> str:
    return (f"no price for {provider}/{model} in the price table "
            "(add one to prices.toml in Hearth's config folder)")


def _no_cached_price(price: ModelPrice) -> str:
    return (f"cached tokens were used and {price.provider}/{price.model} has no cached-input "
            "price in the price table")
