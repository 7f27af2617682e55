"""``scan``: every detector over one text, overlapping candidates resolved into findings."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from desktop.core.receipt import Finding
from desktop.core.routing._candidates import USER, Candidate
from desktop.core.routing._contact import EMAIL, IP_ADDRESS, PHONE, detect_contacts
from desktop.core.routing._context import DATE_OF_BIRTH, FINANCIAL, HEALTH, detect_in_context
from desktop.core.routing._identifiers import IBAN, NATIONAL_ID, PAYMENT_CARD, detect_identifiers
from desktop.core.routing._secrets import SECRET, detect_secrets

CUSTOM = "custom"

#: Every class a finding can have, in the order a user would read them.
KINDS: tuple[str, ...] = (SECRET, PAYMENT_CARD, IBAN, NATIONAL_ID, EMAIL, PHONE, IP_ADDRESS,
                          DATE_OF_BIRTH, HEALTH, FINANCIAL, CUSTOM)


@functools.lru_cache(maxsize=32)
def _custom_patterns(terms: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """The terms as plain lower-case literals (fast), and the same ignoring case (fallback)."""
    words = sorted({t.strip().lower() for t in terms if t.strip()}, key=len, reverse=True)
    if not words:
        return None
    source = "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words) + r")(?!\w)"
    return re.compile(source), re.compile(source, re.I)


def _custom(text: str, terms: Sequence[str], found: list[Candidate]) -> None:
    patterns = _custom_patterns(tuple(terms))
    if patterns is None:
        return
    folded = text.lower()
    if len(folded) == len(text):
        matches = patterns[0].finditer(folded)
    else:  # a character whose lower case is longer: spans would shift
        folded, matches = text, patterns[1].finditer(text)
    for match in matches:
        start = match.start()
        if start and (folded[start - 1].isalnum() or folded[start - 1] == "_"):
            continue  # inside a longer word
        found.append(Candidate(start, match.end(), CUSTOM, USER))


def _surer(candidate: Candidate, than: Candidate) -> bool:
    """Higher rank first; at equal rank the longer value, which holds more context."""
    return (candidate.rank, candidate.end - candidate.start) > (than.rank, than.end - than.start)


def _resolve(candidates: list[Candidate]) -> list[Finding]:
    """Merge overlapping candidates: the union of their spans, the class of the surest one.

    Taking the union (not just the winner's span) means no part of a detected value is left
    in clear text when the findings are redacted.
    """
    candidates.sort()
    findings: list[Finding] = []
    best: Candidate | None = None
    start = end = 0
    for candidate in candidates:
        if best is not None and candidate.start < end:
            end = max(end, candidate.end)
            if _surer(candidate, best):
                best = candidate
            continue
        if best is not None:
            findings.append(Finding(kind=best.kind, start=start, end=end))
        best, start, end = candidate, candidate.start, candidate.end
    if best is not None:
        findings.append(Finding(kind=best.kind, start=start, end=end))
    return findings


def scan(text: str, *, custom_terms: Sequence[str] = ()) -> list[Finding]:
    """Find sensitive data in ``text``, fully offline.

    Returns findings sorted by ``start``, none overlapping; ``kind`` is one of :data:`KINDS` and
    ``text[start:end]`` is the sensitive value. ``custom_terms`` are the user's own sensitive
    words (client or project names), matched case-insensitively as whole words.
    """
    found: list[Candidate] = []
    detect_secrets(text, found)
    detect_identifiers(text, found)
    detect_contacts(text, found)
    detect_in_context(text, found)
    if custom_terms:
        _custom(text, custom_terms, found)
    return _resolve([c for c in found if c.end > c.start])
