"""Turn ``sqlite3`` failures into ``StorageError`` messages a user can act on, for each of
Hearth's SQLite files (the conversations, the documents library)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import StorageError


@dataclass(frozen=True, slots=True)
class Database:
    """What a user is told about one kind of database: its name in a sentence, and what to do
    when the file is corrupt (``{path}`` is replaced by the file)."""

    name: str
    if_corrupt: str


CONVERSATIONS = Database(
    "the conversation database",
    "{path} is not a Hearth database or is corrupt. Move it somewhere else (keep it: your "
    "conversations may still be recoverable) and Hearth will start a new one")


def storage_error(exc: sqlite3.Error, path: Path, action: str,
                  database: Database = CONVERSATIONS) -> StorageError:
    """The ``StorageError`` for ``exc``, raised while trying to ``action`` (``"save the message"``).

    The message names the file or its folder and says what the user can do about it; the
    SQLite wording is kept at the end for a bug report.
    """
    # Present on errors that come from SQLite itself (Python 3.11+); the extended code's low
    # byte is the primary result code.
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    where = path.parent
    if primary == sqlite3.SQLITE_FULL:
        problem = (
            f"the disk holding {where} is full. Free some space and try again; "
            "what was saved before is intact"
        )
    elif primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
        problem = (
            f"{path} cannot be written (read-only disk or folder, or no permission). "
            "Check the permissions of that folder, or set HEARTH_DATA_DIR to a writable one"
        )
    elif primary == sqlite3.SQLITE_CANTOPEN:
        problem = (
            f"{path} cannot be opened (the folder is missing, read-only or not accessible). "
            "Check that folder, or set HEARTH_DATA_DIR to a writable one"
        )
    elif primary in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
        problem = database.if_corrupt.format(path=path)
    elif primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        problem = (
            f"{path} stayed locked by another program too long (is Hearth open in another "
            "window, or the hearth command running?). Try again in a moment"
        )
    elif primary == sqlite3.SQLITE_IOERR:
        problem = f"the disk failed while reading or writing {path}. Check the disk and try again"
    elif primary == sqlite3.SQLITE_NOMEM:
        problem = "the computer ran out of memory. Close some programs and try again"
    else:
        problem = f"{database.name} {path} failed"
    return StorageError(f"could not {action}: {problem} ({exc})")


@contextmanager
def mapped_errors(path: Path, action: str, database: Database = CONVERSATIONS
                  ) -> Iterator[None]:
    """Re-raise any ``sqlite3.Error`` inside the block as a ``StorageError``."""
    try:
        yield
    except sqlite3.Error as exc:
        raise storage_error(exc, path, action, database) from exc
