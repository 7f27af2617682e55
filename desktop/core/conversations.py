"""What a front end does with conversations besides asking: list, search, open, rename, lock,
delete and choose a version. The window and the CLI both call these; neither drives the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from desktop.core.errors import KnownError
from desktop.core.store import Conversation, ConversationStore, Message, StoredReceipt, Thread

__all__ = ["Conversation", "Conversations", "Message", "SearchHit", "StoredReceipt", "Thread",
           "match_snippet"]

MAX_TITLE = 200
SNIPPET_CHARS = 90  # of the matching message shown under a search hit
SNIPPETS = 50  # hits that get a snippet (each costs a read of the conversation's messages)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A conversation that matches a search, and where: ``snippet`` is the text around the
    first match in its messages (None when only the title matches, or beyond ``SNIPPETS``)."""

    conversation: Conversation
    snippet: str | None


def match_snippet(text: str, needle: str, width: int = SNIPPET_CHARS) -> str | None:
    """About ``width`` characters of ``text`` around the first case-folded match of ``needle``,
    on one line, with "…" where it was cut; None when it does not match."""
    flat = " ".join(text.split())
    folded, wanted = flat.casefold(), " ".join(needle.split()).casefold()
    at = folded.find(wanted) if wanted else -1
    if at < 0 or len(folded) != len(flat):  # a length-changing fold: positions would not map
        return None if at < 0 else flat[:width] + ("…" if len(flat) > width else "")
    start = max(0, min(at - width // 3, len(flat) - width))
    end = min(len(flat), start + width)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


class Conversations:
    """The user's conversations, as front ends see them.

    ``reads`` answers the queries: give the window a ``ConversationStore.reader()`` so that its
    GUI thread never waits for the inference thread's writes. Changes go through ``store``.
    """

    def __init__(self, store: ConversationStore, *, reads: ConversationStore | None = None,
                 owns_store: bool = False) -> None:
        self._store = store
        self._reads = reads or store
        self._owns_store = owns_store

    @classmethod
    def open_default(cls) -> Conversations:
        """The user's conversations, on a store of their own (the CLI's); ``close`` it."""
        return cls(ConversationStore.open_default(), owns_store=True)

    def close(self) -> None:
        """Close the read-only view, if one was given, and the store if it is this one's."""
        if self._reads is not self._store:
            self._reads.close()
        if self._owns_store:
            self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------

    def recent(self) -> list[Conversation]:
        """Every conversation, the most recently updated first."""
        return self._reads.conversations()

    def search(self, text: str) -> list[Conversation]:
        """Conversations whose title or any message contains ``text`` (case folded)."""
        return self._reads.search(text)

    def search_hits(self, text: str) -> list[SearchHit]:
        """``search``, each hit with the text around its first matching message."""
        hits: list[SearchHit] = []
        for index, conversation in enumerate(self._reads.search(text)):
            snippet = None
            if index < SNIPPETS:
                snippet = next((found for m in self._reads.messages(conversation.id)
                                if m.role != "system"
                                and (found := match_snippet(m.content, text)) is not None),
                               None)
            hits.append(SearchHit(conversation, snippet))
        return hits

    def get(self, conversation_id: int) -> Conversation:
        return self._reads.conversation(conversation_id)

    def thread(self, conversation_id: int) -> Thread:
        """The version of the conversation shown, with each message's versions."""
        return self._reads.thread(conversation_id)

    def message(self, message_id: int) -> Message:
        return self._reads.message(message_id)

    def receipts(self, *, since: float | None = None) -> list[StoredReceipt]:
        """Every attempt's receipt since ``since`` (the ledger and the dashboard read these)."""
        return self._reads.receipts(since=since)

    # -- changing --------------------------------------------------------------------------

    def rename(self, conversation_id: int, title: str) -> str:
        """Give the conversation a new title (one line, trimmed); returns the title kept."""
        cleaned = " ".join(title.split())
        if not cleaned:
            raise KnownError("a conversation needs a title that is not empty")
        if len(cleaned) > MAX_TITLE:
            cleaned = cleaned[:MAX_TITLE - 1].rstrip() + "…"
        self._store.rename_conversation(conversation_id, cleaned)
        return cleaned

    def set_locked(self, conversation_id: int, locked: bool) -> None:
        """Lock the conversation to this device (nothing of it leaves), or unlock it."""
        self._store.set_locked_local(conversation_id, locked)

    def set_collections(self, conversation_id: int, names: Sequence[str]) -> None:
        """Which document collections the conversation's questions draw on (none: ``()``)."""
        self._store.set_collections(conversation_id, list(dict.fromkeys(names)))

    def delete(self, conversation_id: int) -> None:
        """Delete the conversation and every version of its messages."""
        self._store.delete_conversation(conversation_id)

    def choose_version(self, message_id: int) -> Thread:
        """Show this version of a message (with what follows it); the thread as now shown."""
        message = self._store.message(message_id)
        self._store.choose_version(message_id)
        return self._store.thread(message.conversation_id)

    def recover_interrupted(self) -> int:
        """Answers a crashed process left streaming become stopped (call once at start)."""
        return self._store.recover_interrupted()
