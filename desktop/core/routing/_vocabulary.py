"""Curated words and phrases the context detectors look for (lowercase; spaces match any gap).

Health terms count only in a sentence about a person (``_health``); even so, words that are not
medical in every common sense ("stroke", "anxiety") only count inside a phrase ("had a stroke",
"anxiety disorder"). Medications beyond these come from the drug dictionary (``_health``).
"""

from __future__ import annotations

import functools
import re
from typing import Any

HEALTH_TERMS: tuple[str, ...] = (
    # conditions
    "diabetes", "diabetic", "cancer", "leukemia", "leukaemia", "lymphoma", "melanoma",
    "carcinoma", "tumor", "tumour", "metastatic", "chemotherapy", "chemo", "radiotherapy",
    "hiv", "hiv-positive", "hepatitis", "tuberculosis", "syphilis", "gonorrhea", "gonorrhoea",
    "chlamydia", "herpes", "hpv", "sexually transmitted", "schizophrenia", "schizophrenic",
    "bipolar disorder", "clinical depression", "major depression", "depressive disorder",
    "postpartum depression", "anxiety disorder", "panic disorder", "panic attacks", "ptsd",
    "adhd", "autism", "autistic", "asperger's", "anorexia", "bulimia", "eating disorder",
    "epilepsy", "epileptic", "seizures", "alzheimer's", "alzheimers", "dementia", "parkinson's",
    "multiple sclerosis", "crohn's", "ulcerative colitis", "celiac disease", "coeliac disease",
    "lupus", "fibromyalgia", "psoriasis", "copd", "asthma", "cirrhosis", "dialysis",
    "kidney failure", "heart failure", "hypertension", "arrhythmia", "pregnant", "pregnancy",
    "miscarriage", "abortion", "ivf", "infertility", "alcoholism", "addiction", "overdose",
    "suicidal", "suicide attempt", "self-harm", "self harm", "substance abuse",
    "opioid use disorder", "obsessive-compulsive disorder",
    # medications
    "insulin", "metformin", "ozempic", "semaglutide", "wegovy", "mounjaro", "sertraline",
    "zoloft", "fluoxetine", "prozac", "escitalopram", "lexapro", "citalopram", "paroxetine",
    "venlafaxine", "bupropion", "wellbutrin", "duloxetine", "cymbalta", "mirtazapine",
    "trazodone", "quetiapine", "seroquel", "olanzapine", "risperidone", "aripiprazole",
    "abilify", "clozapine", "haloperidol", "lamotrigine", "lamictal", "levetiracetam", "keppra",
    "topiramate", "adderall", "ritalin", "methylphenidate", "vyvanse", "xanax", "alprazolam",
    "diazepam", "valium", "lorazepam", "ativan", "clonazepam", "klonopin", "benzodiazepines",
    "oxycodone", "oxycontin", "hydrocodone", "vicodin", "morphine", "fentanyl", "methadone",
    "buprenorphine", "suboxone", "naloxone", "narcan", "tramadol", "gabapentin", "pregabalin",
    "levothyroxine", "synthroid", "lisinopril", "amlodipine", "atorvastatin", "lipitor",
    "simvastatin", "warfarin", "apixaban", "eliquis", "xarelto", "prednisone", "methotrexate",
    "tamoxifen", "truvada", "antiretroviral", "antiretrovirals", "antidepressant",
    "antidepressants", "antipsychotic", "antipsychotics", "sildenafil", "viagra", "tadalafil",
    "cialis", "finasteride", "isotretinoin", "accutane", "hydroxychloroquine",
)

