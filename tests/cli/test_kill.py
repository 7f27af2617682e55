"""``kill -9`` while ``hearth ask`` streams: the question and the partial answer survive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.core.settings import Settings
from desktop.core.store import ConversationStore

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_kill_during_streaming_keeps_question_and_partial_answer(settings: Settings) -> None:
    settings.set("local.context_size", 4096)
    settings.set("local.temperature", 0.0)
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop", "ask", "--max-tokens", "4000", "tell me everything"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ),
    )
    assert process.stdout is not None
    try:
        os.set_blocking(process.stdout.fileno(), False)
        shown = b""
        partial = ""
        deadline = time.monotonic() + 60
        # Kill as soon as the database holds part of an answer that is still being written.
        while time.monotonic() < deadline and process.poll() is None:
            shown += process.stdout.read() or b""
            partial = _partial_answer()
            if shown and partial:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the answer ended before it could be interrupted"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        shown += process.stdout.read() or b""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        assert process.stderr is not None
        process.stderr.close()

    assert process.returncode == -signal.SIGKILL
    with ConversationStore.open_default() as store:
        assert store.integrity_check() == "ok"
        [conversation] = store.conversations()
        question, answer = store.messages(conversation.id)
        assert question.content == "tell me everything"
        assert answer.status == "streaming"  # cut off mid-answer
        assert answer.content and shown.decode("utf-8", "replace").startswith(answer.content)
        assert store.recover_interrupted() == 1
        assert store.message(answer.id).status == "stopped"


def _partial_answer() -> str:
    database = Path(os.environ["HEARTH_DATA_DIR"]) / "hearth.sqlite3"
    if not database.exists():
        return ""
    try:
        with ConversationStore(database) as store:
            for conversation in store.conversations():
                for message in store.messages(conversation.id):
                    if message.role == "assistant" and message.status == "streaming":
                        return message.content
    except Exception:  # noqa: BLE001 - the writer may be mid-creation; try again shortly
        return ""
    return ""
