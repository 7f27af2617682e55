"""Crashes, full disks, locks, deleted secrets and shared access, on real SQLite files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest

from desktop.core.errors import StorageError
from desktop.core.sqlite_errors import storage_error
from desktop.core.store import ConversationStore

from .support import file_pragma, pragma, raw_connection

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_connection_settings(store: ConversationStore, db_path: Path) -> None:
    conn = raw_connection(store)
    assert pragma(conn, "journal_mode") == "wal"
    assert pragma(conn, "synchronous") == 1  # NORMAL
    assert pragma(conn, "secure_delete") == 1
    assert pragma(conn, "foreign_keys") == 1
    assert pragma(conn, "busy_timeout") == 5000
    assert file_pragma(db_path, "journal_mode") == "wal"  # stored in the file itself


def test_deleted_text_is_gone_from_every_file(store: ConversationStore, tmp_path: Path) -> None:
    secret = "QX7-patient-record-4471"
    doomed = store.create_conversation(f"about {secret}")
    store.add_message(doomed.id, "user", f"my diagnosis: {secret} " * 40)
    kept = store.create_conversation("groceries")
    store.add_message(kept.id, "user", "milk, eggs")

    def files_holding_secret() -> list[str]:
        return [
            p.name for p in tmp_path.iterdir() if p.is_file() and secret.encode() in p.read_bytes()
        ]

    assert files_holding_secret()  # it did reach the disk
    store.delete_conversation(doomed.id)
    assert files_holding_secret() == []
    store.close()
    assert files_holding_secret() == []


# -- kill -9 -----------------------------------------------------------------------------------

_STREAMING_CHILD = """
import sys
from pathlib import Path

from desktop.core.store import ConversationStore

store = ConversationStore(Path(sys.argv[1]))
chat = store.create_conversation("interrupted")
store.add_message(chat.id, "user", "Tell me a long story.")
answer = store.add_message(chat.id, "assistant", "", status="streaming")
print("ready", chat.id, answer.id, flush=True)
text = ""
for i in range(1_000_000):
    text += f"tok{i} "
    store.update_message(answer.id, content=text)
    print(i, flush=True)
