"""The price files: the shipped one, look-ups, cost arithmetic, the user's file on top.

These tables have no list-price data behind them (``PriceTable.load(..., list_prices=None)``):
what genai-prices adds is tested in ``test_list_prices``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from desktop.core.accounting.prices import (
    FILE_NAME,
    ModelPrice,
    NoPrice,
    PriceTable,
    Quote,
    TierRate,
    Usage,
    shipped_path,
)
from desktop.core.errors import ConfigError

SHIPPED = """\
schema_version = 1

[acme."big-1"]
input_per_mtok = 5.0
output_per_mtok = 25.0
cached_input_per_mtok = 0.5
source = "https://acme.example/pricing"
as_of = 2026-11-24
aliases = ["big-latest"]

[acme."small-1"]
input_per_mtok = 1
output_per_mtok = 4
source = "https://acme.example/pricing"
as_of = 2026-10-01
"""


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    path = tmp_path / "shipped.toml"
    path.write_text(SHIPPED, encoding="utf-8")
    return path


def _load(shipped: Path, override: str | None = None, tmp_path: Path | None = None) -> PriceTable:
    assert tmp_path is not None or override is None
    user = (tmp_path or shipped.parent) / "user" / FILE_NAME
    if override is not None:
        user.parent.mkdir(parents=True, exist_ok=True)
        user.write_text(override, encoding="utf-8")
    return PriceTable.load(shipped, user, list_prices=None)


def test_the_shipped_file_loads_and_leaves_list_prices_to_the_data() -> None:
    table = PriceTable.load(shipped_path(), Path("/nonexistent/prices.toml"), list_prices=None)
    # The Anthropic figures it used to hold are genai-prices' too; any entry added later must
    # name its page and date (the strict checks below).
    assert len(table) == 0
    assert "schema_version = 1" in shipped_path().read_text(encoding="utf-8")


def test_lookup_by_exact_id_then_alias(shipped: Path) -> None:
    table = _load(shipped)
    big = table.lookup("acme", "big-1")
    assert big is not None and big.as_of == dt.date(2026, 11, 24)
    assert table.lookup("ACME", "big-latest") is big  # provider names are case-insensitive
    assert table.lookup("acme", "big-2") is None
    assert table.lookup("other", "big-1") is None


def test_cost_of_input_output_and_cached_tokens(shipped: Path) -> None:
    table = _load(shipped)
    usage = Usage(input_tokens=1000, output_tokens=500, cached_input_tokens=2000)
    # (1000 × 5 + 500 × 25 + 2000 × 0.5) / 1e6
    assert table.cost("acme", "big-1", usage) == pytest.approx(0.0185)
    assert table.cost("acme", "big-1", Usage(input_tokens=1_000_000, output_tokens=0)) == 5.0


def test_unknown_model_costs_none(shipped: Path) -> None:
    assert _load(shipped).cost("acme", "nope", Usage(input_tokens=1, output_tokens=1)) is None


def test_cached_tokens_without_a_cached_price_make_the_cost_unknown(shipped: Path) -> None:
    table = _load(shipped)
    assert table.cost("acme", "small-1", Usage(input_tokens=10, output_tokens=10,
                                               cached_input_tokens=1)) is None
    missing = table.quote("acme", "small-1", Usage(input_tokens=1, output_tokens=1,
                                                   cached_input_tokens=1))
    assert isinstance(missing, NoPrice) and "cached-input price" in missing.reason
    assert table.cost("acme", "small-1", Usage(input_tokens=10, output_tokens=10)) == \
        pytest.approx(50 / 1e6)


def test_negative_token_counts_are_a_bug() -> None:
    with pytest.raises(ValueError, match="negative"):
        Usage(input_tokens=-1, output_tokens=0)


def test_user_file_replaces_fields_and_becomes_the_source(shipped: Path, tmp_path: Path) -> None:
    table = _load(shipped, '[acme."big-1"]\ninput_per_mtok = 4.0\n\n'
                           '[local."my-vllm"]\ninput_per_mtok = 0.1\noutput_per_mtok = 0.2\n',
                  tmp_path)
    big = table.lookup("acme", "big-1")
    assert big is not None
    assert (big.input_per_mtok, big.output_per_mtok, big.cached_input_per_mtok) == (4.0, 25.0, 0.5)
    assert big.source.startswith("your price file") and big.as_of is None
    quote = table.quote("acme", "big-1", Usage(input_tokens=1, output_tokens=1))
    assert isinstance(quote, Quote) and "undated" in quote.describe()
    assert "your price file" in quote.describe()
    assert table.lookup("acme", "big-latest") is big  # the shipped alias still leads to it
    mine = table.lookup("local", "my-vllm")
    assert mine is not None and mine.cached_input_per_mtok is None
    small = table.lookup("acme", "small-1")
    assert small is not None and small.source == "https://acme.example/pricing"


def test_user_file_with_its_own_source_and_date(shipped: Path, tmp_path: Path) -> None:
    table = _load(shipped, '[acme."small-1"]\noutput_per_mtok = 3\n'
                           'source = "my invoice"\nas_of = 2026-11-01\n', tmp_path)
    small = table.lookup("acme", "small-1")
    assert small == ModelPrice(provider="acme", model="small-1", input_per_mtok=1.0,
                               output_per_mtok=3.0, cached_input_per_mtok=None,
                               source="my invoice", as_of=dt.date(2026, 11, 1))


@pytest.mark.parametrize(("text", "message"), [
    ("[acme", "not valid TOML"),
    ('[acme."big-1"]\ninput_per_mtk = 1\n', "unknown field"),
    ('[acme."big-1"]\ninput_per_mtok = -1\n', "0 or more"),
    ('[acme."big-1"]\ninput_per_mtok = "cheap"\n', "number of USD"),
    ('[acme."big-1"]\ninput_per_mtok = nan\n', "number of USD"),
    ('[acme."big-1"]\nas_of = "2026-11-24"\n', "as_of must be a date"),
    ('[acme."big-1"]\nas_of = 2026-11-24T10:00:00\n', "as_of must be a date"),
    ('[acme."new"]\ninput_per_mtok = 1\n', "missing output_per_mtok"),
    ('[acme."new"]\ninput_per_mtok = 1\noutput_per_mtok = 1\naliases = ["small-1"]\n',
     "also names"),
    ('[acme."new"]\ninput_per_mtok = 1\noutput_per_mtok = 1\naliases = "x"\n', "aliases"),
    ("acme = 3\n", "table of models"),
    ("[acme]\nbig = 3\n", "table of prices"),
    ("schema_version = 2\n", "schema_version 2"),
])
def test_a_bad_user_file_is_a_clear_config_error(shipped: Path, tmp_path: Path, text: str,
                                                 message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        _load(shipped, text, tmp_path)
    assert str(tmp_path / "user" / FILE_NAME) in str(info.value)


def test_shipped_entries_must_be_complete(tmp_path: Path) -> None:
    bad = tmp_path / "shipped.toml"
    bad.write_text('[acme."x"]\ninput_per_mtok = 1\noutput_per_mtok = 1\n'
                   'source = "somewhere"\nas_of = 2026-01-01\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="https address"):
        PriceTable.load(bad, tmp_path / "none.toml", list_prices=None)
    bad.write_text('[acme."x"]\ninput_per_mtok = 1\noutput_per_mtok = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="missing source, as_of"):
        PriceTable.load(bad, tmp_path / "none.toml", list_prices=None)


def test_a_missing_shipped_table_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing; reinstall"):
        PriceTable.load(tmp_path / "gone.toml", tmp_path / "none.toml", list_prices=None)


def test_default_override_is_read_from_the_config_dir(shipped: Path,
                                                      hearth_dirs: tuple[Path, Path]) -> None:
    config, _ = hearth_dirs
    config.mkdir(parents=True)
    (config / FILE_NAME).write_text('[acme."small-1"]\ninput_per_mtok = 9\n', encoding="utf-8")
    price = PriceTable.load(shipped, list_prices=None).lookup("acme", "small-1")
    assert price is not None and price.input_per_mtok == 9


def test_user_aliases_alone_keep_the_shipped_source(shipped: Path, tmp_path: Path) -> None:
    table = _load(shipped, '[acme."small-1"]\naliases = ["small"]\n', tmp_path)
    small = table.lookup("acme", "small")
    assert small is not None and small.source == "https://acme.example/pricing"
    assert small.as_of == dt.date(2026, 10, 1)


def test_unknown_model_is_no_price_with_the_way_to_give_one(shipped: Path) -> None:
    missing = _load(shipped).quote("acme", "nope", Usage(input_tokens=1, output_tokens=1))
    assert isinstance(missing, NoPrice) and FILE_NAME in missing.reason


# -- the private tier's own rate -------------------------------------------------------------

def test_private_tier_per_token_rate() -> None:
    rate = TierRate(input_per_mtok=0.5, output_per_mtok=1.5)
    quote = rate.quote("qwen", Usage(input_tokens=1000, output_tokens=200,
                                     cached_input_tokens=500), 3.0)
    # A server of your own does not discount cached tokens: (1500 × 0.5 + 200 × 1.5) / 1e6
    assert isinstance(quote, Quote) and quote.usd == pytest.approx(1.05e-3)
    assert quote.kind == "your_rate" and "private_input_usd_per_mtok" in quote.source


def test_private_tier_hourly_rate_prices_the_duration() -> None:
    quote = TierRate(usd_per_hour=1.8, input_per_mtok=9, output_per_mtok=9).quote(
        "qwen", Usage(input_tokens=1000, output_tokens=200), 30.0)
    assert isinstance(quote, Quote) and quote.usd == pytest.approx(30 / 3600 * 1.8)
    assert quote.kind == "your_hourly_rate" and "per hour" in quote.rates
    no_time = TierRate(usd_per_hour=1.8).quote("qwen", Usage(input_tokens=1, output_tokens=1),
                                               None)
    assert isinstance(no_time, NoPrice) and "duration" in no_time.reason


def test_private_tier_without_a_rate_is_unknown() -> None:
    half = TierRate(input_per_mtok=0.5).quote("qwen", Usage(input_tokens=1, output_tokens=1), 1)
    assert isinstance(half, NoPrice) and "accounting.private_usd_per_hour" in half.reason


def test_private_tier_rate_comes_from_the_settings() -> None:
    from desktop.core.settings import Settings

    settings = Settings()
    settings.set("accounting.private_usd_per_hour", 2.0)
    assert TierRate.from_settings(settings) == TierRate(usd_per_hour=2.0)
