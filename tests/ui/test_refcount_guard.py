"""The PySide6 6.12 reference leak on None/True/False must not bring the app down."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.ui._refcount_guard import guard_singletons, leaked_references


class _Pinger(QObject):
    pinged = Signal(str)


def test_many_wrapped_calls_do_not_exhaust_none_or_true() -> None:
    guarded = guard_singletons()
    leaks = max(leaked_references().values()) > 0
    assert guarded or not leaks or sys.version_info >= (3, 12)
    timer, pinger = QTimer(), _Pinger()
    for _ in range(20_000):  # several times what None or True hold without the guard
        timer.stop()
        pinger.pinged.emit("x")
    assert sys.getrefcount(None) > 0 and sys.getrefcount(True) > 0
