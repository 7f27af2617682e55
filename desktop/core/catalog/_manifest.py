"""``SHA256SUMS`` for a folder, to carry models across an air gap and check them on arrival.

The file is what GNU ``sha256sum`` writes and ``sha256sum -c`` reads: one line per file,
``<64 hex digits><two spaces><path>``, paths relative to the folder with ``/`` separators,
sorted. A path holding a backslash or a line break is escaped as coreutils does (the line
starts with ``\\``; ``\\\\``, ``\\n`` and ``\\r`` inside the path). Verifying refuses paths that
leave the folder (absolute, or with ``..``), so a manifest carried in cannot point elsewhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from desktop.core.catalog._errors import ManifestError
from desktop.core.catalog._files import fsync_dir, sha256_file, write_failure
from desktop.core.errors import StorageError

__all__ = ["MANIFEST_FILE", "ManifestReport", "verify_manifest", "write_manifest"]

MANIFEST_FILE: Final = "SHA256SUMS"
_LINE: Final = re.compile(r"(\\?)([0-9a-fA-F]{64}) [ *](.+)")
_ESCAPES: Final = {"\\\\": "\\", "\\n": "\n", "\\r": "\r"}

FileProgress = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class ManifestReport:
    """The outcome of ``verify_manifest``: which files matched, differed, or were absent."""

    folder: Path
    matched: tuple[str, ...]
    mismatched: tuple[str, ...]
    missing: tuple[str, ...]
    unlisted: tuple[str, ...]  # in the folder but not in the manifest (not a failure)

    @property
    def ok(self) -> bool:
        return not self.mismatched and not self.missing


def write_manifest(folder: str | Path, *, on_file: FileProgress | None = None) -> tuple[Path, int]:
    """Hash every file under ``folder`` into ``folder/SHA256SUMS``; return it and the count."""
    root = _folder(folder)
    lines = []
    names = sorted(_files(root))
    for name in names:
        if on_file is not None:
            on_file(name)
        lines.append(f"{_hash(root, name)}  {name}" if not _needs_escape(name)
                     else f"\\{_hash(root, name)}  {_escape(name)}")
    target = root / MANIFEST_FILE
    tmp = root / f".{MANIFEST_FILE}.tmp"
    try:
        with tmp.open("w", encoding="utf-8", newline="\n") as fh:
            fh.write("".join(line + "\n" for line in lines))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_failure(exc, target, MANIFEST_FILE, "no manifest was written") from exc
    fsync_dir(root)
    return target, len(names)


def verify_manifest(folder: str | Path, *, on_file: FileProgress | None = None) -> ManifestReport:
    """Check every file listed in ``folder/SHA256SUMS`` against its recorded SHA-256."""
    root = _folder(folder)
    manifest = root / MANIFEST_FILE
    try:
        text = manifest.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"there is no {MANIFEST_FILE} in {root}; write one where the files "
                            f"come from with 'hearth models manifest FOLDER'") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{manifest} could not be read ({exc})") from exc
    expected = _parse(text, manifest)
    matched, mismatched, missing = [], [], []
    for name, digest in expected.items():
        if on_file is not None:
            on_file(name)
        path = root.joinpath(*PurePosixPath(name).parts)
        if not path.is_file():
            missing.append(name)
        elif _hash(root, name) != digest:
            mismatched.append(name)
        else:
            matched.append(name)
    unlisted = sorted(set(_files(root)) - set(expected))
    return ManifestReport(folder=root, matched=tuple(matched), mismatched=tuple(mismatched),
                          missing=tuple(missing), unlisted=tuple(unlisted))


def _folder(folder: str | Path) -> Path:
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ManifestError(f"{root} is not a folder")
    return root


def _files(root: Path) -> Iterator[str]:
    """Relative POSIX paths of the regular files under ``root``, the manifest itself excluded."""
    for directory, subdirs, files in os.walk(root, onerror=_walk_error):
        subdirs.sort()
        base = Path(directory)
        for file in files:
            path = base / file
            if not path.is_file():
                continue  # a broken link, a socket, a pipe
            name = path.relative_to(root).as_posix()
            if name not in (MANIFEST_FILE, f".{MANIFEST_FILE}.tmp"):
                yield name


def _walk_error(exc: OSError) -> None:
    raise StorageError(f"could not list {exc.filename}: {exc.strerror or exc}") from exc


def _hash(root: Path, name: str) -> str:
    path = root.joinpath(*PurePosixPath(name).parts)
    try:
        return sha256_file(path)
    except OSError as exc:
        raise StorageError(f"could not read {path}: {exc.strerror or exc}") from exc


def _needs_escape(name: str) -> bool:
    return any(char in name for char in "\\\n\r")


def _escape(name: str) -> str:
    return name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def _unescape(name: str) -> str:
    return re.sub(r"\\[\\nr]", lambda m: _ESCAPES[m[0]], name)


def _parse(text: str, manifest: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            raise ManifestError(f"{manifest}, line {number}: not a '<sha256>  <file>' line")
        name = _unescape(match[3]) if match[1] else match[3]
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or name.startswith(("/", "\\")) \
                or re.match(r"[A-Za-z]:", name):
            raise ManifestError(f"{manifest}, line {number}: {name!r} lies outside the folder; "
                                "refusing to check it")
        entries[pure.as_posix()] = match[2].lower()
    return entries
