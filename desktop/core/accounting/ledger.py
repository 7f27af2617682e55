"""The ledger: every answer's receipt rolled up per day and per month.

Receipts are read straight from the conversation database with a read-only connection of
their own (one query, no message text), so a roll-up never blocks or changes the store.
Days and months are calendar days in ``tz`` (the computer's local time when ``None``).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.accounting.costing import savings
from desktop.core.errors import StorageError
from desktop.core.store import ConversationStore

TIERS = ("local", "private", "frontier")
KINDS = ("measured", "estimated", "unknown")


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """What the ledger needs of one answer's receipt."""

    created_at: float
    tier: str
    tokens_in: int
    tokens_out: int
    cost_usd: float | None
    cost_kind: str
    cloud_equivalent_usd: float | None

    @classmethod
    def from_receipt(cls, created_at: float, receipt: Mapping[str, Any]) -> Entry | None:
        """The entry for a stored receipt; ``None`` for one too damaged to count."""
        tier = receipt.get("tier")
        if tier not in TIERS:
            return None
        cost = _number(receipt.get("cost_usd"))
        return cls(
            created_at=created_at,
            tier=str(tier),
            tokens_in=_count(receipt.get("tokens_in")),
            tokens_out=_count(receipt.get("tokens_out")),
            cost_usd=cost,
            cost_kind=_kind(receipt, cost),
            cloud_equivalent_usd=_number(receipt.get("cloud_equivalent_usd")),
        )


@dataclass(slots=True)
class Totals:
    """One day's, one month's or all answers' figures.

    Unknown figures are never counted as zero: each sum says how many answers it lacks.
    ``savings_usd`` covers only the ``savings_answers`` whose cost and cloud equivalent are
    both known.
    """

    period: str
    answers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    tokens_in: int = 0
    tokens_out: int = 0
    cloud_spend_usd: float = 0.0
    cloud_spend_unknown: int = 0
    local_cost_usd: float = 0.0
    local_cost_kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    cloud_equivalent_usd: float = 0.0
    cloud_equivalent_unknown: int = 0
    savings_usd: float = 0.0
    savings_answers: int = 0

    def add(self, entry: Entry) -> None:
        self.answers[entry.tier] += 1
        self.tokens_in += entry.tokens_in
        self.tokens_out += entry.tokens_out
        if entry.tier == "local":
            self.local_cost_kinds[entry.cost_kind] += 1
            self.local_cost_usd += entry.cost_usd or 0.0
        elif entry.cost_usd is None:
            self.cloud_spend_unknown += 1
        else:
            self.cloud_spend_usd += entry.cost_usd
        if entry.cloud_equivalent_usd is None:
            self.cloud_equivalent_unknown += 1
        else:
            self.cloud_equivalent_usd += entry.cloud_equivalent_usd
        saved = savings(entry.cost_usd, entry.cloud_equivalent_usd)
        if saved is not None:
            self.savings_usd += saved
            self.savings_answers += 1

    @property
    def total_answers(self) -> int:
        return sum(self.answers.values())

    @property
    def local_share(self) -> float | None:
        """Share of the answers computed on this device (``None`` with no answers)."""
        total = self.total_answers
        return self.answers["local"] / total if total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "answers": dict(self.answers),
            "answers_total": self.total_answers,
            "local_share": self.local_share,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cloud_spend_usd": self.cloud_spend_usd,
            "cloud_spend_unknown": self.cloud_spend_unknown,
            "local_cost_usd": self.local_cost_usd,
            "local_cost_kinds": dict(self.local_cost_kinds),
            "cloud_equivalent_usd": self.cloud_equivalent_usd,
            "cloud_equivalent_unknown": self.cloud_equivalent_unknown,
            "savings_usd": self.savings_usd,
            "savings_answers": self.savings_answers,
        }


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
        for entry in entries:
            when = dt.datetime.fromtimestamp(entry.created_at, tz)
            day, month = when.strftime("%Y-%m-%d"), when.strftime("%Y-%m")
            days.setdefault(day, Totals(day)).add(entry)
            months.setdefault(month, Totals(month)).add(entry)
            total.add(entry)
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


def read_entries(store: ConversationStore, *, since: float | None = None) -> list[Entry]:
    """Every answer with a receipt in ``store`` created at or after ``since``, oldest first."""
    return entries_from_file(store.path, since=since)


def entries_from_file(path: Path, *, since: float | None = None) -> list[Entry]:
    """Like ``read_entries`` for a database file; a missing file has no entries.

    Only open this on a file a ``ConversationStore`` has already checked and migrated.
    """
    if not path.exists():
        return []
    query = ("SELECT created_at, receipt FROM messages WHERE role = 'assistant'"
             " AND receipt IS NOT NULL AND created_at >= ? ORDER BY created_at, id")
    try:
        # mode=ro: this connection can never write, whatever happens; the busy timeout
        # covers the moment a writer in another process checkpoints the WAL.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        try:
            rows = conn.execute(query, (since if since is not None else float("-inf"),))
            entries = [entry for created_at, text in rows
                       if (entry := _entry(created_at, text)) is not None]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StorageError(f"could not read the receipts in {path}: {exc}") from exc
    return entries


def start_of_day(day: dt.date, tz: dt.tzinfo | None = None) -> float:
    """The unix time at which ``day`` begins in ``tz`` (local time when ``None``)."""
    return dt.datetime.combine(day, dt.time(), tz).timestamp()


def _entry(created_at: object, text: object) -> Entry | None:
    if not isinstance(text, str) or not isinstance(created_at, int | float):
        return None
    try:
        receipt = json.loads(text)
    except ValueError:
        return None  # a damaged receipt is left out rather than stopping the ledger
    return Entry.from_receipt(float(created_at), receipt) if isinstance(receipt, dict) else None


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
