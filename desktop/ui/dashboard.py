"""The dashboard: what answers cost, where they were computed, and when this computer pays off.

Everything shown comes from the ledger, the roll-up of every attempt's receipt, read on a job
off the GUI thread through a read-only view of the store. Unknown figures are never shown as
zero: a headline with unknown parts says how many ("$0.42 + 3 unknown", or "3 unknown"), and
each says whether it was measured, computed or estimated. The break-even view shows nothing
until the user has entered what the hardware cost (a setting; Hearth has no default for it),
and its volume starts at the user's own latest month.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass
from functools import partial
from types import ModuleType
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.accounting.break_even import (
    HARDWARE_SETTING,
    BreakEven,
    PerAnswer,
    break_even,
    cumulative,
    horizon,
)
from desktop.core.accounting.budget import BUDGET_SETTING, Budget, month_budget
from desktop.core.accounting.ledger import Ledger, Sum, Totals, read_entries
from desktop.core.conversations import Conversations
from desktop.core.errors import KnownError
from desktop.core.settings import Settings
from desktop.ui.jobs import JobRunner
from desktop.ui.theme import LIGHT, Palette
from desktop.ui.wheel_guard import guard_wheel
from desktop.ui.wording import money

if TYPE_CHECKING:
    from desktop.ui.charts import ChartView

charts: ModuleType | None
try:
    from desktop.ui import charts
except ImportError:  # a build without QtCharts: the figures are all still shown, in words
    charts = None

DAYS_SHOWN = 28  # four weeks: no day of the month appears twice on the axis
NOT_ENTERED = "Not entered"


@dataclass(frozen=True, slots=True)
class DashboardData:
    """The ledger and this month's budget, as of ``today``."""

    ledger: Ledger
    budget: Budget
    today: dt.date


def load_dashboard(chats: Conversations, settings: Settings) -> DashboardData:
    """Read every receipt and roll them up (a job: it reads the whole database, through the
    window's read-only connection, so that no answer being saved waits for it)."""
    entries = read_entries(chats)
    now = time.time()
    budget = month_budget(entries, settings.get_float(BUDGET_SETTING), now=now)
    return DashboardData(Ledger.build(entries), budget, dt.date.fromtimestamp(now))


def headline(total: Sum) -> str:
    """``$0.42``, ``$0.42 + 3 unknown`` or ``3 unknown`` (never a $0 built on unknowns)."""
    return total.headline(lambda usd: f"−{money(-usd)}" if usd < 0 else money(usd))


