"""Numbers that identify a person or an account on their own: cards, IBANs, national IDs.

Only formats with a check digit, or strict issuing rules, are reported without context; the
identifiers that are plain digit strings (Dutch BSN, Canadian SIN, an SSN without dashes) need a
cue word and live in ``_recognizers``. Every pattern reads the folded text (``_text.fold``: no-break
spaces and hyphens made plain) and ignores case: people type ``de89 3704 …`` and ``x1234567l``.
"""

from __future__ import annotations

import re

from desktop.core.routing._candidates import (
    CHECKSUM,
    FORMAT,
    STRUCTURED,
    Candidate,
    glued_after,
)
from desktop.core.routing._text import compact
from desktop.core.routing._validators import (
    IBAN_LENGTHS,
    card_ok,
    codice_fiscale_ok,
    dni_ok,
    iban_ok,
    iban_registered,
    itin_ok,
    nino_ok,
    nir_ok,
    ssn_ok,
)

PAYMENT_CARD = "payment_card"
IBAN = "iban"
NATIONAL_ID = "national_id"

# A run of digits joined by single spaces, dashes or dots, not glued to a word, a decimal point
# or a longer dashed/dotted number (a comma counts only after a digit: "Lena,4111…" is a CSV
# field, "1,4111" a decimal) (the end is checked in Python). Possessive, so a run is never
# cut short to make a match, and a long run is read once.
_DIGIT_RUN = re.compile(r"\d(?<![\w./-]\d)(?<!\d,\d)(?:[ .-]?\d)++")
# Letters in either case are spelled out rather than matched with re.I: a case-insensitive
# class costs more at every position of a long prompt.
_IBAN = re.compile(r"\b[A-Za-z]{2}\d\d(?:[ -]{0,2}[A-Za-z0-9])++")
_SSN = re.compile(r"(\d(?<![\w./-]\d)(?<!\d,\d)\d\d)-(\d\d)-(\d{4})(?!\w|-\d)")
_NINO = re.compile(r"\b([A-CEGHJ-PR-TW-Za-ceghj-pr-tw-z][A-CEGHJ-NPR-TW-Za-ceghj-npr-tw-z]) ?\d\d"
                   r" ?\d\d ?\d\d ?[A-Da-d](?!\w)")
# DNI "12345678Z", "12.345.678-Z"; NIE "X1234567L", "X-1234567-L".
# One character class first: the regex engine then skips quickly to the candidates.
_DNI = re.compile(r"([0-9XYZxyz](?<![\w.+-][0-9XYZxyz])(?<!\d,\d)"
                  r"(?:(?<=[XYZxyz])[- .]?\d{7}|\d{7}|\d\.\d{3}\.\d{3}))[- ]?([A-Za-z])"
                  r"(?!\w|[+-]\d)")
# Grouped with spaces, dots or dashes, as printed on the carte Vitale or retyped from it.
_NIR = re.compile(r"[12](?<![\w.,-][12])([ .-]?)\d\d\1\d\d\1(?:\d\d|2[AB])\1\d{3}\1\d{3}\1\d\d"
                  r"(?!\w|[.,-]\d)")
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_CF_DIGIT = "[0-9LMNP-Vlmnp-v]"
_CODICE_FISCALE = re.compile(
    rf"\b[A-Za-z]{{3}} ?[A-Za-z]{{3}} ?{_CF_DIGIT}{{2}}[ABCDEHLMPRSTabcdehlmprst]{_CF_DIGIT}{{2}} ?"
    rf"[A-Za-z]{_CF_DIGIT}{{3}}[A-Za-z](?!\w)")


def _card_at(groups: list[str], separators: set[str]) -> int:
    """How many leading groups form a card number (0: none). Trailing groups may be a CVV or
    an expiry typed after the number ("4111 1111 1111 1111 0427 123"), but only past the longest
    card: "3589 1040 4199 9999 005" is a 19-digit number that fails Luhn, not a card and "005".
    """
    total = sum(map(len, groups))
    for count in range(len(groups), 0, -1):
        if count < len(groups) and total <= 19:
            return 0
        head = groups[:count]
        digits = "".join(head)
        if len(digits) < 13:
            return 0
        # Printed cards use groups of 3+ digits (4-4-4-4, 4-6-5, …); dots or a mix of
        # separators are only taken in groups of four ("4111.1111.1111.1111").
        if count > 1 and min(map(len, head[:-1])) < 3:
            continue
        if count > 1 and (separators - {" "} == {"."} or len(separators) > 1) and any(
                len(g) != 4 for g in head[:-1]):
            continue
        if card_ok(digits):
            return count
    return 0


