"""The medication names are read from the package's dictionary once, then from a plain-text
copy in the data folder that names the file and word list it came from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core import paths
from desktop.core.routing import _health


@pytest.fixture(autouse=True)
def _unloaded() -> Iterator[None]:
    saved = _health._drugs
    _health._drugs = None
    yield
    _health._drugs = saved


def _cache() -> Path:
    return paths.data_dir() / "cache" / "medication-names.txt"


def test_the_copy_holds_the_same_names_and_is_used(hearth_dirs: tuple[Path, Path]) -> None:
    first = _health.drug_names()
    assert "sertraline" in first and "levothyroxine" in first
    assert "water" not in first  # a listed common word stays out
    assert _cache().is_file()

    # Prove the copy is what a later start reads: a name only the copy has is found.
    header, _, body = _cache().read_text(encoding="utf-8").partition("\n")
    _cache().write_text(f"{header}\nzzmadeupmedication\n{body}", encoding="utf-8")
    _health._drugs = None
    again = _health.drug_names()
    assert "zzmadeupmedication" in again and again - {"zzmadeupmedication"} == first


def test_a_copy_from_another_dictionary_is_read_again(hearth_dirs: tuple[Path, Path]) -> None:
    _cache().parent.mkdir(parents=True, exist_ok=True)
    _cache().write_text("hearth-medication-names-0 1 2 water\nzzstale\n", encoding="utf-8")
    names = _health.drug_names()
    assert "zzstale" not in names and "sertraline" in names
    assert _cache().read_text(encoding="utf-8").startswith("hearth-medication-names-1 ")


def test_an_unwritable_data_folder_still_gives_the_names(hearth_dirs: tuple[Path, Path],
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setattr(_health, "_cache_path", lambda: blocker / "medication-names.txt")
    assert "sertraline" in _health.drug_names()
