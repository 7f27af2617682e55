"""``audit.jsonl`` in the data folder: one hash-chained record per outbound request, privacy
setting change and blocked connection, appended by any number of Hearth processes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from desktop.core import filelock, paths
from desktop.core.audit._chain import (
    GENESIS,
    HEAD_MISMATCH,
    Head,
    VerifyResult,
    line_hash,
    prev_of,
    sealed,
    verify_bytes,
)
from desktop.core.errors import StorageError

FILE_NAME = "audit.jsonl"
HEAD_NAME = "audit.head"
LOCK_NAME = "audit.lock"

OUTBOUND_REQUEST = "outbound_request"
PRIVACY_SETTING_CHANGE = "privacy_setting_change"
NETWORK_BLOCKED = "network_blocked"

Scalar = str | int | float | bool | None
Clock = Callable[[], dt.datetime]

_TAIL_CHUNK = 8192
# Setting names that suggest a credential: their values are never written, whatever type.
_SECRET_WORDS = ("key", "token", "secret", "password", "credential")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AuditLog:
    """The append-only audit log in ``folder`` (the data folder by default).

    Appends are serialised between processes by a lock file and written with one ``write``
    to a file opened with ``O_APPEND``, then flushed to the disk (``fsync``) before the call
    returns. Nothing is ever rewritten; ``verify()`` says whether anyone else did.
    """

    def __init__(self, folder: Path | None = None, *, clock: Clock = utc_now) -> None:
        self.folder = Path(folder) if folder is not None else paths.data_dir()
        self.path = self.folder / FILE_NAME
        self.head_path = self.folder / HEAD_NAME
        self._clock = clock
        # The log says which hosts were contacted and when: the user's eyes only (0600 in a
        # 0700 folder), also for a log written before Hearth tightened its files.
        if self.folder.is_dir():
            paths.restrict(self.folder, paths.PRIVATE_FOLDER_MODE)
            for path in (self.path, self.head_path, self.folder / LOCK_NAME):
                paths.restrict(path)

    # -- writing -------------------------------------------------------------------------

    def record_outbound(self, *, host: str, payload: bytes | str, finding_classes: Iterable[str],
                        decision: str, collections: Iterable[str] = (),
                        **extra: Scalar) -> dict[str, Any]:
        """One request about to leave the device: where, how big, and a hash of what (the
        payload itself is never written). ``collections``: the document collections whose
        passages it carries (the field is written only when there are any)."""
        data = payload.encode("utf-8") if isinstance(payload, str) else payload
        names = sorted(set(collections))
        documents: dict[str, list[str]] = {"collections": names} if names else {}
        return self.append(OUTBOUND_REQUEST, host=host, bytes=len(data),
                           payload_sha256=hashlib.sha256(data).hexdigest(),
                           finding_classes=sorted(set(finding_classes)), decision=decision,
                           **documents, **extra)

    def record_setting_change(self, key: str, old: Scalar, new: Scalar, *,
                              text_is_safe: bool = False) -> dict[str, Any]:
        """A privacy setting changed. Text values are written only when ``text_is_safe`` (a
        choice such as "keep_local"); otherwise only their length, so free text such as a
        list of sensitive terms never reaches the log."""
        return self.append(PRIVACY_SETTING_CHANGE, key=key,
                           old=_shown(key, old, text_is_safe), new=_shown(key, new, text_is_safe))

    def record_network_blocked(self, *, host: str, port: int | None,
                               event: str) -> dict[str, Any]:
        """Offline mode refused a connection or a name lookup."""
        return self.append(NETWORK_BLOCKED, host=host, port=port, event=event,
                           decision="blocked")

    def append(self, kind: str, **fields: Scalar | list[str]) -> dict[str, Any]:
        """Append a record of type ``kind`` with ``fields``; return it as written."""
        reserved = {"time", "type", "prev", "hash"} & set(fields)
        if reserved:
            raise ValueError(f"audit record fields may not be named {', '.join(reserved)}")
        record: dict[str, Any] = {"time": _iso(self._clock()), "type": kind, **fields}
        try:
            paths.private_folder(self.folder)
            with filelock.exclusive(self.folder / LOCK_NAME):
                return self._append_locked(record)
        except OSError as exc:
            raise StorageError(f"could not write the audit log {self.path}: "
                               f"{exc.strerror or exc}") from exc

    def _append_locked(self, record: dict[str, Any]) -> dict[str, Any]:
        fd = paths.open_private(self.path, os.O_RDWR | os.O_APPEND)
        try:
            last, ends_with_newline = _last_line(fd)
            prev = GENESIS if last is None else line_hash(last)
            count, mismatch = self._reconcile(fd, last, prev)
            # A torn line from a crash keeps its place (verify reports it); the new record
            # starts on a line of its own and chains from it.
            data = b"" if ends_with_newline else b"\n"
            if mismatch is not None:
                # The head would otherwise be rewritten to fit the file, erasing the only
                # evidence of records deleted or replaced at the end: keep it in the chain.
                note = sealed({"time": record["time"], "type": HEAD_MISMATCH, **mismatch}, prev)
                data += note + b"\n"
                prev, count = line_hash(note), count + 1
            line = sealed(record, prev)
            _write_all(fd, data + line + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        self._write_head(Head(count + 1, line_hash(line)))
        result: dict[str, Any] = json.loads(line)
        return result

    def _reconcile(self, fd: int, last: bytes | None,
                   prev: str) -> tuple[int, dict[str, int | None] | None]:
        """Records already in the log, and what disagrees with the head (``None``: nothing).

        The head normally matches the file's last line. One line more than the head, chained
        to it, is a crash between an append and its head update; anything else is damage.
        """
        head = self._read_head()
        if head is not None and head.last == prev:
            return head.records, None
        if last is None and (head is None or head.records == 0):
            return 0, None
        os.lseek(fd, 0, os.SEEK_SET)
        with os.fdopen(os.dup(fd), "rb") as fh:
            found = sum(1 for _ in fh)
        if head is None:
            return found, None if found <= 1 else {"expected_records": None,
                                                   "found_records": found}
        if found == head.records + 1 and last is not None and prev_of(last) == head.last:
            return found, None
        return found, {"expected_records": head.records, "found_records": found}

    def _write_head(self, head: Head) -> None:
        tmp = self.head_path.with_name(f".{HEAD_NAME}.tmp")
        with os.fdopen(paths.open_private(tmp, os.O_WRONLY | os.O_TRUNC), "wb") as fh:
            fh.write(head.dumps())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.head_path)

    def _read_head(self) -> Head | None:
        try:
            return Head.loads(self.head_path.read_bytes())
        except FileNotFoundError:
            return None

    # -- reading -------------------------------------------------------------------------

    def verify(self) -> VerifyResult:
        """Check every record and the chain between them (see ``_chain``)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = b""
        except OSError as exc:
            raise StorageError(f"could not read the audit log {self.path}: "
                               f"{exc.strerror or exc}") from exc
        try:
            head = self._read_head()
        except OSError as exc:
            raise StorageError(f"could not read {self.head_path}: {exc.strerror}") from exc
        return verify_bytes(data, head)

    def lines(self, *, since: dt.datetime | None = None) -> Iterator[str]:
        """The stored lines, as written, of records at or after ``since`` (an aware time).

        Lines that cannot be read are skipped here; ``verify`` is what reports them.
        """
        try:
            with self.path.open("rb") as fh:
                for raw in fh:
                    line = raw.rstrip(b"\n")
                    if since is None or _time_of(line) >= since:
                        yield line.decode("ascii", "replace")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(f"could not read the audit log {self.path}: "
                               f"{exc.strerror or exc}") from exc


