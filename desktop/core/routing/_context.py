"""Detectors driven by the words around a value: dates of birth, the identifiers that are bare
digit strings (they only count after a cue such as "BSN:", see ``_recognizers``), pay and
balances (``_money``), stated passwords, and the objects of phrases such as "diagnosed with".

One case-insensitive pass finds every cue; each cue then looks at the text after it. The cues of
identifiers also open a *topic* that the next messages of a conversation inherit.
"""

from __future__ import annotations

import functools
import re

from desktop.core.routing import _vocabulary as vocab
from desktop.core.routing._candidates import CONTEXT, MARKER, PATTERN, Candidate
from desktop.core.routing._money import FINANCIAL, MONEY_CUES, detect_money
from desktop.core.routing._people import has_person
from desktop.core.routing._recognizers import (
    RECOGNIZERS,
    detect_after_cue,
    detect_in_cell,
    detect_topic,
)
from desktop.core.routing._secrets import PASSWORD_CUES, PIN_CUES, detect_stated_password
from desktop.core.routing._text import word_matches

DATE_OF_BIRTH = "date_of_birth"
HEALTH = "health"
PASSWORD_TOPIC = "password"
_NOT_TOPICS = frozenset({"birth", "money", "health_cue"})


_CUE_GROUPS: dict[str, tuple[str, ...]] = {
    "birth": vocab.BIRTH_CUES, "money": MONEY_CUES, "health_cue": vocab.HEALTH_CUES,
    PASSWORD_TOPIC: PASSWORD_CUES,
    **{recognizer.name: recognizer.cues for recognizer in RECOGNIZERS},
}
_GROUPS_OF: dict[str, tuple[str, ...]] = {}
for _name, _phrases in _CUE_GROUPS.items():
    for _phrase in _phrases:
        _GROUPS_OF[_phrase] = (*_GROUPS_OF.get(_phrase, ()), _name)


@functools.cache
def _cues(any_case: bool) -> re.Pattern[str]:
    """Every cue phrase in one regex, for the lower-cased text or (fallback, for text whose
    lower case changes length) ignoring case; compiled on the first scan, not at import."""
    # A cue that ends in a letter must end a word; one that ends in a sign ("ss#", "b.") may
    # touch its value ("SS#307015289").
    # German and Dutch glue "nummer" to the noun ("Personalausweisnummer", "paspoortnummer").
    end = r"(?:-?(?:nummer|nr\.?))?(?:(?<=\w)(?![\w-])|(?<!\w))"
    return re.compile(vocab.trie(set(_GROUPS_OF)) + end, re.I if any_case else 0)
_COMPOUND_NUMBER = re.compile(r"-?(?:nummer|nr\.?)$")
_TIGHT_GAP = re.compile(r"[ \t]*(?:(?:am|on|le|el|il|op|den|the)[ \t]+)?")
# Birth cues that are a sign, not a word ("(* 12.05.1931)", "b. 1990-02-28"): the date must
# follow at once.
_TIGHT_BIRTH_CUES = frozenset({"(*", "b.", "geb.", "geb"})

_MONTH = vocab.trie(set(vocab.MONTHS))
_DATE = re.compile(
    r"(?<![\w.])(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d\d)"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\.?(?:\s+|[-/])(?:(?:of|de)\s+)?(?:{_MONTH})\.?,?(?:\s+|[-/])"
    rf"(?:de\s+)?(\d{{4}})"
    rf"|(?:{_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}))(?!\w|[.,/-]\d)",
    re.I,
)
_HEALTH_OBJECT = re.compile(r"[^\S\n]+((?:[\w'’-]+[^\S\n]*){1,6})")


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


# How far before a birth verb its date may end: German and Dutch put the verb last ("ich bin
# am 23.04.1978 geboren", "ik ben op 8 mei 1951 geboren").
_BIRTH_REACH_BEFORE = 25


