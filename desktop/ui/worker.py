"""Every model call of the window happens on one long-lived thread, owned by ``InferenceWorker``.

The GUI reaches the worker only through queued signals (``InferenceThread`` holds them), and the
worker answers only through its own signals, so the GUI thread never waits on the model. The
one exception is ``StopSignal.set``, which is safe from any thread and lands at once, even in the
middle of a prompt evaluation.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop.core.assistant import (
    Assistant,
    ConsentChoice,
    ConsentRequest,
    TurnOptions,
    TurnResult,
    consent_choice,
)
from desktop.core.chat import StopSignal
from desktop.core.errors import KnownError, ModelFileError
from desktop.core.local.engine import EngineCrashed, LocalEngine
from desktop.core.local.slot import ModelSlot, NoModelError
from desktop.ui.notices import crash_report


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnRequest:
    """One answer to produce.

    A new question (``prompt``), the last question answered again (``regenerate``), the last
    question answered once more on another tier, keeping the answers it has (``again_on``), or
    a question edited: ``edit_of`` is the id of the question ``prompt`` replaces (the
    conversation forks there; the original stays as a version). ``tier`` is the user's choice
    for a new question ("auto" lets the router decide); ``lock_local`` locks the new chat a
    first question creates to this device before that question is routed.
    """

    prompt: str = ""
    conversation_id: int | None = None
    regenerate: bool = False
    edit_of: int | None = None
    again_on: str | None = None
    tier: str = "auto"
    lock_local: bool = False
    collections: tuple[str, ...] | None = None  # documents to draw on; None: the chat's choice
    continue_of: int | None = None  # an answer cut at its length limit, to write more of


class PendingConsent:
    """A question to the user from the worker thread: may this payload be sent, and how?

    The worker waits in ``wait`` until the GUI thread calls ``answer``; a stop (the Stop button,
    the window closing) ends the wait as "keep it here", so a forgotten dialog never holds the
    thread.
    """

    def __init__(self, request: ConsentRequest) -> None:
        self.request = request
        self._answered = threading.Event()
        self._lock = threading.Lock()
        self._choice = ConsentChoice.KEEP_LOCAL

    def answer(self, choice: ConsentChoice | bool) -> None:
        """The user's reply (GUI thread); only the first one counts. ``True`` sends the payload
        as shown, ``False`` keeps the question here."""
        with self._lock:
            if not self._answered.is_set():
                self._choice = consent_choice(choice)
                self._answered.set()

    @property
    def answered(self) -> bool:
        return self._answered.is_set()

    @property
    def choice(self) -> ConsentChoice:
        """The answer so far (keep it here until one is given)."""
        return self._choice

    @property
    def granted(self) -> bool:
        """Whether something is sent (as shown, or with placeholders)."""
        return self._choice is not ConsentChoice.KEEP_LOCAL

    def wait(self, stop: StopSignal, poll_s: float = 0.05) -> ConsentChoice:
        """Block until answered (the reply) or stopped (keep it here)."""
        while not self._answered.wait(poll_s):
            if stop.is_set():
                self.answer(False)
        return self._choice


class InferenceWorker(QObject):
    """Loads the model and runs turns; lives on its own thread and touches the engine alone.

    Signals:
        load_started(str): the model file about to be loaded.
        loaded(object): the ``ModelInfo`` of the engine now loaded.
        load_failed(str, bool): why the model could not be used, and whether choosing another
            model file would help (no file chosen, or a bad one).
        turn_saved(int, int): conversation id and id of the question, as soon as it is saved.
        routed(object): the ``RouteDecision`` for the turn, before it is answered.
        consent_needed(object): a ``PendingConsent``; the worker waits for its answer.
        prompt_progress(int, int): prompt tokens evaluated so far, of how many.
        text_arrived(str, int): the next text of the answer, and how many streamed pieces
            (about one token each) it joins.
        turn_finished(object): the ``TurnResult``; the answer and its receipt are saved.
        turn_failed(str): the turn ended without an answer or with a known problem (what was
            streamed is saved); the message is empty when there is nothing to tell (stopped
            before it began, or a bug already reported by ``crashed``).
        crashed(str): a bug; the crash report (no messages, settings or keys in it).
        idle(): a load or a turn ended, however it ended.
    """

    load_started = Signal(str)
    loaded = Signal(object)
    load_failed = Signal(str, bool)
    turn_saved = Signal(int, int)
    routed = Signal(object)
    consent_needed = Signal(object)
    prompt_progress = Signal(int, int)
    text_arrived = Signal(str, int)
    turn_finished = Signal(object)
    turn_failed = Signal(str)
    crashed = Signal(str)
    idle = Signal()

    def __init__(self, assistant: Assistant, models: ModelSlot) -> None:
        super().__init__()
        self._assistant = assistant
        self._models = models

    @Slot()
    def load(self) -> None:
        """Load the configured model (or reload it after its settings changed)."""
        try:
            engine, loaded_now = self._ensure_loaded()
            if not loaded_now:  # already loaded: the window still waits to hear so
                self.loaded.emit(engine.info)
        except (NoModelError, ModelFileError) as exc:
            self.load_failed.emit(str(exc), True)
        except KnownError as exc:
            self.load_failed.emit(str(exc), False)
        except Exception as exc:  # noqa: BLE001 - a bug: reported, and the worker lives on
            self._report_crash(exc)
        finally:
            self.idle.emit()

    @Slot(object, object)
    def run_turn(self, request: TurnRequest, stop: StopSignal) -> None:
        batch = _TextBatch(self.text_arrived.emit)
        try:
            self._ensure_loaded()
            if stop.is_set():  # stopped while the model loaded: the question is not asked
                self.turn_failed.emit("")
                return
            result = self._answer(request, stop, batch)
            batch.flush()
            self.turn_finished.emit(result)
        except (NoModelError, ModelFileError) as exc:
            self.load_failed.emit(str(exc), True)
            self.turn_failed.emit(str(exc))
        except EngineCrashed as exc:
            # The engine process died; the window did not. What was streamed is shown and saved.
            batch.flush()
            if exc.refused:  # the file keeps crashing it: the window offers another model
                self.load_failed.emit(str(exc), True)
            self.turn_failed.emit(str(exc))
        except KnownError as exc:
            batch.flush()
            self.turn_failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug: reported, and the worker lives on
            self._report_crash(exc)
            self.turn_failed.emit("")
        finally:
            self.idle.emit()

    def _answer(self, request: TurnRequest, stop: StopSignal, batch: _TextBatch) -> TurnResult:
        assistant = self._assistant
        options = TurnOptions(on_text=batch.add, on_prompt_progress=self.prompt_progress.emit,
                              on_route=self.routed.emit, consent=self._consent(stop),
                              stop=stop, lock_local=request.lock_local,
                              collections=request.collections)
        if request.continue_of is not None:
            return assistant.continue_answer(request.continue_of, options=options)
        if request.again_on is not None:
            assert request.conversation_id is not None
            return assistant.ask_again(request.conversation_id,
                                       request.again_on,  # type: ignore[arg-type]
                                       options=options)
        if request.regenerate:
            assert request.conversation_id is not None
            return assistant.regenerate(request.conversation_id, options=options)
        if request.edit_of is not None:
            return assistant.edit_and_resend(request.edit_of, request.prompt, options=options,
                                             on_saved=self.turn_saved.emit, tier=request.tier)
        return assistant.ask(request.prompt, conversation_id=request.conversation_id,
                             on_saved=self.turn_saved.emit, options=options,
                             tier=request.tier)

    def _consent(self, stop: StopSignal) -> Callable[[ConsentRequest], ConsentChoice]:
        """Asks the GUI, and waits for its reply on this thread."""

        def ask(request: ConsentRequest) -> ConsentChoice:
            pending = PendingConsent(request)
            self.consent_needed.emit(pending)
            return pending.wait(stop)

        return ask

    @Slot()
    def shut_down(self) -> None:
        """Free the model on the thread that used it, then end this thread's event loop."""
        try:
            self._models.close()
        finally:
            thread = self.thread()
            if thread is not None:
                thread.quit()

    def _ensure_loaded(self) -> tuple[LocalEngine, bool]:
        """The engine for the current settings, and whether it had to be (re)started now."""
        wanted = self._models.config()
        current = self._models.loaded
        if current is not None and current.config == wanted and current.alive:
            return current, False
        self.load_started.emit(str(wanted.model_path))
        engine = self._models.engine()
        self.loaded.emit(engine.info)
        return engine, True

    def _report_crash(self, exc: Exception) -> None:
        report = crash_report(type(exc), exc, exc.__traceback__)
        print(report, file=sys.stderr)
        self.crashed.emit(report)


