"""What an on-device answer cost in electricity, from figures the user supplies."""

from __future__ import annotations

from dataclasses import dataclass

_JOULES_PER_KWH = 3_600_000.0


@dataclass(frozen=True, slots=True)
class LocalCost:
    usd: float | None
    basis: str


def local_energy_cost(duration_s: float | None, watts: float, usd_per_kwh: float) -> LocalCost:
    """Cost of running at ``watts`` for ``duration_s`` (an estimate; unknown if an input is).

    Hearth does not assume a power draw or a tariff: both are settings, 0 meaning unknown.
    """
    if duration_s is None:
        return LocalCost(None, "unknown: no duration measured")
    if watts <= 0 or usd_per_kwh <= 0:
        return LocalCost(None, "unknown: set accounting.device_watts and "
                               "accounting.electricity_usd_per_kwh to estimate it")
    kwh = watts * duration_s / _JOULES_PER_KWH
    return LocalCost(kwh * usd_per_kwh, f"estimated: {watts:g} W for {duration_s:.2f} s at "
                                        f"${usd_per_kwh:g}/kWh")
