"""The inference worker: its own thread, jobs in order, stop, clean shutdown."""

from __future__ import annotations

import os
import signal
import sys
import threading

import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from desktop.core.assistant import ConsentChoice, ConsentRequest
from desktop.core.chat import StopSignal
from desktop.core.services import Services
from desktop.ui.main_window import MainWindow
from desktop.ui.worker import InferenceWorker, PendingConsent, TurnRequest, _TextBatch

from .support import ask


def test_model_calls_run_on_their_own_thread(qtbot: QtBot, window: MainWindow) -> None:
    worker_thread = window.inference.worker.thread()
    assert worker_thread is not QThread.currentThread()
    assert worker_thread.isRunning() and worker_thread.objectName() == "hearth-inference"


def test_shutting_down_frees_the_model_and_joins_the_thread(
        qtbot: QtBot, window: MainWindow, services: Services) -> None:
    ask(qtbot, window, "hello")
    assert services.models.loaded is not None
    thread = window.inference.worker.thread()
    window.shut_down()
    assert thread.isFinished() and services.models.loaded is None
    window.shut_down()  # a second time does nothing


def test_closing_the_window_mid_answer_stops_it_and_keeps_what_was_written(
        qtbot: QtBot, window: MainWindow, services: Services) -> None:
    services.settings.set("local.context_size", 4096)
    services.settings.set("local.max_tokens", 4000)
    qtbot.waitUntil(lambda: window.model_state == "ready" and not window.inference.busy,
                    timeout=60_000)
    window.composer.set_text("a long answer please")
    window.composer.submit()
    qtbot.waitUntil(lambda: bool(window.chat.entries[-1].text), timeout=60_000)
    window.close()
    assert services.models.loaded is None
    [conversation] = services.store.conversations()
    answer = services.store.messages(conversation.id)[-1]
    assert answer.role == "assistant" and answer.status in ("stopped", "complete")
    assert answer.content


def test_a_turn_stopped_before_it_starts_asks_nothing(qtbot: QtBot, services: Services) -> None:
    worker = InferenceWorker(services.assistant, services.models)  # on this thread: direct
    failed: list[str] = []
    idle: list[bool] = []
    worker.turn_failed.connect(failed.append)
    worker.idle.connect(lambda: idle.append(True))
    stop = StopSignal()
    stop.set()
    worker.run_turn(TurnRequest(prompt="never asked"), stop)
    assert failed == [""] and idle == [True]
    assert services.store.conversations() == []
    services.models.close()


def test_fast_pieces_are_joined_and_slow_ones_sent_at_once() -> None:
    sent: list[tuple[str, int]] = []
    batch = _TextBatch(lambda text, count: sent.append((text, count)), interval_s=3600)
    batch.add("a")  # the first piece goes out at once
    batch.add("b")
    batch.add("c")
    assert sent == [("a", 1)]
    batch.flush()
    assert sent == [("a", 1), ("bc", 2)]
    slow = _TextBatch(lambda text, count: sent.append((text, count)), interval_s=0.0)
    slow.add("x")
    slow.add("y")
    assert sent[-2:] == [("x", 1), ("y", 1)]


def test_a_pending_consent_waits_for_the_gui_and_a_stop_ends_it_as_a_no() -> None:
    request = ConsentRequest(tier="frontier", host="api.example.com", payload="[user]\nhi",
                             classes=(), redacted=False, reason="you asked for it")
    pending = PendingConsent(request)
    answer = threading.Timer(0.05, pending.answer, (True,))
    answer.start()
    assert pending.wait(StopSignal()) is ConsentChoice.SEND and pending.answered
    answer.join()
    stop = StopSignal()
    stop.set()
    refused = PendingConsent(request)
    assert refused.wait(stop) is ConsentChoice.KEEP_LOCAL
    refused.answer(True)  # too late: the first answer counts
    assert refused.granted is False
    replaced = PendingConsent(request)
    replaced.answer(ConsentChoice.REPLACE)
    assert replaced.wait(StopSignal()) is ConsentChoice.REPLACE and replaced.granted


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_an_engine_crash_mid_answer_leaves_the_window_up_and_the_next_question_answered(
        qtbot: QtBot, window: MainWindow, services: Services) -> None:
    services.settings.set("local.context_size", 4096)
    services.settings.set("local.max_tokens", 4000)
    qtbot.waitUntil(lambda: window.model_state == "ready" and not window.inference.busy,
                    timeout=60_000)
    engine = services.models.loaded
    assert engine is not None and engine.pid is not None
    window.composer.set_text("a long answer please")
    with qtbot.waitSignal(window.answer_failed, timeout=60_000) as failed:
        window.composer.submit()
        qtbot.waitUntil(lambda: bool(window.chat.entries[-1].text), timeout=60_000)
        os.kill(engine.pid, signal.SIGKILL)
    assert "SIGKILL" in failed.args[0] and "the answer so far is kept" in failed.args[0]
    [conversation] = services.store.conversations()
    question, answer = services.store.messages(conversation.id)
    assert answer.status == "failed" and answer.content
    assert window.isVisible()
    ask(qtbot, window, "and now?")  # a fresh engine process answers
    assert services.store.messages(conversation.id)[-1].status == "complete"
