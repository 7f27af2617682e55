"""The answer's tokens, one step at a time; a step may check a draft of several tokens at once.

Plain decoding evaluates the last token and samples the next. With a drafter (_prompt_lookup.py)
a step evaluates the last token and the draft in one batch, with logits for every position, and
samples position by position while the sample equals the draft: every token is still sampled
from the model's distribution after exactly the tokens before it, with the same random draws, so
greedy or seeded answers are the ones plain decoding gives, in fewer passes over the weights.
One caveat: llama.cpp's batched kernels round differently from its one-token kernels on
quantized weights (logits differ by ~0.1 on the tiny Q4_K_M model), so a near-tie can go the
other way, as it can between two builds. Rejected draft tokens are dropped from the KV cache.

Why not llama-cpp-python's ``draft_model``: it switches the context to logits for every token,
which also computes them for every prompt token and keeps them in a matrix that grows by
n_vocab x 4 bytes per token (0.5 MB a token for a 128k vocabulary).
"""

from __future__ import annotations

import time
from typing import Any

from desktop.core.chat import GenerationParams
from desktop.core.local._prompt_lookup import PromptLookup

Sampled = tuple[int, int]  # a token, and the index of the logits it was sampled from


class TokenDecoder:
    """Samples after an evaluated prompt; ``step`` returns one token or several accepted ones."""

    def __init__(self, llm: Any, params: GenerationParams,
                 drafter: PromptLookup | None = None) -> None:
        self._llm = llm
        self._drafter = drafter
        self._n_ctx = llm.n_ctx()
        self._sampler = llm._init_sampler(  # the chain llm.generate would build
            top_k=params.top_k, top_p=params.top_p, min_p=params.min_p,
            temp=params.temperature, repeat_penalty=params.repeat_penalty,
        )
        self._pending: int | None = None  # sampled last, not yet in the KV cache
        self.drafted = 0
        self.accepted = 0

    def step(self, limit: int) -> list[Sampled]:
        """The next tokens (at most ``limit``, at least one); raises llama.cpp's RuntimeError
        when the abort callback stops the evaluation."""
        llm = self._llm
        if self._pending is None:  # the prompt's evaluation left the logits for the first
            return self._take([(self._sampler.sample(llm._ctx, -1), -1)])
        n_past = llm.n_tokens
        draft: list[int] = []
        if self._drafter is not None:
            room = min(limit - 1, self._n_ctx - n_past - 1)
            history = llm.input_ids[:n_past + 1]
            history[n_past] = self._pending
            draft = list(self._drafter.propose(history, room))
        if not draft:
            llm.eval([self._pending])
            return self._take([(self._sampler.sample(llm._ctx, -1), -1)])
        batch = [self._pending, *draft]
        llm._ctx.kv_cache_seq_rm(-1, n_past, -1)
        llm._batch.set_batch(batch=batch, n_past=n_past, logits_all=True)
        llm._ctx.decode(llm._batch)
        llm.input_ids[n_past:n_past + len(batch)] = batch
        llm.n_tokens = n_past + len(batch)
        sampled: list[Sampled] = []
        for index in range(len(batch)):
            token = self._sampler.sample(llm._ctx, index)
            sampled.append((token, index))
            if index == len(draft) or token != draft[index]:
                break
        accepted = len(sampled) - 1
        keep = n_past + 1 + accepted  # the last token and the accepted draft
        if keep < llm.n_tokens:
            llm._ctx.kv_cache_seq_rm(-1, keep, -1)
            llm.n_tokens = keep
        self.drafted += len(draft)
        self.accepted += accepted
        self._drafter.record(len(draft), accepted)  # type: ignore[union-attr]
        return self._take(sampled)

    def _take(self, sampled: list[Sampled]) -> list[Sampled]:
        self._pending = sampled[-1][0]
        return sampled

    def close(self) -> None:
        """Free the native sampler now rather than at garbage collection."""
        if self._sampler is not None:
            self._sampler.close()
            self._sampler = None


class DecodeClock:
    """Tokens after the first, over the time since the first arrived (used when drafts make
    llama.cpp's own counters count decoding as prompt work)."""

    def __init__(self) -> None:
        self._first: float | None = None
        self._last = 0.0
        self._tokens = 0

    def tick(self, count: int) -> None:
        now = time.perf_counter()
        if self._first is None:
            self._first, count = now, count - 1
        self._last = now
        self._tokens += count

    def rate(self) -> float | None:
        if self._first is None:
            return None
        elapsed = self._last - self._first
        return self._tokens / elapsed if self._tokens > 0 and elapsed > 0 else None
