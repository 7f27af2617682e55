"""How sure the local model was of its answer, read from llama.cpp's logits as it generates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Confidence:
    """How sure the model was of its own answer, from llama.cpp's raw logits (temperature 1).

    ``mean_logprob`` averages the log-probability of every chosen token; ``low_logprob`` is the
    10th percentile (the shakiest stretch); ``first_margin`` is the probability gap between the
    two likeliest first tokens. The router compares them with thresholds the user sets.
    """

    mean_logprob: float
    low_logprob: float
    first_margin: float
    tokens: int


class ConfidenceMeter:
    """Log-probability of each chosen token under the model's raw distribution."""

    def __init__(self, llama_cpp: Any, llm: Any) -> None:
        import numpy

        self._np = numpy
        self._llama_cpp = llama_cpp
        self._llm = llm
        self._n_vocab = llm.n_vocab()
        self._logprobs: list[float] = []
        self._first_margin = 0.0

    def add(self, token: int, index: int = -1) -> None:
        """Score ``token``, sampled from the logits of output ``index`` of the last batch."""
        np = self._np
        pointer = self._llama_cpp.llama_get_logits_ith(self._llm.ctx, index)
        logits = np.ctypeslib.as_array(pointer, shape=(self._n_vocab,)).astype(np.float64)
        top = float(logits.max())
        log_total = top + float(np.log(np.exp(logits - top).sum()))
        self._logprobs.append(float(logits[token]) - log_total)
        if len(self._logprobs) == 1:
            best_two = np.partition(logits, -2)[-2:]
            self._first_margin = float(np.exp(best_two.max() - log_total)
                                       - np.exp(best_two.min() - log_total))

    def result(self) -> Confidence | None:
        if not self._logprobs:
            return None
        ordered = sorted(self._logprobs)
        return Confidence(
            mean_logprob=sum(ordered) / len(ordered),
            low_logprob=ordered[int(0.1 * (len(ordered) - 1))],
            first_margin=self._first_margin, tokens=len(ordered),
        )
