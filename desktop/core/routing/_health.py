"""A named or pronoun-anchored person's diagnosis or medication.

"How does lithium work in batteries?" and "What are the signs of Parkinson's?" are questions
about the world; "my mother has been on lithium for 20 years" and "mon père a la maladie de
Parkinson" are about a person. So a medical term counts only in a sentence that also names a
person (``_people``): a pronoun or possessive, a relative, a title, a name before a verb.

Medical terms come from three sources:

- medications: the vocabulary of drug-named-entity-recognition (MIT, maintained by Fast Data
  Science: 107,000 generic and brand names from MedlinePlus, DrugBank and Wikipedia, "Zyprexa",
  "Trikafta", "Plavix", "levothyroxin", "lévothyrox"). Its own finder is not used: importing it
  takes 2.4 s and 375 MB, and it reads and writes files in the home folder and can query a web
  service. Only its dictionary file is read (0.3 s, about 10 MB as a set of names), once, on the
  first sentence that has a person in it; :func:`warm_up` does it ahead of time.
- conditions: the curated multilingual lists in ``_vocabulary``;
- the shapes of medical words (``-itis``, ``-osis``, ``-ämie``, ``-krebs``, ``-kanker`` …).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
import threading
from pathlib import Path

from desktop.core import paths
from desktop.core.routing import _vocabulary as vocab
from desktop.core.routing._candidates import MARKER, Candidate
from desktop.core.routing._people import has_person

HEALTH = "health"

_LONG_WORD = re.compile(r"[^\W\d_]{5,}")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n")
_MEDICATION_CONTEXT = re.compile(
    r"\b(?:takes?|taking|took|on|prescribed|started|stopped|switched|dose|dosage|\d+\s?mg|"
    r"nimmt|nehme|nehmen|verschrieben|prend[s]?|sous|prescrit|toma[sn]?|tomo|recetaron|"
    r"receta|prende|prendo|assume|neemt|neem|slikt|gebruikt|"
    # what a medication does to the one who takes it
    r"mak(?:es|ing)\s+me|made\s+me|meds|medication|medicine|pills|tablets|side\s+effects?|nebenwirkung(?:en)?|effets?\s+secondaires?|"
    r"efectos?\s+secundarios?|effetti\s+collaterali|bijwerking(?:en)?)\b",
    re.I,
)
# Endings of medical words; a word needs three letters before its ending.
_MEDICAL_ENDINGS = (
    "itis", "itiden", "osis", "rose", "kose", "lose", "tose", "hose", "bose", "iose", "oma",
    "ämie", "emia", "émie", "emie", "pathie", "pathy", "patía", "patia", "algie", "algia",
    "plegie", "plegia", "phrenie", "phrenia", "frenia", "krebs", "kanker", "tumor", "tumour",
)
_NOT_MEDICAL = frozenset({
    "diagnosis", "prognosis", "diagnose", "osmosis", "hypnosis", "symbiosis", "metamorphosis",
    "apotheosis", "dose", "rose", "prose", "pose", "close", "those", "chose", "whose", "purpose",
    "suppose", "glucose", "expose", "compose", "propose", "oppose", "impose", "lose", "nose",
    "hose", "verbose", "morose", "cellulose", "sucrose", "fructose", "lactose", "home", "some",
    "come", "become", "welcome", "outcome", "income", "rome", "chrome", "dome", "tome", "gnome",
    "genome", "syndrome", "aroma", "diploma", "soma", "stoma", "oklahoma", "comma",
    "dilemma", "drama", "karma", "sympathy", "empathy", "apathy", "telepathy",
    "nostalgia", "nostalgie", "grandiose", "comatose", "bellicose", "lachrymose",
    "jocose", "otiose", "adipose", "ballistose", "gnosis", "trichose",
})

# A lab value: the analyte (``_vocabulary.LAB_WORDS``, ``LAB_ABBREVIATIONS``), then its number
# within a few words ("my TSH came back at 7.8", "HbA1c liegt bei 8,2 %", "LDL 4.9 mmol/L").
_LAB_VALUE = re.compile(r"[^\d\n.!?]{0,30}?\d+(?:[.,]\d+)?(?:/\d+)?(?:[ ]?(?:%|mmol/l|mg/dl|"
                        r"µiu/ml|miu/l|mu/l|ng/ml|g/dl|mmhg))?")
# A sentence about reference values, not anyone's result.
_LAB_GENERIC = re.compile(r"\b(?:normal|range|reference|average|typical|target|healthy|"
                          r"guideline|normalwert\w*|referenz\w*|normale?s?|rango|valori? "
                          r"normali|normaalwaarde\w*)\b", re.I)

_drugs: frozenset[str] | None = None
_drugs_lock = threading.Lock()
# Names in the drug dictionary that are common words in the languages of the corpus.
_DRUG_NAMES_THAT_ARE_WORDS = frozenset({
    "buffers", "sits", "serotonin", "opioid", "ssris", "aloes", "cloves", "banan", "cobre",
    "cuivre", "eisen", "ferro", "hierro", "boldo", "capsin", "cinna", "salt", "sugar",
    "water", "coffee", "balance", "focus", "relief", "calm", "rest", "sleep", "allergy",
})


_DICTIONARY = "drug_ner_dictionary.pkl.bz2"


def _dictionary_path() -> Path | None:
    frozen = getattr(sys, "_MEIPASS", None)  # a packaged build ships the file on its own
    if frozen is not None:
        shipped = Path(frozen) / "drug_named_entity_recognition" / _DICTIONARY
        return shipped if shipped.exists() else None
    spec = importlib.util.find_spec("drug_named_entity_recognition")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).with_name(_DICTIONARY)


def _load_drugs() -> frozenset[str]:
    path = _dictionary_path()
    if path is None or not path.exists():
        return frozenset()
    stat = path.stat()
    key = (f"{_CACHE_FORMAT} {stat.st_size} {stat.st_mtime_ns} "
           f"{','.join(sorted(_DRUG_NAMES_THAT_ARE_WORDS))}")
    cached = _read_cache(key)
    if cached is not None:
        return cached
    names = _read_dictionary(path)
    _write_cache(key, names)
    return names


def _read_dictionary(path: Path) -> frozenset[str]:
    import bz2  # with pickle, only when the vocabulary is read from the package
    import pickle

    with bz2.open(path, "rb") as handle:
        # The package's own data file, shipped in its wheel: a dict of plain str/float values.
        data = pickle.load(handle)  # noqa: S301
    names = data.get("drug_variant_to_canonical", {})
    return frozenset(name for name in names if isinstance(name, str) and len(name) >= 5
                     and name not in _DRUG_NAMES_THAT_ARE_WORDS and "\n" not in name)


# Reading the package's file takes about a second, most of it in one ``pickle.load`` that holds
# the interpreter lock for 40-150 ms at a time: while it runs at start-up on the warm-up thread,
# the window misses frames. The names it yields are kept as plain lines in the data folder
# (about 1 MB), read in a few milliseconds on later starts; the first line says which
# dictionary file and word list they came from, so a changed package is read again.
_CACHE_FORMAT = "hearth-medication-names-1"


def _cache_path() -> Path:
    return paths.data_dir() / "cache" / "medication-names.txt"


def _read_cache(key: str) -> frozenset[str] | None:
    try:
        text = _cache_path().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    header, _, body = text.partition("\n")
    if header != key:
        return None
    return frozenset(body.splitlines())


def _write_cache(key: str, names: frozenset[str]) -> None:
    target = _cache_path()
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        paths.private_folder(target.parent)
        temporary.write_text(key + "\n" + "\n".join(sorted(names)), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:  # a copy that cannot be written: the package's file is read again next time
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def drug_names() -> frozenset[str]:
    """The medication names, loaded once (thread-safe)."""
    global _drugs
    if _drugs is None:
        with _drugs_lock:
            if _drugs is None:
                _drugs = _load_drugs()
    return _drugs


def warm_up() -> None:
    """Load the medication vocabulary now (call from a background thread at start-up)."""
    drug_names()


def _is_drug(word: str, sentence: str, start: int) -> bool:
    """A medication name needs a reason to be one: a verb or dose in its sentence, or a
    brand-style capital inside the sentence."""
    return word[0].isupper() and start > 0 or bool(_MEDICATION_CONTEXT.search(sentence))


def _term_words(lowered: str) -> set[str]:
    """The words of the text that are medication names or have a medical ending (set
    operations and ``endswith`` on the distinct words: cheaper than a regex over the text)."""
    words = set(_LONG_WORD.findall(lowered))
    drugs = drug_names()
    hits = words & drugs
    # German and Dutch drop the final "e" of an INN ("Levothyroxin", "Sertralin").
    hits.update(w for w in words if w.endswith("in") and w + "e" in drugs)
    hits.update(w for w in words if w.endswith(_MEDICAL_ENDINGS) and w not in _NOT_MEDICAL
                and len(w) >= 7)
    return hits


def _sentence_at(text: str, position: int) -> tuple[int, int]:
    starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, position)]
    left = starts[-1] if starts else 0
    stop = _SENTENCE_END.search(text, position)
    return left, stop.start() if stop else len(text)


# A diary-style sentence drops its "I": "Been on sertraline 6 months", "Started insulin today".
_NO_SUBJECT = re.compile(r"[\s\-*•>]*(?:been|feeling|feel|felt|got|had|have\s+had|just\s+got|"
                         r"just\s+started|started|stopped|took|taking|tested|diagnosed|"
                         r"currently\s+on|still\s+on)\b", re.I)


def _about_someone(text: str, left: int, sentence: str) -> bool:
    """Whether the sentence at ``left`` names a person or speaks in the first person with no
    subject."""
    return has_person(sentence) or _NO_SUBJECT.match(text, left) is not None


def _lab_value(text: str, source: str, start: int, end: int, found: list[Candidate]) -> None:
    """The number after the analyte at ``[start, end)``, in a sentence that is not about
    reference values, or one about a person (``source``: the text or its lower case)."""
    value = _LAB_VALUE.match(source, end)
    if value is None:
        return
    left, right = _sentence_at(text, start)
    sentence = text[left:right]
    if has_person(sentence) or not _LAB_GENERIC.search(sentence):
        found.append(Candidate(start, value.end(), HEALTH, MARKER))


def detect_health(text: str, lower: str | None, found: list[Candidate]) -> None:
    """Append the medical terms of ``text`` that are in a sentence about a person (``lower``:
    ``_text.lowered(text)``)."""
    terms: list[tuple[int, int, bool]] = []  # start, end, needs a medication context
    words, words_any_case, capitals = vocab.condition_patterns()
    # One pass per pattern finds conditions and lab analytes; an analyte counts with its value.
    for match in capitals.finditer(text):
        if vocab.starts_word(text, match.start()):
            if match.group() in vocab.LAB_ABBREVIATIONS:
                _lab_value(text, text, match.start(), match.end(), found)
            else:
                terms.append((match.start(), match.end(), False))
    source = text if lower is None else lower
    for match in (words_any_case.finditer(text) if lower is None else words.finditer(lower)):
        if vocab.starts_word(source, match.start()):
            if " ".join(match.group().lower().split()) in vocab.LAB_WORDS:
                _lab_value(text, source, match.start(), match.end(), found)
            else:
                terms.append((match.start(), match.end(), False))
    if lower is not None:
        hits = _term_words(lower)
        if hits:
            drugs = drug_names()
            for match in _LONG_WORD.finditer(lower):
                word = match.group()
                start, end = match.span()
                if (start and lower[start - 1].isdigit()) or (end < len(lower)
                                                              and lower[end].isdigit()):
                    continue  # letters inside a hex token or a code ("906c2cafda68")
                if word in hits:
                    is_drug = word in drugs or word + "e" in drugs
                    terms.append((match.start(), match.end(), is_drug))
    if not terms:
        return
    for start, end, is_drug in sorted(terms):
        bounds = _sentence_at(text, start)
        # The term itself is no person ("von Ibuprofen", "Parkinson's"): it is blanked out.
        sentence = text[bounds[0]:start] + " " * (end - start) + text[end:bounds[1]]
        if not _about_someone(text, bounds[0], sentence):
            continue
        if is_drug and not _is_drug(text[start:end], text[bounds[0]:bounds[1]],
                                    start - bounds[0]):
            continue
        found.append(Candidate(start, end, HEALTH, MARKER))
