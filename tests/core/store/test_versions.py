"""Versions: regenerated answers and edited questions fork the conversation; nothing is lost."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from desktop.core.errors import NotFoundError, StorageError
from desktop.core.store import ConversationStore, _migrations


def test_a_new_answer_beside_the_old_one_becomes_the_one_shown(
        store: ConversationStore) -> None:
    chat = store.create_conversation()
    question = store.add_message(chat.id, "user", "Name a colour")
    first = store.add_message(chat.id, "assistant", "Red")
    second = store.add_message(chat.id, "assistant", "Blue", parent_id=question.id)

    thread = store.thread(chat.id)
    assert [m.content for m in thread.messages] == ["Name a colour", "Blue"]
    assert thread.versions[second.id] == (first.id, second.id)
    assert thread.version_of(second.id) == (2, 2)
    assert thread.version_of(question.id) == (1, 1)

    store.choose_version(first.id)
    assert [m.content for m in store.messages(chat.id)] == ["Name a colour", "Red"]


def test_editing_the_second_of_five_questions_forks_there(store: ConversationStore) -> None:
    chat = store.create_conversation()
    originals = []
    for n in range(1, 6):
        originals.append(store.add_message(chat.id, "user", f"q{n}"))
        store.add_message(chat.id, "assistant", f"a{n}")
    second = originals[1]
    edited = store.add_message(chat.id, "user", "q2 edited", parent_id=second.parent_id)
    store.add_message(chat.id, "assistant", "a2'")

    assert [m.content for m in store.messages(chat.id)] == ["q1", "a1", "q2 edited", "a2'"]
    assert store.thread(chat.id).version_of(edited.id) == (2, 2)

    store.choose_version(second.id)  # the original branch comes back whole
    assert [m.content for m in store.messages(chat.id)] == [
        "q1", "a1", "q2", "a2", "q3", "a3", "q4", "a4", "q5", "a5"]


def test_editing_the_first_question_forks_at_the_top(store: ConversationStore) -> None:
    chat = store.create_conversation()
    first = store.add_message(chat.id, "user", "hello")
    store.add_message(chat.id, "assistant", "hi")
    again = store.add_message(chat.id, "user", "hello again", parent_id=None)
    assert [m.content for m in store.messages(chat.id)] == ["hello again"]
    assert store.thread(chat.id).versions[again.id] == (first.id, again.id)


def test_a_parent_from_another_conversation_is_refused(store: ConversationStore) -> None:
    one, two = store.create_conversation(), store.create_conversation()
    elsewhere = store.add_message(one.id, "user", "mine")
    with pytest.raises(NotFoundError):
        store.add_message(two.id, "assistant", "not yours", parent_id=elsewhere.id)


def test_deleting_a_message_deletes_its_branch_only(store: ConversationStore) -> None:
    chat = store.create_conversation()
    question = store.add_message(chat.id, "user", "q")
    old = store.add_message(chat.id, "assistant", "old")
    store.add_message(chat.id, "user", "follow-up on old")
    new = store.add_message(chat.id, "assistant", "new", parent_id=question.id)

    store.delete_messages_from(old.id)
    with pytest.raises(NotFoundError):
        store.message(old.id)
    assert [m.content for m in store.messages(chat.id)] == ["q", "new"]
    assert store.thread(chat.id).version_of(new.id) == (1, 1)


def test_a_long_chat_is_deleted_whole(store: ConversationStore) -> None:
    chat = store.create_conversation()
    for n in range(1_200):  # deeper than SQLite's trigger recursion limit
        store.add_message(chat.id, "user" if n % 2 == 0 else "assistant", str(n))
    store.delete_conversation(chat.id)
    with pytest.raises(NotFoundError):
        store.messages(chat.id)


def test_a_version_1_database_becomes_one_linear_branch(db_path: Path) -> None:
    with closing(sqlite3.connect(db_path, isolation_level=None)) as conn:
        _migrations.MIGRATIONS[0](conn)
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO conversations (title, created_at, updated_at)"
                     " VALUES ('old', 1, 1)")
        for n, role in enumerate(["user", "assistant", "user", "assistant"]):
            conn.execute("INSERT INTO messages (conversation_id, role, content, created_at)"
                         " VALUES (1, ?, ?, ?)", (role, f"m{n}", n))
    with ConversationStore(db_path) as store:
        messages = store.messages(1)
        assert [m.content for m in messages] == ["m0", "m1", "m2", "m3"]
        assert [m.parent_id for m in messages] == [None, 1, 2, 3]
        added = store.add_message(1, "user", "after the upgrade")
        assert added.parent_id == 4


def test_the_reader_sees_commits_at_once_and_cannot_write(store: ConversationStore) -> None:
    reader = store.reader()
    try:
        chat = store.create_conversation("seen")
        store.add_message(chat.id, "user", "question")
        assert [c.title for c in reader.conversations()] == ["seen"]
        assert [m.content for m in reader.messages(chat.id)] == ["question"]
        assert reader.search("QUEST")[0].id == chat.id
        with pytest.raises(StorageError):
            reader.create_conversation("no")
    finally:
        reader.close()
