"""Prompt lookup: drafts checked in one batch give the answer plain decoding gives.

Real llama.cpp on the tiny F16 model, one thread, in this process (``LlamaSession``, so a test can
hand it a drafter that is always right or always wrong) and in the engine process (the setting).
On F16 weights llama.cpp's batched and one-token kernels give the same logits, so the answers
must be identical token for token; quantized kernels round differently (see _decoder.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from desktop.core.chat import ChatMessage, GenerationParams, StopSignal
from desktop.core.local._prompt_lookup import (
    MAX_PAUSE,
    PromptLookup,
    find_ngram_continuation,
)
from desktop.core.local._session import LlamaSession
from desktop.core.local._values import LocalAnswer
from desktop.core.local.engine import EngineConfig, LocalEngine

QUESTION = [ChatMessage("user", "hello there, please repeat: one two three four five six")]
GREEDY = GenerationParams(max_tokens=120, temperature=0.0, seed=1)
SAMPLED = GenerationParams(max_tokens=120, temperature=0.8, seed=5)


def _config(model: Path, **options: bool) -> EngineConfig:
    return EngineConfig(model_path=model, context_size=1024, threads=1, batch_size=64, **options)


@pytest.fixture(scope="module")
def session(tiny_model: Path) -> Iterator[LlamaSession]:
    loaded = LlamaSession.load(_config(tiny_model))
    yield loaded
    loaded.close()


class _Recorder:
    """A lookup that drafts nothing and keeps the longest token history it was shown."""

    def __init__(self) -> None:
        self.history = np.zeros(0, dtype=np.intc)

    def __call__(self, history: np.ndarray, limit: int) -> Sequence[int]:
        self.history = np.array(history)
        return ()


def _answer(session: LlamaSession, params: GenerationParams, lookup: object = None,
            **options: object) -> LocalAnswer:
    kwargs = {"prompt_lookup": lookup is not None, **options}
    if lookup is not None:
        kwargs["lookup"] = lookup
    return session.chat(QUESTION, params, on_text=lambda _t: None, **kwargs)  # type: ignore[arg-type]


def _plain_and_tokens(session: LlamaSession, params: GenerationParams
                      ) -> tuple[LocalAnswer, np.ndarray]:
    """The plain answer, and its prompt and tokens (all but the last) as the model saw them."""
    recorder = _Recorder()
    answer = _answer(session, params, recorder)
    assert answer.drafted_tokens == 0
    return answer, recorder.history


def _oracle(expected: np.ndarray) -> object:
    """Drafts exactly what plain decoding produced next."""
    def lookup(history: np.ndarray, limit: int) -> Sequence[int]:
        assert np.array_equal(expected[:len(history)], history), "the answer went elsewhere"
        return [int(t) for t in expected[len(history):len(history) + limit]]
    return lookup


def _always_wrong(history: np.ndarray, limit: int) -> Sequence[int]:
    return [0] * limit  # <unk>: its output row is zero, greedy and top-k never pick it


def test_ngram_lookup_continues_the_latest_earlier_occurrence() -> None:
    history = np.array([5, 6, 7, 1, 5, 6, 7, 2, 3, 9, 5, 6, 7])
    assert list(find_ngram_continuation(history, 3)) == [2, 3, 9]
    # No earlier "3 4" and no earlier "4": nothing to draft.
    assert list(find_ngram_continuation(np.array([1, 2, 3, 4]), 5)) == []
    # A 2-gram when the 3-gram never occurred before; the draft stops at the history's end.
    assert list(find_ngram_continuation(np.array([8, 1, 2, 7, 1, 2]), 5)) == [7, 1, 2]


def test_misses_in_a_row_make_the_drafter_wait_longer() -> None:
    calls: list[int] = []

    def lookup(history: np.ndarray, limit: int) -> Sequence[int]:
        calls.append(limit)
        return [1] * limit

    drafter = PromptLookup(lookup)
    drafted_at = []
    for step in range(400):
        draft = drafter.propose(np.arange(10), 8)
        if draft:
            drafted_at.append(step)
            drafter.record(len(draft), 0)
    gaps = np.diff(drafted_at)
    assert list(gaps[:5]) == [5, 9, 17, 33, 65]  # waits 4, 8 … 64 tokens
    assert set(gaps[5:]) == {MAX_PAUSE + 1}
    assert calls == [2] + [1] * (len(calls) - 1)  # and drafts the least it can
    while not (draft := drafter.propose(np.arange(10), 8)):
        pass
    drafter.record(len(draft), len(draft))  # a whole draft accepted: no wait, a longer draft
    assert len(drafter.propose(np.arange(10), 8)) == 2


@pytest.mark.parametrize("params", [GREEDY, SAMPLED], ids=["greedy", "seeded-sampling"])
def test_drafts_never_change_the_answer(session: LlamaSession,
                                        params: GenerationParams) -> None:
    plain, expected = _plain_and_tokens(session, params)
    right = _answer(session, params, _oracle(expected))
    wrong = _answer(session, params, _always_wrong)
    assert right.text == plain.text and wrong.text == plain.text
    assert right.tokens_out == plain.tokens_out == params.max_tokens
    # Always right: every draft kept, most tokens came from drafts.
    assert right.accepted_tokens == right.drafted_tokens > params.max_tokens // 2
    # Always wrong: nothing kept, and the drafter soon stopped trying often.
    assert wrong.accepted_tokens == 0 and 0 < wrong.drafted_tokens < params.max_tokens // 4
    assert right.decode_tok_per_s and wrong.decode_tok_per_s


def test_confidence_reads_the_logits_of_each_drafted_position(session: LlamaSession) -> None:
    plain, expected = _plain_and_tokens(session, GREEDY)
    plain = _answer(session, GREEDY, measure_confidence=True)
    drafted = _answer(session, GREEDY, _oracle(expected), measure_confidence=True)
    assert drafted.accepted_tokens > 0
    assert plain.confidence is not None and drafted.confidence is not None
    assert drafted.confidence.mean_logprob == pytest.approx(plain.confidence.mean_logprob,
                                                             abs=1e-4)
    assert drafted.confidence.low_logprob == pytest.approx(plain.confidence.low_logprob,
                                                            abs=1e-4)


def test_a_stop_during_drafted_decoding_keeps_the_model_usable(session: LlamaSession) -> None:
    _plain, expected = _plain_and_tokens(session, GREEDY)
    stop = StopSignal()
    pieces: list[str] = []

    def on_text(text: str) -> None:
        pieces.append(text)
        if len(pieces) == 20:
            stop.set()

    answer = session.chat(QUESTION, GREEDY, on_text=on_text, stop=stop, prompt_lookup=True,
                          lookup=_oracle(expected))  # type: ignore[arg-type]
    assert answer.finish_reason == "cancelled" and answer.tokens_out < GREEDY.max_tokens
    again = _answer(session, GREEDY)
    assert again.tokens_out == GREEDY.max_tokens


def test_the_setting_drafts_from_the_conversation_in_the_engine_process(
        tiny_model: Path) -> None:
    plain_engine = LocalEngine.load(_config(tiny_model))
    lookup_engine = LocalEngine.load(_config(tiny_model, prompt_lookup=True))
    try:
        plain = plain_engine.chat(QUESTION, GREEDY, on_text=lambda _t: None)
        drafted = lookup_engine.chat(QUESTION, GREEDY, on_text=lambda _t: None)
    finally:
        plain_engine.close()
        lookup_engine.close()
    assert plain.drafted_tokens == 0
    assert drafted.text == plain.text
    # The random model falls into loops, which the n-gram lookup predicts.
    assert drafted.accepted_tokens > 0 and drafted.drafted_tokens >= drafted.accepted_tokens
