"""Which embedding model the library uses: a file, an installed model, its prefixes; and
``hearth docs`` with one set up."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from desktop.__main__ import main
from desktop.core.catalog import ModelRecord, ModelRegistry, load_catalog
from desktop.core.documents._models import PREFIXES, embedding_choice
from desktop.core.errors import ConfigError
from desktop.core.settings import Settings


@pytest.fixture(scope="module")
def embedding_model() -> Path:
    from tests.modelgen import cached_model

    return cached_model("embedding")


def test_every_catalog_embedding_model_has_its_prefixes() -> None:
    embedding = {e.id for e in load_catalog() if e.kind == "embedding"}
    assert embedding == set(PREFIXES)
    assert PREFIXES["nomic-embed-text-v1.5"][:2] == ("search_query: ", "search_document: ")
    assert PREFIXES["multilingual-e5-small"][:2] == ("query: ", "passage: ")
    assert PREFIXES["bge-small-en-v1.5"][:2] == (
        "Represent this sentence for searching relevant passages: ", "")


def test_no_setting_means_no_model() -> None:
    assert embedding_choice(Settings()) is None


def test_a_file_path_and_a_file_named_like_a_catalog_model(tmp_path: Path,
                                                          embedding_model: Path) -> None:
    settings = Settings()
    settings.set("documents.embedding_model", str(embedding_model))
    choice = embedding_choice(settings)
    assert choice is not None
    assert (choice.path, choice.query_prefix, choice.document_prefix) == (embedding_model, "",
                                                                          "")
    renamed = shutil.copy(embedding_model, tmp_path / "nomic-embed-text-v1.5.Q4_K_M.gguf")
    settings.set("documents.embedding_model", str(renamed))
    choice = embedding_choice(settings)
    assert choice is not None and choice.query_prefix == "search_query: "


def test_an_installed_catalog_model_by_name(embedding_model: Path) -> None:
    ModelRegistry().add(ModelRecord(name="bge", path=embedding_model, size=1, sha256=None,
                                    source="catalog", added="2026-11-29T00:00:00+00:00",
                                    owned=False, catalog_id="bge-small-en-v1.5"))
    settings = Settings()
    settings.set("documents.embedding_model", "bge")
    choice = embedding_choice(settings)
    assert choice is not None and choice.path == embedding_model
    assert choice.query_prefix.startswith("Represent this sentence")


def test_a_missing_model_is_a_config_error(tmp_path: Path) -> None:
    settings = Settings()
    settings.set("documents.embedding_model", str(tmp_path / "gone.gguf"))
    with pytest.raises(ConfigError, match="neither a GGUF file nor an installed model"):
        embedding_choice(settings)


def test_hearth_docs_with_an_embedding_model(tmp_path: Path, embedding_model: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The greenhouse is watered at dawn.", encoding="utf-8")
    assert main(["config", "set", "documents.embedding_model", str(embedding_model)]) == 0
    assert main(["docs", "add", "garden", str(docs)]) == 0
    out = capsys.readouterr().out
    assert "search is by words (BM25) only" not in out
    assert main(["docs", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["semantic"] is True
    assert main(["docs", "search", "garden", "irrigation schedule", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [Path(p["path"]).name for p in found] == ["a.txt"]  # by vector: no word in common


def test_a_broken_model_setting_leaves_search_by_words(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The greenhouse is watered at dawn.", encoding="utf-8")
    not_a_model = tmp_path / "model.gguf"
    not_a_model.write_bytes(b"this is not a GGUF file at all")
    for value in (str(tmp_path / "gone.gguf"), str(not_a_model)):
        assert main(["config", "set", "documents.embedding_model", value]) == 0
        assert main(["docs", "add", "garden", str(docs)]) == 0
        captured = capsys.readouterr()
        assert "note: search by meaning is off: " in captured.err
        assert main(["docs", "search", "garden", "greenhouse watered", "--json"]) == 0
        captured = capsys.readouterr()
        assert json.loads(captured.out)[0]["path"] == str(docs / "a.txt")
