"""List prices from genai-prices' bundled data, through the whole costing path.

The expected costs are written here from the figures read off genai-prices 0.2.3's data
(``genai_prices/data.py``); ``test_the_figures_used_here_are_the_datas`` reads the data itself
(not through Hearth's adapter) and fails first if a newer genai-prices changes them.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from desktop.core.accounting.costing import CostBasis, cloud_costing
from desktop.core.accounting.list_prices import GenaiPrices
from desktop.core.accounting.prices import FILE_NAME, NoPrice, PriceTable, Quote, Usage

AT = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)  # the request's time: prices change by date

# USD per million tokens: (input, cached input, output), read off genai-prices 0.2.3.
GPT_4O = (2.5, 1.25, 10.0)  # openai / gpt-4o, flat
GEMINI_25_PRO = (1.25, 0.125, 10.0)  # google / gemini-2.5-pro, prompts up to 200,000 tokens
GEMINI_25_PRO_LONG = (2.5, 0.25, 15.0)  # ... and above 200,000 prompt tokens
GEMINI_TIER_START = 200_000


def _model(provider_id: str, model_id: str) -> Any:
    from genai_prices.data import providers

    provider = next(p for p in providers if p.id == provider_id)
    return next(m for m in provider.models if m.id == model_id)


def _rate(value: Any, tier: int | None = None) -> float:
    if isinstance(value, Decimal):
        return float(value)
    if tier is None:
        return float(value.base)
    return float(next(t.price for t in value.tiers if t.start == tier))


def test_the_figures_used_here_are_the_datas() -> None:
    gpt = _model("openai", "gpt-4o").prices
    assert (_rate(gpt.input_mtok), _rate(gpt.cache_read_mtok), _rate(gpt.output_mtok)) == GPT_4O
    gemini = _model("google", "gemini-2.5-pro").prices
    base = (_rate(gemini.input_mtok), _rate(gemini.cache_read_mtok), _rate(gemini.output_mtok))
    assert base == GEMINI_25_PRO
    long = tuple(_rate(p, GEMINI_TIER_START) for p in (
        gemini.input_mtok, gemini.cache_read_mtok, gemini.output_mtok))
    assert long == GEMINI_25_PRO_LONG


@pytest.fixture
def prices(tmp_path: Path) -> PriceTable:
    """The shipped file, no user file, and genai-prices' data (a fresh adapter)."""
    return PriceTable.load(override=tmp_path / "none.toml", list_prices=GenaiPrices())


def _expected(usage: Usage, rates: tuple[float, float, float]) -> float:
    inp, cached, out = rates
    return (usage.input_tokens * inp + usage.cached_input_tokens * cached
            + usage.output_tokens * out) / 1e6


def test_an_openai_answer_costs_its_reported_usage_at_the_list_price(
        prices: PriceTable) -> None:
    usage = Usage(input_tokens=1200, cached_input_tokens=800, output_tokens=300)
    costing = cloud_costing("openai", "gpt-4o", usage, prices=prices,
                            frontier_provider="openai", frontier_model="gpt-4o", at=AT)
    assert costing.cost_usd == pytest.approx(_expected(usage, GPT_4O), rel=1e-12)
    assert costing.cost_basis is CostBasis.REPORTED_USAGE_X_LIST_PRICE
    assert costing.cost_kind == "computed"  # not "measured": it is usage x a list price
    note = costing.cost_note
    assert "as reported by openai's usage report" in note
    assert "genai-prices 0.2.3" in note and "https://developers.openai.com/api/docs/pricing" in note
    assert "undated" in note  # the data gives this price no date
    assert costing.cloud_equivalent_basis is CostBasis.SAME_AS_COST
    assert costing.cloud_equivalent_usd == costing.cost_usd


