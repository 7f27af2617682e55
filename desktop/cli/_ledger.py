"""``hearth ledger [--since DATE] [--json | --csv]``: answers, tokens and money per day and
month, and this month's cloud budget."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time

from desktop.core.accounting.budget import BUDGET_SETTING, Budget, month_budget
from desktop.core.accounting.ledger import Ledger, Totals, read_entries, start_of_day
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore

EXIT_USAGE = 2


def run(args: argparse.Namespace) -> int:
    try:
        since = parse_since(args.since)
    except ValueError as exc:
        print(f"hearth ledger: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    settings = Settings()
    now = time.time()
    with ConversationStore.open_default() as store:
        month_start = dt.datetime.fromtimestamp(now).replace(
            day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()
        # From the start of this month at the latest: the budget needs the whole month.
        entries = read_entries(store, since=None if since is None else min(month_start, since))
    budget = month_budget(entries, settings.get_float(BUDGET_SETTING), now=now)
    ledger = Ledger.build(e for e in entries if since is None or e.created_at >= since)
    if args.json:
        print(json.dumps({**ledger.to_dict(), "budget": budget.to_dict()}, indent=2))
    elif args.csv:
        _csv(ledger)
    else:
        _text(ledger, budget)
    return 0


def parse_since(text: str | None) -> float | None:
    """The unix time local day ``text`` (``2026-11-01``) starts at; ``None`` for ``None``."""
    if text is None:
        return None
    try:
        return start_of_day(dt.date.fromisoformat(text))
    except ValueError:
        raise ValueError(f"--since takes a date like 2026-11-01, not {text!r}") from None


def _csv(ledger: Ledger) -> None:
    rows = list(ledger.rows())
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def _text(ledger: Ledger, budget: Budget) -> None:
    if not ledger.total.total_answers:
        print("No answers with a receipt yet.")
    else:
        for title, group in (("Per month", ledger.months), ("Per day", ledger.days)):
            print(f"{title}:")
            print(_HEADER)
            for totals in group:
                print(_row(totals))
            print()
        print(_HEADER)
        print(_row(ledger.total))
        print()
        local = ledger.total.local_cost_kinds
        print(f"Local cost: {local['measured']} answer(s) measured, {local['estimated']} "
              f"estimated, {local['unknown']} unknown (set accounting.device_watts and "
              "accounting.electricity_usd_per_kwh to estimate them).")
        print(f"Savings cover the {ledger.total.savings_answers} answer(s) whose cost and "
              "cloud equivalent are both known; +? marks a sum that lacks unknown figures.")
    print(f"Budget: {budget.reason()}.")


_HEADER = (f"{'period':<10} {'local':>6} {'priv':>5} {'front':>5} {'local%':>6} "
           f"{'tok in':>9} {'tok out':>9} {'cloud $':>12} {'local $':>12} "
           f"{'all-cloud $':>12} {'saved $':>12}")


def _row(t: Totals) -> str:
    share = f"{t.local_share:.0%}" if t.local_share is not None else "-"
    return (f"{t.period:<10} {t.answers['local']:>6} {t.answers['private']:>5} "
            f"{t.answers['frontier']:>5} {share:>6} {t.tokens_in:>9} {t.tokens_out:>9} "
            f"{_money(t.cloud_spend_usd, t.cloud_spend_unknown):>12} "
            f"{_money(t.local_cost_usd, t.local_cost_kinds['unknown']):>12} "
            f"{_money(t.cloud_equivalent_usd, t.cloud_equivalent_unknown):>12} "
            f"{_money(t.savings_usd, 0):>12}")


def _money(value: float, unknown: int) -> str:
    """``$0.0123``; a trailing ``+?`` when some answers' figures are unknown."""
    return f"${value:.4f}" + ("+?" if unknown else "")
