"""Whatever text and receipt go in come back out unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.store import ConversationStore

# Examples run against one store: function-scoped fixtures do not reset between examples.
_SETTINGS = settings(
    max_examples=150,
    deadline=None,  # a write may wait on the disk
    database=None,  # no example cache in the working tree
    suppress_health_check=[HealthCheck.too_slow],
)

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path_factory.mktemp("roundtrip") / "hearth.sqlite3") as store:
        yield store


@_SETTINGS
@given(title=st.text(), content=st.text())
def test_any_text_round_trips(shared_store: ConversationStore, title: str, content: str) -> None:
    chat = shared_store.create_conversation(title)
    added = shared_store.add_message(chat.id, "user", content)

    [stored] = shared_store.messages(chat.id)
    assert stored == added
    assert stored.content == content
    assert shared_store.conversation(chat.id).title == title


@_SETTINGS
@given(content=st.text(), extra=st.text())
def test_updated_text_round_trips(
    shared_store: ConversationStore, content: str, extra: str
) -> None:
    chat = shared_store.create_conversation()
    answer = shared_store.add_message(chat.id, "assistant", content, status="streaming")
    shared_store.update_message(answer.id, content=content + extra)
    assert shared_store.message(answer.id).content == content + extra


@_SETTINGS
@given(receipt=st.dictionaries(st.text(), _json_values, max_size=6))
def test_any_json_receipt_round_trips(
    shared_store: ConversationStore, receipt: dict[str, Any]
) -> None:
    chat = shared_store.create_conversation()
    message = shared_store.add_message(chat.id, "assistant", "answer", receipt=receipt)
    assert shared_store.message(message.id).receipt == receipt


@pytest.mark.parametrize("content", ["", "\x00", "before\x00after", "\x00" * 3 + "é€😀"])
def test_nul_characters_round_trip(store: ConversationStore, content: str) -> None:
    chat = store.create_conversation(content)
    message = store.add_message(chat.id, "user", content)
    assert store.message(message.id).content == content
    assert store.conversation(chat.id).title == content
    assert [c.id for c in store.search(content)] == [chat.id]
