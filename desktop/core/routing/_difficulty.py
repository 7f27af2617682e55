"""A cheap, explainable guess at how hard a question is for a small on-device model.

The score is a sum of weighted signals, capped at 1. It is a heuristic, not a measurement: the
router compares it with ``routing.difficulty_threshold`` and every decision names the signals
that fired, so the user can see (and tune) why a question left the device or did not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = re.compile(
    r"```|^\s{4,}\S|\b(def|class|function|return|import|SELECT|#include)\b|[{};]\s*$", re.M)
_MATH = re.compile(r"\\(frac|int|sum|sqrt)|\b(prove|proof|derive|integral|derivative|theorem|"
                   r"equation|matrix|eigen\w*|probability|optimi[sz]e)\b|[=<>≤≥∑∫]\s*\S",
                   re.I)
_STEPS = re.compile(r"^\s*(\d+[.)]|[-*•])\s+\S|\b(step by step|first\b.*\bthen\b|and then|"
                    r"finally|compare|analy[sz]e|design|plan|trade-?offs?|pros and cons)\b",
                    re.I | re.M)
_BIG_OUTPUT = re.compile(r"\b(\d{3,5})[- ]?(words?|lines?|pages?)\b|\b(detailed|comprehensive|"
                         r"in depth|in-depth|full report|essay|thorough)\b", re.I)

_WEIGHTS = {"long": 0.3, "code": 0.25, "math": 0.3, "multi-step": 0.25, "long answer": 0.25,
            "several questions": 0.15}


@dataclass(frozen=True, slots=True)
class Difficulty:
    score: float
    signals: tuple[str, ...]

    def describe(self) -> str:
        """``"difficulty 0.55 of 1 (code, math)"``: the score and the signals that fired."""
        if not self.signals:
            return f"difficulty {self.score:.2f} of 1 (short, plain question)"
        return f"difficulty {self.score:.2f} of 1 ({', '.join(self.signals)})"


def estimate_difficulty(prompt: str) -> Difficulty:
    """Score ``prompt`` in [0, 1] from its length, code, maths, steps and requested size."""
    signals: list[str] = []
    words = len(prompt.split())
    if words > 150:
        signals.append("long")
    if _CODE.search(prompt):
        signals.append("code")
    if _MATH.search(prompt):
        signals.append("math")
    if len(_STEPS.findall(prompt)) >= 2:
        signals.append("multi-step")
    if _BIG_OUTPUT.search(prompt):
        signals.append("long answer")
    if prompt.count("?") >= 3:
        signals.append("several questions")
    score = min(1.0, sum(_WEIGHTS[s] for s in signals) + min(words, 150) / 1500)
    return Difficulty(round(score, 3), tuple(signals))
