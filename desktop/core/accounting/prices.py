"""What cloud tokens cost, and where each price comes from.

Three sources, first match wins:

1. the user's ``prices.toml`` in Hearth's config folder (and the shipped ``prices.toml``
   beside this module, which documents the format) -- ``price_file``;
2. for the frontier providers (Anthropic, OpenAI, Gemini), the list prices of genai-prices'
   bundled data -- ``list_prices``;
3. for the private tier, the user's own rate: USD per million tokens in and out, or USD per
   hour of the server's time (``TierRate``).

Whatever none of them knows is ``NoPrice`` with the reason, and every figure computed from it
is ``None`` ("unknown"), never a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from desktop.core.accounting.list_prices import PACKAGE, GenaiPrices
from desktop.core.accounting.price_file import FILE_NAME, ModelPrice, load_prices, shipped_path
from desktop.core.settings import Settings

__all__ = ["FILE_NAME", "ModelPrice", "NoPrice", "PriceTable", "Quote", "TierRate", "Usage",
           "shipped_path"]

# The private tier's rates (settings; 0 means not set).
PRIVATE_INPUT = "accounting.private_input_usd_per_mtok"
PRIVATE_OUTPUT = "accounting.private_output_usd_per_mtok"
PRIVATE_HOURLY = "accounting.private_usd_per_hour"

# Where a price comes from: a published list price (genai-prices, a price file), or a rate the
# user set for the private tier, per token or per hour.
PriceKind = Literal["list", "your_rate", "your_hourly_rate"]

_SHARED_LIST_PRICES = GenaiPrices()  # one copy of the data per process, loaded on first use


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """Tokens of one answer as the provider bills them.

    ``input_tokens`` are the prompt tokens billed at the normal rate, *without* the ones read
    from the prompt cache, which are ``cached_input_tokens``. (OpenAI and Gemini report the
    cached ones inside their prompt count, Anthropic outside: the client subtracts.)
    """

    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0

    def __post_init__(self) -> None:
        if min(self.input_tokens, self.output_tokens, self.cached_input_tokens) < 0:
            raise ValueError(f"token counts cannot be negative: {self}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote:
    """The price of some tokens (or some time), with its rates, source and date."""

    usd: float
    kind: PriceKind
    priced_as: str  # "openai/gpt-4o": the entry the price belongs to
    rates: str  # "$2.5 in, $10 out per MTok"
    source: str  # a pricing page, the data package, or the user's file or setting
    as_of: dt.date | None = None

    def describe(self) -> str:
        """``"openai/gpt-4o at $2.5 in, $10 out per MTok (list price from genai-prices
        0.2.3, citing https://..., undated)"``."""
        if self.kind == "list":
            when = f"as of {self.as_of.isoformat()}" if self.as_of else "undated"
            return f"{self.priced_as} at {self.rates} (list price from {self.source}, {when})"
        return f"{self.priced_as} at {self.rates} ({self.source})"


@dataclass(frozen=True, slots=True)
class NoPrice:
    """No price could be found; ``reason`` says why and what would give one."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TierRate:
    """What the user says the private tier costs: USD per million tokens in and out, or USD
    per hour of the server's time (a box you rent or run). 0 means not set."""

    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0
    usd_per_hour: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> TierRate:
        return cls(input_per_mtok=settings.get_float(PRIVATE_INPUT),
                   output_per_mtok=settings.get_float(PRIVATE_OUTPUT),
                   usd_per_hour=settings.get_float(PRIVATE_HOURLY))

    def quote(self, model: str, usage: Usage, duration_s: float | None) -> Quote | NoPrice:
        """Per hour when an hourly rate is set (the answer's share of the server's time),
        else per token when both token rates are set."""
        name = f"the private tier ({model})"
        if self.usd_per_hour > 0:
            if duration_s is None:
                return NoPrice("the private tier is priced per hour and the answer's duration "
                               "was not measured")
            return Quote(usd=duration_s / 3600 * self.usd_per_hour, kind="your_hourly_rate",
                         priced_as=name, rates=f"${self.usd_per_hour:g} per hour for "
                         f"{duration_s:.2f} s", source=f"your setting {PRIVATE_HOURLY}")
        if self.input_per_mtok > 0 and self.output_per_mtok > 0:
            tokens_in = usage.input_tokens + usage.cached_input_tokens
            usd = (tokens_in * self.input_per_mtok
                   + usage.output_tokens * self.output_per_mtok) / 1_000_000
            return Quote(usd=usd, kind="your_rate", priced_as=name,
                         rates=f"${self.input_per_mtok:g} in, ${self.output_per_mtok:g} out "
                               "per MTok",
                         source=f"your settings {PRIVATE_INPUT} and {PRIVATE_OUTPUT}")
        return NoPrice(f"no price for the private tier: set {PRIVATE_HOURLY}, or "
                       f"{PRIVATE_INPUT} and {PRIVATE_OUTPUT}")


