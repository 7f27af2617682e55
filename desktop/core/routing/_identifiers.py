"""Numbers that identify a person or an account on their own: cards, IBANs, national IDs.

Only formats with a check digit, or strict issuing rules, are reported without context; the
identifiers that are plain digit strings (Dutch BSN, Canadian SIN, an SSN without dashes) need a
cue word and live in ``_context``.
"""

from __future__ import annotations

import re

from desktop.core.routing._candidates import CHECKSUM, FORMAT, Candidate, glued_after
from desktop.core.routing._validators import (
    IBAN_LENGTHS,
    card_ok,
    codice_fiscale_ok,
    dni_ok,
    iban_ok,
    nino_ok,
    nir_ok,
    ssn_ok,
)

PAYMENT_CARD = "payment_card"
IBAN = "iban"
NATIONAL_ID = "national_id"

# A run of digits joined by single spaces or dashes, not glued to a word, a decimal point or a
# longer dashed/dotted number (the end is checked in Python). Possessive, so a run is never cut
# short to make a match, and a long run is read once.
_DIGIT_RUN = re.compile(r"\d(?<![\w.,/-]\d)(?:[ -]?\d)++")
_IBAN = re.compile(r"[A-Z](?<![\w][A-Z])[A-Z]\d\d(?: ?[A-Z0-9])++")
_SSN = re.compile(r"(\d(?<![\w.,/-]\d)\d\d)-(\d\d)-(\d{4})(?!\w|-\d)")
_NINO = re.compile(r"([A-CEGHJ-PR-TW-Z](?<![\w][A-Z])[A-CEGHJ-NPR-TW-Z]) ?\d\d ?\d\d ?\d\d ?[A-D]"
                   r"(?!\w)")
_DNI = re.compile(r"([0-9XYZ](?<![\w.,+-][0-9XYZ])\d{7})[- ]?([A-Z])(?!\w|[+-]\d)")
_NIR = re.compile(r"[12](?<![\w.,-][12]) ?\d\d ?\d\d ?(?:\d\d|2[AB]) ?\d{3} ?\d{3} ?\d\d"
                  r"(?!\w|[.,-]\d)")
_CODICE_FISCALE = re.compile(r"[A-Z](?<![\w][A-Z])[A-Z]{5}[0-9LMNP-V]{2}[ABCDEHLMPRST]"
                             r"[0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z](?!\w)")
_OMOCODE = str.maketrans("LMNPQRSTUV", "0123456789")


def _cards(text: str, found: list[Candidate]) -> None:
    for match in _DIGIT_RUN.finditer(text):
        run = match.group()
        end = match.end()
        if len(run) < 13 or glued_after(text, end, ".,"):
            continue
        groups = run.replace("-", " ").split(" ")
        if len(groups) > 1 and len(groups[-1]) <= 2 and text.startswith("/", end):
            # "4111 1111 1111 1111 12/27": the expiry month follows the number
            end -= len(groups.pop()) + 1
        # Printed cards use one kind of separator and groups of 3+ digits (4-4-4-4, 4-6-5, …).
        separators = {c for c in run if not c.isdigit()}
        if len(groups) > 1 and (len(separators) > 1 or min(map(len, groups[:-1])) < 3):
            continue
        digits = "".join(groups)
        if card_ok(digits):
            found.append(Candidate(match.start(), end, PAYMENT_CARD, CHECKSUM))


def _ibans(text: str, found: list[Candidate]) -> None:
    for match in _IBAN.finditer(text):
        run = match.group()
        length = IBAN_LENGTHS.get(run[:2])
        if length is None:
            continue
        # Take as many characters as the country uses; the IBAN must end where a group ends.
        positions = [i for i, char in enumerate(run) if char != " "]
        if len(positions) < length:
            continue
        last = positions[length - 1]
        end = match.start() + last + 1
        if end < len(text) and text[end].isalnum():
            continue
        compact = run[: last + 1].replace(" ", "")
        if iban_ok(compact):
            found.append(Candidate(match.start(), end, IBAN, CHECKSUM))


def _national_ids(text: str, found: list[Candidate]) -> None:
    if "-" in text:
        for match in _SSN.finditer(text):
            if ssn_ok(*match.groups()):
                found.append(Candidate(match.start(), match.end(), NATIONAL_ID, FORMAT))
    for match in _NINO.finditer(text):
        if nino_ok(match.group(1)):
            found.append(Candidate(match.start(), match.end(), NATIONAL_ID, FORMAT))
    for match in _DNI.finditer(text):
        number, letter = match.groups()
        if number[1:].isdigit() and dni_ok(number, letter):
            found.append(Candidate(match.start(), match.end(), NATIONAL_ID, CHECKSUM))
    for match in _NIR.finditer(text):
        if nir_ok(match.group().replace(" ", "")):
            found.append(Candidate(match.start(), match.end(), NATIONAL_ID, CHECKSUM))
    for match in _CODICE_FISCALE.finditer(text):
        code = match.group()
        # Letters stand in for digits where two people would share a code ("omocodia").
        if codice_fiscale_ok(code) and code[6:8].translate(_OMOCODE).isdigit():
            found.append(Candidate(match.start(), match.end(), NATIONAL_ID, CHECKSUM))


def detect_identifiers(text: str, found: list[Candidate]) -> None:
    """Append candidates for payment cards, IBANs and national identification numbers."""
    _cards(text, found)
    _ibans(text, found)
    _national_ids(text, found)