def _shown(key: str, value: Scalar, text_is_safe: bool) -> Scalar:
    if any(word in key.lower() for word in _SECRET_WORDS):
        return "(not recorded)" if value is not None else None
    if isinstance(value, str) and not text_is_safe:
        return f"(text, {len(value)} characters)"
    return value


def _iso(moment: dt.datetime) -> str:
    """UTC ISO 8601 with a Z: ``2026-11-24T10:00:00.000000Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _time_of(line: bytes) -> dt.datetime:
    try:
        stamp = json.loads(line)["time"]
        return dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    except (ValueError, KeyError, TypeError):
        return dt.datetime.min.replace(tzinfo=dt.UTC)  # unreadable: sorts before any since


def _last_line(fd: int) -> tuple[bytes | None, bool]:
    """The last line of the file (without its newline) and whether the file ends with one.

    Read backwards from the end in chunks: an append costs the same however long the log.
    """
    size = os.fstat(fd).st_size
    if size == 0:
        return None, True
    ends_with_newline = _read_at(fd, size - 1, 1) == b"\n"
    position = size - 1 if ends_with_newline else size
    chunks: list[bytes] = []
    while position > 0:
        start = max(0, position - _TAIL_CHUNK)
        chunk = _read_at(fd, start, position - start)
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            chunks.append(chunk[cut + 1:])
            break
        chunks.append(chunk)
        position = start
    return b"".join(reversed(chunks)), ends_with_newline


def _read_at(fd: int, offset: int, length: int) -> bytes:
    return os.pread(fd, length, offset) if hasattr(os, "pread") else _seek_read(fd, offset, length)


def _seek_read(fd: int, offset: int, length: int) -> bytes:
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, length)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
