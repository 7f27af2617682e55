"""Cloud list prices from genai-prices (pydantic/genai-prices), its bundled snapshot only.

Why genai-prices: it is the price data Pydantic maintains for every major provider (OpenAI,
Gemini and Anthropic among some forty), with long-context tiers, cache-read rates and
date-conditional prices, and the provider's pricing pages named for each. Hearth had to drop
OpenAI and Gemini for want of a price it could source; this data covers them. Measured with
genai-prices 0.2.3 on CPython 3.11 (a busy 2-core machine): the wheel is 173 kB, 3 MB
installed (1.6 MB of it the data module), and it brings pydantic and httpx2; ``import
genai_prices`` takes 0.12-0.43 s, loading the bundled data 0.02-0.03 s more and a quote about
1 ms, so the import happens on the first quote, off Hearth's start-up path. The API used is
small: ``DataSnapshot(providers).calc(usage, model, provider_id, None, request_time)``, which
raises ``LookupError`` for a model it does not know.

Never the network: genai-prices can fetch newer prices (``UpdatePrices``, a background thread
that downloads from GitHub) and swaps them in process-wide (``set_custom_snapshot``), which
the top-level ``calc_price`` would then use. Hearth never starts an updater, and does not use
``calc_price`` either: it builds its own snapshot over the data shipped in the wheel, so even
an updater started by someone else could not change what Hearth quotes. A test checks that no
socket is opened.

The package dates no data of its own (the wheel's files carry a fixed 2020 timestamp), so a
price's date is the day it took effect where the data says so ("in effect since ..."), and
otherwise the quote says "undated" and names the package version.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass
from decimal import Decimal
from importlib import metadata
from typing import Any

PACKAGE = "genai-prices"

# Hearth's provider names -> genai-prices provider ids. Only these three: a private server
# ("openai-compatible") must never be priced as OpenAI because it speaks OpenAI's protocol.
PROVIDER_IDS = {"anthropic": "anthropic", "openai": "openai", "gemini": "google"}
# Model ids that name no chat model: a frontier tier cannot answer with them.
_NOT_CHAT = re.compile(r"embed|tts|whisper|dall-e|moderation|image|transcribe|davinci|babbage|"
                       r"realtime|search|robotics|computer-use|audio|veo|imagen|lyria|"
                       r"^ada$|^curie$", re.I)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListQuote:
    """One price from the data: the USD total and what it was worked out from."""

    usd: float
    priced_as: str  # the data's id of the model the name matched
    rates: str  # the rates applied, e.g. "$2.5 in, $1.25 cached in, $10 out per MTok"
    source: str  # the provider's pricing page the data cites
    as_of: dt.date | None  # the day this price took effect, where the data says
    version: str  # genai-prices' version


class GenaiPrices:
    """List prices of the provider models genai-prices knows, from its bundled snapshot.

    Thread-safe; the package is imported and its data loaded on the first ``quote``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: Any = None
        self._usage_type: Any = None
        self._version = ""
        self._error: str | None = None

    @property
    def version(self) -> str:
        """The installed genai-prices version ("" until loaded or when missing)."""
        self._load()
        return self._version

    def unavailable(self) -> str | None:
        """Why no price can come from here (the package is missing), else ``None``."""
        self._load()
        return self._error

    def quote(self, provider: str, model: str, *, input_tokens: int, cached_input_tokens: int,
              output_tokens: int, at: dt.datetime) -> ListQuote | None:
        """The list price of these tokens at ``provider``/``model`` at time ``at``.

        ``input_tokens`` excludes the ``cached_input_tokens`` read from the prompt cache; the
        real counts go to the library, which picks a long-context tier from them. ``None``
        when the provider or model is not in the data, or the package is missing: never a
        guess.
        """
        provider_id = PROVIDER_IDS.get(provider.strip().lower())
        if provider_id is None or not model.strip() or not self._load():
            return None
        ref = model.strip()
        if provider_id == "google":
            ref = ref.removeprefix("models/")  # Gemini's REST resource name for the same model
        usage = self._usage_type(input_tokens=input_tokens + cached_input_tokens,
                                 cache_read_tokens=cached_input_tokens,
                                 output_tokens=output_tokens)
        try:
            result = self._snapshot.calc(usage, ref, provider_id, None, at)
        except LookupError:
            return None
        total_in = input_tokens + cached_input_tokens
        price = result.model_price
        return ListQuote(
            usd=float(result.total_price),
            priced_as=str(result.model.id),
            rates=_rates(price, total_in),
            source=_source(result.provider),
            as_of=_in_effect_since(result.model, at),
            version=self._version,
        )

    def models(self, provider: str) -> tuple[str, ...]:
        """The chat models the data prices for ``provider`` (Hearth's name: "anthropic",
        "openai", "gemini"), as their API spells them, in natural order (``gpt-4`` before
        ``gpt-10``); deprecated ones and those that do not chat (embeddings, speech, images,
        moderation) left out.
        Empty when the provider is not in the data or the package is missing. A choice to
        offer, not a limit: a model the data does not know yet can still be typed."""
        provider_id = PROVIDER_IDS.get(provider.strip().lower())
        if provider_id is None or not self._load():
            return ()
        from genai_prices.data import providers  # loaded by _load already

        found = next((p for p in providers if p.id == provider_id), None)
        if found is None:
            return ()
        names = {str(m.id) for m in found.models
                 if not m.deprecated and not _NOT_CHAT.search(str(m.id))
                 and ":" not in str(m.id) and not str(m.id).endswith(("-", "."))}
        if provider_id == "google":  # its data also prices other makers' models on Vertex
            names = {n for n in names if n.startswith(("gemini", "gemma"))}
        return tuple(sorted(names, key=_natural))

    def _load(self) -> bool:
        with self._lock:
            if self._snapshot is not None or self._error is not None:
                return self._snapshot is not None
            try:
                # Lazy: about 0.15 s of imports and data that start-up does not need.
                from genai_prices import Usage
                from genai_prices.data import providers
                from genai_prices.data_snapshot import DataSnapshot

                self._version = metadata.version(PACKAGE)
            except (ImportError, metadata.PackageNotFoundError) as exc:
                self._error = f"the {PACKAGE} package is not installed ({exc})"
                return False
            self._usage_type = Usage
            self._snapshot = DataSnapshot(providers=providers, from_auto_update=False)
            return True


