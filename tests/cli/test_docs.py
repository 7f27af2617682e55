"""``hearth docs``: collections, indexing and search from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.__main__ import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["docs", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "boats.md").write_text(
        "# Boats\n\nThe ferry Maribelle leaves Harrowgate at 07:40 every weekday.\n",
        encoding="utf-8")
    (folder / "trains.txt").write_text("Der Nachtzug nach Velburg fährt um 23:15 ab.\n",
                                       encoding="utf-8")
    return folder


def test_add_indexes_and_search_prints_json_best_first(capsys: pytest.CaptureFixture[str],
                                                         notes: Path) -> None:
    code, out, err = _run(capsys, "add", "travel", str(notes))
    assert code == 0, err
    assert "travel: 2 files indexed" in out
    assert "indexing travel: 2/2 files" in err  # plain lines when not on a terminal
    assert "search is by words (BM25) only" in out

    code, out, _ = _run(capsys, "search", "travel", "when does the Maribelle ferry leave?",
                        "--json", "--limit", "1")
    assert code == 0
    found = json.loads(out)
    assert len(found) == 1
    assert found[0]["path"] == str(notes / "boats.md")
    assert found[0]["position"] == "§ Boats, lines 1–3"
    assert found[0]["collection"] == "travel" and found[0]["page"] is None
    assert "07:40" in found[0]["snippet"] and found[0]["score"] > 0


def test_list_rename_set_reindex_remove(capsys: pytest.CaptureFixture[str], notes: Path) -> None:
    _run(capsys, "add", "travel", str(notes))
    code, out, _ = _run(capsys, "list", "--json")
    listed = json.loads(out)
    assert code == 0 and listed[0]["files"] == 2 and listed[0]["privacy"] == "device"
    assert _run(capsys, "rename", "travel", "trips")[0] == 0
    code, out, _ = _run(capsys, "set", "trips", "--privacy", "send")
    assert code == 0 and "may be sent" in out
    (notes / "trains.txt").unlink()
    code, out, _ = _run(capsys, "reindex", "trips")
    assert code == 0 and "1 removed" in out
    assert _run(capsys, "remove", "trips")[0] == 0
    code, out, _ = _run(capsys, "list")
    assert "no document collections yet" in out


def test_unknown_collection_and_missing_path_are_known_errors(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "search", "nothing", "query")
    assert code == 3 and "no document collection named 'nothing'" in err
    code, _, err = _run(capsys, "add", "x", str(tmp_path / "missing"))
    assert code == 3 and "no such file or folder; nothing was added" in err
    code, _, err = _run(capsys, "set", "x", "--privacy", "cloud")
    assert code == 2


def test_an_empty_query_is_refused_in_one_line(capsys: pytest.CaptureFixture[str],
                                               notes: Path) -> None:
    _run(capsys, "add", "travel", str(notes))
    for query in ("", "   "):
        code, out, err = _run(capsys, "search", "travel", query)
        assert code == 2 and out == ""
        assert err.strip() == "hearth docs: error: the query is empty (the QUERY argument)"
