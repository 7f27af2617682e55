"""Street addresses of people: a house number and a street, with a person or a postcode nearby.

Street shapes per country, as people write them:

- US / UK: ``1427 Maple Avenue``, ``221B Baker Street``, ``2201 W Cermak Rd Apt 4``,
  ``14 Oakfield Gardens``: a number, up to four capitalised words, a street type;
- German-speaking and Dutch: ``Lindenstraße 17``, ``Hauptstr. 4a``, ``Am Mühlbach 9``,
  ``Keizersgracht 241``, ``Van Woustraat 77-2``: a street word (or a preposition and a name),
  then the number;
- French: ``12 rue des Lilas``, ``5 bis avenue Jean Jaurès``: number, street type, name;
- Spanish / Italian: ``Calle de Alcalá 123``, ``c/ Mayor 14``, ``Via Garibaldi 21``,
  ``Corso Vittorio Emanuele II 112``: street type, name, number.

A street alone is not personal ("the White House is at 1600 Pennsylvania Avenue"): it counts
when a person is named in the sentence (``_people``), when a living or sending verb leads to it
("I live at", "ship to", "wohne in"), or when a postcode follows it (a full postal address).

Libraries considered: pyap (regex, US/CA/GB only) needs the city, state and ZIP to find a US
address, missed "42 Wallaby Way" and "Mayor 14", took 3 ms on a 4 KB prompt, and had its last
release in 2020; usaddress (a CRF model) parses a string already known to be an address and does
not find one in free text. Neither covers German, French, Spanish, Italian or Dutch streets.
"""

from __future__ import annotations

import re

from desktop.core.routing._candidates import PATTERN, Candidate
from desktop.core.routing._people import has_person
from desktop.core.routing._vocabulary import trie

ADDRESS = "address"

_CAP = r"[A-ZÀ-Ý][\wÀ-ÿ'’.-]*"
_EN_TYPES = (
    r"Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    r"Terrace|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Close|Gardens|Crescent|Cres|Grove|Square|Sq|"
    r"Row|Mews|Hill|Walk|Trail|Trl|Pike|Loop|Alley|Park|View|Rise|Green|Wharf|Quay|Vale"
)
# The words that open a street, in the order the shapes try them; each also hints, below, at
# where to look for its shape.
_FR_TYPES = ("rue", "avenue", "av.", "boulevard", "bd", "allée", "chemin", "place", "impasse",
             "quai", "route", "cours", "square", "passage", "résidence")
_SOUTH_TYPES = ("Calle", "C/", "c/", "Avenida", "Avda.", "Av.", "Paseo", "Plaza", "Pza.",
                "Camino", "Carretera", "Ronda", "Travesía", "Via", "Viale", "Corso", "Piazza",
                "Piazzale", "Largo", "Vicolo", "Strada", "Lungomare", "Rua", "Avenida",
                "ul.", "ulica", "al.", "aleja", "os.", "pl.")
_GERMANIC_PREPOSITIONS = ("Am", "An der", "An den", "Auf dem", "Auf der", "Im", "In der", "Zum",
                          "Zur", "Unter den")