@dataclass(slots=True)
class _TextBatch:
    """Joins pieces that stream faster than ``interval_s`` into one signal.

    A small model writes thousands of tokens a second; one queued signal each would keep the
    GUI thread busy for nothing, as the screen shows them at most once a frame anyway. A piece
    that comes later than ``interval_s`` after the last signal goes out at once, so slow
    streams are not delayed.
    """

    emit: Callable[[str, int], None]
    interval_s: float = 0.008
    pieces: list[str] = field(default_factory=list)
    sent_at: float = float("-inf")  # the first piece goes out at once

    def add(self, text: str) -> None:
        self.pieces.append(text)
        now = time.monotonic()
        if now - self.sent_at >= self.interval_s:
            self.sent_at = now
            self.flush()

    def flush(self) -> None:
        if self.pieces:
            text, count = "".join(self.pieces), len(self.pieces)
            self.pieces.clear()
            self.emit(text, count)


class InferenceThread(QObject):
    """The GUI's handle on the worker: starts its thread, sends it jobs, stops and joins it.

    Jobs run one after another in the order they were asked for.

    Signals:
        busy_changed(bool): whether a load or a turn is queued or running.
    """

    busy_changed = Signal(bool)
    _load_requested = Signal()
    _turn_requested = Signal(object, object)
    _shut_down_requested = Signal()

    def __init__(self, assistant: Assistant, models: ModelSlot,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = InferenceWorker(assistant, models)
        self._thread = QThread()
        self._thread.setObjectName("hearth-inference")
        self.worker.moveToThread(self._thread)
        self._load_requested.connect(self.worker.load)
        self._turn_requested.connect(self.worker.run_turn)
        self._shut_down_requested.connect(self.worker.shut_down)
        self.worker.idle.connect(self._job_ended)
        self._jobs = 0
        self._stop: StopSignal | None = None
        self._running = True
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self._jobs > 0

    @property
    def running(self) -> bool:
        return self._running

    def load(self) -> None:
        self._job_started()
        self._load_requested.emit()

    def run_turn(self, request: TurnRequest) -> StopSignal:
        self._stop = StopSignal()
        self._job_started()
        self._turn_requested.emit(request, self._stop)
        return self._stop

    def stop(self) -> None:
        """Stop the answer being generated, keeping what it said so far."""
        if self._stop is not None:
            self._stop.set()

    def shut_down(self) -> None:
        """Stop any answer, free the model on its thread, and wait for the thread to end."""
        if not self._running:
            return
        self._running = False
        self.stop()
        self._shut_down_requested.emit()
        self._thread.wait()

    def _job_started(self) -> None:
        self._jobs += 1
        if self._jobs == 1:
            self.busy_changed.emit(True)

    @Slot()
    def _job_ended(self) -> None:
        self._jobs = max(0, self._jobs - 1)
        if self._jobs == 0:
            self._stop = None
            self.busy_changed.emit(False)