def _natural(name: str) -> tuple[tuple[int, str], ...]:
    """Sort key reading the digit runs of ``name`` as numbers."""
    return tuple((int(part), "") if part.isdigit() else (-1, part)
                 for part in re.split(r"(\d+)", name) if part)


def _source(provider: Any) -> str:
    urls = getattr(provider, "pricing_urls", None) or []
    return str(urls[0]) if urls else f"{PACKAGE} data for {provider.id}"


def _in_effect_since(model: Any, at: dt.datetime) -> dt.date | None:
    """The start date of the price the library chose, when it has one.

    Mirrors ``ModelInfo.get_prices``: conditional prices are tried last to first.
    """
    prices = model.prices
    if not isinstance(prices, list):
        return None
    for conditional in reversed(prices):
        constraint = conditional.constraint
        if constraint is None or constraint.active(at):
            start = getattr(constraint, "start_date", None)
            return start if isinstance(start, dt.date) else None
    return None


def _rates(price: Any, total_input_tokens: int) -> str:
    """The per-MTok rates that applied, tier included ("over 200,000 prompt tokens")."""
    parts = []
    tier_note = ""
    for name, label in (("input_mtok", "in"), ("cache_read_mtok", "cached in"),
                        ("output_mtok", "out")):
        value = getattr(price, name, None)
        if value is None:
            continue
        rate, start = _tier_rate(value, total_input_tokens)
        if start is not None:
            tier_note = f" (the rate above {start:,} prompt tokens)"
        parts.append(f"${_num(rate)} {label}")
    return ", ".join(parts) + " per MTok" + tier_note


def _tier_rate(value: Any, total_input_tokens: int) -> tuple[Decimal, int | None]:
    """The rate of a flat or tiered price for this prompt size (the library's cliff rule:
    past a tier's start, every token pays that tier's rate)."""
    if isinstance(value, Decimal):
        return value, None
    for tier in reversed(value.tiers):
        if total_input_tokens > tier.start:
            return tier.price, int(tier.start)
    return value.base, None


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"
