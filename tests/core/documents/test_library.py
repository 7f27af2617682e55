"""Collections, change detection and lexical search on a real SQLite file and real files."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.documents import Library
from desktop.core.errors import KnownError


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    lib = Library(tmp_path / "data" / "documents.sqlite3")
    yield lib
    lib.close()


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_collection_is_created_renamed_made_sendable_and_removed(library: Library,
                                                                    tmp_path: Path) -> None:
    _write(tmp_path / "docs", "a.txt", "Orchids need bright indirect light.")
    info = library.add("plants", [tmp_path / "docs"])
    assert info.privacy == "device" and info.roots == (str(tmp_path / "docs"),)
    assert info.pending == 0  # nothing is known until the first index run looks
    library.index("plants")
    assert library.rename("plants", "garden").files == 1
    assert library.set_privacy("garden", "send").privacy == "send"
    with pytest.raises(KnownError, match="already exists"):
        library.create("garden")
    with pytest.raises(KnownError, match="no document collection named 'plants'"):
        library.collection("plants")
    library.remove("garden")
    assert library.collections() == []
    with sqlite3.connect(library.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == 0


def test_the_database_is_private_and_marked_as_hearths(library: Library) -> None:
    assert stat.S_IMODE(os.stat(library.path).st_mode) == 0o600
    with sqlite3.connect(library.path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x48525444
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_foreign_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "documents.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE other (x)")
    before = path.read_bytes()
    with pytest.raises(KnownError, match="not a Hearth documents database"):
        Library(path)
    assert path.read_bytes() == before


def test_a_corrupt_database_is_named_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "documents.sqlite3"
    path.write_bytes(b"this is not an SQLite file at all" * 100)
    before = path.read_bytes()
    with pytest.raises(KnownError) as caught:
        Library(path)
    assert str(caught.value).startswith("could not open the documents database: ")
    assert f"{path} is corrupt; move it elsewhere and add the documents again" in str(
        caught.value)
    assert path.read_bytes() == before


def test_added_changed_and_deleted_files_are_picked_up(library: Library, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    first = _write(docs, "first.md", "# Tides\n\nThe harbour of Quillmoor floods at spring tide.")
    _write(docs, "second.txt", "Basalt columns line the northern shore.")
    library.add("coast", [docs])
    report = library.index("coast")
    assert (report.indexed, report.unchanged) == (2, 0)

    again = library.index("coast")
    assert (again.indexed, again.unchanged, again.removed) == (0, 2, 0)

    first.write_text("# Tides\n\nThe harbour of Quillmoor dries out at neap tide.",
                     encoding="utf-8")
    os.utime(first, ns=(1, 1))  # a new mtime, whatever the clock's resolution
    _write(docs, "third.txt", "Puffins nest on the cliffs of Skellan.")
    (docs / "second.txt").unlink()
    changed = library.index("coast")
    assert (changed.indexed, changed.removed) == (2, 1)

    assert library.search(["coast"], "spring tide Quillmoor")[0].snippet.endswith("neap tide.")
    assert library.search(["coast"], "basalt columns") == []
    assert Path(library.search(["coast"], "where do puffins nest")[0].path).name == "third.txt"
    info = library.collection("coast")
    assert (info.files, info.chunks, info.pending) == (2, 2, 0)


def test_touching_a_file_without_changing_it_does_not_index_it_again(library: Library,
                                                                     tmp_path: Path) -> None:
    path = _write(tmp_path / "docs", "a.txt", "Saffron is harvested by hand in October.")
    library.add("spice", [path])
    library.index("spice")
    os.utime(path, ns=(5, 5))
    assert library.index("spice").unchanged == 1


def test_search_names_an_unknown_collection(library: Library) -> None:
    with pytest.raises(KnownError, match="no document collection named 'nope'"):
        library.search(["nope"], "anything")


def test_search_results_carry_collection_privacy_and_position(library: Library,
                                                              tmp_path: Path) -> None:
    _write(tmp_path / "a", "guide.md", "# Setup\n\nRun the installer.\n\n# Repair\n\n"
                                       "Replace the flux capacitor gasket every 300 hours.\n")
    _write(tmp_path / "b", "other.txt", "The gasket of the kettle is fine.")
    library.add("manuals", [tmp_path / "a"])
    library.add("kitchen", [tmp_path / "b"])
    library.set_privacy("kitchen", "send")
    library.index("manuals")
    library.index("kitchen")
    found = library.search(["manuals", "kitchen"], "how often is the capacitor gasket replaced?")
    assert [p.collection for p in found] == ["manuals", "kitchen"]
    best = found[0]
    assert best.position == "§ Repair, lines 5–7"
    assert best.privacy == "device" and found[1].privacy == "send"
    assert best.score > found[1].score
    assert "flux capacitor gasket" in best.text
    only_kitchen = library.search(["kitchen"], "capacitor gasket")
    assert [p.collection for p in only_kitchen] == ["kitchen"]


def test_fts_rows_follow_chunks_through_changes(library: Library, tmp_path: Path) -> None:
    path = _write(tmp_path / "d", "a.txt", "alpha beta gamma")
    library.add("x", [path])
    library.index("x")
    path.write_text("delta epsilon", encoding="utf-8")
    os.utime(path, ns=(9, 9))
    library.index("x")
    library.remove("x")
    with sqlite3.connect(library.path) as conn:
        conn.execute("INSERT INTO chunks_fts (chunks_fts) VALUES ('integrity-check')")
        assert conn.execute("SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH 'alpha OR"
                            " delta'").fetchone()[0] == 0
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
