"""Text out of files, as a stream of blocks (paragraphs) that remember where they came from.

Every reader yields as it reads, so a 200 MB log never sits in memory: lines are read with a
length cap, and a paragraph without blank lines is cut every ``MAX_BLOCK_CHARS``. PDF and
DOCX are read by their libraries, which load the file (the size cap bounds them).
A file that cannot be read raises ``Unreadable`` with the reason in words.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

SNIFF_BYTES = 64 * 1024
MAX_BLOCK_CHARS = 4000
_LINE_LIMIT = 8192  # characters per readline: a file with no newlines still streams

PDF_SUFFIXES = frozenset({".pdf"})
DOCX_SUFFIXES = frozenset({".docx"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})


class Unreadable(Exception):  # noqa: N818 - a reason, not a bug: the indexer records it
    """The file cannot be indexed; ``str(exc)`` says why, for the user."""


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph (or a piece of one) and its place: page, heading path, lines."""

    text: str
    page: int | None = None
    headings: tuple[str, ...] = ()
    line_start: int | None = None
    line_end: int | None = None


def read_blocks(path: Path) -> Iterator[Block]:
    """The blocks of ``path``, chosen by its suffix (text for anything not PDF/DOCX/HTML)."""
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        from desktop.core.documents._office import pdf_blocks

        return pdf_blocks(path)
    if suffix in DOCX_SUFFIXES:
        from desktop.core.documents._office import docx_blocks

        return docx_blocks(path)
    if suffix in HTML_SUFFIXES:
        from desktop.core.documents._html import html_blocks

        return html_blocks(open_text(path))
    return text_blocks(open_text(path), markdown=suffix in MARKDOWN_SUFFIXES)


def open_binary(path: Path) -> BinaryIO:
    """Open for reading, turning every OS refusal into ``Unreadable`` with words."""
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller owns it
    except PermissionError:
        raise Unreadable("no permission to read it") from None
    except IsADirectoryError:
        raise Unreadable("it is a folder, not a file") from None
    except FileNotFoundError:
        raise Unreadable("it no longer exists (or is a link to nothing)") from None
    except OSError as exc:
        raise Unreadable(f"it cannot be opened: {exc.strerror or exc}") from None


def _encoding(sample: bytes, at_end: bool) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\0" in sample:
        raise Unreadable("it is a binary file (it contains NUL bytes), not text")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=at_end)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Older Western text files: cp1252 decodes them, and its five unassigned bytes plus
    # most control characters are a sign of something else.
    try:
        decoded = sample.decode("cp1252")
    except UnicodeDecodeError:
        raise Unreadable("its text is neither UTF-8 nor Windows-1252; it cannot be decoded") \
            from None
    controls = sum(1 for c in decoded if c < " " and c not in "\t\n\r\f")
    if controls > len(decoded) // 100:
        raise Unreadable("it does not look like text (too many control characters)")
    return "cp1252"


def open_text(path: Path) -> io.TextIOWrapper:
    """The file as text: BOM, else UTF-8, else Windows-1252; binary files are refused.

    The encoding is judged on the first 64 KiB; a bad byte later on becomes U+FFFD rather
    than losing the rest of the file.
    """
    raw = open_binary(path)
    try:
        sample = raw.read(SNIFF_BYTES)
        at_end = len(sample) < SNIFF_BYTES
        encoding = _encoding(sample, at_end)
        raw.seek(0)
    except OSError as exc:
        raw.close()
        raise Unreadable(f"it cannot be read: {exc.strerror or exc}") from None
    except BaseException:
        raw.close()
        raise
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline=None)


_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def text_blocks(stream: io.TextIOWrapper, *, markdown: bool) -> Iterator[Block]:
    """Paragraphs separated by blank lines, with their line numbers (1-based); in Markdown,
    ``#`` headings set the heading path of what follows (not inside fenced code)."""
    headings: tuple[str, ...] = ()
    lines: list[str] = []
    size = 0
    first = 0
    number = 0
    fenced = False
    continuing = False  # the last read stopped inside a line longer than _LINE_LIMIT
    with stream:
        while True:
            try:
                line = stream.readline(_LINE_LIMIT)
            except OSError as exc:
                raise Unreadable(f"reading it failed: {exc.strerror or exc}") from None
            if not line:
                break
            if not continuing:
                number += 1
            continuing = not line.endswith("\n")
            stripped = line.strip()
            if markdown and _FENCE.match(line):
                fenced = not fenced
            heading = _HEADING.match(stripped) if markdown and not fenced else None
            if heading or not stripped or size >= MAX_BLOCK_CHARS:
                if lines:
                    yield Block("".join(lines).strip(), None, headings, first, number - 1)
                    lines, size = [], 0
                if heading:
                    level = len(heading.group(1))
                    headings = (*headings[: level - 1], heading.group(2))
                    yield Block(heading.group(2), None, headings, number, number)
                    continue
                if not stripped:
                    continue
            if not lines:
                first = number
            lines.append(line)
            size += len(line)
        if lines:
            yield Block("".join(lines).strip(), None, headings, first, number)
