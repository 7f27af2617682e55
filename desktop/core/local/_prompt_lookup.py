"""Prompt-lookup drafting: guess the next tokens from text the conversation already holds.

When an answer repeats text from the prompt (a rewrite, a fix, code with small edits), the last
few tokens generated usually appeared before, followed by what comes next. Those following tokens
are a draft; the model checks them all in one batch (_decoder.py) and keeps the ones it would have
chosen itself, so the answer is the same, only sooner (the principle of llama-cpp-python's
``LlamaPromptLookupDecoding`` and llama.cpp's n-gram lookup).

A rejected draft costs a batch instead of a single token. After a miss the drafter waits a few
tokens before looking again (longer after each miss in a row), which keeps the cost of a
conversation that never repeats itself small.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# Finds draft tokens: (tokens so far, at most how many) -> the draft (maybe empty).
Lookup = Callable[[np.ndarray, int], Sequence[int]]

LONGEST_NGRAM = 3  # the tail matched against earlier text, tried longest first
SHORTEST_NGRAM = 2  # one token alone matches too often to predict anything
# On a shared 2-core CPU (1B Q4_K_M model) a batch of 2 tokens took 1.8-2.2 times as long as one
# token, of 3 tokens 2.1-2.7 times, of 9 tokens 4.2-4.7 times: a draft pays only when most of it
# is accepted, and a rejected one costs one to two tokens' time. Waiting 4, 8 … 64 tokens after
# misses in a row keeps that under 5 % of a 128-token answer that never repeats its prompt.
MAX_DRAFT = 8
FIRST_DRAFT = 2
MIN_DRAFT = 1
MAX_PAUSE = 64


def find_ngram_continuation(history: np.ndarray, limit: int) -> Sequence[int]:
    """The tokens that followed the latest earlier occurrence of ``history``'s last n-gram."""
    size = len(history)
    for n in range(LONGEST_NGRAM, SHORTEST_NGRAM - 1, -1):
        if size <= n:
            continue
        tail = history[-n:]
        # Windows that start before the tail itself, so each has at least one token after it.
        windows = sliding_window_view(history[:-1], n)
        found = np.flatnonzero((windows == tail).all(axis=1))
        if found.size:
            start = int(found[-1]) + n
            return [int(token) for token in history[start:start + limit]]
    return ()


class PromptLookup:
    """Drafts for one answer, adapting how much to draft to how much was accepted."""

    def __init__(self, lookup: Lookup = find_ngram_continuation) -> None:
        self._lookup = lookup
        self._size = FIRST_DRAFT
        self._pause = 0  # tokens left before the next lookup
        self._misses = 0  # drafts rejected whole, in a row

    def propose(self, history: np.ndarray, limit: int) -> Sequence[int]:
        """A draft of at most ``limit`` tokens to follow ``history`` (empty: none now)."""
        if self._pause > 0:
            self._pause -= 1
            return ()
        if limit <= 0:
            return ()
        return self._lookup(history, min(limit, self._size))

    def record(self, drafted: int, accepted: int) -> None:
        """How the model judged the last draft."""
        if drafted == 0:
            return
        if accepted == drafted:
            self._size = min(MAX_DRAFT, self._size * 2)
            self._misses = 0
        elif accepted > 0:
            self._size = max(MIN_DRAFT, accepted + 1)
            self._misses = 0
        else:
            self._size = max(MIN_DRAFT, self._size // 2)
            self._misses += 1
            self._pause = min(MAX_PAUSE, 2 ** (self._misses + 1))
