"""The privacy gate on the labelled corpus (``corpus/*.jsonl``): recall per group of classes and
the false-positive rate must meet the goals on every part of it.

Goals: recall at least 99 % for identifiers and secrets and 95 % for free-text personal data
(addresses, health, pay and balances); at most 5 % of benign prompts flagged. The whole
conversation of a multi-message entry is scanned as one (``scan_conversation``).
"""

from __future__ import annotations

import pytest

from desktop.core.routing import KINDS, scan_conversation

from .corpus_eval import FP_GOAL, GOALS, GROUPS, PARTS, details, evaluate, load, report


@pytest.fixture(scope="module", params=PARTS)
def part(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_corpus_is_large_and_covers_every_class() -> None:
    entries = [entry for name in PARTS for entry in load(name)]
    assert len(entries) >= 400
    classes = {kind for entry in entries for kind in entry.expect}
    assert classes == set(KINDS) - {"custom"}
    assert {entry.lang for entry in entries} >= {"en", "de", "fr", "es", "it", "nl"}
    benign = sum(1 for entry in entries if not entry.expect)
    assert 0.25 <= benign / len(entries) <= 0.5


def test_recall_and_false_positives_meet_the_goals(part: str) -> None:
    score = evaluate(load(part), scan_conversation)
    summary = "\n".join(report(score, part) + details(score))
    for group, classes in GROUPS.items():
        assert score.recall(classes) >= GOALS[group], summary
    assert score.fp_rate <= FP_GOAL, summary
