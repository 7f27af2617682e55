"""Schema versions: applied in order, one transaction each, never to files Hearth does not own."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from desktop.core.errors import StorageError
from desktop.core.store import ConversationStore, _migrations

from .support import file_pragma


def _tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


def _columns(path: Path, table: str) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _add_pinned_column(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")


def test_new_database_is_at_the_latest_version(db_path: Path) -> None:
    with ConversationStore(db_path):
        pass
    assert file_pragma(db_path, "user_version") == _migrations.latest_version() == 3
    assert file_pragma(db_path, "application_id") == _migrations.APPLICATION_ID
    assert {"conversations", "messages"} <= _tables(db_path)


def test_appended_migration_upgrades_an_existing_database_once(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ConversationStore(db_path) as store:
        chat = store.create_conversation("from the shipped version")
        message = store.add_message(chat.id, "user", "still here after the upgrade")

    monkeypatch.setattr(_migrations, "MIGRATIONS", [*_migrations.MIGRATIONS, _add_pinned_column])
    with ConversationStore(db_path) as store:
        assert store.messages(chat.id) == [message]
    assert file_pragma(db_path, "user_version") == _migrations.latest_version()
    assert "pinned" in _columns(db_path, "conversations")

    # Run again it would fail (duplicate column): opening must not re-apply it.
    with ConversationStore(db_path) as store:
        assert store.conversation(chat.id).title == "from the shipped version"


def test_new_database_runs_every_migration_in_order(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_migrations, "MIGRATIONS", [*_migrations.MIGRATIONS, _add_pinned_column])
    with ConversationStore(db_path) as store:
        store.create_conversation()
    assert file_pragma(db_path, "user_version") == len(_migrations.MIGRATIONS)
    assert "pinned" in _columns(db_path, "conversations")


def test_failing_migration_is_rolled_back_whole(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ConversationStore(db_path) as store:
        chat = store.create_conversation("kept")

    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE attachments (id INTEGER PRIMARY KEY)")
        conn.execute("ALTER TABLE no_such_table ADD COLUMN x")

    original = list(_migrations.MIGRATIONS)
    monkeypatch.setattr(_migrations, "MIGRATIONS", [*original, half_done])
    with pytest.raises(StorageError, match="could not open the conversation database"):
        ConversationStore(db_path)
    assert file_pragma(db_path, "user_version") == len(original)
    assert "attachments" not in _tables(db_path)

    monkeypatch.setattr(_migrations, "MIGRATIONS", original)
    with ConversationStore(db_path) as store:
        assert store.conversation(chat.id).title == "kept"


def test_bug_in_a_migration_is_not_disguised(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def buggy(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE attachments (id INTEGER PRIMARY KEY)")
        raise KeyError("oops")

    shipped = len(_migrations.MIGRATIONS)
    monkeypatch.setattr(_migrations, "MIGRATIONS", [*_migrations.MIGRATIONS, buggy])
    with pytest.raises(KeyError):
        ConversationStore(db_path)
    assert file_pragma(db_path, "user_version") == shipped
    assert "attachments" not in _tables(db_path)


def test_newer_database_is_refused_and_left_untouched(db_path: Path) -> None:
    with ConversationStore(db_path) as store:
        store.create_conversation("written by a future Hearth")
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("PRAGMA user_version = 7")
    before = db_path.read_bytes()

    with pytest.raises(StorageError, match=r"newer version of Hearth \(database version 7"):
        ConversationStore(db_path)

    assert db_path.read_bytes() == before


def test_old_style_journal_is_not_switched_on_a_refused_file(db_path: Path) -> None:
    # journal_mode=WAL rewrites the file header, so it must come after the version check.
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute(f"PRAGMA application_id = {_migrations.APPLICATION_ID}")
        conn.execute("CREATE TABLE conversations (id INTEGER PRIMARY KEY)")
        conn.execute("PRAGMA user_version = 99")
    before = db_path.read_bytes()

    with pytest.raises(StorageError, match="newer version"):
        ConversationStore(db_path)
    assert db_path.read_bytes() == before
    assert file_pragma(db_path, "journal_mode") == "delete"


def test_another_programs_database_is_refused_and_left_untouched(db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('not Hearth''s')")
        conn.commit()
    before = db_path.read_bytes()

    with pytest.raises(StorageError, match="another program"):
        ConversationStore(db_path)
    assert db_path.read_bytes() == before


def test_versioned_database_of_another_program_is_not_called_newer(db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("PRAGMA user_version = 40")
    with pytest.raises(StorageError, match="another program"):
        ConversationStore(db_path)


def test_file_that_is_not_sqlite_is_refused_and_left_untouched(db_path: Path) -> None:
    db_path.write_bytes(b"these are my notes, not a database\n" * 200)
    before = db_path.read_bytes()

    with pytest.raises(StorageError, match="not a Hearth database or is corrupt"):
        ConversationStore(db_path)
    assert db_path.read_bytes() == before


def test_empty_file_becomes_a_new_database(db_path: Path) -> None:
    db_path.touch()
    with ConversationStore(db_path) as store:
        store.create_conversation()
    assert file_pragma(db_path, "user_version") == _migrations.latest_version()
