"""One Ctrl+C stops ``hearth ask`` within a second, whatever the answer is waiting for.

The real entry point in a subprocess gets a real SIGINT: while a cloud server streams only
keep-alive pings after the first words, while it has not sent its first byte, and while the
local model decodes. Each time the process exits with 130 and one line on standard error, and
the answer so far is saved, marked stopped.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator

import pytest

from desktop.core.settings import Settings
from desktop.core.store import ConversationStore, Message
from tests.cli.support import hearth_process, read_until
from tests.core.cloud import wire
from tests.core.cloud.loopback import LoopbackServer, Reply, loopback_server

QUESTION = "tell me a long story"
LIMIT_S = 1.0


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        yield running


@pytest.fixture
def private_tier(settings: Settings, server: LoopbackServer) -> Settings:
    """The private tier on a loopback server (it needs no key, so no keyring is touched)."""
    settings.set("cloud.escalation", True)
    settings.set("tiers.private.base_url", f"{server.url}/v1")
    settings.set("tiers.private.model", "open-test-1")
    return settings


@pytest.mark.slow
def test_ctrl_c_while_the_cloud_only_pings(private_tier: Settings,
                                           server: LoopbackServer) -> None:
    server.queue(wire.sse_reply(b"", [wire.openai_chunk("Once upon a time"),
                                      *[b": ping\n\n"] * 300], every_s=0.1))
    shown, err, code = _interrupt(["ask", "--tier", "private", QUESTION],
                                  lambda shown: b"Once upon a time" in shown)
    assert code == 130
    answer = _only_answer()
    assert (answer.status, answer.content) == ("stopped", "Once upon a time")
    assert shown.decode() == "Once upon a time\n"
    assert err == f"hearth: interrupted; the answer so far is saved in conversation " \
                  f"{answer.conversation_id}\n"
    assert answer.receipt is not None and answer.receipt.tier == "private"
    assert answer.receipt.finish_reason == "cancelled"


@pytest.mark.slow
def test_ctrl_c_before_the_cloud_sends_its_first_byte(private_tier: Settings,
                                                      server: LoopbackServer) -> None:
    server.queue(Reply(silent=True))
    _, err, code = _interrupt(["ask", "--tier", "private", QUESTION],
                              lambda _: bool(server.requests))
    assert code == 130 and err.startswith("hearth: interrupted") and err.count("\n") == 1
    assert _only_answer().status == "stopped"


@pytest.mark.slow
def test_ctrl_c_while_the_local_model_decodes(settings: Settings) -> None:
    settings.set("local.context_size", 4096)
    _, err, code = _interrupt(["ask", "--max-tokens", "4000", QUESTION], bool)
    assert code == 130 and err.startswith("hearth: interrupted") and err.count("\n") == 1
    answer = _only_answer()
    assert answer.status == "stopped" and answer.content
    assert answer.receipt is not None and answer.receipt.finish_reason == "cancelled"
    assert answer.receipt.tokens_out < 4000


def _interrupt(args: list[str], ready: Callable[[bytes], bool]) -> tuple[bytes, str, int]:
    """Run ``hearth ARGS``, send one SIGINT once ``ready(stdout so far)``, and check that it
    exits within LIMIT_S; returns its standard output, standard error and exit status."""
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    with hearth_process(args, env) as process:
        assert process.stdout is not None and process.stderr is not None
        shown = read_until(process, ready)
        assert process.poll() is None, f"ended before the interrupt: {process.stderr.read()!r}"
        process.send_signal(signal.SIGINT)
        sent = time.monotonic()
        process.wait(timeout=10)
        took = time.monotonic() - sent
        shown += process.stdout.read() or b""
        err = process.stderr.read().decode()
    assert took < LIMIT_S, f"exited {took:.2f} s after Ctrl+C"
    return shown, err, process.returncode


def _only_answer() -> Message:
    with ConversationStore.open_default() as store:
        [conversation] = store.conversations()
        question, answer = store.messages(conversation.id)
    assert question.content == QUESTION
    return answer
