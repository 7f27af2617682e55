"""``network.jsonl`` in the data folder: every connection and lookup offline mode refused."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

from desktop.core import paths
from desktop.core.errors import StorageError
from desktop.core.netguard._guard import Attempt

FILE_NAME = "network.jsonl"


class NetworkLog:
    """An append-only list of refused attempts, one JSON object per line.

    Written from inside the audit hook, so it does the least possible: one ``write`` to a
    file opened with ``O_APPEND`` (whole lines even with several processes), no ``fsync``
    (this is a diagnostic for the user; the audit log is the durable, tamper-evident record).
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else paths.data_dir()
        self.path = self.folder / FILE_NAME
        self._lock = threading.Lock()

    def record(self, attempt: Attempt) -> None:
        line = json.dumps(attempt.to_dict(), ensure_ascii=True, sort_keys=True) + "\n"
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("ascii"))
            finally:
                os.close(fd)

    def entries(self, *, since: dt.datetime | None = None) -> list[dict[str, Any]]:
        """The recorded attempts, oldest first, at or after ``since`` (an aware time)."""
        try:
            text = self.path.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StorageError(f"could not read the network log {self.path}: "
                               f"{exc.strerror or exc}") from exc
        entries = []
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line torn by a crash; the others are still worth showing
            if isinstance(entry, dict) and (since is None or _time(entry) >= since):
                entries.append(entry)
        return entries


def _time(entry: dict[str, Any]) -> dt.datetime:
    try:
        return dt.datetime.strptime(str(entry.get("time")), "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=dt.UTC)
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
