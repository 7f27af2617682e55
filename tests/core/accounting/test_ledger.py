"""Ledger roll-ups, savings per question and the budget, over a real SQLite store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.accounting.budget import (
    Budget,
    BudgetState,
    budget_state,
    current_budget,
    month_budget,
)
from desktop.core.accounting.ledger import Entry, Ledger, Sum, read_entries
from desktop.core.receipt import Receipt, Tier
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


def receipt(tier: Tier, *, cost: float | None, equivalent: float | None, tokens_in: int = 100,
            tokens_out: int = 50, kind: str | None = None, question_id: int | None = None,
            outcome: str = "answer", same_as_cost: bool = False) -> Receipt:
    local = tier == "local"
    return Receipt(
        tier=tier, provider="llama.cpp" if local else "acme", model="m",
        endpoint=None if local else "api.acme.example", privacy="on-device" if local else "sent",
        bytes_sent=0 if local else 900, tokens_in=tokens_in, tokens_out=tokens_out, ttft_s=None,
        decode_tok_per_s=None, cost_usd=cost, cost_kind=kind, cloud_equivalent_usd=equivalent,
        cloud_equivalent_basis="same_as_cost" if same_as_cost else None, reason="test",
        question_id=question_id, outcome=outcome,  # type: ignore[arg-type]
    )


@pytest.fixture
def clock() -> SetClock:
    return SetClock()


@pytest.fixture
def store(tmp_path: Path, clock: SetClock) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "hearth.sqlite3", clock=clock) as opened:
        yield opened


def answer(store: ConversationStore, clock: SetClock, when: str, data: Receipt | None,
           status: str = "complete") -> None:
    """A question and one answer with ``data`` as receipt (an old one: no question_id)."""
    clock.now = at(when)
    conversation = store.create_conversation("t")
    store.add_message(conversation.id, "user", "question")
    store.add_message(conversation.id, "assistant", "answer", status=status, receipt=data)


def question(store: ConversationStore, clock: SetClock, when: str) -> tuple[int, int]:
    """A new question: ``(conversation id, question id)``."""
    clock.now = at(when)
    conversation = store.create_conversation("t")
    return conversation.id, store.add_message(conversation.id, "user", "question").id


@pytest.fixture
def filled(store: ConversationStore, clock: SetClock) -> ConversationStore:
    answer(store, clock, "2026-10-31T23:30:00", receipt("local", cost=0.001, equivalent=0.02,
                                                        kind="estimated"))
    answer(store, clock, "2026-11-01T08:00:00", receipt("frontier", cost=0.5, equivalent=0.5,
                                                        kind="computed", same_as_cost=True))
    answer(store, clock, "2026-11-01T09:00:00", receipt("local", cost=None, equivalent=0.03,
                                                        tokens_in=10, tokens_out=5))
    answer(store, clock, "2026-11-01T10:00:00", receipt("private", cost=None, equivalent=None))
    answer(store, clock, "2026-11-02T10:00:00", receipt("local", cost=0.002, equivalent=0.04,
                                                        kind="measured"), status="stopped")
    answer(store, clock, "2026-11-02T11:00:00", None)  # an answer without a receipt
    return store


def test_rolls_up_per_day_and_month(filled: ConversationStore) -> None:
    ledger = Ledger.build(read_entries(filled), tz=UTC)
    assert [d.period for d in ledger.days] == ["2026-10-31", "2026-11-01", "2026-11-02"]
    assert [m.period for m in ledger.months] == ["2026-10", "2026-11"]
    november = ledger.months[1]
    assert november.answers == {"local": 2, "private": 1, "frontier": 1}
    assert november.questions == 4 and november.local_share == 0.5
    assert (november.tokens_in, november.tokens_out) == (310, 155)
    assert (november.cloud_spend.usd, november.cloud_spend.unknown) == (0.5, 1)
    assert november.local_cost.usd == pytest.approx(0.002)
    assert november.local_cost_kinds == {"measured": 1, "estimated": 0, "unknown": 1}
    assert november.cloud_equivalent.usd == pytest.approx(0.57)
    assert november.cloud_equivalent.unknown == 1
    # Only where every cost and the equivalent are known: frontier (0) and the measured one.
    assert november.savings.known == 2 and november.savings.usd == pytest.approx(0.038)
    assert november.savings.unknown == 2
    first = ledger.days[1]
    assert first.period == "2026-11-01" and first.total_answers == 3


def test_totals_over_everything(filled: ConversationStore) -> None:
    total = Ledger.build(read_entries(filled), tz=UTC).total
    assert total.total_answers == 5 and total.local_share == pytest.approx(3 / 5)
    assert total.savings.known == 3
    assert total.savings.usd == pytest.approx(0.019 + 0.0 + 0.038)
    data = Ledger.build(read_entries(filled), tz=UTC).to_dict()
    assert data["total"]["answers_total"] == 5 and len(data["days"]) == 3
    assert data["total"]["headline"]["cloud_spend"] == "$0.5000 + 1 unknown"


def test_a_sum_of_unknowns_is_never_zero() -> None:
    nothing = Sum()
    nothing.add(None)
    nothing.add(None)
    assert nothing.value is None and nothing.headline(str) == "2 unknown"
    part = Sum()
    part.add(0.25)
    part.add(None)
    assert part.value == 0.25 and part.headline(lambda v: f"${v:.2f}") == "$0.25 + 1 unknown"
    assert Sum().value == 0.0 and Sum().headline(lambda v: f"${v:.2f}") == "$0.00"


def test_a_cascade_keeps_no_local_saving_once_the_cloud_was_paid(
        store: ConversationStore, clock: SetClock) -> None:
    conversation, asked = question(store, clock, "2026-11-05T10:00:00")
    store.add_message(conversation, "assistant", "local try", receipt=receipt(
        "local", cost=0.001, equivalent=0.02, kind="estimated", question_id=asked))
    clock.now += 5
    store.add_message(conversation, "assistant", "cloud answer", receipt=receipt(
        "frontier", cost=0.03, equivalent=0.03, kind="computed", question_id=asked,
        same_as_cost=True))
    total = Ledger.build(read_entries(store), tz=UTC).total
    assert total.questions == 1 and total.total_answers == 2
    assert total.cloud_spend.usd == pytest.approx(0.03)
    # The all-cloud route would have paid 0.03 (the frontier's own answer); this question
    # paid 0.001 + 0.03. Not the local answer's 0.019.
    assert total.cloud_equivalent.usd == pytest.approx(0.03)
    assert total.savings.usd == pytest.approx(-0.001) and total.savings.known == 1


def test_ask_again_on_the_cloud_after_a_local_answer_counts_both(
        store: ConversationStore, clock: SetClock) -> None:
    conversation, asked = question(store, clock, "2026-11-05T10:00:00")
    local = store.add_message(conversation, "assistant", "here", receipt=receipt(
        "local", cost=0.001, equivalent=0.02, kind="estimated", question_id=asked))
    clock.now += 60
    store.add_message(conversation, "assistant", "again", parent_id=local.parent_id,
                      receipt=receipt("private", cost=0.004, equivalent=0.025,
                                      kind="computed", question_id=asked))
    total = Ledger.build(read_entries(store), tz=UTC).total
    # Two estimates of the all-cloud price: the smaller one, so the saving is not overstated.
    assert total.savings.usd == pytest.approx(0.02 - 0.005)


def test_a_failed_attempt_counts_in_the_ledger_and_the_budget(
        store: ConversationStore, clock: SetClock) -> None:
    conversation, asked = question(store, clock, "2026-11-05T10:00:00")
    store.add_message(conversation, "assistant", "half an ans", status="failed",
                      receipt=receipt("frontier", cost=0.004, equivalent=None,
                                      kind="estimated", question_id=asked, outcome="failed"))
    store.add_message(conversation, "assistant", "local answer", receipt=receipt(
        "local", cost=0.001, equivalent=0.02, kind="estimated", question_id=asked))
    entries = read_entries(store)
    total = Ledger.build(entries, tz=UTC).total
    assert total.failed == {"local": 0, "private": 0, "frontier": 1}
    assert total.answers["frontier"] == 0 and total.local_share == 1.0
    assert total.cloud_spend.usd == pytest.approx(0.004) and total.cloud_spend.known == 1
    assert total.savings.usd == pytest.approx(0.02 - 0.004 - 0.001)
    budget = month_budget(entries, 0.005, now=at("2026-11-20T00:00:00"), tz=UTC)
    assert budget.spent_usd == pytest.approx(0.004) and budget.state is BudgetState.WARNING


def test_a_failed_attempt_of_unknown_cost_is_counted_as_unknown(
        store: ConversationStore, clock: SetClock) -> None:
    conversation, asked = question(store, clock, "2026-11-05T10:00:00")
    store.add_message(conversation, "assistant", "", status="failed", receipt=receipt(
        "private", cost=None, equivalent=None, question_id=asked, outcome="failed"))
    total = Ledger.build(read_entries(store), tz=UTC).total
    assert total.cloud_spend.value is None and total.to_dict()["cloud_spend_usd"] is None
    assert total.to_dict()["headline"]["cloud_spend"] == "1 unknown"
    budget = current_budget(store, 10.0, now=at("2026-11-20T00:00:00"), tz=UTC)
    assert budget.unknown_attempts == 1
    assert "$0" not in budget.reason() and "1 cloud attempt(s) of unknown cost" in budget.reason()


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
    assert rows[-1]["headline_savings"] == "$0.0570 + 2 unknown"
    assert len({tuple(r) for r in rows}) == 1  # every row has the same columns


def test_old_receipts_take_their_kind_from_the_basis() -> None:
    entry = Entry.from_receipt(0.0, {"tier": "local", "cost_usd": 0.1,
                                     "cost_basis": "estimated: 30 W for 2.00 s at $0.3/kWh"})
    assert entry is not None and entry.cost_kind == "estimated"
    unknown = Entry.from_receipt(0.0, {"tier": "local", "cost_usd": None,
                                       "cost_basis": "unknown: set accounting.device_watts"})
    assert unknown is not None and unknown.cost_kind == "unknown"
    assert Entry.from_receipt(0.0, {"tier": "elsewhere"}) is None  # damaged: left out


def test_an_empty_ledger() -> None:
    ledger = Ledger.build([])
    assert ledger.days == [] and ledger.total.local_share is None


def test_the_ledger_reads_through_the_store_and_does_not_write(
        filled: ConversationStore) -> None:
    before = filled.path.stat().st_mtime_ns, filled.integrity_check()
    stored = filled.receipts()
    assert len(stored) == 5 and all(s.receipt.tier in ("local", "private", "frontier")
                                    for s in stored)
    assert [s.status for s in stored][-1] == "stopped"
    with filled.reader() as view:
        assert len(read_entries(view)) == 5
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
    budget = Budget(month="2026-11", limit_usd=limit, spent_usd=spent, unknown_attempts=0)
    assert budget.keeps_local is (state is BudgetState.EXHAUSTED)


def test_budget_counts_this_months_cloud_attempts_only(filled: ConversationStore) -> None:
    entries = read_entries(filled)
    budget = month_budget(entries, 0.6, now=at("2026-11-15T00:00:00"), tz=UTC)
    assert budget.month == "2026-11" and budget.spent_usd == 0.5
    assert budget.unknown_attempts == 1  # the private answer of unknown cost
    assert budget.state is BudgetState.WARNING and budget.share == pytest.approx(0.5 / 0.6)
    assert "83%" in budget.reason() and "$0.50 + 1 cloud attempt(s) of unknown cost" in (
        budget.reason())
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
