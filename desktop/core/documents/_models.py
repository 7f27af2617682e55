"""Which embedding model the library uses: the setting ``documents.embedding_model`` names a
GGUF file or an installed model; catalog models bring their query/document prefixes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.core.documents._vectors import DocumentEmbedder
from desktop.core.errors import ConfigError
from desktop.core.settings import Settings

SETTING = "documents.embedding_model"

# The task prefixes each catalog embedding model was trained with, as its model card states
# (catalog.toml's sources for each), and the start of its GGUF file names: (query prefix,
# document prefix, file name start).
PREFIXES: dict[str, tuple[str, str, str]] = {
    "nomic-embed-text-v1.5": ("search_query: ", "search_document: ", "nomic-embed-text-v1.5"),
    "bge-small-en-v1.5": ("Represent this sentence for searching relevant passages: ", "",
                          "bge-small-en-v1.5"),
    "multilingual-e5-small": ("query: ", "passage: ", "multilingual-e5-small"),
}


@dataclass(frozen=True, slots=True)
class EmbeddingChoice:
    """A model file and the prefixes its publisher asks for (empty when unknown)."""

    path: Path
    query_prefix: str = ""
    document_prefix: str = ""


def embedding_choice(settings: Settings) -> EmbeddingChoice | None:
    """The configured embedding model, or None when the setting is empty.

    ConfigError when it names neither an existing file nor an installed model."""
    value = settings.get_str(SETTING).strip()
    if not value:
        return None
    from desktop.core.catalog import ModelRegistry

    registry = ModelRegistry()
    record = registry.find(value)
    path = record.path if record is not None else Path(value).expanduser()
    if record is None:
        record = registry.by_path(path) if path.is_file() else None
    if not path.is_file():
        raise ConfigError(f"{SETTING} is {value!r}, which is neither a GGUF file nor an "
                          "installed model ('hearth models list'); fix it with 'hearth config "
                          f"set {SETTING} PATH' or clear it with 'hearth config reset {SETTING}'")
    catalog_id = record.catalog_id if record is not None else None
    if catalog_id is None:  # a file imported by hand: known by its file name, if at all
        catalog_id = next((c for c, (_, _, stem) in PREFIXES.items()
                           if path.name.lower().startswith(stem)), None)
    if catalog_id in PREFIXES:
        query_prefix, document_prefix, _ = PREFIXES[catalog_id]
        return EmbeddingChoice(path, query_prefix, document_prefix)
    return EmbeddingChoice(path)


def embedder_factory(settings: Settings
                     ) -> tuple[Callable[[], DocumentEmbedder | None] | None, str | None]:
    """A loader of the configured embedding model and the ``model_name`` it will have
    (its file's stem, as ``Embedder`` names it), or (None, None) when there is none."""
    choice = embedding_choice(settings)
    if choice is None:
        return None, None

    def load() -> DocumentEmbedder | None:
        from desktop.core.local.embedding import Embedder

        return Embedder(choice.path, query_prefix=choice.query_prefix,
                        document_prefix=choice.document_prefix)

    return load, choice.path.stem
