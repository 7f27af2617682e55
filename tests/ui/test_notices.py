"""Known problems become messages; bugs become a crash report with nothing private in it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.notices import NoticeBar, crash_report, scrub


def test_scrub_removes_credentials_and_the_home_folder() -> None:
    text = scrub(f"key sk-abcdefghijklmnop1234 in {Path.home()}/models; api_key=XYZ; "
                 "Authorization: Bearer abc.def")
    assert "sk-abcdefghijklmnop1234" not in text and "XYZ" not in text
    assert "abc.def" not in text and str(Path.home()) not in text
    assert "~/models" in text


def test_a_crash_report_has_versions_and_the_traceback() -> None:
    try:
        raise ValueError("token=secret-value went wrong")
    except ValueError:
        exc_type, exc, tb = sys.exc_info()
        assert exc_type is not None and exc is not None
        report = crash_report(exc_type, exc, tb)
    assert report.startswith("Hearth ")
    assert "PySide6" in report and "llama-cpp-python" in report
    assert "ValueError: token=[removed] went wrong" in report
    assert "secret-value" not in report


def _bar(qtbot: QtBot) -> tuple[QWidget, NoticeBar]:
    parent = QWidget()
    qtbot.addWidget(parent)
    bar = NoticeBar(parent)
    parent.show()
    return parent, bar


def test_the_notice_bar_shows_errors_until_dismissed(qtbot: QtBot) -> None:
    _parent, bar = _bar(qtbot)
    assert not bar.isVisible()
    ran: list[bool] = []
    bar.show_error("The disk is full.", ("Retry", lambda: ran.append(True)))
    assert bar.isVisible() and bar.kind == "error" and bar.label.text() == "The disk is full."
    bar.action_button.click()
    assert ran == [True] and not bar.isVisible()
    bar.show_info("Saved.")
    assert bar.kind == "info" and not bar.action_button.isVisible()


def test_news_fades_by_itself(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("desktop.ui.notices.INFO_TIMEOUT_MS", 50)
    _parent, bar = _bar(qtbot)
    bar.show_info("Copied.")
    qtbot.waitUntil(lambda: not bar.isVisible())


def test_a_message_goes_once_what_it_was_about_is_settled(qtbot: QtBot) -> None:
    bar = NoticeBar()
    qtbot.addWidget(bar)
    bar.show_info("No model is chosen yet", fade=False, about="model")
    bar.resolved("network")
    assert bar.isVisible()
    bar.resolved("model")  # a model loaded: the message would now mislead
    assert not bar.isVisible()
    bar.show_error("The download failed")  # another message since: it stays
    bar.resolved("model")
    assert bar.isVisible()
