"""The models Hearth knows about: ``models.json`` in the data folder.

Each entry names a GGUF file, downloaded from the catalog or imported (copied into Hearth's
models folder, or referenced where it lies). The file also keeps the SHA-256 seen at the first
download of each catalog model, which later downloads of that model must match (trust on
first use); removing a model does not forget it.

The file is read again before every change, so a CLI command run while the window is open
does not undo what the window did. A file that cannot be read never stops Hearth: it counts as
empty, the problem is listed, and it is set aside (not overwritten) at the next change.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal, cast

from desktop.core import paths
from desktop.core.catalog._errors import RegistryError
from desktop.core.errors import StorageError

__all__ = ["REGISTRY_FILE", "ModelRecord", "ModelRegistry", "TrustedChecksum", "models_dir"]

REGISTRY_FILE: Final = "models.json"
MODELS_FOLDER: Final = "models"
_SCHEMA_VERSION: Final = 1
_MAX_NAME: Final = 100

Source = Literal["catalog", "import"]


def models_dir() -> Path:
    """Where downloaded and copied models live: ``models`` in the data folder."""
    return paths.data_dir() / MODELS_FOLDER


@dataclass(frozen=True, kw_only=True)
class ModelRecord:
    """One registered model; ``owned`` files live in the models folder and go with the entry."""

    name: str
    path: Path
    size: int
    sha256: str | None
    source: Source
    added: str  # ISO 8601, UTC
    owned: bool
    catalog_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class TrustedChecksum:
    """The SHA-256 a catalog model had when it was first downloaded here."""

    sha256: str
    size: int
    first_seen: str


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def check_name(name: str) -> str:
    """Return ``name`` if it can name a model (and a file), else raise RegistryError."""
    if not name or name != name.strip() or len(name) > _MAX_NAME:
        raise RegistryError(f"{name!r} cannot name a model: use 1 to {_MAX_NAME} characters "
                            "without leading or trailing spaces")
    if any(char in name for char in '/\\:\0') or name in (".", ".."):
        raise RegistryError(f"{name!r} cannot name a model: it may not contain / \\ or :")
    return name


class ModelRegistry:
    """Registered models by name, and the trusted checksums of catalog downloads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else paths.data_dir() / REGISTRY_FILE
        self.problems: list[str] = []
        self._lock = threading.Lock()
        self._unreadable = False
        self._models: dict[str, ModelRecord] = {}
        self._trusted: dict[str, TrustedChecksum] = {}
        self._load()

    # -- reading ---------------------------------------------------------------------------

    def records(self) -> list[ModelRecord]:
        """Every registered model, oldest first."""
        with self._lock:
            self._load()
            return sorted(self._models.values(), key=lambda r: (r.added, r.name))

    def find(self, name: str) -> ModelRecord | None:
        with self._lock:
            self._load()
            return self._models.get(name)

    def get(self, name: str) -> ModelRecord:
        record = self.find(name)
        if record is None:
            known = ", ".join(sorted(self._models)) or "none yet"
            raise RegistryError(f"no model named {name!r} (registered: {known}); see "
                                "'hearth models list'")
        return record

    def by_path(self, path: Path) -> ModelRecord | None:
        """The record of the file at ``path``, if one is registered."""
        wanted = _same_file_key(path)
        return next((r for r in self.records() if _same_file_key(r.path) == wanted), None)

    def trusted(self, catalog_id: str) -> TrustedChecksum | None:
        with self._lock:
            self._load()
            return self._trusted.get(catalog_id)

    # -- writing ---------------------------------------------------------------------------

    def add(self, record: ModelRecord) -> ModelRecord:
        """Register ``record``; its name must be free."""
        check_name(record.name)
        with self._lock:
            self._load()
            if record.name in self._models:
                raise RegistryError(f"a model named {record.name!r} is already registered; "
                                    "choose another name or remove that one first")
            self._models[record.name] = record
            self._save()
        return record

    def remove(self, name: str) -> ModelRecord:
        """Forget ``name`` and return its record (the caller decides about the file)."""
        record = self.get(name)
        with self._lock:
            self._load()
            self._models.pop(name, None)
            self._save()
        return record

    def trust(self, catalog_id: str, sha256: str, size: int) -> TrustedChecksum:
        """Remember the checksum of a first download; an existing one is kept."""
        with self._lock:
            self._load()
            existing = self._trusted.get(catalog_id)
            if existing is not None:
                return existing
            trusted = TrustedChecksum(sha256=sha256, size=size, first_seen=now_iso())
            self._trusted[catalog_id] = trusted
            self._save()
            return trusted

    def forget_trust(self, catalog_id: str) -> bool:
        """Drop the recorded checksum, so the next download is trusted anew; True if one was."""
        with self._lock:
            self._load()
            if self._trusted.pop(catalog_id, None) is None:
                return False
            self._save()
            return True

    # -- file ------------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self._models, self._trusted = {}, {}
            return
        except (OSError, ValueError) as exc:
            self._note_unreadable(str(exc))
            return
        try:
            models = {name: _record(name, raw) for name, raw in document["models"].items()}
            trusted = {key: TrustedChecksum(**raw)
                       for key, raw in document.get("trusted_checksums", {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self._note_unreadable(f"unexpected content ({exc!r})")
            return
        self._models, self._trusted = models, trusted
        self._unreadable = False

    def _note_unreadable(self, reason: str) -> None:
        problem = f"{self.path} could not be read ({reason}); it counts as empty"
        if problem not in self.problems:
            self.problems.append(problem)
        self._models, self._trusted = {}, {}
        self._unreadable = True

    def _save(self) -> None:
        document = {
            "schema_version": _SCHEMA_VERSION,
            "models": {name: _raw(record) for name, record in sorted(self._models.items())},
            "trusted_checksums": {k: asdict(v) for k, v in sorted(self._trusted.items())},
        }
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self._unreadable and self.path.exists():
                # Keep the damaged file for the user rather than overwrite what it held.
                self.path.replace(self.path.with_name(f"{self.path.name}.unreadable-"
                                                      f"{int(time.time())}"))
                self._unreadable = False
            with tmp.open("w", encoding="utf-8") as fh:
                json.dump(document, fh, indent=2)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"could not save the model list {self.path}: "
                               f"{exc.strerror or exc}") from exc


def _record(name: str, raw: Any) -> ModelRecord:
    fields = dict(raw)
    fields["path"] = Path(fields["path"])
    if fields.get("source") not in ("catalog", "import"):
        raise ValueError(f"unknown source {fields.get('source')!r}")
    record = ModelRecord(**fields)
    if record.name != name:
        raise ValueError(f"entry {name!r} names itself {record.name!r}")
    return record


def _raw(record: ModelRecord) -> dict[str, object]:
    raw = cast(dict[str, object], asdict(record))
    raw["path"] = str(record.path)
    return raw


def _same_file_key(path: Path) -> str:
    try:
        return os.path.normcase(str(path.expanduser().resolve()))
    except OSError:
        return os.path.normcase(str(path))
