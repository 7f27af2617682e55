"""Ledger roll-ups and the budget, over a real SQLite store filled through ConversationStore."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.core.accounting.budget import (
    Budget,
    BudgetState,
    budget_state,
    current_budget,
    month_budget,
)
from desktop.core.accounting.ledger import Entry, Ledger, entries_from_file, read_entries
from desktop.core.store import ConversationStore

UTC = dt.UTC


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


class SetClock:
    """The store's clock: whatever time the test sets."""

    def __init__(self) -> None:
        self.now = at("2026-10-01T09:00:00")

    def __call__(self) -> float:
        return self.now


def receipt(tier: str, *, cost: float | None, equivalent: float | None, tokens_in: int = 100,
            tokens_out: int = 50, kind: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"tier": tier, "provider": "x", "model": "m", "tokens_in": tokens_in,
                            "tokens_out": tokens_out, "cost_usd": cost,
                            "cloud_equivalent_usd": equivalent}
    if kind is not None:
        data["cost_kind"] = kind
    return data


@pytest.fixture
def clock() -> SetClock:
    return SetClock()


@pytest.fixture
def store(tmp_path: Path, clock: SetClock) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "hearth.sqlite3", clock=clock) as opened:
        yield opened


def answer(store: ConversationStore, clock: SetClock, when: str, data: dict[str, Any] | None,
           status: str = "complete") -> None:
    clock.now = at(when)
    conversation = store.create_conversation("t")
    store.add_message(conversation.id, "user", "question")
    store.add_message(conversation.id, "assistant", "answer", status=status, receipt=data)


@pytest.fixture
def filled(store: ConversationStore, clock: SetClock) -> ConversationStore:
    answer(store, clock, "2026-10-31T23:30:00", receipt("local", cost=0.001, equivalent=0.02,
                                                        kind="estimated"))
    answer(store, clock, "2026-11-01T08:00:00", receipt("frontier", cost=0.5, equivalent=0.5))
    answer(store, clock, "2026-11-01T09:00:00", receipt("local", cost=None, equivalent=0.03,
                                                        tokens_in=10, tokens_out=5))
    answer(store, clock, "2026-11-01T10:00:00", receipt("private", cost=None, equivalent=None))
    answer(store, clock, "2026-11-02T10:00:00", receipt("local", cost=0.002, equivalent=0.04,
                                                        kind="measured"), status="stopped")
    answer(store, clock, "2026-11-02T11:00:00", None)  # an answer without a receipt
    answer(store, clock, "2026-11-02T12:00:00", {"tier": "elsewhere"})  # damaged: left out
    return store


def test_rolls_up_per_day_and_month(filled: ConversationStore) -> None:
    ledger = Ledger.build(read_entries(filled), tz=UTC)
    assert [d.period for d in ledger.days] == ["2026-10-31", "2026-11-01", "2026-11-02"]
    assert [m.period for m in ledger.months] == ["2026-10", "2026-11"]
    november = ledger.months[1]
    assert november.answers == {"local": 2, "private": 1, "frontier": 1}
    assert november.local_share == 0.5
    assert (november.tokens_in, november.tokens_out) == (310, 155)
    assert november.cloud_spend_usd == 0.5 and november.cloud_spend_unknown == 1
    assert november.local_cost_usd == pytest.approx(0.002)
    assert november.local_cost_kinds == {"measured": 1, "estimated": 0, "unknown": 1}
    assert november.cloud_equivalent_usd == pytest.approx(0.57)
    assert november.cloud_equivalent_unknown == 1
    # Only where cost and equivalent are both known: frontier (0) and the measured local one.
    assert november.savings_answers == 2 and november.savings_usd == pytest.approx(0.038)
    first = ledger.days[1]
    assert first.period == "2026-11-01" and first.total_answers == 3


def test_totals_over_everything(filled: ConversationStore) -> None:
    total = Ledger.build(read_entries(filled), tz=UTC).total
    assert total.total_answers == 5 and total.local_share == pytest.approx(3 / 5)
    assert total.savings_answers == 3
    assert total.savings_usd == pytest.approx(0.019 + 0.0 + 0.038)
    data = Ledger.build(read_entries(filled), tz=UTC).to_dict()
    assert data["total"]["answers_total"] == 5 and len(data["days"]) == 3


