"""``hearth ledger [--since DATE] [--json | --csv]``: attempts, tokens and money per day and
month, savings per question, and this month's cloud budget.

No figure built on unknowns is shown as $0: a sum with unknown parts says how many
("$0.0420 + 3 unknown"), and one with no known part says only that ("3 unknown").
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time

from desktop.core.accounting.budget import BUDGET_SETTING, Budget, month_budget, start_of_month
from desktop.core.accounting.ledger import Ledger, Sum, Totals, read_entries, start_of_day
from desktop.core.conversations import Conversations
from desktop.core.settings import Settings

EXIT_USAGE = 2


def run(args: argparse.Namespace) -> int:
    try:
        since = parse_since(args.since)
    except ValueError as exc:
        print(f"hearth ledger: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    settings = Settings()
    now = time.time()
    with Conversations.open_default() as chats:
        # From the start of this month at the latest: the budget needs the whole month.
        entries = read_entries(chats, since=None if since is None
                               else min(start_of_month(now), since))
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
    total = ledger.total
    if not total.total_answers and not sum(total.failed.values()):
        print("No answers with a receipt yet.")
        print(f"Budget: {budget.reason()}.")
        return
    print(_headlines(total))
    print()
    for title, group in (("Per month", ledger.months), ("Per day", ledger.days)):
        print(f"{title}:")
        print(_HEADER)
        for totals in group:
            print(_row(totals))
        print()
    print(_HEADER)
    print(_row(total))
    print()
    local = total.local_cost_kinds
    print(f"Local cost: {local['measured']} answer(s) measured, {local['estimated']} "
          f"estimated, {local['unknown']} unknown (set accounting.device_watts and "
          "accounting.electricity_usd_per_kwh to estimate them).")
    print("Cloud spend is each attempt's usage (as the provider reported it, or estimated "
          "when it did not) x the price in the receipt; failed attempts that sent bytes "
          "count. Savings are per question: the all-cloud equivalent minus everything paid "
          "for that question.")
    print(f"Budget: {budget.reason()}.")


def _headlines(t: Totals) -> str:
    failed = sum(t.failed.values())
    attempts = f" and {failed} failed cloud attempt(s)" if failed else ""
    share = f"{t.local_share:.0%}" if t.local_share is not None else "-"
    return "\n".join([
        f"Answers: {t.total_answers} to {t.questions} question(s){attempts}; "
        f"{share} answered on this device.",
        f"Cloud spend: {_money(t.cloud_spend)}.",
        f"Electricity here: {_money(t.local_cost)}.",
        f"All-cloud equivalent: {_money(t.cloud_equivalent)} (estimated).",
        f"Saved against all-cloud: {_money(t.savings)} over {t.savings.known} question(s)"
        " whose costs are all known.",
    ])


_HEADER = (f"{'period':<10} {'local':>6} {'priv':>5} {'front':>5} {'failed':>6} "
           f"{'local%':>6} {'tok in':>9} {'tok out':>9} {'cloud $':>18} {'local $':>18} "
           f"{'all-cloud $':>18} {'saved $':>18}")


def _row(t: Totals) -> str:
    share = f"{t.local_share:.0%}" if t.local_share is not None else "-"
    return (f"{t.period:<10} {t.answers['local']:>6} {t.answers['private']:>5} "
            f"{t.answers['frontier']:>5} {sum(t.failed.values()):>6} {share:>6} "
            f"{t.tokens_in:>9} {t.tokens_out:>9} {_money(t.cloud_spend):>18} "
            f"{_money(t.local_cost):>18} {_money(t.cloud_equivalent):>18} "
            f"{_money(t.savings):>18}")


def _money(total: Sum) -> str:
    """``$0.0123``, ``$0.0123 + 2 unknown`` or ``2 unknown``; negative: ``-$0.0010``."""
    return total.headline(lambda v: f"-${-v:.4f}" if v < 0 else f"${v:.4f}")
