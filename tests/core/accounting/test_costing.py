"""Receipts' arithmetic: cost, cloud equivalent and savings, each with how it was obtained."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.core.accounting.costing import cloud_costing, local_costing, savings
from desktop.core.accounting.prices import ModelPrice, PriceTable, Usage
from desktop.core.receipt import Receipt

FRONTIER = ("acme", "big-1")


@pytest.fixture
def prices() -> PriceTable:
    day = dt.date(2026, 11, 24)
    return PriceTable([
        ModelPrice(provider="acme", model="big-1", input_per_mtok=5.0, output_per_mtok=25.0,
                   cached_input_per_mtok=0.5, source="https://acme.example", as_of=day),
        ModelPrice(provider="acme", model="small-1", input_per_mtok=1.0, output_per_mtok=4.0,
                   cached_input_per_mtok=None, source="https://acme.example", as_of=day),
    ])


def test_local_answer_estimated_energy_against_the_frontier_price(prices: PriceTable) -> None:
    costing = local_costing(Usage(input_tokens=2000, output_tokens=400), duration_s=36.0,
                            watts=100.0, usd_per_kwh=0.30, prices=prices,
                            frontier_provider="acme", frontier_model="big-1")
    assert costing.cost_kind == "estimated" and costing.cost_usd == pytest.approx(0.0003)
    # (2000 × 5 + 400 × 25) / 1e6
    assert costing.cloud_equivalent_usd == pytest.approx(0.02)
    assert costing.cloud_equivalent_kind == "estimated"
    assert "this device's tokenizer" in costing.cloud_equivalent_basis
    assert costing.savings_usd == pytest.approx(0.02 - 0.0003)
    assert costing.energy_j == 3600.0


def test_local_answer_with_measured_energy(prices: PriceTable) -> None:
    costing = local_costing(Usage(input_tokens=10, output_tokens=10), duration_s=1.0,
                            watts=0.0, usd_per_kwh=0.36, prices=prices,
                            frontier_provider="acme", frontier_model="big-1",
                            measured_joules=10_000.0)
    assert costing.cost_kind == "measured"
    assert costing.cost_usd == pytest.approx(10_000 / 3_600_000 * 0.36)


def test_without_a_frontier_model_or_its_price_the_equivalent_is_unknown(
        prices: PriceTable) -> None:
    usage = Usage(input_tokens=10, output_tokens=10)
    for provider, model, hint in ((None, None, "no frontier model"),
                                  ("acme", "gone-9", "no price for acme/gone-9")):
        costing = local_costing(usage, duration_s=1.0, watts=10.0, usd_per_kwh=0.3,
                                prices=prices, frontier_provider=provider,
                                frontier_model=model)
        assert costing.cloud_equivalent_usd is None
        assert costing.cloud_equivalent_kind == "unknown"
        assert hint in costing.cloud_equivalent_basis
        assert costing.savings_usd is None  # never a number built on an unknown


def test_cloud_answer_from_the_frontier_model_is_its_own_equivalent(prices: PriceTable) -> None:
    usage = Usage(input_tokens=1000, output_tokens=100, cached_input_tokens=4000)
    costing = cloud_costing("acme", "big-1", usage, prices=prices,
                            frontier_provider="acme", frontier_model="big-1")
    expected = (1000 * 5 + 100 * 25 + 4000 * 0.5) / 1e6
    assert costing.cost_usd == pytest.approx(expected) and costing.cost_kind == "measured"
    assert costing.cloud_equivalent_usd == costing.cost_usd
    assert costing.savings_usd == 0.0
    assert "reported by the provider" in costing.cost_basis
    assert "list price as of 2026-11-24" in costing.cost_basis


def test_cheaper_cloud_model_saves_against_the_frontier(prices: PriceTable) -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=100_000)
    costing = cloud_costing("acme", "small-1", usage, prices=prices,
                            frontier_provider=FRONTIER[0], frontier_model=FRONTIER[1])
    assert costing.cost_usd == pytest.approx(1.0 + 0.4)
    assert costing.cloud_equivalent_usd == pytest.approx(5.0 + 2.5)
    assert costing.savings_usd == pytest.approx(7.5 - 1.4)


def test_cloud_answer_of_unknown_price(prices: PriceTable) -> None:
    usage = Usage(input_tokens=5, output_tokens=5, cached_input_tokens=5)
    unpriced = cloud_costing("private", "my-vllm", usage, prices=prices,
                             frontier_provider="acme", frontier_model="big-1")
    assert unpriced.cost_usd is None and unpriced.cost_kind == "unknown"
    assert "prices.toml" in unpriced.cost_basis
    no_cache_price = cloud_costing("acme", "small-1", usage, prices=prices,
                                   frontier_provider="acme", frontier_model="big-1")
    assert no_cache_price.cost_usd is None and "cached" in no_cache_price.cost_basis


def test_savings_needs_both_figures() -> None:
    assert savings(1.0, 3.5) == 2.5
    assert savings(None, 3.5) is None and savings(1.0, None) is None
    assert savings(2.0, 1.5) == -0.5  # the cheaper route was the cloud


def test_figures_fill_a_receipt_that_survives_storage(prices: PriceTable) -> None:
    costing = local_costing(Usage(input_tokens=20, output_tokens=30), duration_s=2.0,
                            watts=60.0, usd_per_kwh=0.25, prices=prices,
                            frontier_provider="acme", frontier_model="big-1")
    receipt = Receipt(tier="local", provider="llama.cpp", model="tiny", endpoint=None,
                      privacy="on-device", bytes_sent=0, tokens_in=20, tokens_out=30,
                      ttft_s=0.1, decode_tok_per_s=20.0, reason="test",
                      **costing.receipt_fields())
    again = Receipt.from_dict(receipt.to_dict())
    assert again == receipt
    assert again.cost_kind == "estimated" and again.energy_j == 120.0
    assert again.cloud_equivalent_kind == "estimated"
    # A receipt stored before these fields existed still loads.
    old = {k: v for k, v in receipt.to_dict().items()
           if k not in ("cost_kind", "energy_j", "cloud_equivalent_kind",
                        "cloud_equivalent_basis", "tokens_cached")}
    assert Receipt.from_dict(old).cost_kind is None