def test_days_follow_the_time_zone(filled: ConversationStore) -> None:
    # 23:30 UTC on 31 October is already 1 November in Berlin time (+01:00).
    berlin = dt.timezone(dt.timedelta(hours=1))
    ledger = Ledger.build(read_entries(filled), tz=berlin)
    assert [m.period for m in ledger.months] == ["2026-11"]


def test_since_leaves_older_answers_out(filled: ConversationStore) -> None:
    entries = read_entries(filled, since=at("2026-11-02T00:00:00"))
    assert [e.tier for e in entries] == ["local"]


def test_flat_rows_for_csv(filled: ConversationStore) -> None:
    rows = list(Ledger.build(read_entries(filled), tz=UTC).rows())
    assert [r["scope"] for r in rows] == ["day"] * 3 + ["month"] * 2 + ["total"]
    assert rows[-1]["answers_local"] == 3 and "local_cost_kinds_measured" in rows[-1]
    assert len({tuple(r) for r in rows}) == 1  # every row has the same columns


def test_old_receipts_take_their_kind_from_the_basis() -> None:
    entry = Entry.from_receipt(0.0, {"tier": "local", "cost_usd": 0.1,
                                     "cost_basis": "estimated: 30 W for 2.00 s at $0.3/kWh"})
    assert entry is not None and entry.cost_kind == "estimated"
    unknown = Entry.from_receipt(0.0, {"tier": "local", "cost_usd": None,
                                       "cost_basis": "unknown: set accounting.device_watts"})
    assert unknown is not None and unknown.cost_kind == "unknown"


def test_no_database_file_is_an_empty_ledger(tmp_path: Path) -> None:
    assert entries_from_file(tmp_path / "none.sqlite3") == []
    ledger = Ledger.build([])
    assert ledger.days == [] and ledger.total.local_share is None


def test_the_ledger_does_not_write_to_the_store(filled: ConversationStore) -> None:
    before = filled.path.stat().st_mtime_ns, filled.integrity_check()
    read_entries(filled)
    assert (filled.path.stat().st_mtime_ns, filled.integrity_check()) == before


# -- budget ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("spent", "limit", "state"), [
    (0.0, 100.0, BudgetState.OK),
    (79.99, 100.0, BudgetState.OK),
    (80.0, 100.0, BudgetState.WARNING),
    (99.99, 100.0, BudgetState.WARNING),
    (100.0, 100.0, BudgetState.EXHAUSTED),
    (250.0, 100.0, BudgetState.EXHAUSTED),
    (1e9, 0.0, BudgetState.OK),  # 0: no budget
])
def test_budget_thresholds(spent: float, limit: float, state: BudgetState) -> None:
    assert budget_state(spent, limit) is state
    budget = Budget(month="2026-11", limit_usd=limit, spent_usd=spent, unknown_answers=0)
    assert budget.keeps_local is (state is BudgetState.EXHAUSTED)


def test_budget_counts_this_months_cloud_answers_only(filled: ConversationStore) -> None:
    entries = read_entries(filled)
    budget = month_budget(entries, 0.6, now=at("2026-11-15T00:00:00"), tz=UTC)
    assert budget.month == "2026-11" and budget.spent_usd == 0.5
    assert budget.unknown_answers == 1  # the private answer of unknown cost
    assert budget.state is BudgetState.WARNING and budget.share == pytest.approx(0.5 / 0.6)
    assert "83%" in budget.reason() and "unknown cost" in budget.reason()
    october = month_budget(entries, 0.6, now=at("2026-10-15T00:00:00"), tz=UTC)
    assert october.spent_usd == 0.0 and october.state is BudgetState.OK


def test_current_budget_reads_the_store(filled: ConversationStore) -> None:
    budget = current_budget(filled, 0.5, now=at("2026-11-20T00:00:00"), tz=UTC)
    assert budget.state is BudgetState.EXHAUSTED and budget.keeps_local
    assert "answering on this device" in budget.reason()
    assert budget.to_dict()["state"] == "exhausted"
    unlimited = current_budget(filled, 0.0, now=at("2026-11-20T00:00:00"), tz=UTC)
    assert not unlimited.has_limit and unlimited.share is None
    assert unlimited.reason().startswith("no monthly budget set")
