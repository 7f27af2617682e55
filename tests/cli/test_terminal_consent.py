"""``hearth ask``'s consent on the terminal: y sends as shown, r replaces the sensitive values by
placeholders and sends, anything else (or Ctrl+C) answers here. The answer is read from a real
pipe, as the terminal would give it; the frontier API is a loopback server."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from desktop.cli._ask import _ask_on_terminal
from desktop.core.assistant import Assistant, ConsentChoice, ConsentRequest
from desktop.core.chat import StopSignal
from desktop.core.local.slot import ModelSlot
from desktop.core.receipt import Finding
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore
from tests.core.cloud.loopback import LoopbackServer, loopback_server
from tests.core.cloud.support import MODELS, memory_keys
from tests.core.cloud.wire import openai_stream, sse_reply

PHONE = "+44 20 7946 0958"
PAYLOAD = f'[{{"role": "user", "content": "Call {PHONE}"}}]'
REQUEST = ConsentRequest(
    tier="frontier", host="api.example.com", payload=PAYLOAD, classes=("phone",),
    redacted=False, reason="you asked for the frontier tier",
    spans=(Finding(kind="phone", start=PAYLOAD.index(PHONE),
                   end=PAYLOAD.index(PHONE) + len(PHONE)),),
    replaced_payload='[{"role": "user", "content": "Call ⟨PHONE_1⟩"}]')


def _typed(monkeypatch: pytest.MonkeyPatch, line: str) -> TextIO:
    """Standard input is a pipe holding ``line`` (what the user typed, then Enter)."""
    read, write = os.pipe()
    os.write(write, line.encode("utf-8"))
    os.close(write)
    stdin = os.fdopen(read, "r", encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    return stdin


@pytest.mark.parametrize(("typed", "choice"), [
    ("y\n", ConsentChoice.SEND), ("yes\n", ConsentChoice.SEND),
    ("r\n", ConsentChoice.REPLACE), ("\n", ConsentChoice.KEEP_LOCAL),
    ("n\n", ConsentChoice.KEEP_LOCAL), ("", ConsentChoice.KEEP_LOCAL),
])
def test_the_terminal_reads_the_choice(monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str], typed: str,
                                       choice: ConsentChoice) -> None:
    with _typed(monkeypatch, typed):
        assert _ask_on_terminal(REQUEST, stop=StopSignal()) is choice
    err = capsys.readouterr().err
    assert "[y/r/N]" in err and PAYLOAD in err and "api.example.com" in err


def test_r_is_not_offered_when_nothing_is_left_to_replace(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    request = ConsentRequest(tier="frontier", host="api.example.com", payload="[]",
                             classes=(), redacted=False, reason="preview is on")
    with _typed(monkeypatch, "r\n"):
        assert _ask_on_terminal(request, stop=StopSignal()) is ConsentChoice.KEEP_LOCAL
    assert "[y/N]" in capsys.readouterr().err


def test_a_stop_while_waiting_answers_here(monkeypatch: pytest.MonkeyPatch) -> None:
    read, write = os.pipe()  # nothing is ever typed
    stop = StopSignal()
    stop.set()
    with os.fdopen(read, "r") as stdin:
        monkeypatch.setattr("sys.stdin", stdin)
        assert _ask_on_terminal(REQUEST, stop=stop) is ConsentChoice.KEEP_LOCAL
    os.close(write)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        yield running


def test_r_on_the_terminal_sends_placeholders_instead_of_the_phone_number(
        monkeypatch: pytest.MonkeyPatch, settings: Settings, server: LoopbackServer,
        hearth_dirs: tuple[Path, Path]) -> None:
    settings.set("cloud.escalation", True)
    settings.set("privacy.phone", "ask")
    settings.set("tiers.frontier.provider", "openai")
    settings.set("tiers.frontier.model", MODELS["openai"])
    settings.set("tiers.frontier.base_url", f"{server.url}/v1")
    server.queue(sse_reply(openai_stream(["Calling ⟨PHONE_1⟩ now."])))
    with ConversationStore.open_default() as store, _typed(monkeypatch, "r\n"):
        assistant = Assistant(store, settings, ModelSlot(settings), keys=memory_keys())
        stop = StopSignal()
        result = assistant.ask(f"Call me on {PHONE} tomorrow", tier="frontier",
                               consent=functools.partial(_ask_on_terminal, stop=stop),
                               stop=stop)
    [request] = server.requests
    sent = json.loads(request.body)["messages"][-1]["content"]
    assert PHONE not in sent and "⟨PHONE_1⟩" in sent
    assert result.receipt.privacy == "redacted" and result.text == f"Calling {PHONE} now."
