"""``hearth ask`` and ``hearth route`` refuse the same bad input: exit 2, one line, no traceback.

Undecodable bytes are given the way a shell gives them: as raw bytes in a subprocess's argv and
on its standard input, so the operating system and Python's own decoding are part of the test.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.__main__ import main
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore

REPO = Path(__file__).resolve().parents[2]
COMMANDS = ("ask", "route")


@pytest.fixture(autouse=True)
def _light(settings: Settings) -> None:
    """The tiny model with one thread (the `settings` fixture), for a question that passes."""


def _hearth(args: list[str | bytes], stdin: bytes = b"") -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "desktop", *args], cwd=REPO, input=stdin,
                          capture_output=True, timeout=60, check=False, env=dict(os.environ))
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def _in_process(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                args: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _nothing_saved() -> bool:
    with ConversationStore.open_default() as store:
        return store.conversations() == []


@pytest.mark.parametrize("command", COMMANDS)
def test_invalid_utf8_in_an_argument(command: str) -> None:
    code, out, err = _hearth([command, b"caf\xe9 au lait"])
    assert (code, out) == (2, "")
    assert err == "hearth: error: argument 2 (b'caf\\xe9 au lait') is not valid UTF-8\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_invalid_utf8_on_standard_input(command: str) -> None:
    code, out, err = _hearth([command, "-"], stdin=b"na\xefve question\n")
    assert (code, out) == (2, "")
    assert err == f"hearth {command}: error: standard input is not valid UTF-8 (byte 0xef at " \
                  "offset 2)\n"
    assert _nothing_saved()


@pytest.mark.parametrize(("args", "stdin", "line"), [
    ([""], b"", "hearth {}: error: the question is empty (the PROMPT argument)"),
    (["  \t\n "], b"", "hearth {}: error: the question is empty (the PROMPT argument)"),
    (["-"], b"", "hearth {}: error: the question is empty (standard input)"),
    (["-"], b" \n\n", "hearth {}: error: the question is empty (standard input)"),
    (["-"], b"\xef\xbb\xbf\n", "hearth {}: error: the question is empty (standard input)"),
    (["-"], b"head\x00tail", "hearth {}: error: standard input contains a NUL character "
                             "(binary data?), at character 4"),
    (["-"], b"\xff\xfeh\x00i\x00", "hearth {}: error: standard input is not valid UTF-8 "
                                   "(byte 0xff at offset 0)"),  # UTF-16 with its BOM
    # What Python makes of an undecodable byte in argv: main() checks every argument first.
    (["caf\udce9"], b"", "hearth: error: argument 2 (b'caf\\xe9') is not valid UTF-8"),
], ids=["empty", "whitespace", "empty-stdin", "blank-stdin", "bom-only", "nul", "utf16",
        "surrogate"])
def test_ask_and_route_refuse_exactly_the_same(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        args: list[str], stdin: bytes, line: str) -> None:
    for command in COMMANDS:
        code, out, err = _in_process(capsys, monkeypatch, [command, *args], stdin)
        assert (code, out, err) == (2, "", line.format(command) + "\n")
    assert _nothing_saved()


def test_the_same_checks_when_called_directly() -> None:
    """The shared function, for a caller that skips main()'s argv check."""
    from desktop.cli._question import InputError, question_from

    with pytest.raises(InputError, match="the PROMPT argument is not valid UTF-8"):
        question_from("caf\udce9")
    assert question_from("-", io.TextIOWrapper(io.BytesIO(
        "\ufeffGrüße, 日本 🙂\n".encode()), encoding="utf-8")) == "Grüße, 日本 🙂\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_good_question_on_standard_input_is_taken_as_utf8(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        command: str) -> None:
    code, out, err = _in_process(capsys, monkeypatch, [command, "--json", "-"],
                                 "Grüße aus Köln 🙂\n".encode())
    assert code == 0, err
    if command == "ask":
        with ConversationStore.open_default() as store:
            [conversation] = store.conversations()
            question = store.messages(conversation.id)[0]
        assert question.content == "Grüße aus Köln 🙂\n"
    else:
        assert '"tier": "local"' in out
