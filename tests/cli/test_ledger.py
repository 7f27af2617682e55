"""``hearth ledger`` through the real entry point, over a store filled with receipts."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from desktop.__main__ import main
from desktop.core.receipt import Receipt, Tier
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC in these tests, so days do not depend on where they run."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


def fill(answers: list[tuple[float, Receipt]]) -> None:
    """Save one question and answer per ``(time, receipt)`` in the user's store, at that time."""
    now = [0.0]
    with ConversationStore.open_default() as plain:
        path = plain.path
    with ConversationStore(path, clock=lambda: now[0]) as store:
        for when, receipt in answers:
            now[0] = when
            conversation = store.create_conversation("t")
            asked = store.add_message(conversation.id, "user", "question")
            status = "failed" if receipt.outcome == "failed" else "complete"
            store.add_message(conversation.id, "assistant", "answer", status=status,
                              receipt=dataclasses.replace(receipt, question_id=asked.id))


def receipt(tier: Tier, cost: float | None, equivalent: float | None,
            **more: Any) -> Receipt:
    local = tier == "local"
    return Receipt(tier=tier, provider="p", model="m", endpoint=None if local else "h",
                   privacy="on-device" if local else "sent", bytes_sent=0 if local else 10,
                   tokens_in=100, tokens_out=20, ttft_s=None, decode_tok_per_s=None,
                   cost_usd=cost, cloud_equivalent_usd=equivalent, reason="test",
                   cost_kind="estimated" if cost else None, **more)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def history() -> None:
    fill([(at("2026-09-30T12:00:00"), receipt("local", 0.001, 0.01)),
          (at("2026-10-01T12:00:00"), receipt("frontier", 0.2, 0.2)),
          (at("2026-10-01T13:00:00"), receipt("local", None, 0.01)),
          (at("2026-10-02T12:00:00"), receipt("local", 0.002, 0.03))])


def test_json_has_days_months_total_and_budget(history: None,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ledger", "--json")
    assert code == 0
    data = json.loads(out)
    assert [d["period"] for d in data["days"]] == ["2026-09-30", "2026-10-01", "2026-10-02"]
    assert [m["period"] for m in data["months"]] == ["2026-09", "2026-10"]
    october = data["months"][1]
    assert october["answers"] == {"local": 2, "private": 0, "frontier": 1}
    assert october["cloud_spend_usd"] == 0.2
    assert october["local_share"] == pytest.approx(2 / 3)
    assert data["total"]["savings_known"] == 3 and data["total"]["questions"] == 4
    assert data["total"]["savings_usd"] == pytest.approx(0.009 + 0.0 + 0.028)
    assert data["budget"]["state"] == "ok" and data["budget"]["limit_usd"] == 0.0


def test_since_limits_the_periods(history: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ledger", "--json", "--since", "2026-10-02")
    assert code == 0
    data = json.loads(out)
    assert [d["period"] for d in data["days"]] == ["2026-10-02"]
    assert data["total"]["answers_total"] == 1


def test_csv_rows(history: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ledger", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["scope"] for r in rows] == ["day", "day", "day", "month", "month", "total"]
    assert rows[-1]["answers_total"] == "4" and rows[-1]["answers_local"] == "3"


def test_text_table(history: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ledger")
    assert code == 0
    assert "Per month:" in out and "2026-10-02" in out
    assert "$0.2000" in out  # October's cloud spend
    assert "1 unknown" in out and "Budget: no monthly budget set" in out
    assert "Cloud spend: $0.2000." in out


def test_headlines_say_how_many_are_unknown_instead_of_zero(
        capsys: pytest.CaptureFixture[str]) -> None:
    fill([(at("2026-10-01T12:00:00"), receipt("private", None, None)),
          (at("2026-10-01T13:00:00"), receipt("local", None, None)),
          (at("2026-10-01T14:00:00"), receipt("frontier", None, None, outcome="failed"))])
    code, out, _ = run(capsys, "ledger")
    assert code == 0
    assert "Cloud spend: 2 unknown." in out
    assert "Electricity here: 1 unknown." in out
    assert "Saved against all-cloud: 3 unknown" in out
    assert "$0.0000" not in out and "$0.00 " not in out
    assert "1 failed cloud attempt(s)" in out
    data = json.loads(run(capsys, "ledger", "--json")[1])
    total = data["total"]
    assert total["cloud_spend_usd"] is None and total["cloud_spend_unknown"] == 2
    assert total["headline"]["cloud_spend"] == "2 unknown"
    assert total["savings_usd"] is None and total["headline"]["savings"] == "3 unknown"
    assert total["failed_attempts"]["frontier"] == 1


def test_budget_of_this_month(capsys: pytest.CaptureFixture[str]) -> None:
    now = time.time()
    fill([(now - 1, receipt("frontier", 8.5, 8.5)), (now, receipt("private", None, None))])
    Settings().set("accounting.monthly_budget_usd", 10.0)
    code, out, _ = run(capsys, "ledger", "--json", "--since", "2999-01-01")
    budget = json.loads(out)["budget"]
    assert code == 0 and budget["state"] == "warning" and budget["spent_usd"] == 8.5
    assert budget["unknown_attempts"] == 1
    assert json.loads(out)["total"]["answers_total"] == 0  # --since does not hide the budget
    Settings().set("accounting.monthly_budget_usd", 8.0)
    assert json.loads(run(capsys, "ledger", "--json")[1])["budget"]["state"] == "exhausted"


def test_empty_ledger(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ledger")
    assert code == 0 and "No answers with a receipt yet." in out
    assert json.loads(run(capsys, "ledger", "--json")[1])["total"]["answers_total"] == 0


def test_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ledger", "--since", "last week")
    assert code == 2 and "2026-11-01" in err
    assert run(capsys, "ledger", "--json", "--csv")[0] == 2
