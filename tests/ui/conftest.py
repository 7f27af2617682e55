"""Fixtures for the window's tests: real services on the tiny model, an offscreen window."""

from __future__ import annotations

import os

# Before any QApplication exists: no display is needed, or used when there is one.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from pytestqt.qtbot import QtBot  # noqa: E402

import desktop.ui  # noqa: E402, F401 - its PySide6 workaround, before any Qt call
from desktop.core.services import Services, open_services  # noqa: E402
from desktop.core.settings import Settings  # noqa: E402
from desktop.ui.main_window import MainWindow  # noqa: E402

from .support import wait_ready  # noqa: E402

HERE = Path(__file__).parent

# The offscreen platform plugin leaves some window-system calls unimplemented and warns when
# they are made (propagateSizeHints each time a window's size limits change, raise() when a
# dialog is brought to the front); those warnings say nothing about Hearth.
OFFSCREEN_NOISE = r"This plugin does not support \w+\(\)"


_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                    "all_proxy")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables: loopback requests must not be sent through a proxy."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    """The core objects the window drives, on the tiny model, closed after the test."""
    services = open_services(settings)
    services.store.recover_interrupted()
    yield services
    services.close()


WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot) -> Iterator[WindowFactory]:
    """Opens windows on given services; each is shut down (thread joined) after the test."""
    windows: list[MainWindow] = []

    def make(services: Services, *, wait_for_model: bool = True) -> MainWindow:
        window = MainWindow(services)
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        if wait_for_model:
            wait_ready(qtbot, window)
        return window

    yield make
    for window in windows:
        window.shut_down()


@pytest.fixture
def window(make_window: WindowFactory, services: Services) -> MainWindow:
    """A shown window whose model is loaded and ready to answer."""
    return make_window(services)
