"""What the store keeps, in which order, and how it answers for ids that do not exist."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from desktop.core.errors import NotFoundError, StorageError
from desktop.core.store import Conversation, ConversationStore, Message

from .support import FakeClock, a_receipt

# -- conversations -----------------------------------------------------------------------------


def test_create_and_read_back(store: ConversationStore, clock: FakeClock) -> None:
    created = store.create_conversation("Trip to Lisbon")
    assert created == Conversation(created.id, "Trip to Lisbon", clock.now, clock.now, False)
    assert store.conversation(created.id) == created
    assert store.create_conversation().title == "New chat"


def test_origin_and_collections_are_kept(store: ConversationStore) -> None:
    local = store.create_conversation("asked here")
    editor = store.create_conversation("from an editor", origin="api:zed",
                                       collections=["Tax 2025", "Notes"])
    assert store.conversation(local.id).origin is None
    assert store.conversation(local.id).collections == ()
    assert store.conversation(editor.id).origin == "api:zed"
    assert store.conversation(editor.id).collections == ("Tax 2025", "Notes")

    store.set_collections(local.id, ["Rezepte ä"])
    assert store.conversation(local.id).collections == ("Rezepte ä",)
    store.set_collections(local.id, [])
    assert store.conversation(local.id).collections == ()
    with pytest.raises(NotFoundError):
        store.set_collections(999_999, ["x"])


def test_latest_conversation_of_a_client(store: ConversationStore) -> None:
    assert store.latest_from("api:zed") is None
    older = store.create_conversation("one", origin="api:zed")
    store.create_conversation("other client", origin="api:curl")
    newer = store.create_conversation("two", origin="api:zed")
    found = store.latest_from("api:zed")
    assert found is not None and found.id == newer.id
    store.add_message(older.id, "user", "bump")
    found = store.latest_from("api:zed")
    assert found is not None and found.id == older.id


def test_unreadable_collections_column_counts_as_none(store: ConversationStore,
                                                      db_path: Path) -> None:
    chat = store.create_conversation("x")
    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("UPDATE conversations SET collections = '{not json' WHERE id = ?",
                     (chat.id,))
    assert store.conversation(chat.id).collections == ()


def test_conversations_most_recently_updated_first(store: ConversationStore) -> None:
    first = store.create_conversation("first")
    second = store.create_conversation("second")
    assert [c.id for c in store.conversations()] == [second.id, first.id]

    store.add_message(first.id, "user", "hello again")
    assert [c.id for c in store.conversations()] == [first.id, second.id]

    answer = store.add_message(second.id, "assistant", "", status="streaming")
    store.update_message(answer.id, content="partial")
    assert [c.id for c in store.conversations()] == [second.id, first.id]


def test_rename_and_lock_keep_the_order(store: ConversationStore) -> None:
    older = store.create_conversation("older")
    newer = store.create_conversation("newer")
    store.rename_conversation(older.id, "renamed")
    store.set_locked_local(older.id, True)

    listed = store.conversations()
    assert [c.id for c in listed] == [newer.id, older.id]
    assert listed[1].title == "renamed"
    assert listed[1].locked_local is True
    assert listed[1].updated_at == older.updated_at

    store.set_locked_local(older.id, False)
    assert store.conversation(older.id).locked_local is False


def test_delete_conversation_cascades_to_messages(store: ConversationStore, db_path: Path) -> None:
    doomed = store.create_conversation("doomed")
    kept = store.create_conversation("kept")
    gone = store.add_message(doomed.id, "user", "forget me")
    store.add_message(doomed.id, "assistant", "forgotten")
    survivor = store.add_message(kept.id, "user", "remember me")

    store.delete_conversation(doomed.id)

    assert [c.id for c in store.conversations()] == [kept.id]
    with pytest.raises(NotFoundError):
        store.message(gone.id)
    with pytest.raises(NotFoundError):
        store.messages(doomed.id)
    assert store.messages(kept.id) == [survivor]
    with closing(sqlite3.connect(db_path)) as conn:
        left = conn.execute(
            "SELECT count(*) FROM messages WHERE conversation_id = ?", (doomed.id,)
        ).fetchone()[0]
    assert left == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.conversation(999),
        lambda s: s.rename_conversation(999, "x"),
        lambda s: s.delete_conversation(999),
        lambda s: s.set_locked_local(999, True),
        lambda s: s.messages(999),
        lambda s: s.add_message(999, "user", "x"),
        lambda s: s.message(999),
        lambda s: s.update_message(999, content="x"),
        lambda s: s.update_message(999),
        lambda s: s.delete_messages_from(999),
    ],
)
def test_unknown_ids_raise_not_found(
    store: ConversationStore, call: Callable[[ConversationStore], object]
) -> None:
    with pytest.raises(NotFoundError, match="999"):
        call(store)


# -- search ------------------------------------------------------------------------------------


def test_search_title_and_content_ignoring_case(store: ConversationStore) -> None:
    by_title = store.create_conversation("Tax RETURN 2024")
    by_content = store.create_conversation("misc")
    store.add_message(by_content.id, "user", "How do I file a tax return?")
    other = store.create_conversation("recipes")
    store.add_message(other.id, "assistant", "Add the flour.")

    assert [c.id for c in store.search("tax return")] == [by_content.id, by_title.id]
    assert [c.id for c in store.search("FLOUR")] == [other.id]
    assert store.search("nowhere") == []
    assert len(store.search("")) == 3


def test_search_folds_case_beyond_ascii(store: ConversationStore) -> None:
    street = store.create_conversation("Hauptstraße")
    school = store.create_conversation("notes")
    store.add_message(school.id, "user", "L'ÉCOLE est fermée")

    assert [c.id for c in store.search("HAUPTSTRASSE")] == [street.id]
    assert [c.id for c in store.search("l'école")] == [school.id]


def test_search_treats_like_wildcards_literally(store: ConversationStore) -> None:
    percent = store.create_conversation("100% sure")
    underscore = store.create_conversation("misc")
    store.add_message(underscore.id, "user", "call snake_case_name()")
    plain = store.create_conversation("100 percent, snakeXcase")
    store.add_message(plain.id, "user", "a backslash \\ here")

    assert [c.id for c in store.search("%")] == [percent.id]
    assert [c.id for c in store.search("0%")] == [percent.id]
    assert [c.id for c in store.search("snake_case")] == [underscore.id]
    assert [c.id for c in store.search("_")] == [underscore.id]
    assert [c.id for c in store.search("\\")] == [plain.id]


# -- messages ----------------------------------------------------------------------------------


def test_add_and_read_messages_oldest_first(store: ConversationStore, clock: FakeClock) -> None:
    chat = store.create_conversation()
    system = store.add_message(chat.id, "system", "Be brief.")
    question = store.add_message(chat.id, "user", "Capital of Portugal?")
    receipt = a_receipt(tokens_out=3)
    answer = store.add_message(chat.id, "assistant", "Lisbon.", receipt=receipt)

    assert answer == Message(
        answer.id,
        chat.id,
        "assistant",
        "Lisbon.",
        "complete",
        clock.now,
        receipt,
        question.id,
    )
    assert store.messages(chat.id) == [system, question, answer]
    assert store.message(question.id) == question
    assert store.conversation(chat.id).updated_at == answer.created_at


def test_update_message_changes_only_what_is_given(store: ConversationStore) -> None:
    chat = store.create_conversation()
    answer = store.add_message(chat.id, "assistant", "", status="streaming")

    store.update_message(answer.id, content="Lis")
    assert store.message(answer.id).content == "Lis"
    assert store.message(answer.id).status == "streaming"

    receipt = a_receipt(cost_usd=0.0, reason="généré sur l'appareil")
    store.update_message(answer.id, content="Lisbon.", status="complete", receipt=receipt)
    done = store.message(answer.id)
    assert (done.content, done.status, done.receipt) == ("Lisbon.", "complete", receipt)

    store.update_message(answer.id, status="failed")
    assert store.message(answer.id).content == "Lisbon."
    assert store.message(answer.id).receipt == receipt

    before = store.conversation(chat.id).updated_at
    store.update_message(answer.id)  # nothing to change: still checks the id, bumps the chat
    assert store.conversation(chat.id).updated_at > before


def test_receipt_is_stored_as_sorted_json(store: ConversationStore, db_path: Path) -> None:
    chat = store.create_conversation()
    receipt = a_receipt(reason="€ unicode", classes=("email", "iban"))
    message = store.add_message(chat.id, "assistant", "hi", receipt=receipt)

    assert store.message(message.id).receipt == receipt
    with closing(sqlite3.connect(db_path)) as conn:
        raw = conn.execute("SELECT receipt FROM messages WHERE id = ?", (message.id,)).fetchone()
    stored = json.loads(raw[0])
    assert list(stored) == sorted(stored)
    assert '"reason": "€ unicode"' in raw[0]


def test_damaged_receipt_does_not_hide_the_message(store: ConversationStore, db_path: Path) -> None:
    chat = store.create_conversation()
    message = store.add_message(chat.id, "assistant", "hi", receipt=a_receipt())
    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("UPDATE messages SET receipt = '{broken' WHERE id = ?", (message.id,))
    assert store.message(message.id).receipt is None


@pytest.mark.parametrize(("role", "status"), [("tool", "complete"), ("user", "done")])
def test_invalid_role_or_status_is_a_value_error(
    store: ConversationStore, role: str, status: str
) -> None:
    chat = store.create_conversation()
    with pytest.raises(ValueError, match="must be one of"):
        store.add_message(chat.id, role, "x", status=status)
    assert store.messages(chat.id) == []

    message = store.add_message(chat.id, "user", "x")
    with pytest.raises(ValueError, match="status must be one of"):
        store.update_message(message.id, status="paused")
    assert store.message(message.id).status == "complete"


def test_delete_messages_from_truncates_one_conversation(store: ConversationStore) -> None:
    chat = store.create_conversation()
    other = store.create_conversation()
    kept = [store.add_message(chat.id, "user", "q1"), store.add_message(chat.id, "assistant", "a1")]
    unrelated = store.add_message(other.id, "user", "interleaved")
    cut = store.add_message(chat.id, "user", "q2")
    store.add_message(chat.id, "assistant", "a2")
    later_unrelated = store.add_message(other.id, "assistant", "still here")

    store.delete_messages_from(cut.id)

    assert store.messages(chat.id) == kept
    assert store.messages(other.id) == [unrelated, later_unrelated]


def test_ids_are_never_reused(store: ConversationStore) -> None:
    # A cancelled stream's late update must not land on the regenerated answer.
    chat = store.create_conversation()
    store.add_message(chat.id, "user", "q")
    cancelled = store.add_message(chat.id, "assistant", "first try", status="streaming")
    store.delete_messages_from(cancelled.id)
    regenerated = store.add_message(chat.id, "assistant", "", status="streaming")

    assert regenerated.id > cancelled.id
    with pytest.raises(NotFoundError):
        store.update_message(cancelled.id, content="late chunk")
    assert store.message(regenerated.id).content == ""


def test_recover_interrupted_stops_streaming_answers(store: ConversationStore) -> None:
    chat = store.create_conversation()
    streaming = store.add_message(chat.id, "assistant", "half an ans", status="streaming")
    done = store.add_message(chat.id, "assistant", "whole answer")

    assert store.recover_interrupted() == 1
    assert store.message(streaming.id).status == "stopped"
    assert store.message(streaming.id).content == "half an ans"
    assert store.message(done.id).status == "complete"
    assert store.recover_interrupted() == 0


# -- lifecycle ---------------------------------------------------------------------------------


def test_context_manager_closes_and_close_is_idempotent(db_path: Path) -> None:
    with ConversationStore(db_path) as store:
        chat = store.create_conversation("kept")
    store.close()
    with pytest.raises(StorageError, match="closed"):
        store.conversations()

    with ConversationStore(db_path) as reopened:
        assert reopened.conversation(chat.id).title == "kept"


def test_open_default_uses_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "portable" / "data"
    monkeypatch.setenv("HEARTH_DATA_DIR", str(data))
    with ConversationStore.open_default() as store:
        assert store.path == data / "hearth.sqlite3"
        store.create_conversation()
    assert (data / "hearth.sqlite3").is_file()