# Conditions in German, French, Spanish, Italian and Dutch (English ones are above).
CONDITIONS_OTHER: tuple[str, ...] = (
    # German
    "depression", "depressionen", "diabetes typ 1", "diabetes typ 2", "diabetiker",
    "diabetikerin", "krebs", "brustkrebs", "darmkrebs", "lungenkrebs", "prostatakrebs",
    "leukämie", "demenz", "alzheimer", "parkinson", "multiple sklerose", "multipler sklerose",
    "epilepsie", "schizophrenie", "bipolare störung", "angststörung", "panikattacken",
    "essstörung", "magersucht", "bulimie", "autismus", "asthma", "rheuma", "arthrose",
    "hashimoto", "morbus crohn", "colitis ulcerosa", "zöliakie", "schlaganfall",
    "herzinfarkt", "herzinsuffizienz", "bluthochdruck", "burnout", "burn-out", "tinnitus",
    "schwanger", "schwangerschaft", "fehlgeburt", "hiv-positiv", "suchterkrankung",
    "alkoholsucht", "suizidgedanken", "adhs", "endometriose", "migräne", "tumor",
    "pflegegrad", "chemotherapie", "dialyse", "melanom", "karzinom", "lymphom",
    # French
    "dépression", "diabète", "diabétique", "diabétique de type 1", "diabétique de type 2",
    "cancer du sein", "cancer", "leucémie", "maladie d'alzheimer", "alzheimer",
    "maladie de parkinson", "parkinson", "sclérose en plaques", "épilepsie", "schizophrénie",
    "trouble bipolaire", "troubles anxieux", "crises d'angoisse", "anorexie", "boulimie",
    "autisme", "asthme", "maladie de crohn", "endométriose", "enceinte", "grossesse",
    "fausse couche", "séropositif", "séropositive", "vih", "sida", "hépatite", "arthrite",
    "méningite", "avc", "infarctus", "insuffisance cardiaque", "hypertension artérielle",
    "burn-out", "tdah", "alcoolisme", "chimiothérapie", "dialyse", "migraine", "migraines",
    # Spanish
    "depresión", "diabetes", "diabético", "diabética", "cáncer", "cáncer de mama", "leucemia",
    "alzhéimer", "alzheimer", "párkinson", "parkinson", "esclerosis múltiple", "epilepsia",
    "esquizofrenia", "trastorno bipolar", "ansiedad generalizada", "trastorno de ansiedad",
    "ataques de pánico", "anorexia", "bulimia", "autismo", "asma", "enfermedad de crohn",
    "endometriosis", "embarazada", "embarazo", "aborto espontáneo", "vih", "sida", "hepatitis",
    "infarto", "ictus", "insuficiencia cardíaca", "hipertensión", "tdah", "alcoholismo",
    "quimioterapia", "diálisis", "migraña",
    # Italian
    "depressione", "diabete", "diabetico", "diabetica", "tumore", "cancro", "leucemia",
    "morbo di parkinson", "sclerosi multipla", "epilessia", "schizofrenia", "disturbo bipolare",
    "attacchi di panico", "anoressia", "bulimia", "autismo", "asma", "morbo di crohn",
    "celiachia", "celiaco", "celiaca", "endometriosi", "incinta", "gravidanza", "aborto",
    "sieropositivo", "sieropositiva", "epatite", "ictus", "infarto", "ipertensione",
    "chemioterapia", "dialisi", "emicrania", "demenza",
    # Dutch
    "depressie", "diabetes type 1", "diabetes type 2", "suikerziekte", "kanker", "borstkanker",
    "darmkanker", "longkanker", "leukemie", "dementie", "ziekte van parkinson",
    "ziekte van crohn", "ziekte van alzheimer", "multiple sclerose", "epilepsie",
    "schizofrenie", "bipolaire stoornis", "angststoornis", "paniekaanvallen", "anorexia",
    "boulimia", "autisme", "astma", "zwanger", "zwangerschap", "miskraam", "hiv-positief",
    "hepatitis", "beroerte", "hartinfarct", "hartfalen", "hoge bloeddruk", "burn-out",
    "alcoholverslaving", "chemotherapie", "dialyse", "migraine", "endometriose",
)
# English conditions the first list lacks; abbreviations are upper case in the text.
CONDITIONS_MORE: tuple[str, ...] = (
    "depression", "endometriosis", "pcos", "polycystic ovary syndrome", "hiv positive",
    "colon cancer", "breast cancer", "lung cancer", "prostate cancer", "skin cancer",
    "type 1 diabetes", "type 2 diabetes",
    "heart attack", "schizoaffective", "borderline personality disorder", "bpd", "ocd",
    "anxiety", "generalized anxiety", "social anxiety", "insomnia", "sleep apnea",
    "sleep apnoea", "migraine", "migraines", "arthritis", "rheumatoid arthritis",
    "osteoporosis", "hashimoto's", "hashimoto", "graves' disease", "thyroid cancer",
    "cystic fibrosis", "sickle cell", "hemophilia", "haemophilia", "down syndrome",
    "dyslexia", "tourette's", "long covid", "covid", "miscarried", "stillbirth",
    "vasectomy", "hysterectomy", "mastectomy", "radiation therapy",
    "alcoholic", "concussion", "tbi", "als", "gerd", "ibs", "std", "sti", "aids",
    # adjective forms: "mon fils est autiste", "er ist depressiv"
    "autiste", "asthmatique", "épileptique", "dépressif", "dépressive", "autistisch",
    "depressiv", "epileptisch", "autista", "asmático", "asmática", "epiléptico", "epiléptica",
    "depresivo", "depresiva", "autistico", "autistica", "asmatico", "asmatica", "epilettico",
    "epilettica", "depresso", "depressa", "depressief", "astmatisch",
    "depressive", "depressive episode", "manic episode", "psychotic episode", "panic attack",
    "bipolar", "ckd", "chronic kidney disease", "kidney disease", "renal failure",
    "herniated disc", "slipped disc", "hypothyroidism", "hyperthyroidism",
    "atrial fibrillation", "afib",
    "shingles", "stroke survivor",
    # German, French, Spanish, Italian, Dutch conditions the lists above lack
    "niereninsuffizienz", "nierenversagen", "bandscheibenvorfall", "gürtelrose",
    "schilddrüsenunterfunktion", "vorhofflimmern", "insuffisance rénale", "hernie discale",
    "zona", "hypothyroïdie", "insuficiencia renal", "hernia discal", "hipotiroidismo",
    "insufficienza renale", "ernia del disco", "ipotiroidismo", "nierfalen",
    "nierinsufficiëntie", "hernia", "gordelroos",
    # Portuguese and Polish, the commonest
    "diabetes tipo 1", "diabetes tipo 2", "depressão", "cancro", "câncer", "grávida",
    "cukrzyca", "cukrzycę", "cukrzycy", "depresja", "depresję", "nowotwór", "nadciśnienie",
    "padaczka", "padaczkę", "w ciąży", "insulinę",
)


