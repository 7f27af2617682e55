"""A setting changes only by a click or a key: the mouse wheel over a field scrolls the page.

Qt lets a wheel notch change a combo box, spin box or slider the pointer merely passes over,
focused or not; in a scrolling settings page that silently rewrote privacy policies and the
cloud provider. ``guard_wheel`` takes the wheel away from every such field under a widget
(scroll bars keep theirs) and hands each notch to the nearest page that can scroll.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QScrollBar,
    QWidget,
)

_VALUE_FIELDS = (QComboBox, QAbstractSpinBox, QAbstractSlider)


def changes_on_wheel(widget: QObject) -> bool:
    """Whether Qt would let the wheel change ``widget``'s value (scroll bars only scroll)."""
    return isinstance(widget, _VALUE_FIELDS) and not isinstance(widget, QScrollBar)


class WheelGuard(QObject):
    """An event filter: a wheel event on a value field scrolls the page around it instead."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.Wheel or not changes_on_wheel(watched):
            return False
        assert isinstance(watched, QWidget)
        bar = _scrollable_bar(watched)
        if bar is not None:
            QCoreApplication.sendEvent(bar, event)
        event.accept()
        return True  # the field never sees it


def guard_wheel(root: QWidget) -> WheelGuard:
    """Guard every value field under ``root`` (call once its fields exist); the guard is a
    child of ``root``. A field takes focus by a click or Tab, not by the wheel."""
    guard = WheelGuard(root)
    for widget in root.findChildren(QWidget):
        if changes_on_wheel(widget):
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            widget.installEventFilter(guard)
    return guard


def _scrollable_bar(widget: QWidget) -> QScrollBar | None:
    """The vertical scroll bar of the nearest page around ``widget`` that can scroll."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            bar = parent.verticalScrollBar()
            if bar.maximum() > bar.minimum():
                return bar
        parent = parent.parentWidget()
    return None
