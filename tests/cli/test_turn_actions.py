"""Every window action has a CLI twin: regenerate, ask again, edit, rename, lock, versions.

Through the real entry point on the tiny model; the results are read back with
``hearth chats show --json``, not from the store, as a script would read them.
"""

from __future__ import annotations

import json

import pytest

from desktop.__main__ import main
from desktop.core.settings import Settings


@pytest.fixture(autouse=True)
def _light(settings: Settings) -> None:
    """The tiny model, one thread, greedy (the `settings` fixture)."""
    settings.set("local.max_tokens", 6)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _ask(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = _run(capsys, "ask", "--json", *args)
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


def _show(capsys: pytest.CaptureFixture[str], conversation: int) -> dict[str, object]:
    code, out, err = _run(capsys, "chats", "show", str(conversation), "--json")
    assert code == 0, err
    shown: dict[str, object] = json.loads(out)
    return shown


def test_regenerate_keeps_the_old_answer_as_a_version(
        capsys: pytest.CaptureFixture[str]) -> None:
    first = _ask(capsys, "hello")
    chat = str(first["conversation_id"])
    again = _ask(capsys, "--regenerate", "--conversation", chat)
    messages = _show(capsys, int(chat))["messages"]
    assert isinstance(messages, list) and len(messages) == 2
    answer = messages[1]
    assert len(answer["versions"]) == 2 and answer["versions"][-1] == answer["id"]
    assert again["receipt"]["question_id"] == messages[0]["id"]  # type: ignore[index]
    # The first version can be brought back.
    code, out, _ = _run(capsys, "chats", "version", str(answer["versions"][0]))
    assert code == 0 and "version 1 of 2" in out
    assert _show(capsys, int(chat))["messages"][1]["id"] == answer["versions"][0]  # type: ignore[index]


def test_again_on_adds_an_answer_after_the_ones_given(
        capsys: pytest.CaptureFixture[str]) -> None:
    chat = str(_ask(capsys, "hello")["conversation_id"])
    _ask(capsys, "--again-on", "local", "--conversation", chat)
    roles = [m["role"] for m in _show(capsys, int(chat))["messages"]]  # type: ignore[union-attr]
    assert roles == ["user", "assistant", "assistant"]


def test_edit_forks_at_the_question_edited(capsys: pytest.CaptureFixture[str]) -> None:
    chat = int(str(_ask(capsys, "q1")["conversation_id"]))
    for n in range(2, 6):
        _ask(capsys, "--conversation", str(chat), f"q{n}")
    second = [m for m in _show(capsys, chat)["messages"]  # type: ignore[union-attr]
              if m["role"] == "user"][1]
    _ask(capsys, "--edit", str(second["id"]), "q2, edited")
    questions = [m["content"] for m in _show(capsys, chat)["messages"]  # type: ignore[union-attr]
                 if m["role"] == "user"]
    assert questions == ["q1", "q2, edited"]


def test_rename_lock_and_unlock(capsys: pytest.CaptureFixture[str],
                                settings: Settings) -> None:
    settings.set("cloud.escalation", True)
    settings.set("tiers.frontier.provider", "openai")
    settings.set("tiers.frontier.model", "gpt-4o")
    chat = str(_ask(capsys, "--tier", "local", "hello")["conversation_id"])
    assert _run(capsys, "chats", "rename", chat, "  My   plans ")[0] == 0
    assert _show(capsys, int(chat))["title"] == "My plans"
    code, out, _ = _run(capsys, "chats", "search", "--json", "MY PLANS")
    assert code == 0 and [c["id"] for c in json.loads(out)] == [int(chat)]
    code, out, _ = _run(capsys, "chats", "search", "no such words anywhere")
    assert code == 0 and out == ""
    assert _run(capsys, "chats", "lock", chat)[0] == 0
    assert _show(capsys, int(chat))["locked_local"] is True
    code, out, err = _run(capsys, "route", "--json", "--tier", "frontier",
                          "--conversation", chat, "prove it")
    assert code == 0, err
    assert json.loads(out)["tier"] == "local" and "locked" in json.loads(out)["reason"]
    assert _run(capsys, "chats", "unlock", chat)[0] == 0
    assert _show(capsys, int(chat))["locked_local"] is False
    code, _, err = _run(capsys, "chats", "rename", chat, "   ")
    assert code == 3 and "not empty" in err


def test_keep_local_locks_a_new_conversation_before_routing(
        capsys: pytest.CaptureFixture[str]) -> None:
    result = _ask(capsys, "--keep-local", "hello")
    assert _show(capsys, int(str(result["conversation_id"])))["locked_local"] is True


@pytest.mark.parametrize("args", [
    ("--regenerate",),  # which conversation?
    ("--again-on", "local"),
    ("--regenerate", "--conversation", "1", "a prompt"),  # a prompt it would ignore
    (),  # no question at all
])
def test_inconsistent_requests_are_refused_with_one_line(
        capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    code, out, err = _run(capsys, "ask", *args)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