@pytest.mark.parametrize(("usage", "rates"), [
    (Usage(input_tokens=150_000, cached_input_tokens=40_000, output_tokens=2_000),
     GEMINI_25_PRO),  # 190,000 prompt tokens: the base rate
    (Usage(input_tokens=150_000, cached_input_tokens=60_000, output_tokens=2_000),
     GEMINI_25_PRO_LONG),  # 210,000: every token at the long-context rate
])
def test_a_gemini_answer_is_priced_at_the_tier_its_real_prompt_length_reaches(
        prices: PriceTable, usage: Usage, rates: tuple[float, float, float]) -> None:
    costing = cloud_costing("gemini", "gemini-2.5-pro", usage, prices=prices,
                            frontier_provider="anthropic", frontier_model="claude-opus-5", at=AT)
    assert costing.cost_usd == pytest.approx(_expected(usage, rates), rel=1e-12)
    assert costing.cost_basis is CostBasis.REPORTED_USAGE_X_LIST_PRICE
    assert "https://ai.google.dev/gemini-api/docs/pricing" in costing.cost_note
    assert (" (the rate above 200,000 prompt tokens)" in costing.cost_note) == (
        rates == GEMINI_25_PRO_LONG)
    # Against the frontier: Gemini's counts are not Anthropic's tokens, so it is estimated.
    assert costing.cloud_equivalent_kind == "estimated"
    assert costing.cloud_equivalent_basis is CostBasis.REPORTED_USAGE_X_LIST_PRICE
    assert "anthropic/claude-opus-5" in costing.cloud_equivalent_note


def test_gemini_resource_names_and_dated_openai_ids_resolve(prices: PriceTable) -> None:
    usage = Usage(input_tokens=1000, output_tokens=100)
    assert prices.cost("gemini", "models/gemini-2.5-pro", usage, at=AT) == pytest.approx(
        _expected(usage, GEMINI_25_PRO))
    dated = cloud_costing("openai", "gpt-4o-2024-08-06", usage, prices=prices,
                          frontier_provider="openai", frontier_model="gpt-4o", at=AT)
    assert dated.cost_usd == pytest.approx(_expected(usage, GPT_4O))
    assert dated.cloud_equivalent_basis is CostBasis.SAME_AS_COST  # the same priced model


def test_a_model_the_data_does_not_know_has_no_price(prices: PriceTable) -> None:
    usage = Usage(input_tokens=10, output_tokens=10)
    for provider, model in (("openai", "gpt-test-1"), ("openai", "gpt-4o-my-finetune"),
                            ("gemini", "gemini-9-ultra"), ("acme", "gpt-4o")):
        costing = cloud_costing(provider, model, usage, prices=prices,
                                frontier_provider="openai", frontier_model="gpt-4o", at=AT)
        assert costing.cost_usd is None and costing.cost_basis is CostBasis.UNKNOWN
        assert costing.cost_kind == "unknown" and FILE_NAME in costing.cost_note


def test_a_private_server_is_never_priced_as_the_api_it_imitates(prices: PriceTable) -> None:
    usage = Usage(input_tokens=10, output_tokens=10)
    costing = cloud_costing("openai-compatible", "gpt-4o", usage, prices=prices,
                            frontier_provider="openai", frontier_model="gpt-4o", tier="private")
    assert costing.cost_usd is None and "private tier" in costing.cost_note


def test_the_users_price_file_wins_over_the_data(tmp_path: Path) -> None:
    user = tmp_path / FILE_NAME
    user.write_text('[openai."gpt-4o"]\ninput_per_mtok = 1.0\noutput_per_mtok = 2.0\n'
                    'cached_input_per_mtok = 0.5\n', encoding="utf-8")
    prices = PriceTable.load(override=user, list_prices=GenaiPrices())
    usage = Usage(input_tokens=1000, cached_input_tokens=100, output_tokens=500)
    costing = cloud_costing("openai", "gpt-4o", usage, prices=prices,
                            frontier_provider="openai", frontier_model="gpt-4o", at=AT)
    assert costing.cost_usd == pytest.approx((1000 * 1.0 + 100 * 0.5 + 500 * 2.0) / 1e6)
    assert f"your price file {user}" in costing.cost_note
    assert costing.cost_basis is CostBasis.REPORTED_USAGE_X_LIST_PRICE
    # Models the file does not name still come from the data.
    assert prices.cost("gemini", "gemini-2.5-pro", usage, at=AT) == pytest.approx(
        _expected(usage, GEMINI_25_PRO))


