"""The installed models a chat can answer with, each described in words for choosing.

An installed model is a chat model unless its catalog entry says otherwise (an embedding model
turns text into vectors for document search and cannot answer); an imported file with no
catalog entry is taken for a chat model, as nothing says it is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from desktop.core.catalog._catalog import CatalogEntry
from desktop.core.catalog._errors import format_bytes
from desktop.core.catalog._registry import ModelRecord

__all__ = ["InstalledModel", "installed_chat_models", "installed_embedding_models",
           "quantization_in_name"]

# llama.cpp's quantization names as they appear in file names (Q4_K_M, IQ3_XS, F16, BF16 …).
_QUANT_IN_NAME: Final = re.compile(
    r"(?i)(?<![a-z0-9])(i?q\d(?:_[a-z0-9]+)*|b?f16|f32)(?=\.gguf$|[-_.])")


@dataclass(frozen=True, kw_only=True)
class InstalledModel:
    """A chat model on this computer: its name, file, and a description in words."""

    name: str
    path: Path
    size: int
    quantization: str | None
    description: str | None  # the catalog's line, when it came from the catalog
    catalog_id: str | None

    @property
    def summary(self) -> str:
        """``Q4_K_M · 1.1 GB`` (what is known of it)."""
        parts = [self.quantization] if self.quantization else []
        return " · ".join([*parts, format_bytes(self.size)])


def installed_chat_models(records: Iterable[ModelRecord], catalog: Iterable[CatalogEntry]
                          ) -> list[InstalledModel]:
    """The registered models whose file is present and that can chat, in registry order."""
    entries = {entry.id: entry for entry in catalog}
    models: list[InstalledModel] = []
    for record in records:
        entry = entries.get(record.catalog_id) if record.catalog_id else None
        if entry is not None and entry.kind != "chat":
            continue
        if not record.path.is_file():
            continue
        models.append(InstalledModel(
            name=entry.name if entry is not None else record.name, path=record.path,
            size=record.size,
            quantization=entry.quantization if entry is not None
            else quantization_in_name(record.path.name),
            description=entry.description if entry is not None else None,
            catalog_id=record.catalog_id))
    return models


def installed_embedding_models(records: Iterable[ModelRecord], catalog: Iterable[CatalogEntry]
                               ) -> list[str]:
    """The names of the registered models whose file is present and whose catalog entry is an
    embedding model (a file imported by hand is never taken for one), in registry order."""
    kinds = {entry.id: entry.kind for entry in catalog}
    return [record.name for record in records
            if record.catalog_id is not None and kinds.get(record.catalog_id) == "embedding"
            and record.path.is_file()]


def quantization_in_name(file_name: str) -> str | None:
    """The quantization a file's name states (``qwen2.5-1.5b-instruct-q4_k_m.gguf``: Q4_K_M)."""
    found = _QUANT_IN_NAME.findall(file_name)
    return found[-1].upper() if found else None
