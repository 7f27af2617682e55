"""When on-device answers pay for the hardware: the dashboard's break-even arithmetic.

The averages come from the ledger (what the receipts measured or estimated); the hardware cost
and the monthly volume are the user's own figures. Nothing here imports Qt.

    saving a month = answers a month x (cloud cost of an answer - electricity of an answer here)
    break-even     = hardware cost / saving a month
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from desktop.core.accounting.ledger import Totals

MAX_MONTHS = 120  # the chart's horizon: past ten years the answer is "not in practice"


@dataclass(frozen=True, slots=True)
class PerAnswer:
    """The average cost of one answer, each from the receipts that have it.

    ``cloud_usd``: the same answer from the configured frontier model (an estimate: list price
    times the tokens); ``local_usd``: the electricity of an answer computed on this device,
    ``local_kinds`` saying how many of those costs were measured or estimated.
    """

    cloud_usd: float | None
    cloud_answers: int
    local_usd: float | None
    local_answers: int
    local_kinds: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_totals(cls, totals: Totals) -> PerAnswer:
        priced = totals.total_answers - totals.cloud_equivalent_unknown
        known = totals.local_cost_kinds.get("measured", 0) + totals.local_cost_kinds.get(
            "estimated", 0)
        return cls(
            cloud_usd=totals.cloud_equivalent_usd / priced if priced > 0 else None,
            cloud_answers=max(priced, 0),
            local_usd=totals.local_cost_usd / known if known > 0 else None,
            local_answers=known,
            local_kinds=dict(totals.local_cost_kinds),
        )

    def local_kind(self) -> str:
        """``measured``, ``estimated``, ``partly measured`` or ``unknown``."""
        measured = self.local_kinds.get("measured", 0)
        estimated = self.local_kinds.get("estimated", 0)
        if measured and estimated:
            return "partly measured"
        if measured:
            return "measured"
        return "estimated" if estimated else "unknown"


@dataclass(frozen=True, slots=True)
class BreakEven:
    """``months`` until the hardware is paid back: None when unknown, ``math.inf`` for never.

    ``headline`` says it in a few words, ``why`` in a sentence when there is more to say.
    """

    months: float | None
    monthly_saving_usd: float | None
    headline: str
    why: str
    electricity_counted: bool


def break_even(hardware_usd: float, answers_per_month: int, per: PerAnswer) -> BreakEven:
    if per.cloud_usd is None:
        return BreakEven(None, None, "Unknown", "No answer has a cloud price yet: choose a "
                         "frontier model the price table knows (Settings → Cloud).", False)
    local = per.local_usd if per.local_usd is not None else 0.0
    saving = answers_per_month * (per.cloud_usd - local)
    counted = per.local_usd is not None
    if hardware_usd <= 0:
        return BreakEven(0.0, saving, "At once", "There is no hardware cost to pay back.",
                         counted)
    if saving <= 0:
        return BreakEven(math.inf, saving, "Never", "At these figures an answer here costs as "
                         "much as, or more than, the same answer from the cloud.", counted)
    months = hardware_usd / saving
    if months > MAX_MONTHS:
        return BreakEven(months, saving, f"After {months / 12:,.0f} years",
                         "Not in practice, at this volume.", counted)
    return BreakEven(months, saving, f"After {_months(months)}", "", counted)


def cumulative(hardware_usd: float, answers_per_month: int, per: PerAnswer,
               months: int) -> list[tuple[int, float, float]]:
    """``(month, on-device total, all-cloud total)`` from month 0 to ``months``."""
    cloud = per.cloud_usd or 0.0
    local = per.local_usd or 0.0
    return [(m, hardware_usd + answers_per_month * local * m, answers_per_month * cloud * m)
            for m in range(months + 1)]


def horizon(result: BreakEven) -> int:
    """How many months the chart shows: the break-even point and some more, within reason."""
    if result.months is None or not math.isfinite(result.months):
        return 24
    return int(min(MAX_MONTHS, max(12, math.ceil(result.months * 1.5))))


def _months(months: float) -> str:
    if months < 1:
        return f"{months * 30:.0f} days"
    if months < 24:
        return f"{months:.1f} months"
    return f"{months:.0f} months ({months / 12:.1f} years)"
