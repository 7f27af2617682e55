"""Keeps the window's settings in step with other processes (``hearth config set``, a file
edited by hand, the organisation's policy): ``Settings.refresh`` on a timer.

A timer rather than a QFileSystemWatcher: the settings file is replaced (not edited) on every
change and its folder may not exist yet, both of which a watcher needs re-arming for, while a
refresh that finds nothing new costs two ``stat`` calls (a few microseconds) a second.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from desktop.core.settings import Settings

POLL_MS = 1000


def follow_other_processes(settings: Settings, parent: QObject | None = None, *,
                           interval_ms: int = POLL_MS) -> QTimer:
    """Start calling ``settings.refresh()`` every ``interval_ms`` on the GUI thread, so its
    listeners (switches, status bar, network guard) hear changes made elsewhere; the timer,
    to stop when the window closes."""
    timer = QTimer(parent)
    timer.setInterval(interval_ms)
    timer.timeout.connect(settings.refresh)
    timer.start()
    return timer
