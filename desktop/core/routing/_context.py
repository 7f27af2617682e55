"""Detectors driven by the words around a value: dates of birth, health and money, the
identifiers that are bare digit strings (they only count after a cue such as "BSN:"), and the
values of credential key names ("password = ...").

One case-insensitive pass finds every cue; each cue then looks at the text right after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from desktop.core.routing import _vocabulary as vocab
from desktop.core.routing._candidates import CHECKSUM, CONTEXT, FORMAT, MARKER, PATTERN, Candidate
from desktop.core.routing._secrets import KEY_NAMES, detect_assignment
from desktop.core.routing._validators import aba_routing_ok, bsn_ok, luhn_ok, ssn_ok

DATE_OF_BIRTH = "date_of_birth"
HEALTH = "health"
FINANCIAL = "financial"
NATIONAL_ID = "national_id"
PHONE = "phone"


def _alternation(phrases: tuple[str, ...]) -> str:
    unique = sorted(set(phrases), key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in unique)


def _trie(phrases: set[str]) -> str:
    """One regex for many phrases, branching a character at a time (fast in ``re``).

    Longer phrases are tried first; a space in a phrase matches any run of whitespace.
    """
    root: dict[str, dict[str, Any]] = {}
    for phrase in phrases:
        node = root
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict[str, Any]]) -> str:
        branches = [(r"\s+" if char == " " else re.escape(char)) + emit(child)
                    for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


_CUE_GROUPS: dict[str, tuple[str, ...]] = {
    "birth": vocab.BIRTH_CUES, "ssn": vocab.SSN_CUES, "bsn": vocab.BSN_CUES,
    "sin": vocab.SIN_CUES, "document": vocab.DOCUMENT_CUES, "phone": vocab.PHONE_CUES,
    "account": vocab.ACCOUNT_CUES, "routing": vocab.ROUTING_CUES,
    "sort_code": vocab.SORT_CODE_CUES, "tax_id": vocab.TAX_ID_CUES, "money": vocab.MONEY_CUES,
    "health_cue": vocab.HEALTH_CUES, "health_term": vocab.HEALTH_TERMS,
    "secret_key": tuple(KEY_NAMES),
}
_GROUP_OF = {phrase: name for name, phrases in _CUE_GROUPS.items() for phrase in phrases}
# Matched on the lower-cased text; the fallback is for text whose lower case changes length.
_CUES_SOURCE = _trie(set(_GROUP_OF)) + r"(?![\w-])"
_CUES = re.compile(_CUES_SOURCE)
_CUES_ANY_CASE = re.compile(_CUES_SOURCE, re.I)

# What may sit between a cue and its value: "account no.: ", "BSN is ", "SSN# ".
_FILLER = r"[^\S\n]*(?:(?:number|no\.?|nr\.?|num\.?|#|is|was|are|:|=|-|–)[^\S\n]*){0,3}"


def _after(value: str) -> re.Pattern[str]:
    return re.compile(_FILLER + r"(" + value + r")(?![\w]|[.,/-]\d)", re.I)


_SSN_VALUE = _after(r"(\d{3})[ -]?(\d\d)[ -]?(\d{4})")
_BSN_VALUE = _after(r"\d{4}[ .]?\d\d[ .]?\d{3}|\d{8}")
_SIN_VALUE = _after(r"\d{3}[ -]?\d{3}[ -]?\d{3}")
_DOCUMENT_VALUE = _after(r"[A-Z0-9]{6,9}")
_PHONE_VALUE = _after(r"\+?\(?\d[\d ()./-]{5,22}\d")
_ACCOUNT_VALUE = _after(r"\d[\d -]{4,22}\d")
_ROUTING_VALUE = _after(r"\d{9}")
_SORT_CODE_VALUE = _after(r"\d\d[- ]?\d\d[- ]?\d\d")
_TAX_ID_VALUE = _after(r"\d{2}-\d{7}|\d{3}[ /]?\d{3}[ /]?\d{3,5}|\d{9,11}")
_AMOUNT = re.compile(
    r"(?:[$€£¥₹]|\b(?:USD|EUR|GBP|CHF|CAD|AUD|JPY|INR)[^\S\n]?)[^\S\n]?\d(?:[\d,.']*\d)?"
    r"(?:[^\S\n]?[kKmM]\b)?|\d[\d,.']*(?:[^\S\n]?[kK]\b|[^\S\n]?(?:USD|EUR|GBP|CHF|CAD|AUD|JPY|"
    r"INR|dollars?|euros?|pounds?|francs?)\b)|(?<=score)[^\S\n]*(?:is|of|:)?[^\S\n]*(\d{3})\b"
)
_MONTH = _alternation(vocab.MONTHS)
_DATE = re.compile(
    r"(?<![\w.])(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d\d)"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:(?:of|de)\s+)?(?:{_MONTH})\.?,?\s+(?:de\s+)?(\d{{4}})"
    rf"|(?:{_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}))(?!\w|[.,/-]\d)",
    re.I,
)
_HEALTH_OBJECT = re.compile(r"[^\S\n]+((?:[\w'’-]+[^\S\n]*){1,6})")
_SENTENCE_STOP = re.compile(r"\n|[.!?;](?:\s|$)")


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def _date_ok(groups: tuple[str | None, ...]) -> bool:
    """Day, month and year in range; numeric day/month may be in either order."""
    iso, numeric, day_month, month_day = groups[0:3], groups[3:6], groups[6:8], groups[8:10]
    if iso[0] is not None:
        year, month, day = (int(g or 0) for g in iso)
        return 1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31
    if numeric[0] is not None:
        first, second, year = (int(g or 0) for g in numeric)
        if len(numeric[2] or "") == 4 and not 1900 <= year <= 2099:
            return False
        return 1 <= first <= 31 and 1 <= second <= 31 and min(first, second) <= 12
    day, year = (int(g or 0) for g in (day_month if day_month[0] is not None else month_day))
    return 1 <= day <= 31 and 1900 <= year <= 2099


def _birth(text: str, end: int, found: list[Candidate]) -> None:
    newline = text.find("\n", end, end + 60)
    match = _DATE.search(text, end, newline if newline != -1 else end + 60)
    if match and _date_ok(match.groups()):
        found.append(Candidate(match.start(), match.end(), DATE_OF_BIRTH, PATTERN))


def _value(pattern: re.Pattern[str], kind: str, rank: int,
           check: Callable[[re.Match[str]], bool] = lambda _m: True
           ) -> Callable[[str, int, list[Candidate]], None]:
    def detect(text: str, end: int, found: list[Candidate]) -> None:
        match = pattern.match(text, end)
        if match and check(match):
            found.append(Candidate(match.start(1), match.end(1), kind, rank))
    return detect


def _money(text: str, end: int, found: list[Candidate]) -> None:
    stop = _SENTENCE_STOP.search(text, end, end + 50)
    match = _AMOUNT.search(text, end, stop.start() if stop else end + 50)
    if match:
        group = 1 if match.group(1) else 0  # a credit score: the number without "is"
        found.append(Candidate(match.start(group), match.end(group), FINANCIAL, CONTEXT))


def _health_cue(text: str, end: int, found: list[Candidate]) -> None:
    match = _HEALTH_OBJECT.match(text, end)
    if match:
        found.append(Candidate(match.start(1), match.start(1) + len(match.group(1).rstrip()),
                               HEALTH, MARKER))


_HANDLERS: dict[str, Callable[[str, int, list[Candidate]], None]] = {
    "birth": _birth,
    "ssn": _value(_SSN_VALUE, NATIONAL_ID, FORMAT, lambda m: ssn_ok(*m.groups()[1:])),
    "bsn": _value(_BSN_VALUE, NATIONAL_ID, CHECKSUM, lambda m: bsn_ok(_digits(m.group(1)))),
    "sin": _value(_SIN_VALUE, NATIONAL_ID, CHECKSUM,
                  lambda m: m.group(1)[0] not in "08" and luhn_ok(_digits(m.group(1)))),
    "document": _value(_DOCUMENT_VALUE, NATIONAL_ID, CONTEXT,
                       lambda m: len(_digits(m.group(1))) >= 4),
    "phone": _value(_PHONE_VALUE, PHONE, PATTERN,
                    lambda m: 7 <= len(_digits(m.group(1))) <= 15),
    "account": _value(_ACCOUNT_VALUE, FINANCIAL, CONTEXT,
                      lambda m: 6 <= len(_digits(m.group(1))) <= 18),
    "routing": _value(_ROUTING_VALUE, FINANCIAL, CHECKSUM,
                      lambda m: aba_routing_ok(m.group(1))),
    "sort_code": _value(_SORT_CODE_VALUE, FINANCIAL, CONTEXT),
    "tax_id": _value(_TAX_ID_VALUE, FINANCIAL, CONTEXT),
    "money": _money,
    "health_cue": _health_cue,
    "secret_key": detect_assignment,
}


def detect_in_context(text: str, found: list[Candidate]) -> None:
    """Append candidates for values made sensitive by the cue words before them."""
    folded = text.lower()
    if len(folded) == len(text):
        matches = _CUES.finditer(folded)
    else:
        folded, matches = text, _CUES_ANY_CASE.finditer(text)
    for match in matches:
        start = match.start()
        name = _GROUP_OF.get(" ".join(match.group().lower().split()))
        if name is None:  # only with the any-case fallback: "ſ" matches "s" but is not "s"
            continue
        before = folded[start - 1] if start else " "
        if before.isalnum() or (before == "_" and name != "secret_key") or (
                before == ":" and name == "secret_key"):  # DB_PASSWORD=, not my_account or
            continue                                      # arn:aws:...:secret:name
        if name == "health_term":
            found.append(Candidate(start, match.end(), HEALTH, MARKER))
        else:
            _HANDLERS[name](text, match.end(), found)
