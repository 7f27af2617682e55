"""``hearth ask --docs NAME`` and ``hearth chats show``: the passages an answer was given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.__main__ import main
from desktop.core.documents import Library
from desktop.core.settings import Settings

BOILER = ("# Boiler\n\nThe boiler service is due every March. The installer is Northside "
          "Heating.\n")
GARDEN = "# Garden\n\nThe hedge is cut in June; the boiler flue must stay clear of it.\n"


@pytest.fixture
def collections(settings: Settings, tmp_path: Path) -> None:
    """Two collections kept on this device: "House" (boiler.md) and "Garden" (garden.md)."""
    for name, file_name, text in (("House", "boiler.md", BOILER),
                                  ("Garden", "garden.md", GARDEN)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / file_name).write_text(text, encoding="utf-8")
        with Library.open_default(settings) as library:
            library.add(name, [folder])
            assert not library.index(name).failed


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_lists_the_passages_used(capsys: pytest.CaptureFixture[str],
                                          settings: Settings, collections: None) -> None:
    settings.set("cloud.escalation", True)  # else that is the reason it stays here
    code, out, err = _run(capsys, "ask", "--json", "--docs", "House", "--docs", "Garden",
                          "When is the boiler service due?")
    assert code == 0, err
    receipt = json.loads(out)["receipt"]
    names = sorted((s["collection"], Path(s["path"]).name) for s in receipt["sources"])
    assert names == [("Garden", "garden.md"), ("House", "boiler.md")]
    best = receipt["sources"][0]
    assert best["collection"] == "House" and best["position"].startswith("§ Boiler")
    assert "boiler service" in best["snippet"].lower()
    assert receipt["sources_trimmed"] == 0 and receipt["sources_token_basis"] == "counted"
    assert receipt["kept_local_for_collections"] == ["House", "Garden"]
    assert receipt["reason"] == "it draws on “House” and “Garden”, kept on this device"


def test_ask_prints_the_sources_under_the_answer_and_chats_show_them(
        capsys: pytest.CaptureFixture[str], collections: None) -> None:
    code, out, err = _run(capsys, "ask", "--docs", "House", "Who is the installer?")
    assert code == 0, err
    lines = out.rstrip("\n").splitlines()
    assert lines[-2:] == ["Sources:", "  [1] boiler.md, § Boiler, lines 1–3 (“House”)"]
    code, out, err = _run(capsys, "chats", "list", "--json")
    [conversation] = json.loads(out)
    code, out, err = _run(capsys, "chats", "show", str(conversation["id"]))
    assert code == 0, err
    assert "Documents: “House”" in out
    assert "  [1] boiler.md, § Boiler, lines 1–3 (“House”)" in out
    code, out, err = _run(capsys, "chats", "show", "--json", str(conversation["id"]))
    shown = json.loads(out)
    assert shown["collections"] == ["House"]
    assert shown["messages"][-1]["receipt"]["sources"][0]["collection"] == "House"


def test_an_unknown_collection_is_a_clear_error(capsys: pytest.CaptureFixture[str],
                                                collections: None) -> None:
    code, _, err = _run(capsys, "ask", "--docs", "Nope", "hello")
    assert code == 3 and "Nope" in err


def test_route_says_a_collection_kept_here_keeps_the_question_here(
        capsys: pytest.CaptureFixture[str], settings: Settings, collections: None) -> None:
    settings.set("cloud.escalation", True)
    code, out, err = _run(capsys, "route", "--json", "--docs", "House", "the boiler service?")
    assert code == 0, err
    report = json.loads(out)
    assert report["tier"] == "local" and report["code"] == "kept_collection"
    assert report["reason"] == "it draws on “House”, kept on this device"
    assert [Path(s["path"]).name for s in report["sources"]] == ["boiler.md"]