def trie(phrases: set[str]) -> str:
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


# Lab analytes: with a number after them they are a person's result (``_health``).
# Abbreviations count only in their usual capitals ("TSH", "HbA1c", "eGFR"; not "alt", "ast").
LAB_ABBREVIATIONS = frozenset({
    "TSH", "HbA1c", "A1c", "A1C", "LDL", "HDL", "GFR", "eGFR", "PSA", "CRP", "INR", "ALT", "AST",
    "GGT", "T3", "T4", "fT3", "fT4", "FT3", "FT4", "WBC", "CD4", "BNP", "FSH", "AMH", "hCG"})
LAB_WORDS = frozenset({
    "ferritin", "ferritine", "ferritina", "cholesterol", "cholesterin", "cholestérol",
    "colesterol", "colesterolo", "triglycerides", "triglyceride", "triglyzeride", "creatinine",
    "creatinin", "kreatinin", "créatinine", "creatinina", "hemoglobin", "haemoglobin",
    "hämoglobin", "hémoglobine", "hemoglobina", "emoglobina", "blood sugar", "glucose",
    "blutzucker", "glycémie", "glucemia", "glicemia", "bloedsuiker", "blood pressure",
    "blutdruck", "tension artérielle", "presión arterial", "pressione arteriosa", "bloeddruk",
    "vitamin d", "vitamine d", "vitamina d", "platelets", "thrombozyten", "leukozyten",
    "viral load", "viruslast", "charge virale", "carga viral"})


