"""The dashboard reads the receipts in the store; the break-even view follows its inputs and
shows nothing until the user has entered what the hardware cost."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.accounting.break_even import (
    HARDWARE_SETTING,
    PerAnswer,
    break_even,
    cumulative,
    horizon,
)
from desktop.core.accounting.ledger import Totals
from desktop.core.conversations import Conversations
from desktop.core.receipt import Receipt
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore
from desktop.ui import charts
from desktop.ui.dashboard import Dashboard
from desktop.ui.jobs import JobRunner
from desktop.ui.main_window import MainWindow

DAY_S = 24 * 3600
LOAD_TIMEOUT_MS = 15_000


def _receipt(tier: Literal["local", "frontier"], cost: float | None, equivalent: float | None,
             kind: str) -> Receipt:
    local = tier == "local"
    return Receipt(
        tier=tier, provider="llama.cpp" if local else "openai", model="m",
        endpoint=None if local else "api.openai.com", privacy="on-device" if local else "sent",
        bytes_sent=0 if local else 500, tokens_in=100, tokens_out=20, ttft_s=0.1,
        decode_tok_per_s=30.0, cost_usd=cost, cost_kind=kind, cloud_equivalent_usd=equivalent,
        cloud_equivalent_kind="estimated" if equivalent is not None else "unknown",
        reason="test",
    )


class _Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


@pytest.fixture
def store(tmp_path: Path, clock: _Clock) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "receipts.sqlite3", clock=clock) as opened:
        yield opened


def _answer(store: ConversationStore, receipt: Receipt) -> None:
    conversation = store.create_conversation("c")
    store.add_message(conversation.id, "user", "q")
    store.add_message(conversation.id, "assistant", "a", receipt=receipt)


@pytest.fixture
def jobs() -> Iterator[JobRunner]:
    runner = JobRunner()
    yield runner
    runner.wait()


def _dashboard(qtbot: QtBot, store: ConversationStore, jobs: JobRunner) -> Dashboard:
    dashboard = Dashboard(Conversations(store), Settings(), jobs)
    qtbot.addWidget(dashboard)
    dashboard.show()
    qtbot.waitUntil(lambda: dashboard.data is not None, timeout=LOAD_TIMEOUT_MS)
    return dashboard


def test_the_dashboard_shows_the_ledger_and_the_break_even_follows_the_inputs(
        qtbot: QtBot, store: ConversationStore, clock: _Clock, jobs: JobRunner) -> None:
    clock.now -= DAY_S
    _answer(store, _receipt("frontier", 0.011, 0.011, "measured"))
    clock.now += DAY_S
    for _ in range(2):
        _answer(store, _receipt("local", 0.001, 0.011, "estimated"))
    dashboard = _dashboard(qtbot, store, jobs)
    assert dashboard.volume.value() == 3  # this month's questions, as a start

    assert dashboard.local_share.value.text() == "67%"
    assert "2 of 3 answers" in dashboard.local_share.detail.text()
    assert dashboard.spend.value.text() == "$0.01"
    assert dashboard.savings.value.text() == "$0.02"
    assert "estimated" in dashboard.savings.detail.text()
    assert dashboard.running.value.text() == "$0.002"
    assert "2 estimated" in dashboard.running.detail.text()
    assert "3 answer(s)" in dashboard.status.text()
    assert dashboard.spend_view is not None and dashboard.answers_view is not None
    spend = dashboard.spend_view.chart()
    assert spend is not None and spend.title() == "Spend per day"
    [bars, line] = spend.series()
    assert isinstance(bars, charts.QBarSeries)
    assert [bars.barSets()[0].at(i) for i in (26, 27)] == pytest.approx([0.011, 0.0])
    assert line.at(27).y() == pytest.approx(0.022)

    dashboard.hardware.setValue(12)
    assert Settings().get_float(HARDWARE_SETTING) == 12  # entered once, kept
    dashboard.volume.setValue(100)  # saves $0.01 an answer: $1 a month
    result = dashboard.break_even
    assert result is not None and result.months == pytest.approx(12.0)
    assert dashboard.break_even_result.text() == "After 12.0 months"
    assert "about $0.01 " in dashboard.break_even_detail.text()
    assert "estimated" in dashboard.break_even_detail.text()
    dashboard.hardware.setValue(24)
    assert dashboard.break_even is not None and dashboard.break_even.months == (
        pytest.approx(24.0))
    dashboard.volume.setValue(200)
    assert dashboard.break_even is not None and dashboard.break_even.months == (
        pytest.approx(12.0))
    assert dashboard.break_even_result.text() == "After 12.0 months"
    assert dashboard.break_even_view is not None
    chart = dashboard.break_even_view.chart()
    assert chart is not None and len(chart.series()) == 2


def test_no_payback_figure_until_the_hardware_price_is_entered(
        qtbot: QtBot, store: ConversationStore, jobs: JobRunner) -> None:
    _answer(store, _receipt("local", 0.001, 0.011, "estimated"))
    dashboard = _dashboard(qtbot, store, jobs)
    assert dashboard.hardware.value() == 0 and dashboard.hardware.text() == "Not entered"
    result = dashboard.break_even
    assert result is not None and result.months is None and result.monthly_saving_usd is None
    assert dashboard.break_even_result.text() == "Enter the hardware price"
    assert "does not guess" in dashboard.break_even_detail.text()
    assert "$" not in dashboard.break_even_detail.text()  # no saving, no month count
    assert dashboard.break_even_view is not None and dashboard.break_even_view.isHidden()
    dashboard.hardware.setValue(1)  # one question a month saving $0.01: 100 months
    assert dashboard.break_even_result.text() == "After 100 months (8.3 years)"
    assert not dashboard.break_even_view.isHidden()
    dashboard.hardware.setValue(0)
    assert dashboard.break_even_result.text() == "Enter the hardware price"
    assert Settings().get_float(HARDWARE_SETTING) == 0


def test_a_saved_hardware_price_is_used_at_once(
        qtbot: QtBot, store: ConversationStore, jobs: JobRunner) -> None:
    Settings().set(HARDWARE_SETTING, 1.0)
    _answer(store, _receipt("local", 0.001, 0.011, "estimated"))
    dashboard = _dashboard(qtbot, store, jobs)
    assert dashboard.hardware.value() == 1.0
    # 1 question a month saving $0.01: 100 months.
    assert dashboard.break_even_result.text() == "After 100 months (8.3 years)"


def test_headlines_count_unknown_costs_instead_of_showing_zero(
        qtbot: QtBot, store: ConversationStore, jobs: JobRunner) -> None:
    _answer(store, _receipt("frontier", None, None, "unknown"))
    _answer(store, _receipt("frontier", None, None, "unknown"))
    _answer(store, _receipt("local", None, 0.01, "unknown"))
    dashboard = _dashboard(qtbot, store, jobs)
    assert dashboard.spend.value.text() == "2 unknown"
    assert "2 attempt(s) of unknown cost" in dashboard.spend.detail.text()
    assert dashboard.savings.value.text() == "3 unknown"
    assert dashboard.running.value.text() == "1 unknown"
    for figure in (dashboard.spend, dashboard.savings, dashboard.running):
        assert "$0" not in figure.value.text()
    assert "$0" not in dashboard.budget.text()
    assert dashboard.spend_view is not None
    spend = dashboard.spend_view.chart()
    assert spend is not None and "unknown figure(s) not drawn" in spend.title()


def test_unknown_cloud_prices_make_the_break_even_unknown(
        qtbot: QtBot, store: ConversationStore, jobs: JobRunner) -> None:
    _answer(store, _receipt("local", None, None, "unknown"))
    dashboard = _dashboard(qtbot, store, jobs)
    dashboard.hardware.setValue(500)
    assert dashboard.break_even is not None and dashboard.break_even.months is None
    assert dashboard.break_even_result.text() == "Unknown"
    assert "choose a frontier model" in dashboard.break_even_detail.text()
    assert dashboard.break_even_view is not None and dashboard.break_even_view.isHidden()
    assert dashboard.savings.value.text() == "1 unknown"
    assert dashboard.running.value.text() == "1 unknown"
    assert dashboard.local_share.value.text() == "100%"


def test_an_empty_store_draws_empty_charts(qtbot: QtBot, store: ConversationStore,
                                          jobs: JobRunner) -> None:
    dashboard = _dashboard(qtbot, store, jobs)
    assert dashboard.local_share.value.text() == "no answers yet"
    assert dashboard.break_even_result.text() == "Enter the hardware price"
    assert dashboard.volume.value() == 0 and dashboard.volume.text() == "Not entered"


def test_ctrl_d_opens_the_dashboard_on_the_window(qtbot: QtBot, window: MainWindow) -> None:
    assert window.dashboard_action.shortcut().toString() == "Ctrl+D"
    window.dashboard_action.trigger()
    dashboard = window.open_dashboard()
    assert dashboard.isVisible()
    qtbot.waitUntil(lambda: dashboard.data is not None and not dashboard.loading,
                    timeout=LOAD_TIMEOUT_MS)
    dashboard.close()


# -- the arithmetic ----------------------------------------------------------------------------


def _per(cloud: float | None, local: float | None) -> PerAnswer:
    return PerAnswer(cloud_usd=cloud, cloud_answers=10, local_usd=local, local_answers=10,
                     local_kinds={"measured": 4, "estimated": 6})


def test_break_even_cases() -> None:
    assert break_even(1200, 1000, _per(0.011, 0.001)).months == pytest.approx(120)
    assert break_even(1200, 1000, _per(0.011, 0.001)).monthly_saving_usd == pytest.approx(10)
    never = break_even(1000, 100, _per(0.001, 0.002))
    assert never.months == math.inf and never.headline == "Never"
    for price in (0, None):  # not entered: no figure at all, never an invented one
        missing = break_even(price, 100, _per(0.01, 0.0))
        assert missing.months is None and missing.headline == "Enter the hardware price"
    assert break_even(100, 0, _per(0.01, 0.0)).months is None  # no volume either
    unknown_local = break_even(100, 100, _per(0.01, None))
    assert unknown_local.months == pytest.approx(100) and not unknown_local.electricity_counted
    assert unknown_local.headline.startswith("Not before")  # electricity only adds time
    assert break_even(100, 100, _per(None, 0.001)).months is None
    assert _per(1, 1).local_kind() == "partly measured"
    far = break_even(1_000_000, 1, _per(0.01, 0.0))
    assert far.headline == "Not within 10 years"  # not "After 8,333 years"
    assert "Not in practice" in far.why and horizon(far) == 120
    points = cumulative(100, 10, _per(1.0, 0.5), 2)
    assert points == [(0, 100, 0), (1, 105, 10), (2, 110, 20)]


def test_averages_come_from_the_answers_that_have_them() -> None:
    totals = Totals("total")
    totals.answers.update(local=3, frontier=1)
    for value in (0.01, 0.015, 0.005, None):
        totals.cloud_equivalent.add(value)
    for value in (0.0005, 0.0015, None):
        totals.local_cost.add(value)
    totals.local_cost_kinds.update(measured=1, estimated=1, unknown=1)
    per = PerAnswer.from_totals(totals)
    assert per.cloud_usd == pytest.approx(0.01) and per.cloud_answers == 3
    assert per.local_usd == pytest.approx(0.001) and per.local_answers == 2


def test_without_qtcharts_the_figures_are_still_shown(
        qtbot: QtBot, store: ConversationStore, jobs: JobRunner,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.ui import dashboard as module

    monkeypatch.setattr(module, "charts", None)
    _answer(store, _receipt("local", 0.001, 0.011, "estimated"))
    dashboard = _dashboard(qtbot, store, jobs)
    assert dashboard.spend_view is None and dashboard.break_even_view is None
    assert dashboard.local_share.value.text() == "100%"
    dashboard.hardware.setValue(1)
    assert dashboard.break_even_result.text().startswith("After")
