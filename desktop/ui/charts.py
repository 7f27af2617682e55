"""The dashboard's plots, drawn with QtCharts in the window's palette.

Each function returns a new ``QChart``; ``ChartView.show_chart`` swaps it in and deletes the
one it replaces (a ``QChartView`` releases, but does not delete, its previous chart).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from PySide6.QtCharts import (
    QAbstractAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from desktop.core.accounting.ledger import Totals
from desktop.ui.theme import Palette


class ChartView(QChartView):
    """A chart that follows the theme; ``show_chart`` replaces what it shows."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(240)

    def show_chart(self, chart: QChart) -> None:
        previous = self.chart()
        self.setChart(chart)
        if previous is not None and previous is not chart:
            previous.deleteLater()


def _base(title: str, palette: Palette) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont(chart.titleFont())
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setTitleBrush(QColor(palette.text))
    chart.setBackgroundBrush(QColor(palette.base))
    chart.setBackgroundPen(QPen(QColor(palette.border)))
    chart.setBackgroundRoundness(8)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setLabelColor(QColor(palette.text))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    return chart


def _style_axis(axis: QAbstractAxis, palette: Palette) -> None:
    axis.setLabelsColor(QColor(palette.muted))
    axis.setLinePenColor(QColor(palette.border))
    axis.setGridLineColor(QColor(palette.border))
    axis.setTitleBrush(QColor(palette.muted))
    font = QFont(axis.labelsFont())
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    axis.setLabelsFont(font)


def _day_axis(days: Sequence[dt.date], palette: Palette) -> QCategoryAxis:
    """Bars sit at 0 … n-1; a date under every seventh one and under the last."""
    axis = QCategoryAxis()
    axis.setRange(-0.5, len(days) - 0.5)
    axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    for index in [*range(0, len(days) - 3, 7), len(days) - 1] if days else []:
        axis.append(f"{days[index]:%d %b}".lstrip("0"), index)
    _style_axis(axis, palette)
    return axis


def _money_axis(top: float, palette: Palette) -> QValueAxis:
    axis = QValueAxis()
    upper = _nice_top(top)
    axis.setRange(0, upper)
    decimals = max(0, 1 - math.floor(math.log10(upper / 4)))
    axis.setLabelFormat(f"$%.{decimals}f")
    axis.setTickCount(5)
    _style_axis(axis, palette)
    return axis


def _nice_top(value: float) -> float:
    """A round upper end for an axis holding ``value`` (never 0, so empty charts still draw)."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    return next(float(step * magnitude) for step in (1, 2, 2.5, 5, 10) if value <= step * magnitude)


def spend_chart(days: Sequence[dt.date], totals: dict[dt.date, Totals],
                palette: Palette) -> QChart:
    """Cloud spend per day (bars) against what an all-cloud route would have cost (line).

    Only known figures can be drawn; the title says how many were unknown in these days.
    """
    shown = set(days)
    unknown = sum(t.cloud_spend.unknown + t.cloud_equivalent.unknown
                  for day, t in totals.items() if day in shown)
    title = "Spend per day" + (f" ({unknown:,} unknown figure(s) not drawn)" if unknown else "")
    chart = _base(title, palette)
    spend = QBarSet("Cloud spend (known costs)")
    spend.setColor(QColor(palette.chart_colours[0]))
    spend.setBorderColor(QColor(palette.chart_colours[0]))
    line = QLineSeries()
    line.setName("All-cloud equivalent (estimated)")
    line.setPen(QPen(QColor(palette.chart_colours[1]), 2))
    top = 0.0
    for index, day in enumerate(days):
        day_totals = totals.get(day)
        cost = day_totals.cloud_spend.usd if day_totals else 0.0
        equivalent = day_totals.cloud_equivalent.usd if day_totals else 0.0
        spend.append(cost)
        line.append(QPointF(index, equivalent))
        top = max(top, cost, equivalent)
    bars = QBarSeries()
    bars.setBarWidth(0.7)
    bars.append(spend)
    chart.addSeries(bars)
    chart.addSeries(line)
    x_axis = _day_axis(days, palette)
    y_axis = _money_axis(top, palette)
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    for series in (bars, line):
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
    return chart


def answers_chart(days: Sequence[dt.date], totals: dict[dt.date, Totals],
                  palette: Palette) -> QChart:
    """Answers per day, stacked by where they were computed."""
    chart = _base("Where answers were computed", palette)
    series = QStackedBarSeries()
    series.setBarWidth(0.7)
    top = 0
    sets = []
    colours = palette.chart_colours
    for colour, tier, name in ((colours[1], "local", "This device"),
                               (colours[2], "private", "Private server"),
                               (colours[0], "frontier", "Cloud model")):
        bar_set = QBarSet(name)
        bar_set.setColor(QColor(colour))
        bar_set.setBorderColor(QColor(colour))
        sets.append((tier, bar_set))
    for day in days:
        day_totals = totals.get(day)
        answers = day_totals.answers if day_totals else {}
        top = max(top, sum(answers.values()))
        for tier, bar_set in sets:
            bar_set.append(answers.get(tier, 0))
    for _tier, bar_set in sets:
        series.append(bar_set)
    chart.addSeries(series)
    x_axis = _day_axis(days, palette)
    y_axis = QValueAxis()
    y_axis.setRange(0, 4 * max(1, math.ceil(top * 1.1 / 4)))  # ticks on whole numbers
    y_axis.setLabelFormat("%d")
    y_axis.setTickCount(5)
    _style_axis(y_axis, palette)
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(x_axis)
    series.attachAxis(y_axis)
    return chart


def break_even_chart(points: Sequence[tuple[int, float, float]], palette: Palette) -> QChart:
    """Total cost over the months: hardware plus electricity here, against the cloud."""
    chart = _base("Total cost over time", palette)
    here = QLineSeries()
    here.setName("On this device (hardware + electricity)")
    here.setPen(QPen(QColor(palette.chart_colours[0]), 2))
    cloud = QLineSeries()
    cloud.setName("All in the cloud")
    cloud.setPen(QPen(QColor(palette.chart_colours[1]), 2))
    top = 0.0
    for month, on_device, all_cloud in points:
        here.append(QPointF(month, on_device))
        cloud.append(QPointF(month, all_cloud))
        top = max(top, on_device, all_cloud)
    chart.addSeries(here)
    chart.addSeries(cloud)
    x_axis = QValueAxis()
    x_axis.setRange(0, max(1, points[-1][0] if points else 1))
    x_axis.setLabelFormat("%d")
    x_axis.setTitleText("months")
    x_axis.setTickCount(7)
    _style_axis(x_axis, palette)
    y_axis = _money_axis(top, palette)
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    for series in (here, cloud):
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
    return chart
