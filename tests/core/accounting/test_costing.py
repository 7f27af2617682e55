"""Receipts' arithmetic: cost, cloud equivalent and savings, each with its basis and note."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.core.accounting.costing import CostBasis, cloud_costing, local_costing, savings
from desktop.core.accounting.prices import ModelPrice, PriceTable, TierRate, Usage
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
    assert costing.cost_basis is CostBasis.ESTIMATED_ENERGY
    assert "100 W (your power setting)" in costing.cost_note
    # (2000 × 5 + 400 × 25) / 1e6
    assert costing.cloud_equivalent_usd == pytest.approx(0.02)
    assert costing.cloud_equivalent_kind == "estimated"
    assert costing.cloud_equivalent_basis is CostBasis.LOCAL_TOKENS_X_LIST_PRICE
    note = costing.cloud_equivalent_note
    assert "counted by this device's tokenizer" in note and "reported" not in note
    assert "list price from https://acme.example, as of 2026-11-24" in note
    assert costing.savings_usd == pytest.approx(0.02 - 0.0003)
    assert costing.energy_j == 3600.0


def test_local_answer_with_measured_energy(prices: PriceTable) -> None:
    costing = local_costing(Usage(input_tokens=10, output_tokens=10), duration_s=1.0,
                            watts=0.0, usd_per_kwh=0.36, prices=prices,
                            frontier_provider="acme", frontier_model="big-1",
                            measured_joules=10_000.0)
    assert costing.cost_kind == "measured" and costing.cost_basis is CostBasis.MEASURED_ENERGY
    assert costing.cost_usd == pytest.approx(10_000 / 3_600_000 * 0.36)


def test_local_energy_without_a_tariff_is_unknown_not_free(prices: PriceTable) -> None:
    costing = local_costing(Usage(input_tokens=10, output_tokens=10), duration_s=1.0,
                            watts=0.0, usd_per_kwh=0.0, prices=prices,
                            frontier_provider="acme", frontier_model="big-1",
                            measured_joules=50.0)
    assert costing.cost_usd is None and costing.cost_kind == "unknown"
    assert costing.cost_basis is CostBasis.UNKNOWN and costing.energy_j == 50.0


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
        assert costing.cloud_equivalent_basis is CostBasis.UNKNOWN
        assert hint in costing.cloud_equivalent_note
        assert costing.savings_usd is None  # never a number built on an unknown


def test_cloud_answer_from_the_frontier_model_is_its_own_equivalent(prices: PriceTable) -> None:
    usage = Usage(input_tokens=1000, output_tokens=100, cached_input_tokens=4000)
    costing = cloud_costing("acme", "big-1", usage, prices=prices,
                            frontier_provider="acme", frontier_model="big-1")
    expected = (1000 * 5 + 100 * 25 + 4000 * 0.5) / 1e6
    assert costing.cost_usd == pytest.approx(expected) and costing.cost_kind == "computed"
    assert costing.cost_basis is CostBasis.REPORTED_USAGE_X_LIST_PRICE
    assert costing.cloud_equivalent_usd == costing.cost_usd
    assert costing.cloud_equivalent_basis is CostBasis.SAME_AS_COST
    assert costing.savings_usd == 0.0
    assert "1000 in + 4000 cached + 100 out tokens as reported by acme" in costing.cost_note
    assert "as of 2026-11-24" in costing.cost_note


def test_cloud_answer_without_usage_is_an_estimate_and_says_so(prices: PriceTable) -> None:
    usage = Usage(input_tokens=1000, output_tokens=100)
    costing = cloud_costing("acme", "small-1", usage, prices=prices, usage_reported=False,
                            frontier_provider=FRONTIER[0], frontier_model=FRONTIER[1])
    assert costing.cost_usd == pytest.approx((1000 * 1 + 100 * 4) / 1e6)
    assert costing.cost_kind == "estimated"
    assert costing.cost_basis is CostBasis.ESTIMATED_TOKENS_X_LIST_PRICE
    assert costing.cloud_equivalent_basis is CostBasis.ESTIMATED_TOKENS_X_LIST_PRICE
    for note in (costing.cost_note, costing.cloud_equivalent_note):
        assert "estimated from the text's length" in note
        assert "reported by" not in note and "tokenizer" not in note


def test_cheaper_cloud_model_saves_against_the_frontier(prices: PriceTable) -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=100_000)
    costing = cloud_costing("acme", "small-1", usage, prices=prices,
                            frontier_provider=FRONTIER[0], frontier_model=FRONTIER[1])
    assert costing.cost_usd == pytest.approx(1.0 + 0.4)
    assert costing.cloud_equivalent_usd == pytest.approx(5.0 + 2.5)
    assert costing.savings_usd == pytest.approx(7.5 - 1.4)


def test_cloud_answer_of_unknown_price(prices: PriceTable) -> None:
    usage = Usage(input_tokens=5, output_tokens=5, cached_input_tokens=5)
    unpriced = cloud_costing("acme", "my-vllm", usage, prices=prices,
                             frontier_provider="acme", frontier_model="big-1")
    assert unpriced.cost_usd is None and unpriced.cost_kind == "unknown"
    assert unpriced.cost_basis is CostBasis.UNKNOWN and "prices.toml" in unpriced.cost_note
    no_cache_price = cloud_costing("acme", "small-1", usage, prices=prices,
                                   frontier_provider="acme", frontier_model="big-1")
    assert no_cache_price.cost_usd is None and "cached" in no_cache_price.cost_note


def test_private_tier_at_your_rate_per_token_and_per_hour(prices: PriceTable) -> None:
    usage = Usage(input_tokens=2000, output_tokens=500)
    per_token = cloud_costing("openai-compatible", "qwen", usage, prices=prices,
                              tier="private", duration_s=20.0,
                              private_rate=TierRate(input_per_mtok=0.2, output_per_mtok=0.6),
                              frontier_provider="acme", frontier_model="big-1")
    assert per_token.cost_usd == pytest.approx((2000 * 0.2 + 500 * 0.6) / 1e6)
    assert per_token.cost_basis is CostBasis.REPORTED_USAGE_X_YOUR_RATE
    assert per_token.cost_kind == "computed"
    hourly = cloud_costing("openai-compatible", "qwen", usage, prices=prices, tier="private",
                           duration_s=20.0, private_rate=TierRate(usd_per_hour=3.6),
                           frontier_provider="acme", frontier_model="big-1")
    assert hourly.cost_usd == pytest.approx(20 / 3600 * 3.6)
    assert hourly.cost_basis is CostBasis.DURATION_X_YOUR_HOURLY_RATE
    assert "measured duration" in hourly.cost_note and "$3.6 per hour" in hourly.cost_note
    assert hourly.cloud_equivalent_usd == pytest.approx((2000 * 5 + 500 * 25) / 1e6)
    unknown = cloud_costing("openai-compatible", "qwen", usage, prices=prices, tier="private",
                            private_rate=TierRate(), frontier_provider="acme",
                            frontier_model="big-1")
    assert unknown.cost_usd is None and "accounting.private_usd_per_hour" in unknown.cost_note


def test_a_failed_attempt_has_a_cost_and_no_equivalent(prices: PriceTable) -> None:
    usage = Usage(input_tokens=400, output_tokens=20)
    failed = cloud_costing("acme", "big-1", usage, prices=prices, usage_reported=False,
                           failed=True, frontier_provider="acme", frontier_model="big-1")
    assert failed.cost_usd == pytest.approx((400 * 5 + 20 * 25) / 1e6)
    assert failed.cost_kind == "estimated"
    assert failed.cost_basis is CostBasis.ESTIMATED_TOKENS_X_LIST_PRICE
    assert failed.cloud_equivalent_usd is None
    assert failed.cloud_equivalent_basis is CostBasis.NO_ANSWER


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
    assert again.cost_basis == "estimated_energy" and again.cost_note == costing.cost_note
    assert again.cloud_equivalent_basis == "local_tokens_x_list_price"
    # A receipt stored before these fields existed still loads.
    old = {k: v for k, v in receipt.to_dict().items()
           if k not in ("cost_kind", "energy_j", "cloud_equivalent_kind", "cost_note",
                        "cloud_equivalent_basis", "cloud_equivalent_note", "tokens_cached")}
    assert Receipt.from_dict(old).cost_kind is None
