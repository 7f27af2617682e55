"""``scan`` and ``scan_conversation``: every detector over the text, overlapping candidates
resolved into findings.

Layers, in the order they run: secrets (vendor formats, structures, assignments, entropy),
identifiers with check digits (cards, IBANs, national IDs; python-stdnum), contacts (e-mail,
phones validated with phonenumbers, IP addresses), cue-driven values (``_context``: identifiers
without a check digit, dates of birth, pay and balances, stated passwords), street addresses and
health terms in sentences about a person, and the user's own terms. Every layer reads the folded
text (``_text.fold``: Unicode spaces and hyphens made ASCII, same length), so spans are valid in
the original.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from desktop.core.receipt import Finding
from desktop.core.routing._address import ADDRESS, detect_addresses
from desktop.core.routing._candidates import USER, Candidate
from desktop.core.routing._contact import EMAIL, IP_ADDRESS, PHONE, detect_contacts
from desktop.core.routing._context import (
    DATE_OF_BIRTH,
    HEALTH,
    detect_in_context,
    detect_in_tables,
    detect_topics,
)
from desktop.core.routing._health import detect_health
from desktop.core.routing._health import warm_up as load_drug_names
from desktop.core.routing._identifiers import IBAN, NATIONAL_ID, PAYMENT_CARD, detect_identifiers
from desktop.core.routing._money import FINANCIAL
from desktop.core.routing._phones import regions_from_setting
from desktop.core.routing._secrets import SECRET, detect_secrets
from desktop.core.routing._text import fold, lowered, word_matches
from desktop.core.routing._vocabulary import trie

CUSTOM = "custom"

#: Every class a finding can have, in the order a user would read them.
KINDS: tuple[str, ...] = (SECRET, PAYMENT_CARD, IBAN, NATIONAL_ID, EMAIL, PHONE, IP_ADDRESS,
                          DATE_OF_BIRTH, ADDRESS, HEALTH, FINANCIAL, CUSTOM)
# How many earlier messages lend their topics ("my SSN?") to a message.
TOPIC_MEMORY = 2


@functools.lru_cache(maxsize=32)
def _custom_pattern(terms: tuple[str, ...], any_case: bool) -> re.Pattern[str]:
    """The terms (folded, lower case, not empty) as one regex for the lower-cased text, or
    ignoring case (fallback); compiled once per list of terms."""
    return re.compile(f"(?:{trie(set(terms))})" + r"(?!\w)", re.I if any_case else 0)


def _custom(text: str, lower: str | None, terms: Sequence[str], found: list[Candidate]) -> None:
    words = tuple(sorted({fold(t.strip().lower()) for t in terms if t.strip()}))
    if not words:
        return
    for match in word_matches(text, lower, functools.partial(_custom_pattern, words)):
        found.append(Candidate(match.start(), match.end(), CUSTOM, USER))


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


# One of everything the layers load or compile on first use: cue tries, value regexes,
# python-stdnum modules, phonenumbers metadata, the medication vocabulary.
_WARM_UP_TEXT = (
    "my SSN is 536-22-1942, BSN 111222333, Steuer-ID 12 345 678 901, passport C01X00T47, "
    "IBAN DE89 3704 0044 0532 0130 00, card 4111 1111 1111 1111, CF RSSMRA85T10A562S, "
    "NIR 2 69 05 49 588 157 80, DNI 12345678Z, phone 0152 23456789 or (415) 555-2671, "
    "born 12.05.1931. I live at 12 rue des Lilas. My salary is $85,000. My mother takes "
    "lithium. password: hunter2"
)


def warm_up() -> None:
    """Do now what the first scan would do on first use (about 0.4 s: load the medication
    vocabulary, compile the patterns, import the validators), e.g. from a background thread at
    start-up, so that no question waits for it."""
    load_drug_names()
    scan_conversation(["what is my SSN for?", _WARM_UP_TEXT])


def _regions(phone_regions: Sequence[str] | None) -> Sequence[str]:
    return regions_from_setting("") if phone_regions is None else phone_regions


def _candidates(text: str, custom_terms: Sequence[str], regions: Sequence[str],
                topics: set[str] | None, inherited: set[str]) -> list[Candidate]:
    folded = fold(text)
    lower = lowered(folded)
    found: list[Candidate] = []
    detect_secrets(folded, lower, found)
    detect_identifiers(folded, found)
    detect_contacts(folded, found, regions)
    detect_in_context(folded, lower, found, topics)
    if "\n" in folded:
        detect_in_tables(folded, found)
    if inherited:
        detect_topics(folded, inherited, found)
    detect_addresses(folded, lower, found)
    detect_health(folded, lower, found)
    if custom_terms:
        _custom(folded, lower, custom_terms, found)
    return [c for c in found if c.end > c.start]


def scan(text: str, *, custom_terms: Sequence[str] = (),
         phone_regions: Sequence[str] | None = None) -> list[Finding]:
    """Find sensitive data in ``text``, fully offline.

    Returns findings sorted by ``start``, none overlapping; ``kind`` is one of :data:`KINDS` and
    ``text[start:end]`` is the sensitive value. ``custom_terms`` are the user's own sensitive
    words (client or project names), matched case-insensitively as whole words.
    ``phone_regions`` are the regions (ISO 3166 codes) whose national phone numbers are
    recognised without a country code; ``None``: the locale's region plus the EU, UK and US.
    """
    regions = _regions(phone_regions)
    return _resolve(_candidates(text, custom_terms, regions, None, set()))


def scan_conversation(texts: Sequence[str], *, custom_terms: Sequence[str] = (),
                      phone_regions: Sequence[str] | None = None
                      ) -> list[tuple[Finding, ...]]:
    """Scan the messages of one conversation (system prompt, history, question) as a whole.

    Returns one tuple of findings per text, in order, with spans into that text (as
    :func:`scan` gives them; ready for :func:`~desktop.core.routing.redact`). A cue in one
    message applies to the next ones: after "what can someone do with my SSN?", the message
    "ok, it is 536221847" has a national ID in it. Arguments as for :func:`scan`.
    """
    regions = _regions(phone_regions)
    results: list[tuple[Finding, ...]] = []
    recent: list[set[str]] = []
    for text in texts:
        topics: set[str] = set()
        inherited = set().union(*recent) if recent else set()
        candidates = _candidates(text, custom_terms, regions, topics, inherited)
        results.append(tuple(_resolve(candidates)))
        recent = [*recent, topics][-TOPIC_MEMORY:]
    return results
