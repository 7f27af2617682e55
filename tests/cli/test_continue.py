"""``hearth ask --continue``: more of an answer cut at its token limit, in the same answer.

The real tiny model, through the real entry point; results read back with ``hearth chats show``.
"""

from __future__ import annotations

import json

import pytest

from desktop.__main__ import main
from desktop.core.settings import Settings


@pytest.fixture(autouse=True)
def _light(settings: Settings) -> None:
    """The tiny model, one thread, greedy (the `settings` fixture)."""
    settings.set("local.max_tokens", 4)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = _run(capsys, *args)
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


def _last_message(capsys: pytest.CaptureFixture[str], chat: object) -> dict[str, object]:
    messages = _json(capsys, "chats", "show", str(chat), "--json")["messages"]
    assert isinstance(messages, list)
    last: dict[str, object] = messages[-1]
    return last


def test_continue_appends_to_the_same_answer_and_sums_its_receipt(
        capsys: pytest.CaptureFixture[str]) -> None:
    first = _json(capsys, "ask", "--json", "Tell me a long story")
    receipt = first["receipt"]
    assert isinstance(receipt, dict)
    assert receipt["finish_reason"] == "length" and receipt["tokens_out"] == 4
    answer = _last_message(capsys, first["conversation_id"])

    more = _json(capsys, "ask", "--json", "--continue", str(answer["id"]))

    after = _last_message(capsys, first["conversation_id"])
    assert after["id"] == answer["id"]  # the same message, not a new one
    assert str(after["content"]).startswith(str(answer["content"]))
    assert len(str(after["content"])) > len(str(answer["content"]))
    assert more["text"] == after["content"]
    summed = more["receipt"]
    assert isinstance(summed, dict)
    assert summed["continued"] == 1
    assert summed["tokens_out"] == 8  # 4 + 4: the limit cut both runs
    assert summed["tokens_in"] > receipt["tokens_in"]  # the answer so far was read again
    assert summed["duration_s"] > receipt["duration_s"]
    assert summed["finish_reason"] == "length"


def test_a_complete_answer_or_a_question_cannot_be_continued(
        capsys: pytest.CaptureFixture[str], settings: Settings) -> None:
    settings.set("local.max_tokens", 64)
    first = _json(capsys, "ask", "--json", "hi")
    messages = _json(capsys, "chats", "show", str(first["conversation_id"]), "--json")["messages"]
    assert isinstance(messages, list)
    question, answer = messages[0], messages[-1]
    code, _, err = _run(capsys, "ask", "--continue", str(question["id"]))
    assert code != 0 and "only an answer can be continued" in err
    if first["receipt"]["finish_reason"] != "length":  # type: ignore[index]
        code, _, err = _run(capsys, "ask", "--continue", str(answer["id"]))
        assert code != 0 and "this answer is complete" in err


def test_continue_takes_no_prompt(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "ask", "--continue", "1", "more please")
    assert code != 0 and "--continue takes no PROMPT" in err