class Figure(QFrame):
    """One headline number with its title and what it covers."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Figure")
        self.setAccessibleName(title)
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 10, 12, 10)
        column.setSpacing(2)
        self.title = QLabel(title)
        self.title.setObjectName("Muted")
        self.value = QLabel("…")
        self.value.setObjectName("FigureValue")
        self.detail = QLabel()
        self.detail.setObjectName("Hint")
        self.detail.setWordWrap(True)
        column.addWidget(self.title)
        column.addWidget(self.value)
        column.addWidget(self.detail)
        column.addStretch(1)

    def show_figure(self, value: str, detail: str) -> None:
        self.value.setText(value)
        self.detail.setText(detail)


class Dashboard(QDialog):
    """Spend over time, the share answered here, savings, and the break-even view."""

    def __init__(self, chats: Conversations, settings: Settings, jobs: JobRunner,
                 parent: QWidget | None = None, *, palette: Palette = LIGHT) -> None:
        super().__init__(parent)
        self._chats = chats
        self._settings = settings
        self._jobs = jobs
        self._palette = palette
        self.data: DashboardData | None = None
        self.loading = False
        self.setWindowTitle("Dashboard")
        self.setAccessibleName("Dashboard")
        self.resize(980, 760)
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        page = QWidget()
        column = QVBoxLayout(page)
        column.setSpacing(12)

        figures = QGridLayout()
        figures.setSpacing(10)
        self.local_share = Figure("Answered on this device")
        self.spend = Figure("Cloud spend")
        self.savings = Figure("Saved against all-cloud")
        self.running = Figure("Electricity here")
        for index, figure in enumerate((self.local_share, self.spend, self.savings,
                                        self.running)):
            figures.addWidget(figure, 0, index)
            figures.setColumnStretch(index, 1)
        column.addLayout(figures)
        self.budget = QLabel()
        self.budget.setObjectName("Hint")
        self.budget.setWordWrap(True)
        column.addWidget(self.budget)

        self.spend_view: ChartView | None = None  # None in a build without QtCharts
        self.answers_view: ChartView | None = None
        self.break_even_view: ChartView | None = None
        if charts is not None:
            row = QHBoxLayout()
            self.spend_view = charts.ChartView("Spend per day")
            self.answers_view = charts.ChartView("Where answers were computed")
            row.addWidget(self.spend_view, 1)
            row.addWidget(self.answers_view, 1)
            column.addLayout(row)
        else:
            missing = QLabel("Charts are not part of this build; the figures above and "
                             "below are complete.")
            missing.setObjectName("Hint")
            column.addWidget(missing)
        column.addWidget(self._break_even_box())
        column.addStretch(1)
        scroll.setWidget(page)
        outer.addWidget(scroll, 1)

        self.status = QLabel()
        self.status.setObjectName("Muted")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.refresh_button = QPushButton("Refresh")
        buttons.addButton(self.refresh_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.clicked.connect(self.refresh)
        buttons.rejected.connect(self.close)
        outer.addWidget(buttons)
        guard_wheel(self)  # the hardware price is saved as it changes: never by the wheel

    def _break_even_box(self) -> QGroupBox:
        box = QGroupBox("When does this computer pay for itself?")
        row = QHBoxLayout(box)
        left = QVBoxLayout()
        form = QFormLayout()
        self.hardware = QDoubleSpinBox()
        self.hardware.setRange(0, 10_000_000)
        self.hardware.setDecimals(0)
        self.hardware.setSingleStep(100)
        self.hardware.setPrefix("$")
        self.hardware.setGroupSeparatorShown(True)
        self.hardware.setSpecialValueText(NOT_ENTERED)  # 0: Hearth does not guess a price
        # Saved when typing is done (Enter, leaving the field), not once per keystroke.
        self.hardware.setKeyboardTracking(False)
        self.hardware.setValue(self._settings.get_float(HARDWARE_SETTING))
        self.hardware.setAccessibleName("What the hardware cost, in US dollars")
        self.volume = QSpinBox()
        self.volume.setRange(0, 10_000_000)
        self.volume.setSingleStep(50)
        self.volume.setGroupSeparatorShown(True)
        self.volume.setSpecialValueText(NOT_ENTERED)  # filled from the latest month's questions
        self.volume.setValue(0)
        self.volume.setAccessibleName("Questions a month")
        form.addRow("Hardware cost (USD)", self.hardware)
        form.addRow("Questions a month", self.volume)
        left.addLayout(form)
        self.break_even_result = QLabel()
        self.break_even_result.setObjectName("FigureValue")
        self.break_even_result.setWordWrap(True)
        self.break_even_detail = QLabel()
        self.break_even_detail.setObjectName("Hint")
        self.break_even_detail.setWordWrap(True)
        left.addSpacing(8)
        left.addWidget(QLabel("On-device pays off"))
        left.addWidget(self.break_even_result)
        left.addWidget(self.break_even_detail)
        left.addStretch(1)
        holder = QWidget()
        holder.setLayout(left)
        holder.setMaximumWidth(340)
        row.addWidget(holder)
        if charts is not None:
            self.break_even_view = charts.ChartView("Total cost over time")
            row.addWidget(self.break_even_view, 1)
        row.addStretch(0)  # keeps the inputs on the left while the chart is hidden
        self.hardware.valueChanged.connect(self._save_hardware_price)
        self.volume.valueChanged.connect(self._show_break_even)
        return box

    @Slot(float)
    def _save_hardware_price(self, value: float) -> None:
        """The hardware price is a setting: entered once, it is there the next time."""
        try:
            self._settings.set(HARDWARE_SETTING, float(value))
        except KnownError as exc:  # a managed policy fixes it, or the file cannot be written
            self.status.setText(str(exc))
        self._show_break_even()

    # -- data ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.data is None and not self.loading:
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Read the receipts again (on a job)."""
        if self.loading:
            return
        self.loading = True
        self.refresh_button.setEnabled(False)
        self.status.setText("Reading the receipts…")
        self._jobs.run(partial(load_dashboard, self._chats, self._settings),
                       on_done=self._show, on_failed=self._failed, context=self)

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        if self.data is not None:
            self._show(self.data)

    def _failed(self, message: str) -> None:
        self.loading = False
        self.refresh_button.setEnabled(True)
        self.status.setText(message or "The receipts could not be read because of a bug.")

    def _show(self, data: DashboardData) -> None:
        first_time = self.data is None
        self.data = data
        self.loading = False
        self.refresh_button.setEnabled(True)
        total = data.ledger.total
        self._show_figures(total)
        self.budget.setText(f"This month: {data.budget.reason()}.")
        if first_time and data.ledger.months:
            latest = data.ledger.months[-1].questions
            if latest:
                self.volume.setValue(latest)  # the user's own recent volume, as a start
        days = [data.today - dt.timedelta(days=n) for n in range(DAYS_SHOWN - 1, -1, -1)]
        by_day = {dt.date.fromisoformat(t.period): t for t in data.ledger.days}
        if charts is not None and self.spend_view is not None and self.answers_view is not None:
            self.spend_view.show_chart(charts.spend_chart(days, by_day, self._palette))
            self.answers_view.show_chart(charts.answers_chart(days, by_day, self._palette))
        self._show_break_even()
        answers = total.total_answers
        self.status.setText(f"From the receipts of {answers:,} answer(s); the daily charts "
                            "cover the last four weeks.")

    def _show_figures(self, total: Totals) -> None:
        share = total.local_share
        answers = total.total_answers
        self.local_share.show_figure(
            f"{share:.0%}" if share is not None else "no answers yet",
            f"{total.answers['local']:,} of {answers:,} answers; {total.answers['private']:,} "
            f"on the private server, {total.answers['frontier']:,} by the cloud model")
        spend = total.cloud_spend
        failed = sum(total.failed.values())
        parts = ["computed from each cloud attempt's reported usage at its price (estimated "
                 "where the provider reported no usage)"]
        if failed:
            parts.append(f"{failed:,} failed attempt(s) that sent data included")
        if spend.unknown:
            parts.append(f"{spend.unknown:,} attempt(s) of unknown cost not counted")
        self.spend.show_figure(headline(spend), "; ".join(parts))
        savings = total.savings
        if savings.known:
            unknown = (f"; {savings.unknown:,} question(s) with an unknown cost not counted"
                       if savings.unknown else "")
            self.savings.show_figure(
                headline(savings),
                f"estimated, per question: the all-cloud price minus everything paid for it, "
                f"over {savings.known:,} of {total.questions:,} questions{unknown}")
        else:
            self.savings.show_figure(
                headline(savings) if savings.unknown else "no questions yet",
                "no question has both a cloud price and known costs; choose a priced frontier "
                "model and set the power draw and electricity price under Settings → Costs")
        kinds = total.local_cost_kinds
        counts = (f"{kinds.get('measured', 0):,} measured, {kinds.get('estimated', 0):,} "
                  "estimated")
        if kinds.get("unknown", 0):
            counts += (f", {kinds['unknown']:,} unknown (set the power draw and electricity "
                       "price under Settings → Costs)")
        self.running.show_figure(headline(total.local_cost) if total.local_cost.known
                                 or total.local_cost.unknown else "no answers yet", counts)

    @Slot()
    def _show_break_even(self) -> None:
        if self.data is None:
            return
        per = PerAnswer.from_totals(self.data.ledger.total)
        result = break_even(self.hardware.value(), self.volume.value(), per)
        self.break_even_result.setText(result.headline)
        basis = self._break_even_basis(per, result) if result.months is not None else ""
        self.break_even_detail.setText(" ".join(filter(None, [result.why, basis])))
        if charts is not None and self.break_even_view is not None:
            # No hardware price, cloud price or volume: nothing to draw, and nothing invented.
            self.break_even_view.setVisible(result.months is not None)
            if result.months is None:
                return
            points = cumulative(self.hardware.value(), self.volume.value(), per,
                                horizon(result))
            self.break_even_view.show_chart(charts.break_even_chart(points, self._palette))

    @property
    def break_even(self) -> BreakEven | None:
        """The break-even figure now shown (None before the receipts are read)."""
        if self.data is None:
            return None
        per = PerAnswer.from_totals(self.data.ledger.total)
        return break_even(self.hardware.value(), self.volume.value(), per)

    @staticmethod
    def _break_even_basis(per: PerAnswer, result: BreakEven) -> str:
        if per.cloud_usd is None:
            return ""
        cloud = (f"An answer from the cloud model costs about {money(per.cloud_usd)} "
                 f"(estimated: list price times the tokens of your {per.cloud_answers:,} "
                 "questions).")
        if per.local_usd is None:
            local = ""  # the result's own text says it is left out
        else:
            local = (f" Here it costs {money(per.local_usd)} in electricity "
                     f"({per.local_kind()}, over {per.local_answers:,} answers).")
        saving = ""
        if result.monthly_saving_usd is not None and math.isfinite(result.monthly_saving_usd):
            saving = f" That saves {money(max(result.monthly_saving_usd, 0))} a month."
        return cloud + local + saving

