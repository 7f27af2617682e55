"""Curated words and phrases the context detectors look for (lowercase; spaces match any gap).

Health terms are limited to words that are medical in every common sense: "depression",
"stroke", "lithium" or "anxiety" alone also describe economies, brushes, batteries and moods, so
they only count inside a phrase ("clinical depression") or after a cue ("diagnosed with").
"""

from __future__ import annotations

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

# A phrase whose object is a diagnosis or a treatment: the words after it are reported.
HEALTH_CUES: tuple[str, ...] = (
    "diagnosed with", "diagnosis of", "was prescribed", "were prescribed",
    "been prescribed", "am prescribed", "prescribed me", "prescribed him", "prescribed her",
    "prescription for", "treated for", "being treated for", "tested positive for",
    "tested negative for", "i suffer from", "i'm suffering from", "i am suffering from",
    "he suffers from", "she suffers from", "my diagnosis", "medical history of",
)

BIRTH_CUES: tuple[str, ...] = (
    "born", "born on", "date of birth", "birth date", "birthdate", "birthday", "dob", "d.o.b.",
    "d.o.b", "geb.", "geboren", "geboren am", "geburtsdatum", "geboortedatum", "né le",
    "née le", "né(e) le", "date de naissance", "fecha de nacimiento", "nacido el", "nacida el",
    "nato il", "nata il", "data di nascita",
)

PHONE_CUES: tuple[str, ...] = (
    "phone", "phone number", "phone no", "tel", "tel.", "telephone", "mobile", "mobile number",
    "cell", "cell phone", "cellphone", "call me at", "call me on", "text me at", "fax",
    "whatsapp", "telefoon", "telefoonnummer", "telefon", "telefonnummer", "handy", "mobiel",
    "portable", "téléphone", "tél", "tél.",
)

SSN_CUES: tuple[str, ...] = ("ssn", "social security number", "social security no",
                             "social security")
BSN_CUES: tuple[str, ...] = ("bsn", "burgerservicenummer", "sofinummer", "sofi-nummer")
SIN_CUES: tuple[str, ...] = ("sin", "social insurance number")
DOCUMENT_CUES: tuple[str, ...] = (
    "passport", "passport number", "passport no", "reisepass", "paspoort", "paspoortnummer",
    "driver's license", "driver's license number", "driving licence", "driving licence number",
    "drivers license", "license number", "licence number",
)

ACCOUNT_CUES: tuple[str, ...] = (
    "account", "account number", "account no", "account #", "acct", "acct.", "acct no",
    "a/c", "bank account", "checking account", "savings account", "kontonummer", "konto",
    "rekeningnummer", "rekening",
)
ROUTING_CUES: tuple[str, ...] = ("routing number", "routing no", "routing", "aba", "rtn",
                                 "aba routing number")
SORT_CODE_CUES: tuple[str, ...] = ("sort code", "sort-code", "sortcode")
TAX_ID_CUES: tuple[str, ...] = (
    "ein", "tin", "tax id", "tax identification number", "taxpayer id", "steuer-id",
    "steuernummer", "steueridentifikationsnummer", "utr",
)

_OWNERS = ("my", "our", "his", "her", "their")
_MONEY_NOUNS = ("salary", "income", "wage", "wages", "pay", "paycheck", "bonus", "pension",
                "net worth", "savings", "debt", "debts", "mortgage", "loan", "rent", "tax",
                "tax return", "tax refund", "credit score", "balance", "bank balance")
_PEOPLE = ("i", "we", "he", "she", "they")
_MONEY_VERBS = ("earn", "earns", "earned", "make", "makes", "made", "owe", "owes", "owed")
MONEY_CUES: tuple[str, ...] = (
    tuple(f"{owner} {noun}" for owner in _OWNERS for noun in _MONEY_NOUNS)
    + tuple(f"{person} {verb}" for person in _PEOPLE for verb in _MONEY_VERBS)
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