def _alternatives(words: tuple[str, ...]) -> str:
    """``words`` as a regex alternation, in order; a space matches any whitespace."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)


_UNIT = r"(?:,?\s+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Fl\.?|#)\s?\w{1,5})?"
_DIRECTION = r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?\s+)?"
_EN = (rf"\b\d{{1,6}}[A-Za-z]?\s+{_DIRECTION}(?:{_CAP}\s+){{0,3}}(?:\d{{1,3}}(?:st|nd|rd|th)\s+)?"
       rf"(?:{_EN_TYPES})\b\.?(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?{_UNIT}")
_GERMANIC_SUFFIX = (
    r"straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad|markt|"
    r"graben|berg|hof|straat|laan|gracht|plein|kade|singel|dijk|steeg|pad|dreef|hof"
)
_HOUSE = r"\d{1,4}(?:\s?[a-zA-Z]\b|-\d{1,3}\b|/\d{1,3}\b)?"
_GERMANIC = (
    rf"\b(?:(?:Van|Von|De|Den|Der|Sankt|St\.)\s+)?[A-ZÀ-Ý][\wäöüßÄÖÜ-]*?(?:{_GERMANIC_SUFFIX})"
    rf"\s+{_HOUSE}"
    rf"|\b(?:{_alternatives(_GERMANIC_PREPOSITIONS)})\s+{_CAP}(?:\s+{_CAP})?\s+{_HOUSE}"
)
_FR = (rf"\b\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+(?:{_alternatives(_FR_TYPES)})\s+"
       rf"(?:(?:de|des|du|la|le|l'|d')\s*)*{_CAP}(?:\s+{_CAP}){{0,3}}")
_SOUTH = (rf"\b(?:{_alternatives(_SOUTH_TYPES)})\.?\s+"
          rf"(?:(?:de|del|de\s+la|di|della|dei|delle|da)\s+)?{_CAP}(?:\s+{_CAP}){{0,4}},?\s+"
          rf"(?:n\.?\s?º?\s?|nº\s?)?{_HOUSE}")
_GERMANIC_ENDINGS = tuple(e.replace("\\", "") for e in _GERMANIC_SUFFIX.split("|"))
_NUMBER_AFTER_WORD = re.compile(r"(?<=[\w.] )\d{1,4}(?!\d)")
_WORD_BEFORE = re.compile(r"[\w.-]+$")
_EN_SHAPE, _FR_SHAPE, _SOUTH_SHAPE, _GERMANIC_SHAPE = (
    re.compile(_EN), re.compile(_FR), re.compile(_SOUTH), re.compile(_GERMANIC))
# Street words that hint at a shape, on the lower-cased text (one pass for all of them), with
# the shape to search around each and the window (chars before, after). Capitalised ones must
# be capitalised in the text.
_HINT_WORDS: dict[str, list[tuple[re.Pattern[str], int, int, bool]]] = {}
for _words, _shape in (
        (_EN_TYPES.split("|"), (_EN_SHAPE, 90, 30, True)),
        (_FR_TYPES, (_FR_SHAPE, 20, 90, False)),
        (_SOUTH_TYPES, (_SOUTH_SHAPE, 0, 90, False)),
        (_GERMANIC_PREPOSITIONS, (_GERMANIC_SHAPE, 0, 60, True))):
    for _word in _words:
        _HINT_WORDS.setdefault(_word.lower(), []).append(_shape)
_HINT = re.compile(rf"(?<![\w/])(?:{trie(set(_HINT_WORDS))})(?![\w/])")


def _streets(text: str, lowered: str) -> list[tuple[int, int]]:
    spans: set[tuple[int, int]] = set()
    for found in _HINT.finditer(lowered):
        for shape, before, after, capital in _HINT_WORDS[" ".join(found.group().split())]:
            if capital and not text[found.start()].isupper():
                continue
            low, high = max(0, found.start() - before), min(len(text), found.end() + after)
            spans.update(m.span() for m in shape.finditer(text, low, high))
    # German and Dutch streets: a word with a street ending, then the house number.
    for number in _NUMBER_AFTER_WORD.finditer(lowered):
        word = _WORD_BEFORE.search(lowered, max(0, number.start() - 40), number.start() - 1)
        if word and word.group().endswith(_GERMANIC_ENDINGS):
            low, high = max(0, word.start() - 20), min(len(text), number.end() + 20)
            spans.update(m.span() for m in _GERMANIC_SHAPE.finditer(text, low, high))
    return sorted(spans)


# A postcode after the street: US ZIP (after a state), UK postcode, 4–5 digit European codes
# (Dutch with two letters).
_POSTCODE = re.compile(
    r"[\s,]+(?:[A-Za-zÀ-ÿ .'-]{2,30},?\s+)?(?:[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"
    r"|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b|\d{4,5}\s?(?:[A-Z]{2}\s)?[A-ZÀ-Ý][\wÀ-ÿ-]+"
    # Irish Eircode; Polish and Portuguese codes with a dash ("00-238 Warszawa", "1000-001")
    r"|[AC-FHKNPRTV-Y]\d[\dW]\s?[0-9AC-FHKNPRTV-Y]{4}\b|\d{2}-\d{3}\s+[A-ZÀ-Ý]|\d{4}-\d{3}\b)"
)
_LEAD = re.compile(
    r"(?:\b(?:live|lives|living|moved|reside|resides|address|addressed|ship|shipping|send|"
    r"deliver|delivery|mail|post|wohne|wohnt|wohnen|adresse|anschrift|absender|empfänger|"
    r"habite|habitons|domicile|destinataire|expéditeur|vivo|vive|dirección|domicilio|envía|"
    r"enviar|abito|abita|residente|indirizzo|spett|woon|woont|adres|stuur|bezorg|"
    # Polish and Portuguese; the field names of forms, CSV headers and JSON keys
    r"mieszkam|mieszka|zamieszkały|zamieszkała|moro|mora|morada|endereço|street|strasse|"
    r"straße|calle|rue|via|straat|addr|address1|line1|address_line1)\b)",
    re.I,
)


# A business's premises: "our office is at …" names no person's home.
_PREMISES = re.compile(
    r"\b(?:office|offices|company|shop|store|restaurant|hotel|headquarters|hq|studio|clinic|"
    r"school|warehouse|factory|firm|agency|branch|venue|büro|firma|geschäft|laden|praxis|"
    r"filiale|bureau|bureaux|entreprise|magasin|société|oficina|empresa|tienda|sede|ufficio|"
    r"azienda|negozio|kantoor|bedrijf|winkel|vestiging)\b",
    re.I,
)


# A street with no street word ("Lange Voorhout 12", "Kurfürstendamm 21"), known by the postcode
# and town after it: found from the postcode, then read backwards.
_POSTCODE_TOWN = re.compile(r"\d(?<![\w.,-]\d)(?:\d{3}\s?[A-Z]{2}|\d{3,4})\s+[A-ZÀ-Ý][a-zà-ÿ]")
_STREET_BEFORE = re.compile(r"(?<![\w-])((?:[A-ZÀ-Ý][\w'’.-]*\s+){1,4}\d{1,4}[a-zA-Z]?"
                            r"(?:[-/]\d{1,3})?),?\s+\Z")


def _streets_before_postcodes(text: str) -> list[tuple[int, int]]:
    spans = []
    for postcode in _POSTCODE_TOWN.finditer(text):
        street = _STREET_BEFORE.search(text, max(0, postcode.start() - 60), postcode.start())
        if street is not None:
            spans.append(street.span(1))
    return spans


# A line that is only a name, as on a label or atop a letter ("Liam O'Connor").
_NAME_LINE = re.compile(r"[ \t]*(?:[A-ZÀ-Ý][\wÀ-ÿ'’.-]+[ \t]+){1,3}[A-ZÀ-Ý][\wÀ-ÿ'’.-]+"
                        r"[ \t]*,?[ \t]*\n?\Z")


def detect_addresses(text: str, lower: str | None, found: list[Candidate]) -> None:
    """Append the street addresses of ``text`` that belong to a person (``lower``:
    ``_text.lowered(text)``)."""
    for start, end in _streets(text, text if lower is None else lower):
        line_start = max(text.rfind("\n", 0, start), text.rfind(".", 0, start - 1)) + 1
        before = text[max(line_start, start - 120):start]
        # An address block: a lead word ("Return address:", "Ship to:") on the lines above.
        block = text[max(0, start - 120):start]
        # A name on the line before ("Herr Jonas Fischer\nAm Mühlbach 9") is part of the letter.
        previous_line = text[max(0, text.rfind("\n", 0, max(0, line_start - 1)) + 1):line_start]
        premises = _PREMISES.search(before) is not None
        if not (_LEAD.search(before) or (has_person(before) and not premises)
                or _POSTCODE.match(text, end) is not None
                or (previous_line.strip() and (has_person(previous_line)
                                               or _NAME_LINE.match(previous_line) is not None))
                or (not premises and "\n" in block and _LEAD.search(block) is not None)):
            continue
        found.append(Candidate(start, end, ADDRESS, PATTERN))
    # Without a street word, the street and postcode also need a lead word or a person.
    for start, end in _streets_before_postcodes(text):
        line_start = text.rfind("\n", 0, start) + 1
        before = text[max(line_start, start - 120):start]
        if _PREMISES.search(before) is None and (_LEAD.search(before) or has_person(before)):
            found.append(Candidate(start, end, ADDRESS, PATTERN))