def _birth(text: str, cue: str, start: int, end: int, found: list[Candidate]) -> None:
    reach = 60
    if cue in _TIGHT_BIRTH_CUES:  # the date follows at once, or after "am", "le", "on" …
        gap = _TIGHT_GAP.match(text, end)
        reach = (gap.end() if gap else end) - end + 1
    newline = text.find("\n", end, end + reach)
    match = _DATE.search(text, end, newline if newline != -1 else end + reach + 30)
    if match and match.start() - end <= reach and _date_ok(match.groups()):
        found.append(Candidate(match.start(), match.end(), DATE_OF_BIRTH, PATTERN))
        return
    if cue in _TIGHT_BIRTH_CUES:
        return
    # The date before the verb, in a sentence about a person (not "Angela Merkel wurde am
    # 17. Juli 1954 geboren": a fact about the world).
    line_start = text.rfind("\n", 0, start) + 1
    before = [m for m in _DATE.finditer(text, max(line_start, start - 80), start)
              if start - m.end() <= _BIRTH_REACH_BEFORE and _date_ok(m.groups())]
    if before and has_person(text[line_start:before[-1].start()]):
        found.append(Candidate(before[-1].start(), before[-1].end(), DATE_OF_BIRTH, PATTERN))


def _health_cue(text: str, end: int, found: list[Candidate]) -> None:
    match = _HEALTH_OBJECT.match(text, end)
    if match:
        found.append(Candidate(match.start(1), match.start(1) + len(match.group(1).rstrip()),
                               HEALTH, MARKER))


def detect_in_context(text: str, lower: str | None, found: list[Candidate],
                      topics: set[str] | None = None) -> None:
    """Append candidates for values made sensitive by the cue words before them.

    ``lower`` is ``_text.lowered(text)``. The names of the identifier recognizers (and
    ``"password"``) whose cues appear are added to ``topics``, for the messages that follow.
    """
    for match in word_matches(text, lower, _cues):
        start = match.start()
        phrase = " ".join(match.group().lower().split())
        names = _GROUPS_OF.get(phrase)
        if names is None:  # "personalausweisnummer": the cue and a glued "nummer"
            phrase = _COMPOUND_NUMBER.sub("", phrase)
            names = _GROUPS_OF.get(phrase)
        if names is None:  # only with the any-case fallback: "ſ" matches "s" but is not "s"
            continue
        for name in names:
            if name == "birth":
                _birth(text, phrase, start, match.end(), found)
            elif name == "money":
                detect_money(phrase, text, start, match.end(), found)
            elif name == "health_cue":
                _health_cue(text, match.end(), found)
            elif name == PASSWORD_TOPIC:
                detect_stated_password(text, match.end(), found, phrase in PIN_CUES, phrase)
            else:
                detect_after_cue(name, text, start, match.end(), found)
            if topics is not None and name not in _NOT_TOPICS:
                topics.add(name)


def detect_topics(text: str, topics: set[str], found: list[Candidate]) -> None:
    """Values of the earlier messages' topics anywhere in ``text``."""
    for name in sorted(topics):
        if name == PASSWORD_TOPIC:
            starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
            for line_start in starts:
                detect_stated_password(text, line_start, found)
        else:
            detect_topic(name, text, found)


# -- tables: a header names the column, the cells below it are the values -----------------------

# Column names that are cues only as a header ("net", "diagnosis"), by the group they open.
_COLUMN_CUES: dict[str, str] = {
    **dict.fromkeys(("net", "gross", "net pay", "gross pay", "amount owed", "amount due",
                     "annual salary", "monthly salary", "base salary", "bonus"), "money"),
    **dict.fromkeys(("diagnosis", "diagnose", "diagnosi", "diagnóstico", "diagnostic",
                     "condition", "medication", "medications", "medikament", "medikamente",
                     "médicament", "medicamento", "farmaco", "medicatie", "icd", "icd-10",
                     "allergies", "allergy"), "health_column"),
    **dict.fromkeys(("birth date", "birthdate", "date of birth", "dob", "geburtsdatum",
                     "geboortedatum", "date de naissance", "fecha de nacimiento",
                     "data di nascita", "born"), "birth"),
}
_CELL_SEPARATORS = ",;\t|"
_EMPTY_CELLS = frozenset({"none", "n/a", "na", "-", "--", "---", "nil", "null", "keine", "kein",
                          "aucun", "aucune", "ninguno", "ninguna", "nessuno", "geen", "no"})