"""


def test_kill_9_loses_no_committed_update(db_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", _STREAMING_CHILD, str(db_path)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        watchdog = threading.Timer(60, child.kill)  # never hang the suite on a stuck child
        watchdog.start()
        try:
            assert child.stdout is not None
            ready = child.stdout.readline().split()
            assert ready and ready[0] == "ready", child.communicate()[1]
            chat_id, answer_id = int(ready[1]), int(ready[2])
            last_reported = -1
            while last_reported < 200:
                line = child.stdout.readline()
                assert line, child.communicate()[1]
                last_reported = int(line)
            child.kill()  # SIGKILL on POSIX: no cleanup, no close, maybe mid-transaction
            child.communicate()
        finally:
            watchdog.cancel()
            child.kill()
    if sys.platform != "win32":
        assert child.returncode == -9

    with ConversationStore(db_path) as store:
        assert store.integrity_check() == "ok"
        answer = store.message(answer_id)
        tokens = answer.content.split()
        assert len(tokens) > last_reported
        assert tokens == [f"tok{i}" for i in range(len(tokens))]
        assert answer.status == "streaming"
        assert [m.role for m in store.messages(chat_id)] == ["user", "assistant"]

        assert store.recover_interrupted() == 1
        assert store.message(answer_id).status == "stopped"
        assert store.message(answer_id).content == answer.content


# -- the environment failing -------------------------------------------------------------------


def test_full_disk_is_a_storage_error_and_keeps_earlier_data(store: ConversationStore) -> None:
    chat = store.create_conversation("before the disk filled")
    kept = store.add_message(chat.id, "user", "saved while there was room")
    updated_at = store.conversation(chat.id).updated_at
    conn = raw_connection(store)
    pages = pragma(conn, "page_count")
    # SQLite answers SQLITE_FULL past this size, exactly as when the disk has no room left.
    conn.execute(f"PRAGMA max_page_count = {pages}")

    with pytest.raises(StorageError, match="could not save the message: the disk holding .* full"):
        store.add_message(chat.id, "assistant", "x" * 200_000)

    assert store.messages(chat.id) == [kept]
    assert store.conversation(chat.id).updated_at == updated_at
    assert store.integrity_check() == "ok"

    conn.execute("PRAGMA max_page_count = 1073741823")
    store.add_message(chat.id, "assistant", "x" * 200_000)
    assert len(store.messages(chat.id)) == 2


def test_lock_held_too_long_is_a_storage_error(store: ConversationStore, db_path: Path) -> None:
    raw_connection(store).execute("PRAGMA busy_timeout = 50")
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError, match="locked by another program"):
            store.create_conversation()
        other.execute("ROLLBACK")
    store.create_conversation()
    assert len(store.conversations()) == 1


def test_read_only_database_message(db_path: Path) -> None:
    with ConversationStore(db_path):
        pass
    read_only = closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True))
    with read_only as conn, pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("INSERT INTO conversations (title, created_at, updated_at) VALUES (1, 1, 1)")
    error = storage_error(caught.value, db_path, "save the message")
    assert str(error).startswith(f"could not save the message: {db_path} cannot be written")


def test_folder_that_cannot_be_created_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(StorageError, match="could not create the folder"):
        ConversationStore(blocker / "hearth" / "hearth.sqlite3")


def test_path_that_is_a_folder_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="cannot be opened"):
        ConversationStore(tmp_path)


# -- shared use --------------------------------------------------------------------------------


def test_worker_and_gui_threads_share_one_store(store: ConversationStore) -> None:
    chats = [store.create_conversation(f"chat {n}") for n in range(4)]
    errors: list[BaseException] = []
    stop_reading = threading.Event()

    def stream(chat_id: int) -> None:
        try:
            answer = store.add_message(chat_id, "assistant", "", status="streaming")
            text = ""
            for i in range(100):
                text += f"{i} "
                store.update_message(answer.id, content=text)
            store.update_message(answer.id, status="complete")
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)

    def read() -> None:
        try:
            while not stop_reading.is_set():
                for chat in store.conversations():
                    store.messages(chat.id)
                store.search("9")
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)

    reader = threading.Thread(target=read)
    writers = [threading.Thread(target=stream, args=(chat.id,)) for chat in chats]
    reader.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=60)
    stop_reading.set()
    reader.join(timeout=60)

    assert errors == []
    expected = "".join(f"{i} " for i in range(100))
    for chat in chats:
        [answer] = store.messages(chat.id)
        assert (answer.content, answer.status) == (expected, "complete")


def test_two_stores_on_one_file_see_each_others_writes(db_path: Path) -> None:
    # As the window and the hearth command do, each with its own connection.
    with ConversationStore(db_path) as window, ConversationStore(db_path) as cli:
        chat = window.create_conversation("from the window")
        assert [c.title for c in cli.conversations()] == ["from the window"]
        from_cli = cli.add_message(chat.id, "user", "from the command line")
        assert window.messages(chat.id) == [from_cli]

        def write_many(store: ConversationStore, tag: str) -> None:
            for i in range(50):
                store.add_message(chat.id, "user", f"{tag}{i}")

        threads = [
            threading.Thread(target=write_many, args=(window, "w")),
            threading.Thread(target=write_many, args=(cli, "c")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        contents = [m.content for m in cli.messages(chat.id)]
        assert len(contents) == 101
        assert [c for c in contents if c.startswith("w")] == [f"w{i}" for i in range(50)]
        assert [c for c in contents if c.startswith("c")] == [f"c{i}" for i in range(50)]
        window.delete_conversation(chat.id)
        assert cli.conversations() == []
