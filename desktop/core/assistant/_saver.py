"""Streams text to the front end and keeps the growing answer on disk."""

from __future__ import annotations

import time
from collections.abc import Callable

from desktop.core.errors import StorageError
from desktop.core.store import ConversationStore

SAVE_INTERVAL_S = 0.4  # a partial answer is never more than this old on disk

TextSink = Callable[[str], None]


class PartialSaver:
    """Forwards streamed text and writes the answer so far to the store every 0.4 s."""

    def __init__(self, store: ConversationStore, message_id: int, sink: TextSink | None) -> None:
        self._store = store
        self.message_id = message_id
        self._sink = sink
        self._parts: list[str] = []
        self._saved_at = 0.0
        self.save_error: StorageError | None = None

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def add(self, text: str) -> None:
        if not text:
            return
        self._parts.append(text)
        if self._sink is not None:
            self._sink(text)
        now = time.monotonic()
        if now - self._saved_at >= SAVE_INTERVAL_S:
            self._saved_at = now
            self._save(status=None)

    def finish(self, *, status: str) -> None:
        self._save(status=status)

    def _save(self, *, status: str | None) -> None:
        try:
            self._store.update_message(self.message_id, content=self.text, status=status)
        except StorageError as exc:
            # Keep streaming: the text is on screen, and the final save reports the failure.
            self.save_error = exc
