"""Prices written in ``prices.toml`` files: the one shipped beside this module and the user's.

The user's file (Hearth's config folder) sets a price for a model the list-price data does
not know, or replaces one it does; it wins over every other source. Each entry names where its
figures come from and when they were read; an entry the user changed without naming a source
is sourced to the user's file and undated.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from desktop.core import paths
from desktop.core.errors import ConfigError

FILE_NAME = "prices.toml"
SCHEMA_VERSION = 1
_PER = 1_000_000  # prices are quoted per million tokens

_PRICE_FIELDS = ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok")
_KNOWN_FIELDS = frozenset((*_PRICE_FIELDS, "source", "as_of", "aliases", "note"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelPrice:
    """The list price of one model, in USD per million tokens, and where it comes from."""

    provider: str
    model: str
    input_per_mtok: float
    output_per_mtok: float
    cached_input_per_mtok: float | None
    source: str
    as_of: dt.date | None
    aliases: tuple[str, ...] = ()
    note: str = ""

    def cost(self, *, input_tokens: int, cached_input_tokens: int,
             output_tokens: int) -> float | None:
        """USD for these tokens (``input_tokens`` without the cached ones); ``None`` when
        cached tokens were used and this entry has no price for them."""
        if cached_input_tokens and self.cached_input_per_mtok is None:
            return None
        cached = self.cached_input_per_mtok or 0.0
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok
                + cached_input_tokens * cached) / _PER

    def rates(self) -> str:
        """``"$5 in, $0.5 cached in, $25 out per MTok"``."""
        cached = (f", ${self.cached_input_per_mtok:g} cached in"
                  if self.cached_input_per_mtok is not None else "")
        return f"${self.input_per_mtok:g} in{cached}, ${self.output_per_mtok:g} out per MTok"


def load_prices(shipped: Path | None = None, override: Path | None = None) -> list[ModelPrice]:
    """The shipped file's entries with the user's ``prices.toml`` (config dir) merged over them.

    An entry in the user's file replaces the shipped one field by field; once it changes a
    price, the entry's source is the user's file unless it names its own. A missing user file
    is fine; a file that cannot be read or does not fit raises ``ConfigError``.
    """
    shipped = shipped if shipped is not None else shipped_path()
    override = override if override is not None else user_path()
    tables = _entries(_read(shipped, required=True), shipped, strict=True)
    origin = dict.fromkeys(tables, shipped)
    for key, fields in _entries(_read(override, required=False), override,
                                strict=False).items():
        merged = {**tables.get(key, {}), **fields}
        if "source" not in fields and any(name in fields for name in _PRICE_FIELDS):
            merged["source"] = f"your price file {override}"
            if "as_of" not in fields:
                merged.pop("as_of", None)  # the shipped date no longer describes it
        tables[key] = merged
        origin[key] = override
    prices = [_price(key, fields, origin[key]) for key, fields in tables.items()]
    _check_aliases(prices, origin)
    return prices


def user_path() -> Path:
    """The user's own ``prices.toml``, in Hearth's config folder."""
    return paths.config_dir() / FILE_NAME


def shipped_path() -> Path:
    """The table shipped as package data beside this module (in a checkout, a wheel install
    and a frozen bundle alike)."""
    return Path(__file__).with_name(FILE_NAME)


# -- reading and checking ------------------------------------------------------------------

Fields = dict[str, object]


def _read(path: Path, *, required: bool) -> dict[str, object] | None:
    try:
        with path.open("rb") as fh:
            document = tomllib.load(fh)
    except FileNotFoundError:
        if not required:
            return None
        raise ConfigError(f"the price table {path} is missing; reinstall Hearth") from None
    except OSError as exc:
        raise ConfigError(f"could not read the price table {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    version = document.pop("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ConfigError(f"{path}: schema_version {version!r} is not one this Hearth reads "
                          f"(it reads {SCHEMA_VERSION})")
    return document


def _entries(document: dict[str, object] | None, path: Path, *,
             strict: bool) -> dict[tuple[str, str], Fields]:
    """``{(provider, model): fields}`` after checking every field; ``strict`` for shipped."""
    entries: dict[tuple[str, str], Fields] = {}
    for provider, models in (document or {}).items():
        if not isinstance(models, dict):
            raise ConfigError(f"{path}: '{provider}' must be a table of models, like "
                              f"[{provider}.\"model-id\"]")
        for model, fields in models.items():
            where = f"{path}: [{provider}.\"{model}\"]"
            if not isinstance(fields, dict):
                raise ConfigError(f"{where} must be a table of prices")
            _check_fields(where, fields, strict=strict)
            entries[(provider.lower(), model)] = dict(fields)
    return entries


def _check_fields(where: str, fields: dict[str, object], *, strict: bool) -> None:
    unknown = sorted(set(fields) - _KNOWN_FIELDS)
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(unknown)}; known: "
                          f"{', '.join(sorted(_KNOWN_FIELDS))}")
    for name in _PRICE_FIELDS:
        if name in fields:
            value = fields[name]
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(value) or value < 0:
                raise ConfigError(f"{where}: {name} must be a number of USD per million "
                                  f"tokens, 0 or more; got {value!r}")
    if "as_of" in fields and (not isinstance(fields["as_of"], dt.date)
                              or isinstance(fields["as_of"], dt.datetime)):
        raise ConfigError(f"{where}: as_of must be a date like 2026-11-24 (no quotes); "
                          f"got {fields['as_of']!r}")
    for name in ("source", "note"):
        if name in fields and not isinstance(fields[name], str):
            raise ConfigError(f"{where}: {name} must be text; got {fields[name]!r}")
    aliases = fields.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise ConfigError(f"{where}: aliases must be a list of model ids; got {aliases!r}")
    if strict:
        missing = [n for n in ("input_per_mtok", "output_per_mtok", "source", "as_of")
                   if n not in fields]
        if missing:
            raise ConfigError(f"{where}: missing {', '.join(missing)}")
        source = fields["source"]
        if not (isinstance(source, str) and source.startswith("https://")):
            raise ConfigError(f"{where}: source must be the https address of the "
                              f"provider's pricing page; got {source!r}")


def _price(key: tuple[str, str], fields: Fields, path: Path) -> ModelPrice:
    provider, model = key
    where = f"{path}: [{provider}.\"{model}\"]"
    missing = [n for n in ("input_per_mtok", "output_per_mtok") if n not in fields]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)} (a model new to Hearth "
                          "needs both)")
    cached = fields.get("cached_input_per_mtok")
    as_of = fields.get("as_of")
    return ModelPrice(
        provider=provider,
        model=model,
        input_per_mtok=float(_number(fields["input_per_mtok"])),
        output_per_mtok=float(_number(fields["output_per_mtok"])),
        cached_input_per_mtok=float(_number(cached)) if cached is not None else None,
        source=str(fields.get("source", "")),
        as_of=as_of if isinstance(as_of, dt.date) else None,
        aliases=tuple(str(a) for a in _list(fields.get("aliases"))),
        note=str(fields.get("note", "")),
    )


def _check_aliases(prices: list[ModelPrice], origin: dict[tuple[str, str], Path]) -> None:
    """An alias must not name another model of the same provider (look-ups would be ambiguous)."""
    owner: dict[tuple[str, str], ModelPrice] = {(p.provider, p.model): p for p in prices}
    for price in prices:
        for alias in price.aliases:
            other = owner.setdefault((price.provider, alias), price)
            if other is not price:
                raise ConfigError(
                    f"{origin[(price.provider, price.model)]}: alias {alias!r} of "
                    f"{price.provider}/{price.model} also names {other.provider}/{other.model}")


def _number(value: object) -> float:
    assert isinstance(value, int | float)  # checked by _check_fields
    return float(value)


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