def _cards(text: str, found: list[Candidate]) -> None:
    for match in _DIGIT_RUN.finditer(text):
        run = match.group()
        if len(run) < 13 or glued_after(text, match.end(), ".,"):
            continue
        groups = re.split(r"[ .-]", run)
        if len(groups) > 1 and len(groups[-1]) <= 2 and text.startswith("/", match.end()):
            groups.pop()  # "4111 1111 1111 1111 12/27": the expiry month follows the number
        separators = {c for c in run if not c.isdigit()}
        count = _card_at(groups, separators)
        if count:
            end = match.start() + sum(map(len, groups[:count])) + count - 1
            found.append(Candidate(match.start(), end, PAYMENT_CARD, CHECKSUM))


def _ibans(text: str, found: list[Candidate]) -> None:
    for match in _IBAN.finditer(text):
        if match.start() and text[match.start() - 1] in "-_":  # a UUID's or a key's tail
            continue
        run = match.group()
        length = IBAN_LENGTHS.get(run[:2].upper())
        if length is None:
            continue
        # Take as many characters as the country uses; the IBAN must end where a group ends.
        positions = [i for i, char in enumerate(run) if char.isalnum()]
        if len(positions) < length:
            continue
        last = positions[length - 1]
        end = match.start() + last + 1
        if end < len(text) and text[end].isalnum():
            continue
        value = compact(run[: last + 1], " -")
        # The remainder and the country's length are enough: a BBAN that breaks the registry's
        # structure (python-stdnum) is mistyped or made up, still an account number to keep
        # home; one that keeps it outranks a card number read inside it.
        if iban_ok(value):
            rank = STRUCTURED if iban_registered(value) else CHECKSUM
            found.append(Candidate(match.start(), end, IBAN, rank))


def _national_ids(text: str, found: list[Candidate]) -> None:
    if "-" in text:
        for match in _SSN.finditer(text):
            if ssn_ok(*match.groups()) or itin_ok(*match.groups()):
                found.append(Candidate(match.start(), match.end(), NATIONAL_ID, FORMAT))
    for match in _NINO.finditer(text):
        if nino_ok(match.group(1).upper()):
            found.append(Candidate(match.start(), match.end(), NATIONAL_ID, FORMAT))
    for match in _DNI.finditer(text):
        number, letter = compact(match.group(1), ". -"), match.group(2).upper()
        if number[1:].isdigit() and dni_ok(number, letter):
            found.append(Candidate(match.start(), match.end(), NATIONAL_ID, CHECKSUM))
    for match in _NIR.finditer(text):
        if nir_ok(compact(match.group(), " .-")):
            found.append(Candidate(match.start(), match.end(), NATIONAL_ID, CHECKSUM))
    for match in _CODICE_FISCALE.finditer(text):
        if codice_fiscale_ok(compact(match.group(), " ")):
            found.append(Candidate(match.start(), match.end(), NATIONAL_ID, CHECKSUM))


def detect_identifiers(text: str, found: list[Candidate]) -> None:
    """Append candidates for payment cards, IBANs and national identification numbers.

    ``text`` is the folded text (same length as the original).
    """
    mine: list[Candidate] = []
    _cards(text, mine)
    _ibans(text, mine)
    _national_ids(text, mine)
    if mine and "-" in text:
        # Groups of a UUID can pass Luhn or mod 97 by chance ("be93-e57316b97bff"): a value
        # inside one is not an identifier.
        uuids = [m.span() for m in _UUID.finditer(text)]
        mine = [c for c in mine if not any(s < c.end and c.start < e for s, e in uuids)]
    found.extend(mine)
