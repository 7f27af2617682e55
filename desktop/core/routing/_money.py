"""A person's pay, balances, savings and debts: an amount near a money word, in a sentence about
a person ("Jenna's salary is $145,000", "Bruttogehalt 5.200 €", "Current balance: $18,240.77").

"The median household income in the US is around $80,000" has the money word and the amount but
no person, so it is a fact about the world. Words that only a person's own account uses
(balance, Kontostand, saldo) and verbs in the first person (verdiene, gagne, cobro) need no other
anchor. A credit score is a number between 300 and 850 after its name.
"""

from __future__ import annotations

import re

from desktop.core.routing._candidates import CONTEXT, Candidate
from desktop.core.routing._people import has_person

FINANCIAL = "financial"

#: Words about a person's money (lower case); the cue pass in ``_context`` finds them.
MONEY_CUES: tuple[str, ...] = (
    # English
    "salary", "salaries", "pay", "paid", "payslip", "pay slip", "paycheck", "paycheque",
    "wage", "wages", "income", "earn", "earns", "earned", "earning", "make", "makes", "made",
    "bonus", "savings", "net worth", "debt", "debts", "owe", "owes", "owed", "balance",
    "bank balance", "loan", "mortgage", "pension", "inheritance", "take-home", "take home",
    # German
    "gehalt", "bruttogehalt", "nettogehalt", "monatsgehalt", "jahresgehalt", "lohn",
    "stundenlohn", "verdiene", "verdienst", "verdient", "einkommen", "kontostand", "saldo",
    "schulden", "ersparnisse", "rente", "brutto", "netto",
    # French
    "salaire", "gagne", "gagnes", "gagnons", "revenu", "revenus", "solde", "dette", "dettes",
    "épargne", "paie", "fiche de paie",
    # Spanish
    "sueldo", "salario", "cobro", "cobra", "gano", "ganas", "nómina", "ingresos", "deuda",
    "deudas", "ahorros",
    # Italian
    "stipendio", "guadagno", "guadagna", "reddito", "debito", "debiti", "risparmi",
    "busta paga",
    # Dutch
    "salaris", "brutosalaris", "nettosalaris", "loon", "verdien", "inkomen", "schuld",
    "spaargeld", "studieschuld", "hypotheek", "lening", "krediet", "roodstand", "rood staan",
    # Portuguese
    "salário", "ordenado", "ganho", "ganha", "recebo", "dívida", "dívidas", "poupança",
    # third persons and the gross/net of a payslip
    "gana", "ganan", "gross", "gross pay", "gross income", "net pay", "net income",
    # German, French, Spanish and Italian loans and overdrafts
    "nettolohn", "bruttolohn", "monatslohn", "jahreslohn", "nettoeinkommen",
    "bruttoeinkommen", "jahreseinkommen", "haushaltseinkommen", "sparbuch", "nettoloon",
    "brutoloon", "maandsalaris", "jaarsalaris", "maandloon",
    "kredit", "autokredit", "studienkredit", "ratenkredit", "dispo", "dispokredit",
    "überziehung", "découvert", "crédit", "prêt", "touche", "touches", "préstamo", "hipoteca",
    "descubierto", "debo", "debes", "prestito", "mutuo", "scoperto", "overdraft",
    # Accounts, also inside German and Dutch compounds ("auf meinem Girokonto sind 214,80 €")
    "account", "bank account", "checking account", "savings account", "konto", "girokonto",
    "sparkonto", "tagesgeld", "tagesgeldkonto", "festgeld", "depot", "compte",
    "compte courant", "livret a", "cuenta", "cuenta corriente", "conto", "conto corrente",
    "rekening", "betaalrekening", "spaarrekening", "conta",
    # Stating what one has: the amount must follow at once ("Tengo 3.200 euros", "j'ai 8 000 €")
    "tengo", "tenho", "j'ai", "ich habe", "ik heb", "i have", "i've got", "ho",
    # scores
    "credit score", "fico score", "schufa", "schufa-score",
)
# A person's own account or their own verb: personal without another anchor.
_PERSONAL_CUES = frozenset({
    "balance", "bank balance", "kontostand", "saldo", "solde", "payslip", "pay slip",
    "verdiene", "gagne", "gagnons", "cobro", "gano", "guadagno", "verdien", "fiche de paie",
    "busta paga", "nómina", "take-home", "take home", "bruttogehalt", "nettogehalt",
    "brutosalaris", "nettosalaris", "touche", "ganho", "recebo", "debo", "roodstand",
    "découvert", "dispo", "overdraft", "studieschuld",
})
# Verbs of having: personal, but only with an amount right after them.
_HAVING_CUES = frozenset({"tengo", "tenho", "j'ai", "ich habe", "ik heb", "i have", "i've got",
                          "ho"})
