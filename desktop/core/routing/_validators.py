"""Check digits and format rules: a candidate that fails them is not reported without a cue.

Every function takes the candidate compacted (no separators, upper case) and answers ``True``
only for a value that could have been issued. The national formats with published rules come
from python-stdnum (maintained, pure Python, ~25 ms to import the modules used here, loaded on the
first candidate); the checks on the hot path (Luhn, the IBAN remainder, SSN and NINO rules) stay
here because they run on every digit run and must cost microseconds.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import json
from collections.abc import Callable
from typing import Any

# -- payment cards ------------------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by payment cards and Canadian SINs."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# (first prefix, last prefix, allowed lengths); prefixes compared on the same number of digits.
_CARD_RANGES: tuple[tuple[int, int, frozenset[int]], ...] = (
    (4, 4, frozenset({13, 16, 19})),                     # Visa
    (51, 55, frozenset({16})),                           # Mastercard
    (2221, 2720, frozenset({16})),                       # Mastercard 2-series
    (2200, 2204, frozenset(range(16, 20))),              # Mir
    (34, 34, frozenset({15})),                           # American Express
    (37, 37, frozenset({15})),
    (300, 305, frozenset(range(14, 20))),                # Diners Club
    (36, 36, frozenset(range(14, 20))),
    (38, 39, frozenset(range(14, 20))),
    (3528, 3589, frozenset(range(16, 20))),              # JCB
    (6011, 6011, frozenset(range(16, 20))),              # Discover
    (644, 649, frozenset(range(16, 20))),
    (65, 65, frozenset(range(16, 20))),
    (62, 62, frozenset(range(16, 20))),                  # UnionPay
    (60, 60, frozenset(range(16, 20))),                  # RuPay
    (50, 50, frozenset(range(13, 20))),                  # Maestro
    (56, 58, frozenset(range(13, 20))),
    (63, 63, frozenset(range(13, 20))),
    (67, 67, frozenset(range(13, 20))),
)


def card_ok(digits: str) -> bool:
    """A 13–19 digit number with a known issuer prefix, a length that issuer uses, and Luhn."""
    length = len(digits)
    if not 13 <= length <= 19:
        return False
    for low, high, lengths in _CARD_RANGES:
        width = len(str(low))
        if low <= int(digits[:width]) <= high and length in lengths:
            return luhn_ok(digits)
    return False


# -- IBAN ---------------------------------------------------------------------------------------

# Lengths from the SWIFT IBAN registry.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}


def iban_mod97(compact: str) -> int:
    """ISO 13616 remainder: country and check digits moved to the end, letters as 10..35."""
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97


def iban_ok(compact: str) -> bool:
    """An IBAN without spaces: known country, that country's length, remainder 1."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    return compact.isalnum() and compact.isascii() and iban_mod97(compact) == 1


def iban_registered(compact: str) -> bool:
    """The BBAN also has the structure the IBAN registry gives its country (stdnum)."""
    return stdnum_ok("iban", compact)


def _stdnum_check(module: str, **options: Any) -> Callable[[str], bool]:
    imported: list[Any] = []

    def check(compact: str) -> bool:
        if not imported:
            imported.append(importlib.import_module(f"stdnum.{module}"))
        return bool(imported[0].is_valid(compact, **options))
    return check


_STDNUM: dict[str, Callable[[str], bool]] = {
    "iban": _stdnum_check("iban", check_country=False),
    "it.codicefiscale": _stdnum_check("it.codicefiscale"),
    "nl.bsn": _stdnum_check("nl.bsn"),
    "fr.nir": _stdnum_check("fr.nir"),
    "de.idnr": _stdnum_check("de.idnr"),
    "gb.nhs": _stdnum_check("gb.nhs"),
    "pl.pesel": _stdnum_check("pl.pesel"),
    "es.dni": _stdnum_check("es.dni"),
    "es.nie": _stdnum_check("es.nie"),
    "be.nn": _stdnum_check("be.nn"),
    "ch.ssn": _stdnum_check("ch.ssn"),
    "pt.nif": _stdnum_check("pt.nif"),
    "dk.cpr": _stdnum_check("dk.cpr"),
    "se.personnummer": _stdnum_check("se.personnummer"),
    "no.fodselsnummer": _stdnum_check("no.fodselsnummer"),
    "fi.hetu": _stdnum_check("fi.hetu"),
    "br.cpf": _stdnum_check("br.cpf"),
}

