"""The monthly cloud budget: a warning at 80 % of it, everything local at 100 %.

Spend is what the receipts of the current calendar month say the private and frontier tiers
cost: every attempt, including one that failed after sending (it may be billed; its cost is
the provider's usage when known, else an estimate marked so). An attempt whose cost is unknown
cannot be counted; the budget says how many there were, so nobody mistakes the sum for
complete.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from desktop.core.accounting.ledger import Entry, read_entries
from desktop.core.store import ConversationStore

WARNING_SHARE = 0.8
BUDGET_SETTING = "accounting.monthly_budget_usd"


class BudgetState(StrEnum):
    OK = "ok"  # under 80 %, or no budget set
    WARNING = "warning"  # 80 % or more: tell the user
    EXHAUSTED = "exhausted"  # 100 % or more: the router keeps every answer local


def budget_state(spent_usd: float, limit_usd: float) -> BudgetState:
    """The state of a budget of ``limit_usd`` (0 or less: no budget) after ``spent_usd``."""
    if limit_usd <= 0:
        return BudgetState.OK
    if spent_usd >= limit_usd:
        return BudgetState.EXHAUSTED
    if spent_usd >= WARNING_SHARE * limit_usd:
        return BudgetState.WARNING
    return BudgetState.OK


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """This month's cloud spend against the budget."""

    month: str
    limit_usd: float
    spent_usd: float
    unknown_attempts: int

    @property
    def state(self) -> BudgetState:
        return budget_state(self.spent_usd, self.limit_usd)

    @property
    def has_limit(self) -> bool:
        return self.limit_usd > 0

    @property
    def share(self) -> float | None:
        """Spent as a share of the limit (``None`` without a budget)."""
        return self.spent_usd / self.limit_usd if self.has_limit else None

    @property
    def keeps_local(self) -> bool:
        """True when the router must keep every answer on this device."""
        return self.state is BudgetState.EXHAUSTED

    def spent(self) -> str:
        """``"$8.50"``, ``"$8.50 + 2 cloud attempt(s) of unknown cost"``, or, when no cost is
        known, ``"2 cloud attempt(s) of unknown cost"`` (never a $0 built on unknowns)."""
        unknown = f"{self.unknown_attempts} cloud attempt(s) of unknown cost"
        if self.unknown_attempts and not self.spent_usd:
            return unknown
        if self.unknown_attempts:
            return f"${self.spent_usd:.2f} + {unknown}"
        return f"${self.spent_usd:.2f}"

    def reason(self) -> str:
        """One line for the user and for the router's reason."""
        if not self.has_limit:
            return f"no monthly budget set; spent in {self.month}: {self.spent()}"
        used = f"{self.spent()} of ${self.limit_usd:.2f} spent in {self.month}"
        if self.state is BudgetState.EXHAUSTED:
            return f"monthly cloud budget used up: {used}; answering on this device"
        if self.state is BudgetState.WARNING:
            return f"monthly cloud budget at {self.share or 0:.0%}: {used}"
        return f"monthly cloud budget: {used}"

    def to_dict(self) -> dict[str, object]:
        return {"month": self.month, "limit_usd": self.limit_usd,
                "spent_usd": None if self.unknown_attempts and not self.spent_usd
                else self.spent_usd,
                "spent": self.spent(), "unknown_attempts": self.unknown_attempts,
                "share": self.share, "state": str(self.state)}


def month_budget(entries: Iterable[Entry], limit_usd: float, *, now: float,
                 tz: dt.tzinfo | None = None) -> Budget:
    """The budget of the calendar month containing ``now``, from ``entries`` (every cloud
    attempt, failed ones included)."""
    month = dt.datetime.fromtimestamp(now, tz).strftime("%Y-%m")
    spent, unknown = 0.0, 0
    for entry in entries:
        if entry.tier == "local":
            continue
        if dt.datetime.fromtimestamp(entry.created_at, tz).strftime("%Y-%m") != month:
            continue
        if entry.cost_usd is None:
            unknown += 1
        else:
            spent += entry.cost_usd
    return Budget(month=month, limit_usd=max(limit_usd, 0.0), spent_usd=spent,
                  unknown_attempts=unknown)


def current_budget(store: ConversationStore, limit_usd: float, *, now: float | None = None,
                   tz: dt.tzinfo | None = None) -> Budget:
    """This month's budget from the receipts in ``store`` (for the router and the ledger)."""
    now = time.time() if now is None else now
    return month_budget(read_entries(store, since=start_of_month(now, tz)), limit_usd, now=now,
                        tz=tz)


def start_of_month(now: float, tz: dt.tzinfo | None = None) -> float:
    """The unix time at which the calendar month containing ``now`` begins in ``tz`` (local
    time when ``None``)."""
    return dt.datetime.fromtimestamp(now, tz).replace(day=1, hour=0, minute=0, second=0,
                                                      microsecond=0).timestamp()
