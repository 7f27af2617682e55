"""Download a catalog model into the models folder: mirror, checks, atomic install, registry.

The file is written to ``.<file>.part`` beside its final place (same file system, so the last
step is an atomic rename). It is installed only after its SHA-256 matched what was expected
(the catalog's, else the one recorded at this model's first download here) and its GGUF
header checked out; on a mismatch or a bad header the partial file is deleted, because
resuming it could only reproduce the same bytes. A cancelled or failed download keeps it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlsplit

import httpx

from desktop.core.catalog._catalog import CatalogEntry
from desktop.core.catalog._download import (
    CancelFlag,
    FetchResult,
    Opener,
    ProgressSink,
    RetryPolicy,
    fetch,
)
from desktop.core.catalog._errors import ChecksumMismatchError, OfflineError, RegistryError
from desktop.core.catalog._files import FreeSpace, check_free_space, disk_free, fsync_dir
from desktop.core.catalog._registry import ModelRecord, ModelRegistry, models_dir, now_iso
from desktop.core.errors import ConfigError, ModelFileError, StorageError
from desktop.core.local.gguf_file import inspect_gguf

__all__ = ["HUGGING_FACE", "InstallResult", "install_catalog_model", "mirrored_url", "part_path"]

HUGGING_FACE: Final = "https://huggingface.co"
ChecksumSource = Literal["catalog", "first download", "recorded at first download"]


@dataclass(frozen=True, kw_only=True)
class InstallResult:
    """An installed (or already present) catalog model and how its bytes were checked."""

    record: ModelRecord
    checksum: ChecksumSource
    already_installed: bool = False
    fetched: FetchResult | None = None


def mirrored_url(url: str, mirror: str) -> str:
    """``url`` with its ``https://huggingface.co`` prefix replaced by ``mirror`` (if set)."""
    mirror = mirror.strip()
    if not mirror:
        return url
    parts = urlsplit(mirror)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ConfigError(f"models.mirror_url must be an http:// or https:// address, not "
                          f"{mirror!r}")
    if url == HUGGING_FACE or url.startswith(HUGGING_FACE + "/"):
        return mirror.rstrip("/") + url[len(HUGGING_FACE):]
    return url


def part_path(folder: Path, entry: CatalogEntry) -> Path:
    """Where the unfinished download of ``entry`` is kept."""
    return folder / f".{entry.file}.part"


def install_catalog_model(
    entry: CatalogEntry,
    *,
    client: httpx.Client,
    offline: bool,
    mirror_url: str = "",
    registry: ModelRegistry | None = None,
    folder: Path | None = None,
    on_progress: ProgressSink | None = None,
    cancel: CancelFlag | None = None,
    retry: RetryPolicy | None = None,
    free_space: FreeSpace = disk_free,
    opener: Opener | None = None,
) -> InstallResult:
    """Download ``entry`` (resuming a partial file), verify it and register it under its id.

    ``offline`` is the caller's reading of the ``network.offline`` setting: when true nothing
    is fetched. Raises OfflineError, DownloadCancelled, DownloadError, ChecksumMismatchError,
    DiskSpaceError, ModelFileError, ConfigError (a bad mirror address).
    """
    if offline:
        raise OfflineError(
            f"no network: offline mode is on, so {entry.name} is not downloaded; turn it off "
            "with 'hearth config set network.offline false', or bring the file in on a disk "
            "and use 'hearth models import PATH --copy'"
        )
    registry = registry or ModelRegistry()
    folder = folder or models_dir()
    existing = registry.find(entry.id)
    if existing is not None:
        if existing.catalog_id != entry.id:
            raise RegistryError(f"the name {entry.id!r} is taken by an imported model; remove "
                                "it first ('hearth models remove') to download this one")
        if existing.path.is_file():
            return InstallResult(record=existing, checksum="recorded at first download",
                                 already_installed=True)
        registry.remove(entry.id)  # its file is gone: download it again
    url = mirrored_url(entry.url, mirror_url)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"could not create the models folder {folder}: "
                           f"{exc.strerror or exc}") from exc
    part = part_path(folder, entry)
    have = part.stat().st_size if part.is_file() else 0
    if entry.size_estimate is not None:
        check_free_space(folder, entry.size_estimate - have, entry.name, free_space)
    fetched = fetch(url, part, client=client, expected_size=entry.size_bytes,
                    on_progress=on_progress, cancel=cancel, retry=retry, free_space=free_space,
                    opener=opener)
    checksum = _verify(entry, fetched, registry)
    final = folder / entry.file
    _check_header(part, final)
    try:
        os.replace(part, final)
    except OSError as exc:
        raise StorageError(f"could not move the finished download into place at {final}: "
                           f"{exc.strerror or exc}; it is kept as {part}") from exc
    fsync_dir(folder)
    if checksum == "first download":
        registry.trust(entry.id, fetched.sha256, fetched.size)
    record = registry.add(ModelRecord(
        name=entry.id, path=final, size=fetched.size, sha256=fetched.sha256, source="catalog",
        added=now_iso(), owned=True, catalog_id=entry.id,
    ))
    return InstallResult(record=record, checksum=checksum, fetched=fetched)


def _verify(entry: CatalogEntry, fetched: FetchResult, registry: ModelRegistry) -> ChecksumSource:
    """Check size and SHA-256 against what is known; delete the partial file on a mismatch."""
    if entry.size_bytes is not None and fetched.size != entry.size_bytes:
        fetched.path.unlink(missing_ok=True)
        raise ChecksumMismatchError(
            f"{entry.name}: the download is {fetched.size:,} bytes, not the {entry.size_bytes:,} "
            "the catalog states; nothing was installed",
            expected=entry.sha256 or "", actual=fetched.sha256,
        )
    if entry.sha256 is not None:
        if fetched.sha256 != entry.sha256:
            fetched.path.unlink(missing_ok=True)
            raise ChecksumMismatchError(
                f"{entry.name}: the downloaded file has SHA-256 {fetched.sha256}, but the "
                f"catalog expects {entry.sha256}; the file was altered or replaced, so it was "
                "deleted and nothing was installed",
                expected=entry.sha256, actual=fetched.sha256,
            )
        return "catalog"
    trusted = registry.trusted(entry.id)
    if trusted is None:
        return "first download"
    if fetched.sha256 != trusted.sha256:
        fetched.path.unlink(missing_ok=True)
        raise ChecksumMismatchError(
            f"{entry.name}: the downloaded file has SHA-256 {fetched.sha256}, but the first "
            f"download of this model here ({trusted.first_seen}) had {trusted.sha256}; the "
            "publisher may have replaced the file, or it was altered on the way. Nothing was "
            "installed. To accept the new file, download again with --accept-new-checksum",
            expected=trusted.sha256, actual=fetched.sha256,
        )
    return "recorded at first download"


def _check_header(part: Path, final: Path) -> None:
    try:
        inspect_gguf(part)
    except ModelFileError as exc:
        part.unlink(missing_ok=True)
        raise ModelFileError(final, f"the downloaded file is not a usable model ({exc.problem}); "
                                    "it was deleted") from exc
