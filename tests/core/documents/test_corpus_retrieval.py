"""Lexical search finds the planted facts of a generated multilingual corpus through
``hearth docs search``, with questions worded differently from the facts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from desktop.__main__ import main
from tests.core.documents.corpus import write_corpus

REQUIRED_TOP3_RATE = 0.90


def test_the_planted_document_is_in_the_top_three_for_most_questions(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    planted = write_corpus(tmp_path / "corpus", documents=140)
    assert main(["docs", "add", "corpus", str(tmp_path / "corpus")]) == 0
    capsys.readouterr()
    hits: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    misses = []
    for fact in planted:
        assert fact.question not in fact.sentence
        assert main(["docs", "search", "corpus", fact.question, "--json", "--limit", "3"]) == 0
        found = [p["path"] for p in json.loads(capsys.readouterr().out)]
        asked[fact.language] += 1
        if str(fact.path) in found:
            hits[fact.language] += 1
        else:
            misses.append((fact.question, fact.path.name))
    rate = sum(hits.values()) / len(planted)
    per_language = ", ".join(f"{lang} {hits[lang]}/{asked[lang]}" for lang in sorted(asked))
    print(f"\nlexical top-3 rate: {rate:.1%} of {len(planted)} questions ({per_language})")
    for question, name in misses:
        print(f"  missed: {question!r} (in {name})")
    assert len(asked) >= 6
    assert rate >= REQUIRED_TOP3_RATE, misses