# A header: a line of two or more short labels (a longer cell makes the line prose or data).
# Matched at each line start (a loop over lines is cheaper than a multi-line search).
_HEADER = re.compile(r"[ \t|]*[\"'`]?[^\W\d][\w .#/'\"`-]{0,40}(?:[,;\t|][ \t]*[\"'`]?"
                     r"[^\W\d][\w .#/'\"`-]{0,40})+[ \t|]*\r?(?=\n|\Z)")
_LABEL = re.compile(r"[\"'`]?\s*([^\W\d][\w .#/'-]{0,40}?)\s*[\"'`]?")
_CELL_NUMBER = re.compile(r"[\"']?\s*[-+]?[$€£]?\s?\d[\d ,.']*\s?(?:[€$£]|[A-Z]{3})?\s*[\"']?")


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The cells of the row ``text[start:end]``, split at its most frequent separator."""
    row = text[start:end]
    separator = max(_CELL_SEPARATORS, key=row.count)
    cells, position = [], start
    for part in row.split(separator):
        cells.append((position, position + len(part)))
        position += len(part) + 1
    return cells


def _column_group(text: str, start: int, end: int) -> str | None:
    label = _LABEL.fullmatch(text, start, end)
    if label is None:
        return None
    phrase = " ".join(label.group(1).lower().replace("_", " ").split())
    if phrase in _COLUMN_CUES:
        return _COLUMN_CUES[phrase]
    names = _GROUPS_OF.get(phrase)
    return names[0] if names else None


def _cell(group: str, text: str, start: int, end: int, found: list[Candidate]) -> None:
    while start < end and text[start] in " \"'":
        start += 1
    while end > start and text[end - 1] in " \"'\r":
        end -= 1
    if start == end:
        return
    if group == "money":
        if _CELL_NUMBER.fullmatch(text, start, end):
            found.append(Candidate(start, end, FINANCIAL, CONTEXT))
    elif group == "birth":
        date = _DATE.fullmatch(text, start, end)
        if date is not None and _date_ok(date.groups()):
            found.append(Candidate(start, end, DATE_OF_BIRTH, PATTERN))
    elif group == "health_column":
        if text[start:end].lower() not in _EMPTY_CELLS:
            found.append(Candidate(start, end, HEALTH, MARKER))
    elif group not in _NOT_TOPICS and group != PASSWORD_TOPIC:
        detect_in_cell(group, text, start, end, found)


def detect_in_tables(text: str, found: list[Candidate]) -> None:
    """Append the values of CSV, TSV and Markdown tables whose header names a sensitive
    column ("employee,iban,net" then "K. Novak,DE58…,3120.00": the 3120.00 is pay)."""
    line = 0
    while line < len(text):
        row = _HEADER.match(text, line)
        following = text.find("\n", line)
        line = len(text) if following == -1 else following + 1
        if row is None:
            continue
        header = [_column_group(text, start, end) for start, end in _cells(text, *row.span())]
        if not any(header):
            continue
        position = row.end() + 1
        while position < len(text):
            end = text.find("\n", position)
            end = len(text) if end == -1 else end
            cells = _cells(text, position, end)
            if len(cells) != len(header):
                break
            for group, (start, stop) in zip(header, cells, strict=True):
                if group is not None:
                    _cell(group, text, start, stop, found)
            position = end + 1
