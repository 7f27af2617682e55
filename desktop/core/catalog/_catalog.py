"""The curated list of models Hearth offers to download: ``catalog.toml`` beside this module.

The file ships with Hearth; an organisation can add or replace entries (with its own URLs and
checksums, say) in ``catalog.toml`` in Hearth's config folder. An entry that does not parse is
skipped and named in ``Catalog.problems``, never fatal.

Memory a model needs, as ``memory_needed`` computes it (see models/CATALOG.md)::

    file size + KV cache
    KV cache = 2 (K and V) x layers x KV heads x head size x context tokens x 2 bytes (F16)

with the context capped at the model's own context length. A fact the catalog lacks (the
layer shape, say) makes the figure unknown, not guessed.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from desktop.core import paths
from desktop.core.errors import NotFoundError

__all__ = ["CATALOG_FILE", "Catalog", "CatalogEntry", "builtin_catalog_path", "load_catalog"]

CATALOG_FILE: Final = "catalog.toml"
KV_BYTES_PER_VALUE: Final = 2  # llama.cpp keeps the KV cache in F16 unless told otherwise
_SHA256: Final = re.compile(r"[0-9a-f]{64}")
_ID: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_FIELDS: Final = frozenset({
    "name", "url", "file", "quantization", "licence", "licence_url", "size_bytes",
    "listed_size_mb", "sha256", "parameters", "context_length", "layers", "kv_heads",
    "head_dim", "sources", "note", "kind", "description",
})
KINDS: Final = ("chat", "embedding")


@dataclass(frozen=True, kw_only=True)
class CatalogEntry:
    """One downloadable model file and the facts known about it (``None``: not verified)."""

    id: str
    name: str
    url: str
    file: str
    quantization: str
    licence: str
    licence_url: str | None = None
    size_bytes: int | None = None  # exact, only when it could be verified
    listed_size_mb: float | None = None  # as the download page shows it: decimal MB, rounded
    sha256: str | None = None
    parameters: str | None = None
    context_length: int | None = None
    layers: int | None = None
    kv_heads: int | None = None
    head_dim: int | None = None
    sources: tuple[str, ...] = ()
    note: str | None = None
    kind: str = "chat"  # "chat" answers questions; "embedding" turns text into vectors
    description: str | None = None  # one line for choosing, from the facts in ``sources``

    @property
    def size_estimate(self) -> int | None:
        """Bytes of the file: exact when known, else the listed (rounded) size."""
        if self.size_bytes is not None:
            return self.size_bytes
        if self.listed_size_mb is not None:
            return round(self.listed_size_mb * 1_000_000)
        return None

    def kv_cache_bytes(self, context: int) -> int | None:
        """F16 KV cache for ``context`` tokens (capped at the model's own), shape permitting."""
        if self.layers is None or self.kv_heads is None or self.head_dim is None:
            return None
        tokens = min(context, self.context_length) if self.context_length else context
        return 2 * self.layers * self.kv_heads * self.head_dim * tokens * KV_BYTES_PER_VALUE

    def memory_needed(self, context: int) -> int | None:
        """File size plus KV cache at ``context`` tokens; ``None`` when a fact is missing."""
        size, kv = self.size_estimate, self.kv_cache_bytes(context)
        return None if size is None or kv is None else size + kv


@dataclass(frozen=True)
class Catalog:
    """The entries in file order, the date their facts were checked, and any skipped entry."""

    entries: tuple[CatalogEntry, ...]
    checked: date | None = None
    problems: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self.entries)

    def get(self, entry_id: str) -> CatalogEntry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        known = ", ".join(e.id for e in self.entries)
        raise NotFoundError(f"no model {entry_id!r} in the catalog; choose one of: {known}")


def builtin_catalog_path() -> Path:
    """The catalog shipped as package data beside this module."""
    return Path(__file__).with_name(CATALOG_FILE)


def load_catalog(path: Path | None = None, *, user_path: Path | None = None) -> Catalog:
    """The shipped catalog, with the entries of the user's ``catalog.toml`` added or replacing."""
    problems: list[str] = []
    builtin = path or builtin_catalog_path()
    entries, checked = _read(builtin, problems, required=True)
    override = user_path if user_path is not None else paths.config_dir() / CATALOG_FILE
    if override != builtin:
        extra, _ = _read(override, problems, required=False)
        by_id = {entry.id: entry for entry in entries}
        for entry in extra:
            by_id[entry.id] = entry  # replaces in place, or appends in file order
        entries = list(by_id.values())
    return Catalog(tuple(entries), checked, tuple(problems))


def _read(path: Path, problems: list[str], *, required: bool
          ) -> tuple[list[CatalogEntry], date | None]:
    try:
        with path.open("rb") as fh:
            document = tomllib.load(fh)
    except FileNotFoundError:
        if required:
            problems.append(f"the model catalog {path} is missing")
        return [], None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(f"the model catalog {path} could not be read ({exc})")
        return [], None
    checked = document.get("checked")
    models = document.get("model", {})
    if not isinstance(models, dict):
        problems.append(f"{path}: [model] must be a table of tables")
        return [], None
    entries: list[CatalogEntry] = []
    for entry_id, table in models.items():
        try:
            entries.append(_entry(entry_id, table))
        except ValueError as exc:
            problems.append(f"{path}: model {entry_id!r} skipped: {exc}")
    return entries, checked if isinstance(checked, date) else None


def _entry(entry_id: str, table: object) -> CatalogEntry:
    if not _ID.fullmatch(entry_id):
        raise ValueError("ids are lower-case letters, digits, '.', '_' and '-'")
    if not isinstance(table, Mapping):
        raise ValueError("it is not a table")
    unknown = sorted(set(table) - _FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")
    url = _required(table, "url")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"url must be an https:// address, not {url!r}")
    file = _text(table, "file") or parts.path.rsplit("/", 1)[-1]
    if not file.endswith(".gguf") or "/" in file or "\\" in file or file.startswith("."):
        raise ValueError(f"file must be a plain name ending in .gguf, not {file!r}")
    sha256 = _text(table, "sha256")
    if sha256 is not None and not _SHA256.fullmatch(sha256):
        raise ValueError("sha256 must be 64 lower-case hexadecimal digits")
    kind = _text(table, "kind") or "chat"
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    sources = table.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ValueError("sources must be a list of addresses")
    return CatalogEntry(
        id=entry_id,
        name=_required(table, "name"),
        url=url,
        file=file,
        quantization=_required(table, "quantization"),
        licence=_required(table, "licence"),
        licence_url=_text(table, "licence_url"),
        size_bytes=_count(table, "size_bytes"),
        listed_size_mb=_number(table, "listed_size_mb"),
        sha256=sha256,
        parameters=_text(table, "parameters"),
        context_length=_count(table, "context_length"),
        layers=_count(table, "layers"),
        kv_heads=_count(table, "kv_heads"),
        head_dim=_count(table, "head_dim"),
        sources=tuple(sources),
        note=_text(table, "note"),
        kind=kind,
        description=_text(table, "description"),
    )


def _text(table: Mapping[str, object], key: str) -> str | None:
    return None if table.get(key) is None else _required(table, key)


def _required(table: Mapping[str, object], key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be non-empty text")
    return value


def _count(table: Mapping[str, object], key: str) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{key} must be a positive whole number")
    return value


def _number(table: Mapping[str, object], key: str) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{key} must be a positive number")
    return float(value)
