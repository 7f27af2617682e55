"""When on-device answers pay for the hardware: the dashboard's break-even arithmetic.

The averages come from the ledger (what the receipts computed, measured or estimated); the
hardware price and the monthly volume are the user's own figures. There is no default for
either: until the user enters what the hardware cost, there is no break-even figure at all.
Nothing here imports Qt.

    saving a month = questions a month x (all-cloud cost of a question - electricity of one here)
    break-even     = hardware price / saving a month
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from desktop.core.accounting.ledger import Totals

HARDWARE_SETTING = "accounting.hardware_usd"  # 0: not entered
MAX_MONTHS = 120  # the chart's horizon: past ten years the answer is "not in practice"


@dataclass(frozen=True, slots=True)
class PerAnswer:
    """The average costs of one question, each from the receipts that have it.

    ``cloud_usd``: one answer from the configured frontier model (an estimate: list price times
    the tokens, over ``cloud_answers`` questions); ``local_usd``: the electricity of an answer
    computed on this device, ``local_kinds`` saying how many of those were measured or
    estimated.
    """

    cloud_usd: float | None
    cloud_answers: int
    local_usd: float | None
    local_answers: int
    local_kinds: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_totals(cls, totals: Totals) -> PerAnswer:
        cloud, local = totals.cloud_equivalent, totals.local_cost
        return cls(
            cloud_usd=cloud.usd / cloud.known if cloud.known else None,
            cloud_answers=cloud.known,
            local_usd=local.usd / local.known if local.known else None,
            local_answers=local.known,
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
    """``months`` until the hardware is paid back: ``None`` when there is no figure (no
    hardware price, no cloud price or no volume), ``math.inf`` for never.

    ``headline`` says it in a few words, ``why`` in a sentence when there is more to say.
    ``electricity_counted`` is False when the electricity here is unknown: the figure is then
    a lower bound ("not before"), since electricity only makes the payback later.
    """

    months: float | None
    monthly_saving_usd: float | None
    headline: str
    why: str
    electricity_counted: bool


def break_even(hardware_usd: float | None, questions_per_month: int,
               per: PerAnswer) -> BreakEven:
    counted = per.local_usd is not None
    if hardware_usd is None or hardware_usd <= 0:
        return BreakEven(None, None, "Enter the hardware price",
                         "Hearth does not guess what your computer cost: enter it to see when "
                         "answering here pays for it.", counted)
    if per.cloud_usd is None:
        return BreakEven(None, None, "Unknown", "No question has a cloud price yet: choose a "
                         "frontier model with a known price (Settings → Cloud).", counted)
    if questions_per_month <= 0:
        return BreakEven(None, None, "Enter how many questions a month",
                         "The payback depends on how much you ask.", counted)
    saving = questions_per_month * (per.cloud_usd - (per.local_usd or 0.0))
    if saving <= 0:
        return BreakEven(math.inf, saving, "Never", "At these figures an answer here costs as "
                         "much as, or more than, the same answer from the cloud.", counted)
    months = hardware_usd / saving
    unknown = ("" if counted else " The electricity here is unknown and left out, which can "
               "only make the payback later: set the power draw and electricity price under "
               "Settings → Costs.")
    if months > MAX_MONTHS:
        return BreakEven(months, saving, f"Not within {MAX_MONTHS // 12} years",
                         "Not in practice, at this volume." + unknown, counted)
    prefix = "After" if counted else "Not before"
    return BreakEven(months, saving, f"{prefix} {_months(months)}", unknown.strip(), counted)


def cumulative(hardware_usd: float, questions_per_month: int, per: PerAnswer,
               months: int) -> list[tuple[int, float, float]]:
    """``(month, on-device total, all-cloud total)`` from month 0 to ``months``."""
    cloud = per.cloud_usd or 0.0
    local = per.local_usd or 0.0
    return [(m, hardware_usd + questions_per_month * local * m,
             questions_per_month * cloud * m) for m in range(months + 1)]


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
