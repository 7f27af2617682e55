"""The database schema as an ordered list of migrations, tracked by ``PRAGMA user_version``.

Migration ``n`` (1-based) turns a database at ``user_version == n - 1`` into one at ``n``. Each
runs in its own transaction together with the version bump, so a crash leaves the database at
some whole version. To change the schema, append a function; never edit one that has shipped,
since databases in the field were built by it exactly as written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from desktop.core.errors import StorageError

Migration = Callable[[sqlite3.Connection], None]

# "HRTH": marks the file as Hearth's, so another program's SQLite file is never migrated.
APPLICATION_ID = 0x48525448


def _initial_schema(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    # AUTOINCREMENT: ids are never reused, so a late update from a cancelled stream cannot
    # land on the message that replaced it (it gets NotFoundError instead).
    conn.execute(
        """
        CREATE TABLE conversations (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            title        TEXT    NOT NULL,
            created_at   REAL    NOT NULL,
            updated_at   REAL    NOT NULL,
            locked_local INTEGER NOT NULL DEFAULT 0 CHECK (locked_local IN (0, 1))
        )
        """
    )
    conn.execute("CREATE INDEX conversations_by_update ON conversations (updated_at, id)")
    conn.execute(
        """
        CREATE TABLE messages (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id INTEGER NOT NULL
                            REFERENCES conversations (id) ON DELETE CASCADE,
            role            TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
            content         TEXT    NOT NULL,
            status          TEXT    NOT NULL DEFAULT 'complete'
                            CHECK (status IN ('complete', 'streaming', 'stopped', 'failed')),
            created_at      REAL    NOT NULL,
            receipt         TEXT
        )
        """
    )
    # Serves listing a conversation, truncating it, and the cascade on delete.
    conn.execute("CREATE INDEX messages_by_conversation ON messages (conversation_id, id)")
    # Tiny (only live streams are in it); lets start-up recovery skip a full scan.
    conn.execute("CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming'")


def _message_tree(conn: sqlite3.Connection) -> None:
    """Versions (``_branches``): each message follows a parent; the path shown follows the
    most recently chosen child. Existing chats are linear: each message follows the one before
    it, chosen when it was written."""
    # No foreign key: a cascade would recurse once per message of a long chat, past SQLite's
    # trigger depth limit (1,000); branches are deleted by the store, whole chats by theirs.
    conn.execute("ALTER TABLE messages ADD COLUMN parent_id INTEGER")
    conn.execute("ALTER TABLE messages ADD COLUMN chosen_at REAL")
    conn.execute(
        "UPDATE messages SET chosen_at = created_at, parent_id ="
        " (SELECT MAX(p.id) FROM messages AS p"
        "  WHERE p.conversation_id = messages.conversation_id AND p.id < messages.id)"
    )
    conn.execute("CREATE INDEX messages_by_parent ON messages (parent_id)")


def _origin_and_collections(conn: sqlite3.Connection) -> None:
    """Where a conversation came from (NULL: this device's window or CLI; otherwise the
    client of Hearth's local server, e.g. ``"api:zed"``), and which document collections its
    questions draw on (a JSON array of collection names, NULL for none)."""
    conn.execute("ALTER TABLE conversations ADD COLUMN origin TEXT")
    conn.execute("ALTER TABLE conversations ADD COLUMN collections TEXT")
    conn.execute("CREATE INDEX conversations_by_origin ON conversations (origin, updated_at)")


MIGRATIONS: list[Migration] = [_initial_schema, _message_tree, _origin_and_collections]


def latest_version() -> int:
    """The ``user_version`` of a database with every known migration applied."""
    return len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def check_is_hearth(conn: sqlite3.Connection, path: str) -> None:
    """Refuse a file that another program or a newer Hearth wrote, before anything changes it."""
    conn.execute("BEGIN")  # one snapshot: another process may be migrating this file right now
    try:
        version = user_version(conn)
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        has_tables = conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    is_new = app_id == 0 and version == 0 and not has_tables
    if app_id == APPLICATION_ID and version > latest_version():
        raise StorageError(
            f"{path} was written by a newer version of Hearth (database version {version}; "
            f"this one knows up to {latest_version()}). Update Hearth to open it; the file "
            "was left unchanged"
        )
    if app_id != APPLICATION_ID and not is_new:
        raise StorageError(
            f"{path} is an SQLite database of another program, not a Hearth database; it was "
            "left unchanged. Move it elsewhere or set HEARTH_DATA_DIR to another folder"
        )


def migrate(conn: sqlite3.Connection) -> None:
    """Apply every migration the database lacks, each in one transaction with its version."""
    for target, migration in enumerate(MIGRATIONS, start=1):
        # IMMEDIATE takes the write lock first: of two processes opening a new file at once,
        # the second waits, then sees the version already raised and skips.
        conn.execute("BEGIN IMMEDIATE")
        try:
            if user_version(conn) < target:
                migration(conn)
                conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