@functools.lru_cache(maxsize=1)
def condition_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Every condition and curated medication: a regex for the lower-cased text, the same
    ignoring case (for text whose lower case changes length), and one for the abbreviations,
    which only count in capitals ("ALS", "STD"; never "als", "std"). A match may start inside
    a word: the caller skips those (``starts_word``)."""
    terms = HEALTH_TERMS + CONDITIONS_OTHER + CONDITIONS_MORE + tuple(LAB_WORDS)
    # No lookbehind in front, which would stop the engine from skipping to the trie's first
    # letters: the caller checks that a match does not start inside a word.
    words = rf"(?:{trie({t for t in terms if len(t) > 3})})(?![\w-])"
    capitals = trie({t.upper() for t in terms if len(t) <= 3} | LAB_ABBREVIATIONS)
    return (re.compile(words), re.compile(words, re.I),
            re.compile(rf"(?:{capitals})(?![\w-])"))


def starts_word(text: str, start: int) -> bool:
    """Whether a match at ``start`` begins a word (not after a letter, digit, "_" or "-")."""
    return not start or not (text[start - 1].isalnum() or text[start - 1] in "_-")


# A phrase whose object is a diagnosis or a treatment: the words after it are reported.
HEALTH_CUES: tuple[str, ...] = (
    "diagnosed with", "diagnosis of", "was prescribed", "were prescribed",
    "been prescribed", "am prescribed", "prescribed me", "prescribed him", "prescribed her",
    "prescription for", "treated for", "being treated for", "tested positive for",
    "tested negative for", "i suffer from", "i'm suffering from", "i am suffering from",
    "he suffers from", "she suffers from", "my diagnosis", "medical history of",
    "diagnosis:", "diagnose", "diagnose:", "diagnosi", "diagnosi:", "diagnóstico",
    "diagnóstico:", "diagnostic", "diagnostic :", "diagnostic:", "dx", "dx:",
    "diagnostiziert mit", "diagnostiqué", "diagnostiquée", "diagnosticado con",
    "diagnosticada con", "diagnosticato", "diagnosticata", "gediagnosticeerd met",
)

BIRTH_CUES: tuple[str, ...] = (
    "born", "born on", "born in", "was born", "b.", "date of birth", "birth date", "birthdate",
    "birthday", "bday", "b-day", "dob", "d.o.b.", "d.o.b", "(*", "geb.", "geb", "geboren",
    "geboren am", "geburtsdatum", "geburtstag", "geboren op", "geboortedatum", "geb.datum",
    "né", "née", "né le", "née le", "né(e) le", "date de naissance", "date naiss.",
    "fecha de nacimiento", "fecha de nac.", "fecha de nac", "f. nac.", "nacido", "nacida",
    "nacido el", "nacida el", "nací", "nací el", "nato", "nata", "nato il", "nata il",
    "data di nascita", "nascita",
    "geb.-datum", "geb-datum", "geb.dat.", "geburtsdatum:", "nasci", "nasceu", "nascido",
    "nascida", "data de nascimento", "urodzony", "urodzona", "urodziłem się",
    "urodziłam się", "data urodzenia", "född", "fødselsdato", "syntymäaika", "doğum tarihi",
    "cumpleaños", "compleanno", "anniversaire", "verjaardag", "aniversário",
)

MONTHS: tuple[str, ...] = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec",
    "januar", "februar", "märz", "mai", "juni", "juli", "oktober", "dezember",
    "januari", "februari", "maart", "mei", "augustus",
    "janvier", "février", "mars", "avril", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre",
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
    "gennaio", "febbraio", "aprile", "maggio", "giugno", "luglio", "settembre", "ottobre",
    "dicembre",
)
