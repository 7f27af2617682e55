"""The ledger: every attempt's receipt rolled up per question, per day and per month.

Every attempt counts: answers, every version of an answer ("ask again"), and cloud attempts
that failed after sending (they may be billed). What was *paid* is summed per attempt; what was
*saved* is worked out per question, on what was actually paid for it:

    paid(q)       = the sum of the costs of every attempt at question q (electricity here,
                    cloud charges, failed attempts included)
    equivalent(q) = what one answer to q from the configured frontier model costs: the cost
                    of the frontier model's own answer when it gave one, else the smallest
                    known cloud equivalent among q's answers (the smallest, so that a saving
                    is never overstated)
    saving(q)     = equivalent(q) - paid(q)

So a cascade or an "ask again" that paid the cloud after a local answer keeps none of the
local answer's saving: the question paid for both. A saving is not floored at zero -- a
question that cost more than the all-cloud route shows as an extra cost, never hidden -- and
it cannot fall below -paid(q). It is unknown (never 0) when equivalent(q) or any attempt's
cost is unknown. A receipt without ``question_id`` (written before attempts were recorded) is
a question of its own.

Unknown figures are never counted as zero: every sum says how many figures it lacks. Days and
months are calendar days in ``tz`` (the computer's local time when ``None``); a question's
equivalent and saving belong to the day of its first attempt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from desktop.core.receipt import Receipt
from desktop.core.store import StoredReceipt

TIERS = ("local", "private", "frontier")
KINDS = ("measured", "computed", "estimated", "unknown")
LOCAL_KINDS = ("measured", "estimated", "unknown")


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """What the ledger needs of one receipt."""

    created_at: float
    tier: str
    tokens_in: int
    tokens_out: int
    cost_usd: float | None
    cost_kind: str
    cloud_equivalent_usd: float | None
    outcome: str = "answer"  # or "failed"
    question: tuple[str, int] | None = None  # ("question", id), ("message", id) or None
    frontier_own: bool = False  # the frontier model's own answer: its equivalent is its cost

    @classmethod
    def from_receipt(cls, created_at: float, receipt: Receipt | Mapping[str, Any], *,
                     message_id: int | None = None) -> Entry | None:
        """The entry for a stored receipt; ``None`` for one too damaged to count."""
        data = receipt.to_dict() if isinstance(receipt, Receipt) else receipt
        tier = data.get("tier")
        if tier not in TIERS:
            return None
        cost = _number(data.get("cost_usd"))
        equivalent = _number(data.get("cloud_equivalent_usd"))
        question_id = data.get("question_id")
        if isinstance(question_id, int) and not isinstance(question_id, bool):
            question: tuple[str, int] | None = ("question", question_id)
        else:
            question = ("message", message_id) if message_id is not None else None
        outcome = "failed" if data.get("outcome") == "failed" else "answer"
        same = data.get("cloud_equivalent_basis") == "same_as_cost" or (
            # Receipts from before bases were words: the frontier's own answer was "measured".
            tier == "frontier" and data.get("cloud_equivalent_kind") == "measured")
        return cls(created_at=created_at, tier=str(tier), tokens_in=_count(data.get("tokens_in")),
                   tokens_out=_count(data.get("tokens_out")), cost_usd=cost,
                   cost_kind=_kind(data, cost), cloud_equivalent_usd=equivalent,
                   outcome=outcome, question=question,
                   frontier_own=bool(same and equivalent is not None))


@dataclass(slots=True)
class Sum:
    """A sum of USD figures that says how many were unknown (and left out)."""

    usd: float = 0.0
    known: int = 0
    unknown: int = 0

    def add(self, value: float | None) -> None:
        if value is None:
            self.unknown += 1
        else:
            self.usd += value
            self.known += 1

    @property
    def value(self) -> float | None:
        """The sum, or ``None`` when every figure in it is unknown (never a made-up $0)."""
        return None if self.unknown and not self.known else self.usd

    def headline(self, money: Callable[[float], str]) -> str:
        """``"$0.42"``, ``"$0.42 + 3 unknown"`` or ``"3 unknown"``."""
        if self.unknown and not self.known:
            return f"{self.unknown:,} unknown"
        if self.unknown:
            return f"{money(self.usd)} + {self.unknown:,} unknown"
        return money(self.usd)


@dataclass(slots=True)
class Question:
    """Every attempt at answering one question, and what it saved against the all-cloud route."""

    entries: list[Entry] = field(default_factory=list)

    @property
    def created_at(self) -> float:
        return self.entries[0].created_at

    @property
    def paid_usd(self) -> float | None:
        """What every attempt cost together; ``None`` when any of them is unknown."""
        costs = [entry.cost_usd for entry in self.entries]
        return None if any(c is None for c in costs) else sum(c or 0.0 for c in costs)

    @property
    def equivalent_usd(self) -> float | None:
        answers = [e for e in self.entries if e.outcome == "answer"
                   and e.cloud_equivalent_usd is not None]
        own = [e.cloud_equivalent_usd for e in answers if e.frontier_own]
        known = own or [e.cloud_equivalent_usd for e in answers]
        return min(v for v in known if v is not None) if known else None

    @property
    def saving_usd(self) -> float | None:
        equivalent, paid = self.equivalent_usd, self.paid_usd
        if equivalent is None or paid is None:
            return None
        return equivalent - paid


@dataclass(slots=True)
class Totals:
    """One day's, one month's or every figure: attempts, spend, equivalents and savings."""

    period: str
    answers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    failed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    questions: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cloud_spend: Sum = field(default_factory=Sum)
    local_cost: Sum = field(default_factory=Sum)
    local_cost_kinds: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(LOCAL_KINDS, 0))
    cloud_equivalent: Sum = field(default_factory=Sum)
    savings: Sum = field(default_factory=Sum)

    def add(self, entry: Entry) -> None:
        """Count one attempt: its tokens and what it cost."""
        (self.answers if entry.outcome == "answer" else self.failed)[entry.tier] += 1
        self.tokens_in += entry.tokens_in
        self.tokens_out += entry.tokens_out
        if entry.tier == "local":
            self.local_cost.add(entry.cost_usd)
            kind = entry.cost_kind if entry.cost_kind in LOCAL_KINDS else "unknown"
            self.local_cost_kinds[kind if entry.cost_usd is not None else "unknown"] += 1
        else:
            self.cloud_spend.add(entry.cost_usd)

    def add_question(self, question: Question) -> None:
        """Count one question: its all-cloud equivalent and its saving."""
        self.questions += 1
        self.cloud_equivalent.add(question.equivalent_usd)
        self.savings.add(question.saving_usd)

    @property
    def total_answers(self) -> int:
        return sum(self.answers.values())

    @property
    def local_share(self) -> float | None:
        """Share of the answers computed on this device (``None`` with no answers)."""
        total = self.total_answers
        return self.answers["local"] / total if total else None

    def to_dict(self) -> dict[str, Any]:
        """Figures for JSON and CSV: a sum is ``null`` when all its figures are unknown, and
        ``headline`` says each one in words ("$0.42 + 3 unknown")."""
        sums = {"cloud_spend": self.cloud_spend, "local_cost": self.local_cost,
                "cloud_equivalent": self.cloud_equivalent, "savings": self.savings}
        data: dict[str, Any] = {
            "period": self.period,
            "answers": dict(self.answers),
            "answers_total": self.total_answers,
            "failed_attempts": dict(self.failed),
            "questions": self.questions,
            "local_share": self.local_share,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
        }
        for name, total in sums.items():
            data[f"{name}_usd"] = total.value
            data[f"{name}_known"] = total.known
            data[f"{name}_unknown"] = total.unknown
        data["local_cost_kinds"] = dict(self.local_cost_kinds)
        data["headline"] = {name: total.headline(_money) for name, total in sums.items()}
        return data


@dataclass(slots=True)
class Ledger:
    """Totals per day and per month (oldest first) and over everything."""

    days: list[Totals]
    months: list[Totals]
    total: Totals

    @classmethod
    def build(cls, entries: Iterable[Entry], tz: dt.tzinfo | None = None) -> Ledger:
        days: dict[str, Totals] = {}
        months: dict[str, Totals] = {}
        total = Totals("total")

        def buckets(when: float) -> tuple[Totals, Totals, Totals]:
            moment = dt.datetime.fromtimestamp(when, tz)
            day, month = moment.strftime("%Y-%m-%d"), moment.strftime("%Y-%m")
            return (days.setdefault(day, Totals(day)), months.setdefault(month, Totals(month)),
                    total)

        for question in group_questions(entries):
            for entry in question.entries:
                for totals in buckets(entry.created_at):
                    totals.add(entry)
            for totals in buckets(question.created_at):
                totals.add_question(question)
        return cls([days[k] for k in sorted(days)], [months[k] for k in sorted(months)], total)

    def to_dict(self) -> dict[str, Any]:
        return {"days": [d.to_dict() for d in self.days],
                "months": [m.to_dict() for m in self.months],
                "total": self.total.to_dict()}

    def rows(self) -> Iterator[dict[str, Any]]:
        """Flat rows (``scope`` day, month or total) for a CSV file."""
        for scope, group in (("day", self.days), ("month", self.months),
                             ("total", [self.total])):
            for totals in group:
                yield {"scope": scope, **_flat(totals.to_dict())}


def group_questions(entries: Iterable[Entry]) -> list[Question]:
    """The entries by question, in the order their first attempts were made."""
    questions: dict[object, Question] = {}
    for index, entry in enumerate(sorted(entries, key=lambda e: e.created_at)):
        key: object = entry.question if entry.question is not None else ("entry", index)
        questions.setdefault(key, Question()).entries.append(entry)
    return list(questions.values())


class ReceiptSource(Protocol):
    """Where receipts are read: the store, or the front ends' ``Conversations``."""

    def receipts(self, *, since: float | None = None) -> list[StoredReceipt]: ...


def read_entries(store: ReceiptSource, *, since: float | None = None) -> list[Entry]:
    """Every attempt with a receipt in ``store`` created at or after ``since``, oldest first
    (through the store's API; no message text is read)."""
    return [entry for stored in store.receipts(since=since)
            if (entry := Entry.from_receipt(stored.created_at, stored.receipt,
                                            message_id=stored.message_id)) is not None]


def start_of_day(day: dt.date, tz: dt.tzinfo | None = None) -> float:
    """The unix time at which ``day`` begins in ``tz`` (local time when ``None``)."""
    return dt.datetime.combine(day, dt.time(), tz).timestamp()


def _money(value: float) -> str:
    return f"${value:.4f}"


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _kind(receipt: Mapping[str, Any], cost: float | None) -> str:
    """The receipt's ``cost_kind``, or, on older receipts, the word its ``cost_basis`` starts
    with ("estimated: 30 W for ..."); unknown when there is no cost."""
    kind = receipt.get("cost_kind")
    if kind not in KINDS:
        basis = receipt.get("cost_basis")
        kind = basis.split(":", 1)[0] if isinstance(basis, str) else None
    if cost is None or kind not in KINDS:
        return "unknown"
    return str(kind)


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}_"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
