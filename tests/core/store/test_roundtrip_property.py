"""Whatever text and receipt go in come back out unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.store import ConversationStore

from .support import a_receipt

# Examples run against one store: function-scoped fixtures do not reset between examples.
_SETTINGS = settings(
    max_examples=150,
    deadline=None,  # a write may wait on the disk
    database=None,  # no example cache in the working tree
    suppress_health_check=[HealthCheck.too_slow],
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
@given(reason=st.text(), model=st.text(), cost=st.none() | st.floats(allow_nan=False),
       tokens=st.integers(min_value=0, max_value=2**63 - 1),
       classes=st.lists(st.text(), max_size=4))
def test_any_receipt_round_trips(shared_store: ConversationStore, reason: str, model: str,
                                 cost: float | None, tokens: int, classes: list[str]) -> None:
    receipt = a_receipt(reason=reason, model=model, cost_usd=cost, tokens_in=tokens,
                        classes=tuple(classes))
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
