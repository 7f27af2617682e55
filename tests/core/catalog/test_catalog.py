"""The shipped catalog, the memory formula, and the user's own catalog entries."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from desktop.core.catalog import CATALOG_FILE, builtin_catalog_path, load_catalog
from desktop.core.errors import NotFoundError
from tests.core.catalog.support import tiny_entry


def test_shipped_catalog_parses_completely() -> None:
    catalog = load_catalog()
    assert catalog.problems == ()
    assert catalog.checked == date(2026, 11, 24)
    ids = [entry.id for entry in catalog]
    assert len(ids) == len(set(ids)) >= 8
    for entry in catalog:
        assert entry.url.startswith("https://huggingface.co/") and "/resolve/main/" in entry.url
        assert entry.url.endswith("/" + entry.file) and entry.file.endswith(".gguf")
        assert entry.sources, f"{entry.id} names no source"
        if entry.kind == "embedding":
            continue  # small models: Q8_0 where no Q4_K_M file could be verified
        assert entry.licence and entry.quantization == "Q4_K_M"
        assert entry.size_estimate is not None
    embedding = [entry.id for entry in catalog if entry.kind == "embedding"]
    assert embedding == ["nomic-embed-text-v1.5", "bge-small-en-v1.5", "multilingual-e5-small"]
    # No size could be verified for this file: it stays unknown rather than guessed.
    assert catalog.get("multilingual-e5-small").size_estimate is None
    # Models whose shape could not be verified get no memory figure rather than a guess.
    assert catalog.get("gemma-3-4b-it").memory_needed(4096) is None
    assert catalog.get("smollm2-1.7b-instruct").memory_needed(4096) is None


def test_memory_needed_is_file_plus_f16_kv_cache() -> None:
    entry = load_catalog().get("qwen2.5-0.5b-instruct")
    kv = 2 * 24 * 2 * 64 * 4096 * 2  # K and V x layers x KV heads x head size x tokens x F16
    assert entry.kv_cache_bytes(4096) == kv == 50_331_648
    assert entry.memory_needed(4096) == 491_000_000 + kv
    # The context is capped at what the model was trained for.
    assert entry.kv_cache_bytes(1_000_000) == entry.kv_cache_bytes(32768)


def test_exact_size_wins_over_the_listed_one() -> None:
    entry = tiny_entry("https://huggingface.co/a/b/resolve/main/tiny.gguf", size_bytes=123,
                       layers=1, kv_heads=1, head_dim=1)
    assert entry.size_estimate == 123
    assert entry.memory_needed(10) == 123 + 2 * 10 * 2


def test_unknown_id_lists_the_known_ones() -> None:
    with pytest.raises(NotFoundError, match="no model 'nope' in the catalog.*qwen2.5"):
        load_catalog().get("nope")


def test_user_catalog_adds_and_replaces_entries(hearth_dirs: tuple[Path, Path]) -> None:
    config, _ = hearth_dirs
    config.mkdir(parents=True)
    (config / CATALOG_FILE).write_text('''
[model."qwen2.5-0.5b-instruct"]
name = "Vetted Qwen"
url = "https://models.example.org/qwen-0.5b.gguf"
quantization = "Q4_K_M"
licence = "Apache-2.0"
size_bytes = 491000000
sha256 = "''' + "a" * 64 + '''"

[model."in-house"]
name = "In-house model"
url = "https://models.example.org/in-house.gguf"
quantization = "Q8_0"
licence = "proprietary"

[model."broken"]
name = "Broken"
url = "http://plain.example.org/x.gguf"
quantization = "Q4_K_M"
licence = "x"

[model."typo"]
name = "Typo"
url = "https://example.org/t.gguf"
quantization = "Q4_K_M"
licence = "x"
sha265 = "abc"
''')
    catalog = load_catalog()
    replaced = catalog.get("qwen2.5-0.5b-instruct")
    assert replaced.name == "Vetted Qwen" and replaced.sha256 == "a" * 64
    assert [e.id for e in catalog][0] == "qwen2.5-0.5b-instruct"  # keeps its place
    assert catalog.get("in-house").file == "in-house.gguf"
    problems = " ".join(catalog.problems)
    assert "'broken' skipped: url must be an https:// address" in problems
    assert "'typo' skipped: unknown field(s) sha265" in problems


def test_unreadable_catalog_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    bad = tmp_path / "catalog.toml"
    bad.write_text("[model.\n")
    catalog = load_catalog(bad, user_path=tmp_path / "none.toml")
    assert catalog.entries == () and "could not be read" in catalog.problems[0]
    missing = load_catalog(tmp_path / "gone.toml", user_path=tmp_path / "none.toml")
    assert "is missing" in missing.problems[0]


def test_builtin_path_is_the_repository_models_folder() -> None:
    repo = Path(__file__).resolve().parents[3]
    assert builtin_catalog_path() == repo / "desktop" / "core" / "catalog" / "catalog.toml"
