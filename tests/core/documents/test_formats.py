"""Text and positions out of real files: PDF pages, DOCX and HTML headings, Markdown lines,
text in other encodings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.documents import Library, Passage
from tests.core.documents.files import write_docx, write_pdf


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    with Library(tmp_path / "documents.sqlite3") as lib:
        yield lib


def _only(library: Library, folder: Path, query: str) -> Passage:
    library.add("c", [folder])
    report = library.index("c")
    assert report.failed == ()
    return library.search(["c"], query, limit=1)[0]


def test_pdf_passages_know_their_page(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "pdf"
    folder.mkdir()
    write_pdf(folder / "manual.pdf", [
        ["Chapter one: unpacking the device."],
        ["Chapter two: charging.", "Charge the Vorlex battery for nine hours."],
        ["Chapter three: the warranty lasts two years."],
    ])
    found = _only(library, folder, "how long to charge the Vorlex battery")
    assert (found.page, found.position) == (2, "page 2")
    assert "Vorlex battery for nine hours" in found.text
    warranty = library.search(["c"], "warranty", limit=1)[0]
    assert warranty.page == 3


def test_docx_passages_know_their_heading(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "docx"
    folder.mkdir()
    write_docx(folder / "handbook.docx", [
        ("Staff handbook", 1), ("Welcome to the team.", 0),
        ("Holidays", 2), ("Everyone gets twenty-eight days of leave at Quorvane.", 0),
        ("Expenses", 2), ("Receipts go to the finance desk.", 0),
    ])
    found = _only(library, folder, "how many days of leave at Quorvane")
    assert found.position == "§ Holidays"
    assert found.page is None


def test_html_headings_and_no_scripts(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "html"
    folder.mkdir()
    (folder / "page.html").write_text(
        "<html><head><script>var secretToken = 'zzq';</script></head><body>"
        "<h1>Garden</h1><p>Tomatoes like &amp; need sun.</p><h2>Pests</h2>"
        "<p>Aphids dislike garlic spray.</p></body></html>", encoding="utf-8")
    found = _only(library, folder, "what keeps aphids away")
    assert found.position == "§ Pests"
    assert library.search(["c"], "secretToken") == []


def test_markdown_lines_and_headings(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "md"
    folder.mkdir()
    (folder / "readme.md").write_text(
        "# Project\n\nIntro.\n\n## Installation\n\n```\n# not a heading\npip install "
        "brimble\n```\n\nThen run brimble --init.\n", encoding="utf-8")
    found = _only(library, folder, "how to install brimble")
    assert found.position == "§ Installation, lines 5–12"


def test_other_encodings_are_read(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "enc"
    folder.mkdir()
    (folder / "utf16.txt").write_text("Die Größe des Gartens: 40 Quadratmeter.",
                                      encoding="utf-16")
    (folder / "latin.txt").write_bytes("Le café coûte 2 € à Pélissanne.".encode("cp1252"))
    assert Path(_only(library, folder, "Größe Gartens").path).name == "utf16.txt"
    found = library.search(["c"], "cafe Pelissanne", limit=1)[0]  # accents folded
    assert found.text == "Le café coûte 2 € à Pélissanne."
