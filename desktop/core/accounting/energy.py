"""What an on-device answer cost in electricity: measured energy where the OS exposes it,
else an estimate from the power draw the user gave, times the user's electricity price."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

_JOULES_PER_KWH = 3_600_000.0

# How a figure was obtained: read from a meter, worked out from assumptions, or not at all.
Kind = Literal["measured", "estimated", "unknown"]

_WATTS = "accounting.device_watts"
_TARIFF = "accounting.electricity_usd_per_kwh"


@dataclass(frozen=True, slots=True)
class LocalCost:
    """The electricity an answer used and what it cost.

    ``kind`` says how the energy was obtained; ``usd`` is ``None`` when the energy or the
    electricity price is unknown; ``basis`` says all of it in words.
    """

    usd: float | None
    basis: str
    kind: Kind = "unknown"
    joules: float | None = None


def local_energy_cost(
    duration_s: float | None,
    watts: float,
    usd_per_kwh: float,
    *,
    measured_joules: float | None = None,
    meter: str = "RAPL",
) -> LocalCost:
    """Cost of an answer: ``measured_joules`` when a meter gave them, else ``watts`` for
    ``duration_s`` (an estimate), priced at ``usd_per_kwh``.

    Hearth does not assume a power draw or a tariff: both are settings, 0 meaning unknown.
    """
    if measured_joules is not None:
        energy = (f"{measured_joules:.1f} J measured by {meter} over {_secs(duration_s)} "
                  "(whole CPU package, other programs included, GPU not seen)")
        return _priced("measured", measured_joules, energy, usd_per_kwh)
    if duration_s is None:
        return LocalCost(None, "unknown: no duration measured")
    if watts <= 0:
        missing = _WATTS if usd_per_kwh > 0 else f"{_WATTS} and {_TARIFF}"
        return LocalCost(None, f"unknown: set {missing} to estimate it")
    joules = watts * duration_s
    return _priced("estimated", joules, f"{watts:g} W (your power setting) for "
                   f"{duration_s:.2f} s", usd_per_kwh)


def _priced(kind: Kind, joules: float, energy: str, usd_per_kwh: float) -> LocalCost:
    if usd_per_kwh <= 0:
        return LocalCost(None, f"unknown: {energy}; set {_TARIFF} to price it", kind, joules)
    usd = joules / _JOULES_PER_KWH * usd_per_kwh
    return LocalCost(usd, f"{kind}: {energy} at your electricity price of ${usd_per_kwh:g}/kWh",
                     kind, joules)


def _secs(duration_s: float | None) -> str:
    return f"{duration_s:.2f} s" if duration_s is not None else "the answer"
