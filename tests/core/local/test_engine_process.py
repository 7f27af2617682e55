"""The engine process: the model outside Hearth's process, crashes reported, bad files remembered.

Real llama.cpp in a real child process; crashes are real signals (sent to the child, or raised by
llama.cpp itself on the generated no-byte-tokens model).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop.core import paths
from desktop.core.chat import ChatMessage, GenerationParams, StopSignal
from desktop.core.errors import ContextOverflowError, ModelLoadError
from desktop.core.local import _model_checks as checks
from desktop.core.local.engine import EngineConfig, EngineCrashed, LocalEngine
from desktop.core.local.probe import ensure_loadable

GREEDY = GenerationParams(max_tokens=24, temperature=0.0, seed=1)
LONG = GenerationParams(max_tokens=900, temperature=0.0, seed=1)
QUESTION = [ChatMessage("system", "You are a test."), ChatMessage("user", "hello")]
POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _config(model: Path, **overrides: int) -> EngineConfig:
    options = {"context_size": 1024, "threads": 1, "batch_size": 64} | overrides
    return EngineConfig(model_path=model, **options)


@pytest.fixture
def engine(tiny_model: Path) -> Iterator[LocalEngine]:
    loaded = LocalEngine.load(_config(tiny_model))
    yield loaded
    loaded.close()


def _kill_on_piece(engine: LocalEngine, number: int, signum: int,
                   pieces: list[str]) -> Callable[[str], None]:
    """An ``on_text`` that sends ``signum`` to the engine when piece ``number`` arrives."""
    pid = engine.pid
    assert pid is not None

    def on_text(text: str) -> None:
        pieces.append(text)
        if len(pieces) == number:
            os.kill(pid, signum)

    return on_text


def _copy(model: Path, folder: Path) -> Path:
    target = folder / model.name
    shutil.copyfile(model, target)
    return target


def test_the_model_lives_in_another_process(engine: LocalEngine, tiny_model: Path) -> None:
    assert engine.pid is not None and engine.pid != os.getpid()
    assert engine.alive
    if sys.platform == "linux":
        name = str(tiny_model.resolve())
        assert name in Path(f"/proc/{engine.pid}/maps").read_text()
        assert name not in Path("/proc/self/maps").read_text()


@POSIX_ONLY
def test_a_crash_mid_answer_keeps_the_text_and_the_next_question_restarts(
        engine: LocalEngine) -> None:
    first = engine.chat(QUESTION, GREEDY, on_text=lambda _t: None)
    old_pid = engine.pid
    pieces: list[str] = []
    with pytest.raises(EngineCrashed) as caught:
        engine.chat(QUESTION, LONG, on_text=_kill_on_piece(engine, 3, signal.SIGKILL, pieces))
    crash = caught.value
    assert crash.signal_name == "SIGKILL"
    assert crash.partial_text == "".join(pieces) and len(pieces) >= 3
    message = str(crash)
    assert "SIGKILL" in message and "out of memory" in message and "\n" not in message
    assert "answer so far is kept" in message and not crash.refused
    assert not engine.alive
    # The engine had answered before: the crash does not count against the file.
    assert checks.record(checks.fingerprint(engine.config.model_path)).crashes == 0
    again = engine.chat(QUESTION, GREEDY, on_text=lambda _t: None)
    assert engine.alive and engine.pid != old_pid
    assert again.text == first.text and again.tokens_reused == 0  # a fresh KV cache


@POSIX_ONLY
def test_illegal_instruction_is_explained(engine: LocalEngine) -> None:
    pieces: list[str] = []
    with pytest.raises(EngineCrashed) as caught:
        engine.chat(QUESTION, LONG, on_text=_kill_on_piece(engine, 1, signal.SIGILL, pieces))
    message = str(caught.value)
    assert caught.value.signal_name == "SIGILL"
    assert "illegal instruction" in message and "CPU instructions" in message
    assert "make" in message  # what to do about it


@POSIX_ONLY
def test_a_crash_before_the_first_answer_counts_until_an_answer_comes(
        tiny_model: Path, tmp_path: Path) -> None:
    model = _copy(tiny_model, tmp_path)
    key = checks.fingerprint(model)
    engine = LocalEngine.load(_config(model))
    try:
        with pytest.raises(EngineCrashed) as caught:
            engine.chat(QUESTION, LONG, on_text=_kill_on_piece(engine, 1, signal.SIGSEGV, []))
        assert "SIGSEGV" in str(caught.value) and "invalid memory access" in str(caught.value)
        assert checks.record(key).crashes == 1 and not caught.value.refused
        engine.chat(QUESTION, GREEDY, on_text=lambda _t: None)
        assert checks.record(key).crashes == 0
    finally:
        engine.close()


def test_the_trial_run_catches_an_abort_while_reading_text(
        no_byte_tokens_model: Path, tmp_path: Path) -> None:
    model = _copy(no_byte_tokens_model, tmp_path)
    with pytest.raises(ModelLoadError) as caught:
        LocalEngine.load(_config(model))
    message = str(caught.value)
    assert message.startswith(str(model)) and "\n" not in message
    assert "SIGABRT" in message and "accents and newlines" in message
    assert "vocabulary lacks the byte tokens llama.cpp needs" in message
    record = checks.record(checks.fingerprint(model))
    assert record.crashes == 1 and not record.trial_passed


def test_a_file_that_crashes_twice_before_answering_is_refused(
        no_byte_tokens_model: Path, tmp_path: Path) -> None:
    model = _copy(no_byte_tokens_model, tmp_path)
    key = checks.fingerprint(model)
    # As if it had passed the trial run: a vocabulary may lack only bytes the trial text lacks.
    checks.mark_trial_passed(key)
    engine = LocalEngine.load(_config(model))
    question = [ChatMessage("user", "café\nnewline")]
    try:
        # The chat template alone has newlines: every question crashes this engine.
        with pytest.raises(EngineCrashed) as first:
            engine.chat(question, GREEDY, on_text=lambda _t: None)
        assert first.value.signal_name == "SIGABRT" and not first.value.refused
        assert first.value.partial_text == ""
        assert "vocabulary lacks the byte tokens llama.cpp needs" in str(first.value)
        with pytest.raises(EngineCrashed) as second:  # restarts, and crashes the same way
            engine.chat(question, GREEDY, on_text=lambda _t: None)
        assert second.value.refused and "will not load this file again" in str(second.value)
        with pytest.raises(ModelLoadError, match="crashed on this file 2 times"):
            engine.chat(question, GREEDY, on_text=lambda _t: None)
    finally:
        engine.close()
    with pytest.raises(ModelLoadError, match="until the file changes"):
        LocalEngine.load(_config(model))
    # A changed file is judged afresh (and its trial run now catches the abort).
    os.utime(model, ns=(1, 1))
    with pytest.raises(ModelLoadError, match="SIGABRT"):
        LocalEngine.load(_config(model))


def test_quantized_models_run_through_the_engine(quantized_model: Path) -> None:
    engine = LocalEngine.load(_config(quantized_model))
    try:
        assert engine.info.quantization == quantized_model.stem.split("-")[-2].upper()
        question = [ChatMessage("user", "Café, naïve\nand more")]
        first = engine.chat(question, GREEDY, on_text=lambda _t: None, measure_confidence=True)
        assert first.tokens_out > 0 and first.text
        assert first.confidence is not None and first.confidence.tokens >= first.tokens_out
        follow = [*question, ChatMessage("assistant", first.text), ChatMessage("user", "more")]
        second = engine.chat(follow, GREEDY, on_text=lambda _t: None)
        assert second.tokens_reused >= first.tokens_in + first.tokens_out - 1
    finally:
        engine.close()


def test_known_errors_cross_the_pipe_and_leave_the_engine_running(engine: LocalEngine) -> None:
    pid = engine.pid
    with pytest.raises(ContextOverflowError, match="context"):
        engine.chat([ChatMessage("user", "word " * 2000)], GREEDY, on_text=lambda _t: None)
    assert engine.pid == pid and engine.alive
    assert engine.count_tokens("hello world") >= 2
    engine.chat(QUESTION, GREEDY, on_text=lambda _t: None)
    engine.forget()
    assert engine.chat(QUESTION, GREEDY, on_text=lambda _t: None).tokens_reused == 0


def test_a_failing_text_sink_ends_that_engine_and_the_next_one_answers(
        engine: LocalEngine) -> None:
    def broken(_text: str) -> None:
        raise ValueError("sink failed")

    with pytest.raises(ValueError, match="sink failed"):
        engine.chat(QUESTION, LONG, on_text=broken)
    assert not engine.alive  # its state no longer matched what Hearth knows
    assert engine.chat(QUESTION, GREEDY, on_text=lambda _t: None).tokens_out > 0


def test_a_stop_set_before_the_answer_reaches_the_engine(engine: LocalEngine) -> None:
    stop = StopSignal()
    stop.set()
    answer = engine.chat(QUESTION, LONG, on_text=lambda _t: None, stop=stop)
    assert answer.finish_reason == "cancelled" and answer.tokens_out == 0
    assert engine.chat(QUESTION, GREEDY, on_text=lambda _t: None).finish_reason != "cancelled"


@POSIX_ONLY
def test_an_engine_that_died_while_idle_is_restarted_quietly(engine: LocalEngine) -> None:
    pid = engine.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while engine.alive and time.monotonic() < deadline:
        time.sleep(0.01)
    answer = engine.chat(QUESTION, GREEDY, on_text=lambda _t: None)
    assert answer.tokens_out > 0 and engine.pid != pid


def test_trial_verdicts_are_remembered_and_older_ones_tried_again(
        tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _copy(tiny_model, tmp_path)
    key = checks.fingerprint(model)
    cache = paths.data_dir() / checks.CACHE_NAME
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({key: True}))  # written by a Hearth whose trial only loaded
    assert not checks.record(key).trial_passed
    ensure_loadable(model, threads=1)
    assert json.loads(cache.read_text())[key] == {"trial": checks.TRIAL_VERSION}

    def no_child(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the trial ran again")

    monkeypatch.setattr(subprocess, "run", no_child)
    ensure_loadable(model, threads=1)
