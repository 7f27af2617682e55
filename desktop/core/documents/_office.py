"""PDF (pypdf) and DOCX (python-docx) to blocks: PDF blocks know their page, DOCX blocks
their heading path (paragraph styles "Heading 1" … "Heading 9", and "Title")."""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from desktop.core.documents._extract import Block, Unreadable, open_binary

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def pdf_blocks(path: Path) -> Iterator[Block]:
    """Each page's text, split at blank lines; pages are numbered from 1."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # pypdf logs its repairs of damaged files as warnings, which would reach the terminal
    # in the middle of progress lines; a file it cannot read raises, and that is reported.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    with open_binary(path) as handle:
        try:
            reader = PdfReader(handle)
            if reader.is_encrypted:
                raise Unreadable("it is an encrypted PDF; open it, save an unprotected copy "
                                 "and add that")
            pages = len(reader.pages)
        except Unreadable:
            raise
        except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
            raise Unreadable(f"it is not a readable PDF ({_short(exc)})") from None
        extracted = 0
        for number in range(pages):
            try:
                text = reader.pages[number].extract_text() or ""
            except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
                raise Unreadable(f"page {number + 1} of the PDF cannot be read "
                                 f"({_short(exc)})") from None
            for paragraph in _PARAGRAPH_BREAK.split(text):
                if paragraph.strip():
                    extracted += 1
                    yield Block(paragraph.strip(), number + 1)
        if pages and not extracted:
            raise Unreadable("the PDF has no text layer (scanned pages?); Hearth does not "
                             "read text from images")


def docx_blocks(path: Path) -> Iterator[Block]:
    """Paragraphs in document order; heading styles set the heading path."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    with open_binary(path) as handle:
        try:
            document = docx.Document(handle)
        except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise Unreadable(f"it is not a readable Word document ({_short(exc)})") from None
        headings: tuple[str, ...] = ()
        for paragraph in document.paragraphs:
            text = paragraph.text.strip()
            if not text:
                continue
            style = paragraph.style.name if paragraph.style is not None else ""
            level = _heading_level(style or "")
            if level:
                headings = (*headings[: level - 1], text)
            yield Block(text, None, headings)
        for table in document.tables:
            for row in table.rows:
                cells = [c.text.strip() for c in row.cells if c.text.strip()]
                if cells:
                    yield Block(" | ".join(cells), None, headings)


def _heading_level(style: str) -> int:
    if style == "Title":
        return 1
    match = re.fullmatch(r"Heading (\d)", style)
    return int(match.group(1)) if match else 0


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "…"
