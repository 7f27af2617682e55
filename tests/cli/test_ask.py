"""``hearth ask``, ``hearth config`` and ``hearth chats`` through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.__main__ import main
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _light(settings: Settings) -> None:
    """Every CLI test runs on the tiny model with one thread (the `settings` fixture)."""


def test_ask_json_prints_one_object_with_a_local_receipt(
        capsys: pytest.CaptureFixture[str], tiny_model: Path) -> None:
    code, out, err = _run(capsys, "ask", "--model", str(tiny_model), "--json", "hello")
    assert code == 0, err
    payload = json.loads(out)  # exactly one JSON document, nothing else
    receipt = payload["receipt"]
    assert payload["text"] and isinstance(payload["conversation_id"], int)
    assert receipt["tier"] == "local" and receipt["privacy"] == "on-device"
    assert receipt["bytes_sent"] == 0 and receipt["endpoint"] is None
    assert receipt["tokens_out"] > 0 and receipt["tokens_in"] > 0
    assert receipt["ttft_s"] > 0 and receipt["decode_tok_per_s"] > 0
    assert receipt["cost_usd"] is None and receipt["cloud_equivalent_usd"] is None
    assert receipt["fallback"] is None and receipt["findings"] == []
    assert receipt["reason"]
    assert receipt["provider"] == "llama.cpp" and receipt["model"] == "hearth-tiny-test"


def test_ask_streams_text_and_saves_the_conversation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "ask", "hello there")
    assert code == 0 and out.strip()
    with ConversationStore.open_default() as store:
        [conversation] = store.conversations()
        user, answer = store.messages(conversation.id)
    assert (user.role, user.content) == ("user", "hello there")
    assert answer.role == "assistant" and answer.status == "complete"
    assert answer.content == out.strip()
    assert answer.receipt is not None and answer.receipt.tier == "local"


def test_ask_continues_a_conversation(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "ask", "--json", "first")
    conversation_id = json.loads(out)["conversation_id"]
    code, out, _ = _run(capsys, "ask", "--json", "--conversation", str(conversation_id), "second")
    assert code == 0 and json.loads(out)["conversation_id"] == conversation_id
    with ConversationStore.open_default() as store:
        roles = [m.role for m in store.messages(conversation_id)]
    assert roles == ["user", "assistant", "user", "assistant"]


def test_prompt_dash_reads_stdin(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("from a pipe\n"))
    code, out, _ = _run(capsys, "ask", "--json", "-")
    assert code == 0
    with ConversationStore.open_default() as store:
        [user, _answer] = store.messages(json.loads(out)["conversation_id"])
    assert user.content == "from a pipe\n"


def test_max_tokens_caps_the_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "ask", "--json", "--max-tokens", "3", "hello")
    assert code == 0 and json.loads(out)["receipt"]["tokens_out"] <= 3


# `hearth ask` alone: tests/cli/test_turn_actions.py (its own one-line message).
@pytest.mark.parametrize("args", [["ask", "--max-tokens", "0", "hi"],
                                  ["ask", "--conversation", "x", "hi"], ["nonsense"],
                                  ["config", "get"]])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, _, err = _run(capsys, *args)
    assert code == 2 and "usage:" in err


def test_unknown_conversation_is_a_known_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "ask", "--conversation", "999", "hi")
    assert code == 3 and out == ""
    assert err.startswith("hearth: error:") and "999" in err and "Traceback" not in err


def test_no_model_configured_says_how_to_choose_one(capsys: pytest.CaptureFixture[str],
                                                   settings: Settings) -> None:
    settings.reset("local.model_path")
    code, _, err = _run(capsys, "ask", "hi")
    assert code == 3 and "hearth config set local.model_path" in err


def test_question_is_kept_when_the_model_file_is_bad(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "notes.gguf"
    bad.write_text("these are my notes, not a model\n")
    code, _, err = _run(capsys, "ask", "--model", str(bad), "my precious question")
    assert code == 3 and str(bad) in err and "Traceback" not in err
    with ConversationStore.open_default() as store:
        [conversation] = store.conversations()
        [question] = store.messages(conversation.id)
    assert question.content == "my precious question"


def test_config_set_get_list_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "config", "set", "local.threads", "3")[0] == 0
    code, out, _ = _run(capsys, "config", "get", "local.threads")
    assert (code, out) == (0, "3\n")
    code, out, _ = _run(capsys, "config", "list", "--json")
    assert code == 0 and json.loads(out)["local.threads"] == 3
    code, _, err = _run(capsys, "config", "set", "local.threads", "many")
    assert code == 3 and "whole number" in err
    code, _, err = _run(capsys, "config", "set", "local.nonsense", "1")
    assert code == 3 and "unknown setting 'local.nonsense'" in err and "local.threads" in err
    code, _, err = _run(capsys, "config", "get", "nope")
    assert code == 3 and "unknown setting" in err


def test_chats_list_show_delete(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "ask", "--json", "remember this")
    conversation_id = json.loads(out)["conversation_id"]
    code, out, _ = _run(capsys, "chats", "list")
    assert code == 0 and "remember this" in out
    code, out, _ = _run(capsys, "chats", "show", str(conversation_id), "--json")
    assert code == 0 and [m["role"] for m in json.loads(out)["messages"]] == ["user", "assistant"]
    assert _run(capsys, "chats", "delete", str(conversation_id))[0] == 0
    assert _run(capsys, "chats", "show", str(conversation_id))[0] == 3


def test_version_is_fast_and_loads_no_heavy_module() -> None:
    probe = ("import sys; from desktop.__main__ import main; code = main(['--version']); "
             "heavy = [m for m in ('llama_cpp', 'PySide6', 'numpy', 'httpx') if m in sys.modules];"
             "print(heavy, file=sys.stderr); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=False, env=dict(os.environ))
    assert done.returncode == 0
    assert done.stdout.strip() == "hearth 0.1.0"
    assert done.stderr.strip() == "[]"


def test_edit_and_resend_replaces_the_question(capsys: pytest.CaptureFixture[str]) -> None:
    from desktop.core.services import open_services

    services = open_services()
    try:
        first = services.assistant.ask("first wording")
        services.assistant.ask("a follow-up", conversation_id=first.conversation_id)
        result = services.assistant.edit_and_resend(first.user_message_id, "better wording")
        contents = [(m.role, m.content) for m in services.store.messages(first.conversation_id)]
    finally:
        services.close()
    assert [c for c in contents if c[0] == "user"] == [("user", "better wording")]
    assert len(contents) == 2 and contents[1][1] == result.text


def test_turning_escalation_on_explains_what_leaves(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "config", "set", "cloud.escalation", "true")
    assert code == 0 and out == "cloud.escalation = true\n"
    assert "may now leave this computer" in err and "hearth route" in err
    code, _, err = _run(capsys, "config", "set", "cloud.escalation", "false")
    assert code == 0 and err == ""
