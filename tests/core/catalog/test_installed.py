"""The installed models a chat can switch to: embedding models and missing files left out."""

from __future__ import annotations

from pathlib import Path

from desktop.core.catalog import (
    ModelRecord,
    installed_chat_models,
    installed_embedding_models,
    quantization_in_name,
)
from tests.core.catalog.support import tiny_entry


def _record(name: str, path: Path, catalog_id: str | None = None) -> ModelRecord:
    return ModelRecord(name=name, path=path, size=1_100_000_000, sha256=None,
                       source="catalog" if catalog_id else "import", added="2026-01-01",
                       owned=False, catalog_id=catalog_id)


def test_chat_models_only_with_what_is_known_of_them(tmp_path: Path) -> None:
    for name in ("chat.gguf", "embed.gguf", "mine-Q5_K_S.gguf"):
        (tmp_path / name).write_bytes(b"GGUF")
    catalog = [tiny_entry("https://x/chat.gguf", id="chat", name="Chat model",
                          quantization="Q4_K_M", description="For everyday questions."),
               tiny_entry("https://x/embed.gguf", id="embed", kind="embedding")]
    records = [_record("chat", tmp_path / "chat.gguf", "chat"),
               _record("embed", tmp_path / "embed.gguf", "embed"),
               _record("mine", tmp_path / "mine-Q5_K_S.gguf"),
               _record("gone", tmp_path / "deleted.gguf")]
    models = installed_chat_models(records, catalog)
    assert [m.name for m in models] == ["Chat model", "mine"]
    assert models[0].summary == "Q4_K_M · 1.1 GB"
    assert models[0].description == "For everyday questions."
    assert models[1].quantization == "Q5_K_S" and models[1].description is None


def test_embedding_models_only_from_the_catalog_and_present(tmp_path: Path) -> None:
    for name in ("chat.gguf", "embed.gguf", "nomic-embed-by-hand.gguf"):
        (tmp_path / name).write_bytes(b"GGUF")
    catalog = [tiny_entry("https://x/chat.gguf", id="chat"),
               tiny_entry("https://x/embed.gguf", id="embed", kind="embedding"),
               tiny_entry("https://x/gone.gguf", id="gone", kind="embedding")]
    records = [_record("chat", tmp_path / "chat.gguf", "chat"),
               _record("embed", tmp_path / "embed.gguf", "embed"),
               _record("by hand", tmp_path / "nomic-embed-by-hand.gguf"),
               _record("gone", tmp_path / "deleted.gguf", "gone"),
               _record("unlisted", tmp_path / "embed.gguf", "no-longer-in-catalog")]
    assert installed_embedding_models(records, catalog) == ["embed"]


def test_quantization_from_a_file_name() -> None:
    assert quantization_in_name("qwen2.5-1.5b-instruct-q4_k_m.gguf") == "Q4_K_M"
    assert quantization_in_name("Phi-IQ3_XS.gguf") == "IQ3_XS"
    assert quantization_in_name("model-bf16.gguf") == "BF16"
    assert quantization_in_name("Llama-3.2-1B-Instruct.gguf") is None  # "1B" is no quant
    assert quantization_in_name("tiny.gguf") is None
