"""A native crash in llama.cpp never takes ``hearth ask`` down: exit 3, one line, nothing lost.

The crashes are real: llama.cpp aborting on a vocabulary without byte tokens (SIGABRT), and the
engine process killed by a signal in the middle of an answer.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.__main__ import main
from desktop.core.local import _model_checks as checks
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore

REPO = Path(__file__).resolve().parents[2]
QUESTION = "café\nnewline"


@pytest.fixture(autouse=True)
def _light(settings: Settings) -> None:
    """One thread, small context (the `settings` fixture)."""


def _ask(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["ask", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _messages() -> list[tuple[str, str, str]]:
    with ConversationStore.open_default() as store:
        return [(m.role, m.content, m.status) for c in store.conversations()
                for m in store.messages(c.id)]


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_the_trial_run_turns_an_abort_into_one_line(
        capsys: pytest.CaptureFixture[str], no_byte_tokens_model: Path, tmp_path: Path) -> None:
    model = tmp_path / "broken.gguf"
    shutil.copyfile(no_byte_tokens_model, model)
    code, out, err = _ask(capsys, "--model", str(model), QUESTION)
    assert code == 3 and out == ""
    line = _one_line(err)
    assert str(model) in line and "SIGABRT" in line and "vocabulary lacks" in line
    # The question is kept; no answer was started, so none is left 'streaming'.
    assert _messages() == [("user", QUESTION, "complete")]


def test_a_crash_while_answering_marks_the_answer_failed(
        capsys: pytest.CaptureFixture[str], no_byte_tokens_model: Path, tmp_path: Path) -> None:
    model = tmp_path / "broken.gguf"
    shutil.copyfile(no_byte_tokens_model, model)
    # As if it had passed the trial run (a vocabulary may lack only bytes the trial text lacks):
    # the abort now comes while answering.
    checks.mark_trial_passed(checks.fingerprint(model))
    code, out, err = _ask(capsys, "--model", str(model), QUESTION)
    assert code == 3
    line = _one_line(err)
    assert "SIGABRT" in line and "while answering" in line and "ask again" in line
    [(_, question, _), (role, answer, status)] = _messages()
    assert question == QUESTION and (role, status) == ("assistant", "failed")
    # The second crash before any answer: the file is refused from then on, quickly.
    code, _, err = _ask(capsys, "--model", str(model), QUESTION)
    assert code == 3 and "will not load this file again" in _one_line(err)
    started = time.monotonic()
    code, _, err = _ask(capsys, "--model", str(model), QUESTION)
    assert code == 3 and "crashed on this file 2 times" in _one_line(err)
    assert time.monotonic() - started < 5
    assert [m[2] for m in _messages()].count("streaming") == 0


def _engine_pid(parent: int) -> int | None:
    """The child process ``parent`` started (Linux: /proc/PID/task/*/children)."""
    for task in Path(f"/proc/{parent}/task").iterdir():
        children = (task / "children").read_text().split()
        if children:
            return int(children[0])
    return None


def _partial_answer() -> str:
    try:
        for role, content, status in _messages():
            if role == "assistant" and status == "streaming":
                return content
    except Exception:  # noqa: BLE001 - the writer may be mid-creation; try again shortly
        return ""
    return ""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_engine_killed_mid_answer_keeps_the_text_and_the_cli_answers_again(
        settings: Settings) -> None:
    settings.set("local.context_size", 4096)
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop", "ask", "--max-tokens", "4000", "tell me everything"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
    assert process.stdout is not None and process.stderr is not None
    try:
        os.set_blocking(process.stdout.fileno(), False)
        shown = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            shown += process.stdout.read() or b""
            if shown and _partial_answer():
                break
            time.sleep(0.01)
        engine = _engine_pid(process.pid)
        assert process.poll() is None and engine is not None, "the answer ended too soon"
        os.kill(engine, signal.SIGSEGV)
        process.wait(timeout=60)
        shown += process.stdout.read() or b""
        err = process.stderr.read().decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == 3
    line = _one_line(err)
    assert "SIGSEGV" in line and "the answer so far is kept" in line
    [(_, question, _), (_, answer, status)] = _messages()
    assert question == "tell me everything" and status == "failed"
    assert answer and shown.decode("utf-8", "replace").startswith(answer)
    again = subprocess.run([sys.executable, "-m", "desktop", "ask", "--max-tokens", "8", "hi"],
                           cwd=REPO, capture_output=True, env=dict(os.environ), timeout=120,
                           check=False)
    assert again.returncode == 0, again.stderr
