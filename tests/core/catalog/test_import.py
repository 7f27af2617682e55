"""Importing GGUF files: by copy and by reference, and the refusal of bad files."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from desktop.core.catalog import (
    DiskSpaceError,
    ModelRegistry,
    RegistryError,
    import_model,
    models_dir,
)
from desktop.core.errors import ModelFileError, ModelLoadError
from desktop.core.local import probe
from tests.core.catalog.support import sha256


def _no_probe(_: Path) -> None:
    """Stands in for the child-process trial load where a test is about something else."""


def test_copy_import_of_the_tiny_model(tiny_model: Path) -> None:
    record = import_model(tiny_model, copy=True)  # the real trial load, in a child process
    assert record.owned and record.source == "import"
    assert record.path == models_dir() / tiny_model.name
    assert record.path.read_bytes() == tiny_model.read_bytes()
    assert record.sha256 == sha256(tiny_model.read_bytes())
    assert record.size == tiny_model.stat().st_size
    assert ModelRegistry().get(record.name) == record
    # The verdict is cached, so the engine does not probe the copy again.
    assert probe._cached_ok(probe.fingerprint(record.path))
    assert not list(models_dir().glob(".*.part"))


def test_reference_import_keeps_the_file_where_it_is(tiny_model: Path) -> None:
    record = import_model(tiny_model, copy=False, name="tiny", probe=_no_probe)
    assert record.path == tiny_model.absolute() and not record.owned and record.sha256 is None
    assert not models_dir().exists() or not any(models_dir().iterdir())
    with pytest.raises(RegistryError, match="already registered as 'tiny'"):
        import_model(tiny_model, copy=False, name="again", probe=_no_probe)
    with pytest.raises(RegistryError, match="already registered"):
        import_model(tiny_model, copy=True, name="tiny", probe=_no_probe)


@pytest.mark.parametrize(("content", "message"), [
    (b"# notes\nnot a model at all\n", "text file"),
    (b"PK\x03\x04" + bytes(200), "ZIP archive"),
    (struct.pack("<Q", 60) + b'{"__metadata__": {"format": "pt"}}' + bytes(40), "safetensors"),
    (b"GGUF" + struct.pack("<I", 1) + bytes(40), "version 1"),
    (b"", "empty"),
])
def test_foreign_and_corrupt_files_are_refused(tmp_path: Path, content: bytes,
                                               message: str) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message) as caught:
        import_model(path, copy=True, probe=_no_probe)
    assert str(path) in str(caught.value)
    assert ModelRegistry().records() == []
    assert not models_dir().exists() or not any(models_dir().iterdir())


def test_truncated_file_is_refused(tiny_model: Path, tmp_path: Path) -> None:
    data = tiny_model.read_bytes()
    for cut in (100, len(data) // 2, len(data) - 1):
        path = tmp_path / f"cut-{cut}.gguf"
        path.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="incomplete|ends in the middle"):
            import_model(path, copy=True, probe=_no_probe)
    assert ModelRegistry().records() == []


def test_file_that_llama_cpp_refuses_leaves_nothing_behind(tiny_model: Path) -> None:
    def refuse(path: Path) -> None:
        raise ModelLoadError(path, "llama.cpp crashed while loading it (SIGABRT)")

    with pytest.raises(ModelLoadError, match="crashed"):
        import_model(tiny_model, copy=True, probe=refuse)
    assert ModelRegistry().records() == []
    assert not any(models_dir().iterdir())


def test_copy_checks_free_space_first(tiny_model: Path) -> None:
    with pytest.raises(DiskSpaceError, match=r"needs 0\.00 GB, 0\.00 GB free"):
        import_model(tiny_model, copy=True, probe=_no_probe, free_space=lambda _: 100)
    assert ModelRegistry().records() == []


def test_names_are_checked(tiny_model: Path) -> None:
    for bad in ("", " padded", "a/b", "..", "c:d"):
        with pytest.raises(RegistryError, match="cannot name a model"):
            import_model(tiny_model, copy=False, name=bad, probe=_no_probe)
    import_model(tiny_model, copy=False, name="mine", probe=_no_probe)
    with pytest.raises(RegistryError, match="already registered; choose another"):
        import_model(tiny_model, copy=True, name="mine", probe=_no_probe)


def test_two_copies_with_the_same_file_name(tiny_model: Path, tmp_path: Path) -> None:
    twin = tmp_path / tiny_model.name
    twin.write_bytes(tiny_model.read_bytes())
    first = import_model(tiny_model, copy=True, name="first", probe=_no_probe)
    second = import_model(twin, copy=True, name="second", probe=_no_probe)
    assert first.path != second.path and second.path.name == "second.gguf"


def test_registry_survives_a_damaged_file(hearth_dirs: tuple[Path, Path],
                                          tiny_model: Path) -> None:
    _, data = hearth_dirs
    data.mkdir(parents=True, exist_ok=True)
    (data / "models.json").write_text("{not json")
    registry = ModelRegistry()
    assert registry.records() == [] and "could not be read" in registry.problems[0]
    import_model(tiny_model, copy=False, name="tiny", registry=registry, probe=_no_probe)
    kept = list(data.glob("models.json.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{not json"
    stored = json.loads((data / "models.json").read_text())
    assert list(stored["models"]) == ["tiny"]
    assert ModelRegistry().get("tiny").path == tiny_model.absolute()