def test_the_price_in_force_at_the_requests_time_is_used_and_dated(
        prices: PriceTable) -> None:
    # claude-opus-4-6 in the data: a long-context tier until a flat price from its start date.
    conditional = _model("anthropic", "claude-opus-4-6").prices
    start = conditional[-1].constraint.start_date
    assert start == dt.date(2026, 3, 13)
    usage = Usage(input_tokens=300_000, output_tokens=1000)
    before = prices.quote("anthropic", "claude-opus-4-6", usage,
                          at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    after = prices.quote("anthropic", "claude-opus-4-6", usage, at=AT)
    assert isinstance(before, Quote) and isinstance(after, Quote)
    assert before.usd == pytest.approx((300_000 * 10 + 1000 * 37.5) / 1e6)
    assert after.usd == pytest.approx((300_000 * 5 + 1000 * 25) / 1e6)
    assert before.as_of is None and after.as_of == start
    assert f"as of {start.isoformat()}" in after.describe()


def test_without_the_package_prices_are_unknown_and_say_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "genai_prices", None)  # import genai_prices fails
    prices = PriceTable.load(override=tmp_path / "none.toml", list_prices=GenaiPrices())
    found = prices.quote("openai", "gpt-4o", Usage(input_tokens=1, output_tokens=1))
    assert isinstance(found, NoPrice) and "genai-prices package is not installed" in found.reason


def test_pricing_opens_no_socket_and_starts_no_updater(tmp_path: Path) -> None:
    """genai-prices can download newer prices; Hearth must never let it. The check runs in a
    fresh interpreter, so the import of the package is watched too."""
    script = textwrap.dedent(f"""
        import sys, threading
        events = []
        def watch(event, args):
            if event.startswith(("socket.", "urllib.", "http.")):
                events.append(event)
        sys.addaudithook(watch)
        import datetime as dt
        from pathlib import Path
        from desktop.core.accounting.prices import PriceTable, Usage
        table = PriceTable.load(override=Path({str(tmp_path / "none.toml")!r}))
        usage = Usage(input_tokens=1000, output_tokens=100)
        for provider, model in (("openai", "gpt-4o"), ("gemini", "gemini-2.5-pro"),
                                ("anthropic", "claude-opus-5"), ("openai", "no-such-model")):
            table.quote(provider, model, usage)
        import genai_prices
        assert "genai_prices.data" in sys.modules  # the data was really loaded
        names = [t.name for t in threading.enumerate()]
        print("events", events, "threads", names)
        assert not events, events
        assert not any("genai_prices" in n for n in names), names
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).parents[3])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "events [] threads ['MainThread']" in done.stdout


def test_the_models_a_provider_prices_are_offered_to_choose_from() -> None:
    prices = GenaiPrices()
    anthropic, openai = prices.models("anthropic"), prices.models("OpenAI")
    # Names as the providers' APIs spell them, chat models only, in natural order.
    assert "claude-3-5-sonnet" in anthropic and "gpt-4o" in openai
    assert not [m for m in openai if "embedding" in m or "whisper" in m or m.startswith("ft:")]
    assert openai.index("gpt-4") < openai.index("gpt-4o") < openai.index("gpt-5")
    assert prices.models("gemini") and all(m.startswith(("gemini", "gemma"))
                                          for m in prices.models("gemini"))
    # A private server is never priced as a provider, so it has no list.
    assert prices.models("private") == () and prices.models("") == ()
