"""Conversations and their messages in one SQLite file, safe against crashes and shared access."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Self

from desktop.core import paths
from desktop.core.errors import NotFoundError, StorageError
from desktop.core.receipt import Receipt
from desktop.core.sqlite_errors import mapped_errors
from desktop.core.store import _branches, _migrations
from desktop.core.store._records import (
    CONVERSATION_COLUMNS,
    MESSAGE_COLUMNS,
    Conversation,
    Message,
    StoredReceipt,
    Thread,
    check_role,
    check_status,
    conversation_from_row,
    dump_receipt,
    load_receipt,
    message_from_row,
)

FILE_NAME = "hearth.sqlite3"


class _Tip:
    """``add_message``'s default place: after the last message of the path shown."""


TIP = _Tip()
Place = int | None | _Tip  # where add_message puts a message: after a parent, or TIP


# Another Hearth process (the CLI while the window is open) may hold the write lock; every
# transaction here is short, so waiting this long means something is wrong.
BUSY_TIMEOUT_S = 5.0


class ConversationStore:
    """Every conversation of the user, in ``hearth.sqlite3``.

    One connection, shared by the GUI and worker threads behind a lock; each public method is
    one short transaction. WAL journal with ``synchronous=NORMAL``: a crashed or killed process
    loses no committed change (a power cut may lose the last few). Deleted text is overwritten
    (``secure_delete``), not left in free pages. Times are unix seconds from ``clock``.

    Any SQLite failure comes out as ``StorageError``; an unknown id as ``NotFoundError``; a
    role or status outside ``ROLES`` / ``STATUSES`` as ``ValueError``.
    """

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time,
                 read_only: bool = False) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = (_open_read_only(self.path) if read_only
                                                 else _open(self.path))

    def reader(self) -> ConversationStore:
        """A read-only view of the same file on its own connection, for a thread that must
        never wait for this one's writes (the window's): in WAL mode its reads see the last
        committed state at once, and any write through it fails."""
        return ConversationStore(self.path, clock=self._clock, read_only=True)

    @classmethod
    def open_default(cls) -> ConversationStore:
        """The user's store: ``hearth.sqlite3`` in ``paths.data_dir()``."""
        return cls(paths.data_dir() / FILE_NAME)

    def close(self) -> None:
        """Close the file; calling it again does nothing."""
        with self._lock, mapped_errors(self.path, "close the conversation database"):
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- conversations ---------------------------------------------------------------------

    def create_conversation(self, title: str = "New chat", *, origin: str | None = None,
                            collections: Sequence[str] = ()) -> Conversation:
        """A new, empty conversation at the top of the list; ``origin`` names the local
        server's client it came from (None: this device's window or CLI)."""
        now = self._clock()
        with self._write("create the conversation") as conn:
            cursor = conn.execute(
                "INSERT INTO conversations (title, created_at, updated_at, origin, collections)"
                " VALUES (?, ?, ?, ?, ?)",
                (title, now, now, origin, _names_json(collections)),
            )
            assert cursor.lastrowid is not None
            return Conversation(cursor.lastrowid, title, now, now, False, origin,
                                tuple(collections))

    def latest_from(self, origin: str) -> Conversation | None:
        """The most recently updated conversation that came from ``origin``, if any."""
        with self._read("find the client's conversation") as conn:
            row = conn.execute(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE origin = ?"
                " ORDER BY updated_at DESC, id DESC LIMIT 1",
                (origin,),
            ).fetchone()
        return None if row is None else conversation_from_row(row)

    def set_collections(self, conversation_id: int, names: Sequence[str]) -> None:
        """Which document collections this conversation's questions draw on."""
        with self._write("choose the conversation's documents") as conn:
            cursor = conn.execute(
                "UPDATE conversations SET collections = ? WHERE id = ?",
                (_names_json(names), conversation_id),
            )
            if cursor.rowcount == 0:
                raise _no_conversation(conversation_id)

    def conversation(self, conversation_id: int) -> Conversation:
        """The conversation with this id (``NotFoundError`` if there is none)."""
        with self._read("read the conversation") as conn:
            row = conn.execute(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
        if row is None:
            raise _no_conversation(conversation_id)
        return conversation_from_row(row)

    def conversations(self) -> list[Conversation]:
        """Every conversation, the most recently updated first."""
        with self._read("list the conversations") as conn:
            rows = conn.execute(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations"
                " ORDER BY updated_at DESC, id DESC"
            ).fetchall()
        return [conversation_from_row(row) for row in rows]

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Change the title; the conversation keeps its place in the list."""
        with self._write("rename the conversation") as conn:
            cursor = conn.execute(
                "UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id)
            )
            if cursor.rowcount == 0:
                raise _no_conversation(conversation_id)

    def set_locked_local(self, conversation_id: int, locked: bool) -> None:
        """Keep (or stop keeping) this conversation on the device only."""
        with self._write("change where the conversation may be answered") as conn:
            cursor = conn.execute(
                "UPDATE conversations SET locked_local = ? WHERE id = ?",
                (int(locked), conversation_id),
            )
            if cursor.rowcount == 0:
                raise _no_conversation(conversation_id)

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete the conversation and its messages, overwriting their text on disk."""
        with self._write("delete the conversation") as conn:
            cursor = conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            if cursor.rowcount == 0:
                raise _no_conversation(conversation_id)
        # In WAL mode the old pages linger in the -wal file until a checkpoint copies the
        # overwritten ones back and the log is truncated. The delete is committed either way;
        # if this fails, a later checkpoint finishes the job.
        with self._lock, suppress(sqlite3.Error):
            if self._conn is not None:  # another thread may have closed the store meanwhile
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

    def search(self, text: str) -> list[Conversation]:
        """Conversations whose title or any message contains ``text``, ignoring case.

        ``text`` is matched literally (``%`` and ``_`` are ordinary characters). Case is folded
        with Python's ``str.casefold``, so it works beyond ASCII (SQLite's LIKE does not).
        """
        needle = text.casefold()
        with self._read("search the conversations") as conn:
            rows = conn.execute(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations AS c"
                " WHERE instr(hearth_casefold(c.title), :needle) > 0"
                " OR EXISTS (SELECT 1 FROM messages AS m WHERE m.conversation_id = c.id"
                " AND instr(hearth_casefold(m.content), :needle) > 0)"
                " ORDER BY updated_at DESC, id DESC",
                {"needle": needle},
            ).fetchall()
        return [conversation_from_row(row) for row in rows]

    # -- messages --------------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: int,
        role: str,
        content: str,
        *,
        status: str = "complete",
        receipt: Receipt | None = None,
        parent_id: Place = TIP,
    ) -> Message:
        """Add a message, which becomes the chosen version at its place; the conversation moves
        to the top of the list.

        By default it follows the last message of the path shown (``TIP``); a ``parent_id``
        makes it a new version beside that parent's other children (``None``: beside the first
        question).
        """
        check_role(role)
        check_status(status)
        receipt_json = dump_receipt(receipt)
        now = self._clock()
        with self._write("save the message") as conn:
            if not _touch(conn, conversation_id, now):
                raise _no_conversation(conversation_id)
            if isinstance(parent_id, _Tip):
                path = _branches.active_path(_children(conn, conversation_id))
                parent_id = path[-1] if path else None
            elif parent_id is not None and not _belongs(conn, parent_id, conversation_id):
                raise _no_message(parent_id)
            cursor = conn.execute(
                "INSERT INTO messages (conversation_id, role, content, status, created_at,"
                " receipt, parent_id, chosen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, role, content, status, now, receipt_json, parent_id, now),
            )
            assert cursor.lastrowid is not None
            return Message(cursor.lastrowid, conversation_id, role, content, status, now,
                           receipt, parent_id)

    def update_message(
        self,
        message_id: int,
        *,
        content: str | None = None,
        status: str | None = None,
        receipt: Receipt | None = None,
    ) -> None:
        """Change what is given (``None`` keeps the old value) and bump the conversation.

        Called for every chunk of a streaming answer, so it is two updates by primary key in
        one transaction, nothing more.
        """
        if status is not None:
            check_status(status)
        changes: dict[str, object] = {}
        if content is not None:
            changes["content"] = content
        if status is not None:
            changes["status"] = status
        if receipt is not None:
            changes["receipt"] = dump_receipt(receipt)
        now = self._clock()
        with self._write("save the message") as conn:
            # Touches no row exactly when the message does not exist (the foreign key
            # guarantees its conversation does).
            bumped = conn.execute(
                "UPDATE conversations SET updated_at = ?"
                " WHERE id = (SELECT conversation_id FROM messages WHERE id = ?)",
                (now, message_id),
            ).rowcount
            if not bumped:
                raise _no_message(message_id)
            if changes:
                assignments = ", ".join(f"{column} = :{column}" for column in changes)
                conn.execute(
                    f"UPDATE messages SET {assignments} WHERE id = :id",
                    {**changes, "id": message_id},
                )

    def message(self, message_id: int) -> Message:
        """The message with this id (``NotFoundError`` if there is none)."""
        with self._read("read the message") as conn:
            row = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
        if row is None:
            raise _no_message(message_id)
        return message_from_row(row)

    def messages(self, conversation_id: int) -> list[Message]:
        """The messages of the path shown, oldest first (``NotFoundError`` if the conversation
        does not exist)."""
        return self.thread(conversation_id).messages

    def thread(self, conversation_id: int) -> Thread:
        """The path shown and, for each of its messages, the ids of its versions."""
        # One snapshot, so a delete by another process cannot fall between the two queries.
        with self._transaction("read the conversation", begin="BEGIN") as conn:
            exists = conn.execute(
                "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            rows = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        if exists is None:
            raise _no_conversation(conversation_id)
        children = _branches.children_of(_branches.Node(row[0], row[7], row[8]) for row in rows)
        path = _branches.active_path(children)
        by_id = {row[0]: row for row in rows}
        return Thread([message_from_row(by_id[i]) for i in path],
                      _branches.versions(children, path))

    def choose_version(self, message_id: int) -> None:
        """Show this version of a message (and the branch that follows it) from now on."""
        now = self._clock()
        with self._write("choose the version") as conn:
            row = conn.execute(
                "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise _no_message(message_id)
            conn.execute("UPDATE messages SET chosen_at = ? WHERE id = ?", (now, message_id))
            _touch(conn, row[0], now)

    def delete_messages_from(self, message_id: int) -> None:
        """Delete this message and everything that follows it in the tree (its branch)."""
        now = self._clock()
        with self._write("delete the messages") as conn:
            row = conn.execute(
                "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise _no_message(message_id)
            children = _children(conn, row[0])
            doomed, todo = [], [message_id]
            while todo:
                current = todo.pop()
                doomed.append(current)
                todo.extend(child.id for child in children.get(current, ()))
            conn.executemany("DELETE FROM messages WHERE id = ?", [(i,) for i in doomed])
            _touch(conn, row[0], now)

    # -- maintenance -----------------------------------------------------------------------

    def recover_interrupted(self) -> int:
        """Mark answers left ``streaming`` by a crashed process as ``stopped``; return how many.

        Call it once at start-up, before any answer starts: it cannot tell a stream that died
        from one another running Hearth process is still writing.
        """
        with self._write("recover interrupted answers") as conn:
            cursor = conn.execute(
                "UPDATE messages SET status = 'stopped' WHERE status = 'streaming'"
            )
            return cursor.rowcount

    def integrity_check(self) -> str:
        """SQLite's own check of the whole file: ``"ok"``, or the problems it found."""
        with self._read("check the conversation database") as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(str(row[0]) for row in rows)

    def receipts(self, *, since: float | None = None) -> list[StoredReceipt]:
        """The receipt of every answer and attempt created at or after ``since``, oldest first:
        every version, failed attempts included (the ledger counts what each one cost).
        Message text is not read; a damaged receipt is left out."""
        with self._read("read the receipts") as conn:
            rows = conn.execute(
                "SELECT id, conversation_id, created_at, status, receipt FROM messages"
                " WHERE role = 'assistant' AND receipt IS NOT NULL AND created_at >= ?"
                " ORDER BY created_at, id",
                (since if since is not None else float("-inf"),),
            ).fetchall()
        return [StoredReceipt(row[0], row[1], row[2], row[3], receipt) for row in rows
                if (receipt := load_receipt(row[4])) is not None]

    # -- plumbing --------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(f"the conversation database {self.path} was already closed")
        return self._conn

    @contextmanager
    def _read(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock, mapped_errors(self.path, action):
            yield self._connection()

    def _write(self, action: str) -> AbstractContextManager[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, where the busy timeout applies; a deferred
        # transaction could fail to upgrade from read to write with SQLITE_BUSY at once.
        return self._transaction(action, begin="BEGIN IMMEDIATE")

    @contextmanager
    def _transaction(self, action: str, *, begin: str) -> Iterator[sqlite3.Connection]:
        """One transaction; rolled back if the block raises, whatever the exception."""
        with self._lock, mapped_errors(self.path, action):
            conn = self._connection()
            conn.execute(begin)
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                # SQLite may already have rolled back (e.g. after SQLITE_FULL); a COMMIT that
                # failed may not have, and would leave every later BEGIN failing.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise


def _open(path: Path) -> sqlite3.Connection:
    """Open or create the file, refuse foreign or newer ones, configure it and migrate it."""
    try:
        paths.private_folder(path.parent)
    except OSError as exc:
        raise StorageError(
            f"could not create the folder {path.parent} for the conversation database: "
            f"{exc.strerror or exc}. Check its permissions, or set HEARTH_DATA_DIR to a "
            "writable folder"
        ) from exc
    # 0600 before SQLite opens it: SQLite gives the -wal and -shm files it creates the
    # database file's permissions (findCreateFileMode in its os_unix.c).
    paths.create_private(path, "-wal", "-shm")
    with mapped_errors(path, "open the conversation database"):
        # isolation_level=None: transactions are begun and ended explicitly, never implicitly.
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            # Checked before any setting below writes to the file.
            _migrations.check_is_hearth(conn, str(path))
            # Where WAL is impossible (a network share without shared memory) SQLite keeps
            # its default journal: still crash-safe, only readers then block writers.
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA foreign_keys = ON")
            _migrations.migrate(conn)
            conn.create_function("hearth_casefold", 1, _casefold, deterministic=True)
        except BaseException:
            conn.close()
            raise
    return conn


def _children(conn: sqlite3.Connection, conversation_id: int) -> _branches.Children:
    rows = conn.execute(
        "SELECT id, parent_id, chosen_at FROM messages WHERE conversation_id = ?",
        (conversation_id,),
    ).fetchall()
    return _branches.children_of(_branches.Node(*row) for row in rows)


def _belongs(conn: sqlite3.Connection, message_id: int, conversation_id: int) -> bool:
    row = conn.execute("SELECT conversation_id FROM messages WHERE id = ?",
                       (message_id,)).fetchone()
    return row is not None and row[0] == conversation_id


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that can only read a file ``_open`` has already checked and migrated."""
    with mapped_errors(path, "open the conversation database for reading"):
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                               timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        conn.create_function("hearth_casefold", 1, _casefold, deterministic=True)
    return conn


def _names_json(names: Sequence[str]) -> str | None:
    return json.dumps(list(names), ensure_ascii=False) if names else None


def _casefold(value: str | None) -> str | None:
    return value.casefold() if value is not None else None


def _touch(conn: sqlite3.Connection, conversation_id: int, now: float) -> bool:
    """Move the conversation to the top of the list; False if it does not exist."""
    cursor = conn.execute(
        "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
    )
    return cursor.rowcount > 0


def _no_conversation(conversation_id: int) -> NotFoundError:
    return NotFoundError(f"conversation {conversation_id} does not exist (was it deleted?)")


def _no_message(message_id: int) -> NotFoundError:
    return NotFoundError(f"message {message_id} does not exist (was it deleted?)")
