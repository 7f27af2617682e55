"""The shape every detector reports in, before overlaps are resolved."""

from __future__ import annotations

from typing import NamedTuple

# How sure a detector is, used to pick the class of overlapping candidates.
STRUCTURED = 100   # a provider's key format, a PEM block, a JWT with a JSON header
CHECKSUM = 90      # a check digit or checksum passed (Luhn, mod 97, 11-test, mod 23)
FORMAT = 80        # a strict format without a checksum (e-mail, SSN rules, password assignment)
ADDRESS = 70       # a validated IP address
PATTERN = 60       # a plausible format (phone numbers, a date after a birth cue)
CONTEXT = 50       # a number made sensitive by the words before it (account, salary)
USER = 40          # the user's own dictionary
MARKER = 30        # a word or phrase that reveals a topic (health)


class Candidate(NamedTuple):
    """A possible finding: ``[start, end)`` in the scanned text, its class and its rank."""

    start: int
    end: int
    kind: str
    rank: int


def glued_after(text: str, end: int, joiners: str) -> bool:
    """Whether the value ending at ``end`` runs on: a word character, or a joiner and a digit."""
    if end >= len(text):
        return False
    char = text[end]
    if char.isalnum() or char == "_":
        return True
    return char in joiners and end + 1 < len(text) and text[end + 1].isdigit()
