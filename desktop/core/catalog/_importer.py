"""Add a GGUF file from anywhere: checked, trial-loaded in a child process, then registered.

The header check (``inspect_gguf``) refuses corrupt, truncated and foreign files with a message
that names the problem; the trial load (``probe.ensure_loadable``) runs llama.cpp on the file in
a child process, so a file that would crash llama.cpp takes down only that child. Its verdict
is cached per file, so the engine does not probe the same file again at first use.

``copy=True`` copies the file into Hearth's models folder (hashing it on the way, and only
after a free-space check); otherwise the file is used where it lies and only its path is kept.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from desktop.core.catalog._errors import RegistryError
from desktop.core.catalog._files import (
    HASH_CHUNK,
    FreeSpace,
    check_free_space,
    disk_free,
    fsync_dir,
    write_failure,
)
from desktop.core.catalog._registry import (
    ModelRecord,
    ModelRegistry,
    check_name,
    models_dir,
    now_iso,
)
from desktop.core.errors import ModelFileError, ModelLoadError, StorageError
from desktop.core.local.gguf_file import inspect_gguf
from desktop.core.local.probe import ensure_loadable

__all__ = ["Probe", "import_model"]

Probe = Callable[[Path], None]


def import_model(
    source: str | Path,
    *,
    copy: bool,
    name: str | None = None,
    registry: ModelRegistry | None = None,
    folder: Path | None = None,
    free_space: FreeSpace = disk_free,
    probe: Probe = ensure_loadable,
) -> ModelRecord:
    """Check, trial-load and register the GGUF file at ``source``; return its record.

    Raises ModelFileError (not a usable GGUF file), ModelLoadError (llama.cpp refused or
    crashed on it), RegistryError (name taken or file already registered), DiskSpaceError.
    """
    registry = registry or ModelRegistry()
    folder = folder or models_dir()
    path = Path(source).expanduser().absolute()
    info = inspect_gguf(path)
    name = check_name(name if name is not None else path.stem)
    if registry.find(name) is not None:
        raise RegistryError(f"a model named {name!r} is already registered; choose another "
                            "name with --name")
    known = registry.by_path(path)
    if known is not None:
        raise RegistryError(f"{path} is already registered as {known.name!r}")
    sha256: str | None = None
    target = path
    copied = copy and not _inside(path, folder)
    if copied:
        target = _free_target(folder, path, name)
        check_free_space(folder, info.file_size, f"a copy of {path.name}", free_space)
        sha256 = _copy(path, target)
    try:
        probe(target)
        record = registry.add(ModelRecord(
            name=name, path=target, size=info.file_size, sha256=sha256, source="import",
            added=now_iso(), owned=copied,
        ))
    except (ModelLoadError, RegistryError, StorageError):
        if copied:
            target.unlink(missing_ok=True)
        raise
    return record


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _free_target(folder: Path, source: Path, name: str) -> Path:
    for candidate in (folder / source.name, folder / f"{name}.gguf"):
        if not candidate.exists():
            return candidate
    raise RegistryError(f"{folder / source.name} already exists in Hearth's models folder; "
                        "import it with another --name")


def _copy(source: Path, target: Path) -> str:
    """Copy through a partial file, hashing as it goes; atomic rename at the end."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_failure(exc, target, "the model", "nothing was copied") from exc
    part = target.with_name(f".{target.name}.part")
    digest = hashlib.sha256()
    try:
        with source.open("rb") as src, part.open("wb") as dst:
            while chunk := _read(src, source):
                dst.write(chunk)
                digest.update(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(part, target)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise write_failure(exc, target, "the copy of the model", "nothing was kept") from exc
    except BaseException:
        part.unlink(missing_ok=True)  # an interrupted import leaves nothing half-written
        raise
    fsync_dir(target.parent)
    return digest.hexdigest()


def _read(handle: BinaryIO, source: Path) -> bytes:
    try:
        return handle.read(HASH_CHUNK)
    except OSError as exc:
        raise ModelFileError(source, f"the file could not be read ({exc.strerror or exc})") \
            from exc