# The personal numbers with a check digit, by length: any of them after a generic cue ("tax
# id", "ID number", "NIF") is a national ID whichever country issued it.
_PERSONAL_BY_LENGTH: dict[int, tuple[str, ...]] = {
    9: ("nl.bsn", "pt.nif"),
    10: ("dk.cpr", "se.personnummer"),
    11: ("de.idnr", "pl.pesel", "be.nn", "no.fodselsnummer", "br.cpf", "fr.nir"),
    12: ("se.personnummer",),
    13: ("ch.ssn", "fr.nir"),
    15: ("fr.nir",),
}


def personal_number_ok(compact: str) -> bool:
    """``compact`` (digits) is a valid personal or tax number of one of the countries above."""
    names = _PERSONAL_BY_LENGTH.get(len(compact), ())
    return compact.isdigit() and any(_STDNUM[name](compact) for name in names)


def stdnum_ok(name: str, compact: str) -> bool:
    """``compact`` passes python-stdnum's check for ``name`` (e.g. ``"nl.bsn"``)."""
    return _STDNUM[name](compact)


# -- national identifiers -----------------------------------------------------------------------

# Printed on sample cards or used as the example in forms and documentation; never issued.
_SSN_NEVER_ISSUED = frozenset({"078051120", "219099999", "123456789", "987654320",
                               "987654321", "987654322", "987654323", "987654324",
                               "987654325", "987654326", "987654327", "987654328",
                               "987654329"})


def ssn_ok(area: str, group: str, serial: str) -> bool:
    """US SSN: area 001–899 but not 666, group 01–99, serial 0001–9999."""
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return area + group + serial not in _SSN_NEVER_ISSUED


def itin_ok(area: str, group: str, serial: str) -> bool:
    """US ITIN (written like an SSN): area 9xx, group 50–65, 70–88, 90–92 or 94–99."""
    number = int(group)
    return area[0] == "9" and serial != "0000" and (
        50 <= number <= 65 or 70 <= number <= 88 or 90 <= number <= 92 or 94 <= number <= 99)


_NINO_UNUSED_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def nino_ok(prefix: str) -> bool:
    """UK National Insurance number: the letter rules live in the regex, these pairs never issue."""
    return prefix not in _NINO_UNUSED_PREFIXES


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni_ok(number: str, letter: str) -> bool:
    """Spanish DNI (8 digits) or NIE (X/Y/Z + 7 digits): the control letter is number mod 23."""
    if number[0] in "XYZ":
        number = str("XYZ".index(number[0])) + number[1:]
    return _DNI_LETTERS[int(number) % 23] == letter


def nir_ok(compact: str) -> bool:
    """French NIR (numéro de sécurité sociale, 15 characters): month range and the 97 key."""
    month = int(compact[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        return False
    department = {"2A": "19", "2B": "18"}.get(compact[5:7], compact[5:7])  # Corsica
    body = compact[:5] + department + compact[7:13]
    return body.isdigit() and 97 - int(body) % 97 == int(compact[13:])


def codice_fiscale_ok(code: str) -> bool:
    """Italian codice fiscale (16 characters): the control character and the birth date."""
    return stdnum_ok("it.codicefiscale", code)


def aba_routing_ok(digits: str) -> bool:
    """US ABA routing number: weights 3, 7, 1 sum to a multiple of ten."""
    if len(digits) != 9 or digits == "000000000":
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


# -- tokens -------------------------------------------------------------------------------------


def jwt_header_ok(segment: str) -> bool:
    """The first JWT segment decodes (base64url) to a JSON object naming an algorithm or type."""
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        header = json.loads(raw)
    except (binascii.Error, ValueError):
        return False
    return isinstance(header, dict) and bool({"alg", "typ", "enc", "kid"} & header.keys())


def basic_auth_ok(encoded: str) -> bool:
    """HTTP Basic credentials: base64 of ``user:password``."""
    try:
        raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    return ":" in text and text.isprintable()
