"""Cue-driven recognizers: a value of the right shape near a word that names it.

The shape of Presidio's recognizers (a pattern, an optional checksum, context words), as data:
each :class:`CuedValue` lists its cue words in English, German, French, Spanish, Italian and
Dutch, the regex of its value and an optional validator. A value found after a cue is reported
even when its check digit fails or it is a published example: whoever types "my SSN is …" is
about to send one, and the gate errs toward keeping data home. A valid checksum only raises the
rank, which decides the class when findings overlap.

A cue also opens a *topic*: "what can someone do with my SSN?" followed by "ok, it is 536221847"
in the next message is the same conversation, so ``scan_conversation`` looks for the values of the
previous messages' topics in the whole of the next one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from desktop.core.routing._candidates import CHECKSUM, CONTEXT, Candidate
from desktop.core.routing._phones import (
    nanp_number_ok,
    national_number_ok,
    regions_from_setting,
)
from desktop.core.routing._text import compact, digits
from desktop.core.routing._validators import (
    aba_routing_ok,
    luhn_ok,
    nino_ok,
    personal_number_ok,
    ssn_ok,
    stdnum_ok,
)

NATIONAL_ID = "national_id"
PAYMENT_CARD = "payment_card"
FINANCIAL = "financial"
PHONE = "phone"


@dataclass(frozen=True)
class CuedValue:
    """A value that counts after one of ``cues`` (lower case; a space matches any gap).

    ``value`` is a regex (case-insensitive) that must start within ``reach`` characters after the
    cue; ``shape`` rejects matches that cannot be this value at all; ``check`` is the checksum
    that, when it passes, raises the finding's rank.
    """

    name: str
    kind: str
    cues: tuple[str, ...]
    value: str
    shape: Callable[[str], bool] = lambda _v: True
    check: Callable[[str], bool] | None = None
    reach: int = 40


def _ssn_shape(value: str) -> bool:
    number = digits(value)
    return len(number) == 9 and ssn_ok(number[:3], number[3:5], number[5:])


def _document(value: str) -> bool:
    """Passport, ID card and licence numbers: 6–15 letters and digits (dashes between groups,
    as on a US driver's licence "D482-1773-0119"), at least three digits."""
    return sum(c.isdigit() for c in value) >= 3


_NANP_SHAPE = re.compile(r"\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}")
# 555-0100 to 555-0199: reserved for fiction in North America, never assigned.
_NANP_FICTION = re.compile(r"(?:^|\D)555[ .-]?01\d\d$")


def _phone(value: str) -> bool:
    """7–15 digits; written as a North American number, one that can exist there (or, with
    spaces only, in one of the default regions: "347 123 4567" is an Italian mobile)."""
    if not 7 <= len(digits(value)) <= 15 or _NANP_FICTION.search(value):
        return False
    if not _NANP_SHAPE.fullmatch(value) or nanp_number_ok(value):
        return True
    return "(" not in value and "-" not in value and national_number_ok(
        value, regions_from_setting(""))


def _dialled(value: str) -> bool:
    return _phone(value) and (value.startswith("+") or national_number_ok(
        value, regions_from_setting("")))


def _std(name: str, separators: str = " -./") -> Callable[[str], bool]:
    return lambda value: stdnum_ok(name, compact(value, separators))


def _personal_number(value: str) -> bool:
    return personal_number_ok(compact(value))


RECOGNIZERS: tuple[CuedValue, ...] = (
    # A generic cue and a number whose check digit some country's personal or tax number
    # passes: "my tax id is 40295186178" (Germany), "O meu NIF é 123605334" (Portugal).
    CuedValue(
        "checked_id", NATIONAL_ID,
        ("tax id", "tax-id", "tax number", "tax no", "tax identification number", "taxpayer id",
         "tin", "id", "id number", "id no", "id nr", "id-nummer", "identification number",
         "identity number", "personal number", "personal id", "national number",
         "national id", "citizen number", "nif", "nie", "cpf", "pesel", "personnummer",
         "numéro fiscal", "numéro d'identification", "identifiant fiscal", "número fiscal",
         "número de identificación", "numero fiscale", "numero identificativo",
         "codice identificativo", "identificatienummer", "fiscaal nummer", "numer",
         "identyfikator", "número de contribuinte", "contribuinte", "steuernummer",
         "persönliche nummer"),
        r"\d(?:[ .-]?\d){8,14}", shape=_personal_number, check=_personal_number, reach=40),
    CuedValue(
        "us_ssn", NATIONAL_ID,
        ("ssn", "ss#", "ss #", "ss no", "social security", "social security number",
         "social security no", "social", "sozialversicherungsnummer der usa"),
        r"\d{3}[ .-]?\d\d[ .-]?\d{4}", check=_ssn_shape, reach=60),
    CuedValue(
        "gb_nino", NATIONAL_ID,
        ("ni number", "ni no", "ni no.", "ni", "nino", "national insurance",
         "national insurance number", "national insurance no", "national insurance no."),
        r"[A-Z]{2}[ -]?\d\d[ -]?\d\d[ -]?\d\d[ -]?[A-D]", check=lambda v: nino_ok(compact(v)[:2])),
    CuedValue(
        "gb_nhs", NATIONAL_ID, ("nhs", "nhs number", "nhs no", "nhs no."),
        r"\d{3}[ .-]?\d{3}[ .-]?\d{4}", check=_std("gb.nhs"), reach=60),
    CuedValue(
        "ca_sin", NATIONAL_ID, ("sin", "sin number", "social insurance number", "nas",
                                "numéro d'assurance sociale"),
        r"\d{3}[ -]?\d{3}[ -]?\d{3}", check=lambda v: luhn_ok(digits(v))),
    CuedValue(
        "nl_bsn", NATIONAL_ID,
        ("bsn", "bsn-nummer", "bsn nummer", "burgerservicenummer", "sofinummer", "sofi-nummer",
         "sofi nummer"),
        r"\d{4}[ .-]?\d\d[ .-]?\d{3}|\d{3}[ .-]\d{3}[ .-]\d{3}|\d{8,9}", check=_std("nl.bsn"),
        reach=60),
    CuedValue(
        "de_idnr", NATIONAL_ID,
        ("steuer-id", "steuer id", "steuerid", "steuer-identifikationsnummer",
         "steueridentifikationsnummer", "steuerliche identifikationsnummer",
         "steuerliche id", "identifikationsnummer", "idnr", "idnr.", "id-nr", "id-nr.",
         "tin"),
        r"\d\d[ ./-]?\d{3}[ ./-]?\d{3}[ ./-]?\d{3}", check=_std("de.idnr"), reach=60),
    CuedValue(
        "de_svnr", NATIONAL_ID,
        ("rentenversicherungsnummer", "sozialversicherungsnummer", "sv-nummer",
         "versicherungsnummer", "rv-nummer", "svnr"),
        r"\d\d ?\d{6} ?[A-Z] ?\d{2,3}", reach=60),
    CuedValue(
        "fr_nir", NATIONAL_ID,
        ("sécu", "secu", "sécurité sociale", "securite sociale", "numéro de sécu", "nir",
         "insee", "carte vitale", "n° ss", "numéro ss"),
        r"[12][ .-]?\d\d[ .-]?\d\d[ .-]?(?:\d\d|2[AB])[ .-]?\d{3}[ .-]?\d{3}(?:[ .-]?\d\d)?",
        check=_std("fr.nir"),
        reach=60),
    CuedValue(
        "es_dni", NATIONAL_ID,
        ("dni", "d.n.i.", "d.n.i", "nie", "n.i.e.", "nif", "n.i.f.",
         "documento nacional de identidad", "número de identidad", "tarjeta de residencia"),
        r"[XYZ]?[ -]?\d{1,2}[ .-]?\d{3}[ .-]?\d{3}(?:[ -]?[A-Z])?",
        check=lambda v: stdnum_ok("es.dni", compact(v)) or stdnum_ok("es.nie", compact(v))),
    CuedValue(
        "it_cf", NATIONAL_ID,
        ("codice fiscale", "cod. fiscale", "cod fiscale", "cf", "c.f.", "c.f", "cod. fisc."),
        r"(?:[A-Z0-9] ?){15}[A-Z]", shape=lambda v: any(c.isdigit() for c in v),
        check=_std("it.codicefiscale", " ")),
    CuedValue(
        "pl_pesel", NATIONAL_ID, ("pesel",), r"\d{11}", check=_std("pl.pesel")),
    CuedValue(
        "nordic_personal", NATIONAL_ID,
        ("personnummer", "personnr", "fødselsnummer", "cpr", "cpr-nummer", "henkilötunnus",
         "hetu"),
        r"\d{6}(?:\d\d)?[-+ A]?\d{3}[0-9A-Z]"),
    CuedValue(
        "be_nn", NATIONAL_ID,
        ("rijksregisternummer", "numéro national", "numéro de registre national",
         "registre national", "insz"),
        r"\d\d[ .-]?\d\d[ .-]?\d\d[ .-]?\d{3}[ .-]?\d\d", check=_std("be.nn")),
    CuedValue(
        "ch_ahv", NATIONAL_ID, ("ahv", "ahv-nummer", "avs", "sozialversicherungsnummer"),
        r"756[ .-]?\d{4}[ .-]?\d{4}[ .-]?\d\d", check=_std("ch.ssn")),
    CuedValue(
        "document", NATIONAL_ID,
        ("passport", "passport number", "passport no", "passport #", "passport nr",
         "passeport", "numéro de passeport", "reisepass", "reisepassnummer", "passnummer",
         "pass-nr", "pass nr", "pasaporte", "número de pasaporte", "passaporto",
         "numero passaporto", "numero di passaporto", "paspoort", "paspoortnummer",
         "driver's license", "drivers license", "driver license", "driving licence",
         "license number", "licence number", "dl#", "führerschein", "führerscheinnummer",
         "permis de conduire", "carnet de conducir", "patente", "rijbewijs", "rijbewijsnummer",
         "personalausweis", "ausweisnummer", "ausweis", "carte d'identité",
         "carta d'identità", "identiteitskaart", "id card", "id number", "id no", "national id",
         "identity card", "cni"),
        r"[A-Z0-9](?:-?[A-Z0-9]){5,14}", shape=_document, reach=60),
    CuedValue(
        "card", PAYMENT_CARD,
        ("card", "card no", "card number", "card #", "credit card", "debit card", "cc", "cc#",
         "visa", "mastercard", "master card", "amex", "american express", "discover", "maestro",
         "kreditkarte", "karte", "kartennummer", "ec-karte", "girocard", "carte", "carte bancaire",
         "carte bleue", "numéro de carte", "tarjeta", "número de tarjeta", "carta",
         "carta di credito", "numero carta", "kaart", "creditcard", "pinpas", "bankpas"),
        r"\d{4}(?:[ .-]?\d{2,6}){2,4}", shape=lambda v: 13 <= len(digits(v)) <= 19,
        check=lambda v: luhn_ok(digits(v)), reach=30),
    CuedValue(
        "account", FINANCIAL,
        ("account", "account number", "account no", "account #", "acct", "acct.", "acct no",
         "acct #", "a/c", "bank account", "checking account", "savings account",
         "kontonummer", "konto", "konto-nr", "konto-nr.", "kto", "kto.", "kto-nr",
         "rekeningnummer", "rekening", "numéro de compte", "n° de compte", "compte",
         "número de cuenta", "cuenta", "numero di conto", "numero conto", "conto",
         "conto corrente"),
        r"\d[\d -]{4,22}\d", shape=lambda v: 6 <= len(digits(v)) <= 18),
    CuedValue(
        "routing", FINANCIAL,
        ("routing number", "routing no", "routing", "aba", "rtn", "aba routing number",
         "blz", "bankleitzahl"),
        r"\d{8,9}", check=aba_routing_ok),
    CuedValue(
        "sort_code", FINANCIAL, ("sort code", "sort-code", "sortcode"),
        r"\d\d[- ]?\d\d[- ]?\d\d"),
    CuedValue(
        "tax_id", FINANCIAL,
        ("ein", "tax id", "tax identification number", "taxpayer id", "steuernummer",
         "st.-nr.", "stnr", "utr", "partita iva", "p.iva", "p. iva", "vat number", "ust-idnr",
         "ust-id", "numéro fiscal", "numero fiscale", "siren", "siret"),
        r"\d{2}-\d{7}|\d{2,3}[ /]?\d{3}[ /]?\d{3,5}|\d{9,14}|[A-Z]{2}\d{8,12}"),
    CuedValue(
        "phone", PHONE,
        ("phone", "phone number", "phone no", "tel", "tel.", "telephone", "mobile",
         # the abbreviations of signatures and forms
         "cel", "cel.", "mob", "mob.", "tlf", "tlf.", "tfno", "tfno.", "telf.", "móv.",
         "tel. nr.", "tel.-nr.", "telnr", "telnr.", "handynr", "handynr.",
         "mobile number", "cell", "cell.", "cell phone", "cellphone", "my number",
         "call me at", "call me on", "text me at", "text me on", "fax", "whatsapp",
         "telefoon", "telefoonnummer", "mobiel", "mobiele nummer", "mobiel nummer",
         "bel mij op", "bel me op", "mijn nummer", "telefon", "telefonnummer", "handy",
         "handynummer", "mobil", "mobilnummer", "rückruf", "ruf mich an unter", "portable",
         "téléphone", "tél", "tél.", "numéro", "appelle-moi au", "rappelez", "móvil", "movil",
         "teléfono", "telefono", "llámame", "llamame", "llámame al", "cellulare",
         "chiamami", "chiamami al", "numero di telefono", "ring me", "ring mig",
         "numer telefonu", "telefone", "telemóvel", "celular",
         # the label of a contact in a form or a list
         "contact", "emergency contact", "contacto", "contacto de emergencia", "kontakt",
         "notfallkontakt", "contatto", "contatto di emergenza", "contact d'urgence",
         "noodcontact", "contactpersoon"),
        r"\+?\(?\d[\d ()./-]{5,22}\d", shape=_phone, reach=40),
    # Verbs of calling ("chiama il 333 123 4567", "appelle le 06 12 34 56 78") are weaker cues:
    # the number must be international or valid in one of the default regions.
    CuedValue(
        "phone_verb", PHONE,
        ("chiama", "chiamare", "chiamate", "telefona", "appelle", "appeler", "appelez",
         "llama", "llamar", "llame", "bel", "bellen", "anrufen", "ruf", "ruft", "liga",
         "ligue", "zadzwoń"),
        r"\+?\(?\d[\d ()./-]{5,22}\d", shape=_dialled, reach=25),
)

BY_NAME: dict[str, CuedValue] = {r.name: r for r in RECOGNIZERS}

_BOUNDED: dict[str, re.Pattern[str]] = {}


def _bounded(name: str) -> re.Pattern[str]:
    """The recognizer's value regex, not glued to a longer word or number; compiled on first
    use (compiling them all would cost start-up time every run)."""
    pattern = _BOUNDED.get(name)
    if pattern is None:
        value = BY_NAME[name].value
        pattern = re.compile(r"(?<![\w.,/+-])(?:" + value + r")(?![\w]|[.,/-]\d)", re.I)
        _BOUNDED[name] = pattern
    return pattern


def _report(recognizer: CuedValue, match: re.Match[str], found: list[Candidate]) -> bool:
    value = match.group()
    if not recognizer.shape(value):
        return False
    rank = CHECKSUM if recognizer.check is not None and recognizer.check(value) else CONTEXT
    found.append(Candidate(match.start(), match.end(), recognizer.kind, rank))
    return True


# How far before its cue a value may end ("7731 0092 4418, is that my account number?").
_REACH_BEFORE = 30


def detect_after_cue(name: str, text: str, start: int, end: int, found: list[Candidate]
                     ) -> None:
    """The first value of recognizer ``name`` within its reach after the cue at
    ``[start, end)``, or else the nearest one that ends just before the cue."""
    recognizer = BY_NAME[name]
    pattern = _bounded(name)
    limit = end + recognizer.reach
    position = end
    while True:
        match = pattern.search(text, position, min(len(text), limit + 40))
        if match is None or match.start() > limit:
            break
        if _report(recognizer, match, found):
            return
        position = match.end()
    low = max(0, start - _REACH_BEFORE - 40)
    before = [m for m in pattern.finditer(text, low, start) if m.end() >= start - _REACH_BEFORE]
    for match in reversed(before):
        if _report(recognizer, match, found):
            return


def detect_in_cell(name: str, text: str, start: int, end: int, found: list[Candidate]) -> None:
    """The value of recognizer ``name`` that fills ``text[start:end]`` (a table cell under a
    column named by one of its cues)."""
    match = _bounded(name).fullmatch(text, start, end)
    if match is not None:
        _report(BY_NAME[name], match, found)


def detect_topic(name: str, text: str, found: list[Candidate]) -> None:
    """Every value of recognizer ``name`` anywhere in ``text`` (its cue came earlier)."""
    recognizer = BY_NAME[name]
    for match in _bounded(name).finditer(text):
        _report(recognizer, match, found)
