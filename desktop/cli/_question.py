"""The question of ``hearth ask`` and ``hearth route``: read it, and refuse what cannot be one.

Both commands take their question through ``question_from``, so they accept and refuse exactly
the same input. Refused, with exit status 2 and one line that says where the problem is:

- an empty or whitespace-only question: there is nothing to answer or route;
- text that is not valid UTF-8: bytes the OS could not decode in an argument (Python keeps them
  as lone surrogates, which no encoder, SQLite or JSON writer accepts) or on standard input;
- a NUL character: nobody types one; it means a binary file was piped in, and C strings (the
  tokenizer's callers, some servers) would cut the question at it.

Standard input is read as bytes and decoded as UTF-8 whatever the locale says, so the same
bytes give the same question everywhere; a leading byte-order mark is dropped.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

STDIN = "-"
_BOM = "\ufeff"
_SURROGATE = re.compile("[\ud800-\udfff]")


class InputError(Exception):
    """Input that cannot be a question or a command-line value: exit status 2, one line."""


def question_from(prompt: str, stdin: TextIO | None = None) -> str:
    """The question given as ``prompt``, or read from standard input when it is ``-``."""
    if prompt == STDIN:
        text, where = read_stdin(stdin if stdin is not None else sys.stdin), "standard input"
    else:
        text, where = prompt, "the PROMPT argument"
    check_question(text, where)
    return text


def check_question(text: str, where: str) -> None:
    """Raise InputError when ``text`` (from ``where``) cannot be a question."""
    position = first_surrogate(text)
    if position is not None:
        raise InputError(f"{where} is not valid UTF-8 (an undecodable byte at character "
                         f"{position})")
    if "\0" in text:
        raise InputError(f"{where} contains a NUL character (binary data?), at character "
                         f"{text.index(chr(0))}")
    if not text.strip():
        raise InputError(f"the question is empty ({where})")


def read_stdin(stream: TextIO | None) -> str:
    """All of standard input, decoded as UTF-8, or InputError."""
    if stream is None:
        raise InputError("standard input is closed")
    raw = getattr(stream, "buffer", None)
    if raw is None:  # a text stream without bytes underneath (io.StringIO)
        text = stream.read()
    else:
        data = raw.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"standard input is not valid UTF-8 (byte 0x{data[exc.start]:02x} "
                             f"at offset {exc.start})") from None
    return text.removeprefix(_BOM)


def check_argv(argv: list[str]) -> None:
    """Raise InputError for the first argument the OS could not decode as UTF-8."""
    for number, argument in enumerate(argv, start=1):
        if first_surrogate(argument) is not None:
            raise InputError(f"argument {number} ({_shown(argument)}) is not valid UTF-8")


def first_surrogate(text: str) -> int | None:
    """Index of the first lone surrogate (an undecodable byte kept by the OS), or None."""
    found = _SURROGATE.search(text)
    return found.start() if found else None


def _shown(argument: str) -> str:
    """The argument as the bytes it was, e.g. ``b'caf\\xe9'``, shortened."""
    try:
        shown = repr(argument.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:  # a surrogate that is no escaped byte (Windows' UTF-16 argv)
        shown = ascii(argument)
    return shown if len(shown) <= 40 else shown[:39] + "…"