_HAVING_REACH = 12
_SCORES = frozenset({"credit score", "fico score", "schufa", "schufa-score"})

_NUMBER = r"\d{1,3}(?:[ .,'’]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
# A period after an amount makes a bare number pay: "9,400/month", "3 200 par mois".
_PERIOD = (r"(?i:[ ]?/[ ]?|[ ]+(?:per|a|an|pro|par|por|al|all'|im|in[ ]the)[ ]+)"
           r"(?i:hour|hr|h|month|mo|year|yr|week|wk|std|stunde|monat|jahr|heure|mois|an|"
           r"hora|mes|año|ora|mese|anno|uur|maand|jaar)\b")
_AMOUNT = re.compile(
    rf"(?:[$€£¥₹]|\b(?:USD|EUR|GBP|CHF|CAD|AUD|JPY|INR|SEK|NOK|DKK|PLN)\b)[ ]?(?:{_NUMBER})"
    r"(?:[ ]?[kKmM]\b)?(?:[ ]?/[ ]?(?:hour|hr|h|month|mo|year|yr|std|heure|hora|ora|uur)\b)?"
    rf"|(?<![\w.,])(?:{_NUMBER})(?:[ ]?[kK]\b|[ ]?[€$£]|[ ]?(?i:EUR|USD|GBP|CHF|euros?|"
    r"dollars?|pounds?|francs?|bucks|grand|złotych|zł|pln)\b)"
    rf"|(?<![\w.,])(?:{_NUMBER})(?={_PERIOD})"
)
# A bare amount, right after a person's pay or balance word ("my take home pay is 2,950"):
# grouped thousands or four or more digits, not a year.
_BARE = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:[,.' ]\d{3})+(?:[.,]\d{1,2})?|\d{4,7}(?:[.,]\d{1,2})?)"
                   r"(?![\w%]|[.,]\d)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_BARE_REACH = 25
_SCORE = re.compile(r"(?<![\w.,])[3-8]\d\d(?![\w.,])")
_SENTENCE_STOP = re.compile(r"\n|[!?;](?:\s|$)|\.(?:\s|$)")
_GENERIC = re.compile(r"\b(?:average|median|mean|typical|typically|durchschnittlich\w*|"
                      r"durchschnitt|moyen\w*|médian|promedio|medio|media|gemiddeld\w*)\b", re.I)


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    low = max(0, start - 120)
    stops = list(_SENTENCE_STOP.finditer(text, low, start))
    left = stops[-1].end() if stops else low
    stop = _SENTENCE_STOP.search(text, end, end + 120)
    right = stop.start() if stop else min(len(text), end + 120)
    return left, right


def detect_money(cue: str, text: str, start: int, end: int, found: list[Candidate]) -> None:
    """The amount that goes with the money word ``cue`` at ``[start, end)``, if it is personal."""
    left, right = _sentence_bounds(text, start, end)
    if cue in _SCORES:
        match = _SCORE.search(text, end, min(right, end + 40))
        if match:
            found.append(Candidate(match.start(), match.end(), FINANCIAL, CONTEXT))
        return
    reach = _HAVING_REACH if cue in _HAVING_CUES else 60
    amount = _AMOUNT.search(text, end, min(right, end + reach + 20))
    if amount is not None and amount.start() - end > reach:
        amount = None
    if amount is None and cue in _HAVING_CUES:
        return
    if amount is None:
        bare = _BARE.search(text, end, min(right, end + _BARE_REACH))
        if bare is not None and not _YEAR.fullmatch(bare.group()) and has_person(
                text[left:right]):
            found.append(Candidate(bare.start(), bare.end(), FINANCIAL, CONTEXT))
            return
    if amount is None:
        before = list(_AMOUNT.finditer(text, max(left, start - 40), start))
        if not before:
            return
        amount = before[-1]
    sentence = text[left:right]
    # Without a person, only a person's own account counts, and not when it is generic.
    if (cue not in _PERSONAL_CUES or _GENERIC.search(sentence)) and not has_person(sentence):
        return
    # The sentence is about a person's money: its other amounts are too ("mon découvert est de
    # 500 € et je suis à -612,40 €").
    for other in _AMOUNT.finditer(text, amount.start(), right):
        found.append(Candidate(other.start(), other.end(), FINANCIAL, CONTEXT))
