"""Scores the privacy gate on the labelled corpus in ``corpus/`` (shared by the test and the
benchmark).

Each corpus line is one prompt: ``text`` (or ``messages``, a conversation sent as a whole),
``expect`` (class → values; ``{}`` for a benign prompt) and ``lang``. A sensitive prompt counts
as caught for a class when a finding of that class overlaps every listed value (or, with no
value listed, when the class is found at all). A benign prompt is a false positive when the gate
reports anything in it.

Parts: ``dev`` (291 prompts) was written first and used while building the detectors;
``holdout`` (165) was written at the same time and first scored once the detectors met the goals
on ``dev`` (identifiers 96.8 %, secrets 100 %, free text 97.0 %, false positives 3.8 %);
``fresh`` (106) was written after that and scored once before any change (identifiers 93.9 %,
secrets 88.9 %, free text 91.7 %, false positives 10.7 %). The misses of both first looks were
then fixed as classes of problems. Four unseen parts followed, each written after the previous
round of changes and scored once before any fix (identifiers / secrets / free text / false
positives):

- ``unseen`` (279), written before reading the detectors: 87.6 / 88.9 / 63.5 / 3.8 %;
- ``unseen2`` (74), after the first round: 93.3 / 100 / 78.6 / 0 %;
- ``unseen3`` (84), after the second round: 88.2 / 100 / 85.0 / 0 %;
- ``unseen4`` (78), after the third round: 96.9 / 80.0 / 82.4 / 4.0 %.
- ``unseen5`` (77), after the fourth round: 96.8 / 80.0 / 82.4 / 4.0 %.
- ``unseen6`` (79), after the fifth round: 96.8 / 80.0 / 77.8 / 8.0 %.

Each part's misses were then fixed as classes (Unicode digits, separators, tables, generic ID
cues with any country's check digit, lab values, verb-final and pro-drop sentences, missing
cue words…), and those parts stay in ``PARTS`` as regression checks. ``unseen6`` is left as
it was first scored, out of ``PARTS``: it is the honest estimate of the gate on prompts it has
never seen. Its misses show the classes still open: verb inflections that are not cue words
("que me llamen al …"), a generic word that is also a phrase ("media jornada"), conditions
and pay words missing from the lists ("relapsed", "gastric bypass", "severance"), a password
after a command-line flag that is not ``-p``; its false positives are a public figure's birth
date and a published test card number (reported on purpose, like AWS's example key).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.receipt import Finding

CORPUS = Path(__file__).with_name("corpus")
PARTS = ("dev", "holdout", "fresh", "unseen", "unseen2", "unseen3", "unseen4",
         "unseen5")

IDENTIFIERS = ("payment_card", "iban", "national_id", "email", "phone", "ip_address",
               "date_of_birth")
SECRETS = ("secret",)
FREE_TEXT = ("address", "health", "financial")
GROUPS = {"identifiers": IDENTIFIERS, "secrets": SECRETS, "free text": FREE_TEXT}
GOALS = {"identifiers": 0.99, "secrets": 0.99, "free text": 0.95}
FP_GOAL = 0.05

Scanner = Callable[[Sequence[str]], Sequence[Sequence[Finding]]]


@dataclass(frozen=True)
class Entry:
    """One labelled prompt."""

    line: int
    messages: tuple[str, ...]
    expect: dict[str, tuple[str, ...]]
    lang: str


@dataclass
class Score:
    """Hits and totals per class, and the benign prompts that were flagged."""

    hits: Counter[str] = field(default_factory=Counter)
    totals: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[Entry, str]] = field(default_factory=list)
    benign: int = 0
    false_positives: list[tuple[Entry, list[tuple[str, str]]]] = field(default_factory=list)

    def recall(self, classes: Sequence[str]) -> float:
        total = sum(self.totals[c] for c in classes)
        return sum(self.hits[c] for c in classes) / total if total else 1.0

    @property
    def fp_rate(self) -> float:
        return len(self.false_positives) / self.benign if self.benign else 0.0


def load(part: str) -> list[Entry]:
    entries = []
    with open(CORPUS / f"{part}.jsonl", encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            data = json.loads(line)
            messages = tuple(data["messages"]) if "messages" in data else (data["text"],)
            expect = {kind: tuple(values) for kind, values in data["expect"].items()}
            entries.append(Entry(number, messages, expect, data["lang"]))
    return entries


def _covered(messages: tuple[str, ...], found: Sequence[Sequence[Finding]], kind: str,
             value: str) -> bool:
    for text, findings in zip(messages, found, strict=True):
        start = text.find(value)
        if start == -1:
            continue
        end = start + len(value)
        if any(f.kind == kind and f.start < end and start < f.end for f in findings):
            return True
    return False


def evaluate(entries: Sequence[Entry], scanner: Scanner) -> Score:
    score = Score()
    for entry in entries:
        found = scanner(entry.messages)
        if not entry.expect:
            score.benign += 1
            flagged = [(f.kind, text[f.start:f.end])
                       for text, findings in zip(entry.messages, found, strict=True)
                       for f in findings]
            if flagged:
                score.false_positives.append((entry, flagged))
            continue
        for kind, values in entry.expect.items():
            score.totals[kind] += 1
            if values:
                hit = all(_covered(entry.messages, found, kind, v) for v in values)
            else:
                hit = any(f.kind == kind for findings in found for f in findings)
            if hit:
                score.hits[kind] += 1
            else:
                score.misses.append((entry, kind))
    return score


def report(score: Score, title: str) -> list[str]:
    lines = [f"{title}: {sum(score.totals.values())} expected classes, {score.benign} benign"]
    for group, classes in GROUPS.items():
        lines.append(f"  {group:12s} recall {score.recall(classes):7.2%} "
                     f"(goal {GOALS[group]:.0%})")
        for kind in classes:
            if score.totals[kind]:
                lines.append(f"    {kind:14s} {score.hits[kind]:3d}/{score.totals[kind]:3d} "
                             f"{score.hits[kind] / score.totals[kind]:7.2%}")
    lines.append(f"  false positives {len(score.false_positives)}/{score.benign} "
                 f"{score.fp_rate:6.2%} (goal <= {FP_GOAL:.0%})")
    return lines


def details(score: Score) -> list[str]:
    lines = [f"  miss {kind} line {entry.line}: {entry.messages!r}"
             for entry, kind in score.misses]
    lines += [f"  false positive line {entry.line}: {flagged!r} in {entry.messages!r}"
              for entry, flagged in score.false_positives]
    return lines