class PriceTable:
    """Prices from the price files, then (when given) genai-prices' list prices."""

    def __init__(self, prices: Iterable[ModelPrice] = (), *,
                 list_prices: GenaiPrices | None = None) -> None:
        self._list_prices = list_prices
        self._by_id: dict[tuple[str, str], ModelPrice] = {}
        self._by_alias: dict[tuple[str, str], ModelPrice] = {}
        for price in prices:
            self._by_id[(price.provider.lower(), price.model)] = price
        for price in self._by_id.values():
            for alias in price.aliases:
                self._by_alias[(price.provider.lower(), alias)] = price

    @classmethod
    def load(cls, shipped: Path | None = None, override: Path | None = None, *,
             list_prices: GenaiPrices | None = _SHARED_LIST_PRICES) -> PriceTable:
        """The price files (``price_file.load_prices``) over genai-prices' bundled data.

        Reads only the two files: the list-price data is loaded on the first quote that
        needs it. A price file that cannot be read or does not fit raises ``ConfigError``.
        """
        return cls(load_prices(shipped, override), list_prices=list_prices)

    def lookup(self, provider: str, model: str) -> ModelPrice | None:
        """The price-file entry of ``model`` at ``provider`` (by id, then alias), if any."""
        key = (provider.strip().lower(), model.strip())
        return self._by_id.get(key) or self._by_alias.get(key)

    def quote(self, provider: str, model: str, usage: Usage, *,
              at: dt.datetime | None = None) -> Quote | NoPrice:
        """The price of ``usage`` at ``provider``/``model`` at time ``at`` (now by default;
        prices can change by date)."""
        entry = self.lookup(provider, model)
        if entry is not None:
            usd = entry.cost(input_tokens=usage.input_tokens,
                             cached_input_tokens=usage.cached_input_tokens,
                             output_tokens=usage.output_tokens)
            if usd is None:
                return NoPrice(f"cached tokens were used and {entry.provider}/{entry.model} "
                               "has no cached-input price in the price file")
            return Quote(usd=usd, kind="list", priced_as=f"{entry.provider}/{entry.model}",
                         rates=entry.rates(), source=entry.source, as_of=entry.as_of)
        found = None
        if self._list_prices is not None:
            found = self._list_prices.quote(
                provider, model, input_tokens=usage.input_tokens,
                cached_input_tokens=usage.cached_input_tokens,
                output_tokens=usage.output_tokens, at=at or dt.datetime.now(dt.UTC))
        if found is None:
            return NoPrice(self._why_unknown(provider, model))
        return Quote(usd=found.usd, kind="list", priced_as=f"{provider}/{found.priced_as}",
                     rates=found.rates, source=f"{PACKAGE} {found.version}, citing "
                     f"{found.source}", as_of=found.as_of)

    def cost(self, provider: str, model: str, usage: Usage, *,
             at: dt.datetime | None = None) -> float | None:
        """USD for ``usage``, or ``None`` when the price is unknown."""
        found = self.quote(provider, model, usage, at=at)
        return found.usd if isinstance(found, Quote) else None

    def _why_unknown(self, provider: str, model: str) -> str:
        where = f"the {PACKAGE} data or your price file"
        if self._list_prices is not None and (missing := self._list_prices.unavailable()):
            where = f"your price file ({missing})"
        elif self._list_prices is None:
            where = "the price file"
        return (f"no price for {provider}/{model} in {where}; add one to {FILE_NAME} in "
                "Hearth's config folder")

    def __iter__(self) -> Iterator[ModelPrice]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)
