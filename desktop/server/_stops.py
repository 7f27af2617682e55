"""OpenAI's ``stop`` sequences, applied to the streamed text: the answer ends before the first
one, and the model is stopped there (the engine's own stop signal), so no tokens are wasted.

Text that might be the start of a stop sequence is held back until the next piece shows
whether it is, so a client never sees part of a stop sequence.
"""

from __future__ import annotations

from collections.abc import Sequence


class StopSequences:
    """Feed it text pieces; it returns what may be shown and notes when a sequence matched."""

    def __init__(self, sequences: Sequence[str]) -> None:
        self._sequences = tuple(sequences)
        self._held = ""
        self.matched = False
        self.shown: list[str] = []  # every piece returned, in order

    def feed(self, piece: str) -> str:
        if self.matched:
            return ""
        if not self._sequences:
            return self._show(piece)
        text = self._held + piece
        hits = [i for i in (text.find(s) for s in self._sequences) if i >= 0]
        if hits:
            self.matched, self._held = True, ""
            return self._show(text[:min(hits)])
        keep = max((n for s in self._sequences for n in range(1, len(s))
                    if text.endswith(s[:n])), default=0)
        self._held = text[len(text) - keep:] if keep else ""
        return self._show(text[:len(text) - keep])

    def flush(self) -> str:
        """What was held back, once the answer has ended without a match."""
        held, self._held = self._held, ""
        return self._show(held)

    def _show(self, text: str) -> str:
        if text:
            self.shown.append(text)
        return text
