"""Whether a sentence is about a person: the anchor that makes a diagnosis, a salary or a street
address personal data rather than a fact about the world.

A sentence has a person when it has a first- or third-person pronoun or possessive, a relative
or a title (English, German, French, Spanish, Italian, Dutch), a possessive ``Name's``, or a
capitalised name right before a verb of having, taking or earning ("Tom started …", "Emma has
…", "Sarah earns …"). Question words and other capitalised function words do not count as names.
"""

from __future__ import annotations

import re

from desktop.core.routing._vocabulary import trie

_PERSON_WORDS = (
    # English
    "i", "i'm", "i’m", "i've", "i’ve", "i'd", "i’d", "me", "my", "mine", "myself", "we",
    "our", "us", "he", "she", "him", "his", "her", "hers", "he's", "she's", "they", "their",
    "them", "mom", "mum", "mommy", "dad", "daddy", "mother", "father", "son", "daughter", "wife",
    "husband", "partner", "boyfriend", "girlfriend", "fiancé", "fiancée", "brother", "sister",
    "grandma", "grandpa", "granny", "grandmother", "grandfather", "grandson", "granddaughter",
    "aunt", "uncle", "cousin", "niece", "nephew", "kid", "kids", "baby", "toddler", "stepson",
    "stepdaughter", "colleague", "coworker", "co-worker", "boss", "manager", "employee",
    "tenant", "landlord", "neighbour", "neighbor", "roommate", "flatmate", "mr", "mr.", "mrs",
    "mrs.", "ms", "ms.", "miss", "dr.", "sir", "madam",
    # German
    "ich", "mir", "mich", "mein", "meine", "meinen", "meinem", "meiner", "meines", "wir", "uns",
    "unser", "unsere", "unseren", "unserem", "unserer", "ihm", "ihn", "sein", "seine",
    "seinen", "seinem", "seiner", "ihr", "ihre", "ihren", "ihrem", "ihrer", "mama", "papa",
    "mutter", "vater", "sohn", "tochter", "frau", "mann", "ehemann", "ehefrau", "oma", "opa",
    "bruder", "schwester", "kinder", "enkel", "enkelin", "tante", "onkel", "freund",
    "freundin", "kollege", "kollegin", "chef", "chefin", "herr", "herrn", "vermieter",
    "mieter", "nachbar", "nachbarin",
    # French
    "je", "moi", "mon", "ma", "nous", "notre", "nos", "elle", "lui", "son", "sa", "ses",
    "leur", "leurs", "mère", "père", "fils", "fille", "femme",
    "mari", "frère", "sœur", "soeur", "grand-mère", "grand-père", "enfant", "enfants",
    "copain", "copine", "collègue", "patron", "m.", "mme", "mme.", "mlle", "monsieur", "madame",
    "locataire", "propriétaire", "voisin", "voisine",
    # Spanish
    "yo", "mi", "mis", "mío", "mía", "nosotros", "nosotras", "nuestro", "nuestra", "nuestros",
    "él", "ella", "madre", "padre", "hijo", "hija", "hijos", "esposa",
    "esposo", "marido", "mujer", "hermano", "hermana", "abuela", "abuelo", "novio", "novia",
    "tío", "tía", "compañero", "compañera", "jefe", "jefa", "sr.", "sra.", "señor", "señora",
    "tengo", "nací", "vivo",
    # Spanish, Italian and Portuguese drop the pronoun: the first person is in the verb
    "estoy", "tomo", "tomé", "estou", "tenho", "tomei", "prendo", "nasci",
    # Italian
    "io", "mio", "mia", "miei", "mie", "noi", "nostro", "nostra", "lui", "lei", "suo", "sua",
    "suoi", "sue", "mamma", "babbo", "figlio", "figlia", "moglie", "marito", "fratello",
    "sorella", "nonna", "nonno", "zio", "zia", "collega", "capo", "sig.", "sig.ra", "signor",
    "signora", "ho", "abito",
    # Dutch
    # Portuguese, Polish
    "eu", "meu", "minha", "meus", "minhas", "mam", "mój", "moja", "moje", "mojej", "mojego",
    "jestem",
    "ik", "mij", "mijn", "wij", "ons", "onze", "hij", "zij", "ze", "haar", "hem",
    "moeder", "vader", "zoon", "dochter", "vrouw", "broer", "zus", "opa", "oma",
    "collega", "baas", "dhr.", "mevr.", "meneer", "mevrouw", "heb", "woon",
)
_WORDS = trie(set(_PERSON_WORDS))
# A person word may take a possessive ("grandma's"); "j'" and "m'" are glued to their verb.
_PERSON_WORD = re.compile(
    rf"(?<![\w'’])(?:(?:{_WORDS})(?![\w-]|['’](?!s\b))|[jm]['’](?=[^\W\d_]))", re.I)
# Capitalised words that start sentences and questions, never a person's name.
_NOT_NAMES = (
    r"(?!(?:What|Which|Who|How|Why|When|Where|This|That|These|Those|It|Its|There|Here|Let|"
    r"Everyone|Someone|Somebody|Nobody|Anyone|Everybody|The|A|An|Each|Every|Today|Tomorrow|"
    r"Was|Wie|Wer|Welche|Welcher|Das|Der|Die|Es|Quel|Quelle|Qui|Que|Ce|Qué|Cuál|Quién|Che|"
    r"Quale|Chi|Wat|Welke|Wie|Hoe|Het|De|Dit|Dat|Python|Java|Rust|Excel|Windows|Linux|"
    r"Google|Apple|Amazon|Microsoft|Docker|Git|GitHub|"
    # Imperatives that open a request ("Write a SQL query"): "a" after them is an article,
    # not the French or Italian "has".
    r"Write|Make|Give|Create|Draft|Generate|Find|Build|Tell|Take|Get|Show|Explain|Compose|"
    r"Plan|Suggest|Translate|Summarise|Summarize|List|Help|Send|Add|Put|Set|Need|Want|Pick|"
    r"Choose|Design|Name|Recommend|Describe|Book|Order|Prepare|Rewrite|Format|Use|"
    # Eponyms of diseases and laws: "Parkinson's disease" names no one in particular.
    r"Parkinson|Alzheimer|Crohn|Hashimoto|Asperger|Huntington|Tourette|Hodgkin|Down|Addison|"
    r"Cushing|Gehrig|Bell|Raynaud|Sjögren|Meniere|Graves|Lyme|Murphy|Moore|Newton|Ohm|"
    r"Hooke|Kepler|Fermat|Euler|Amdahl|Conway|Brooks|Metcalfe|Zipf|Benford|Occam|Hofstadter|"
    r"McDonald|Macy|Trader Joe|Wendy|Denny|Lowe|Kohl|Dillard|Sainsbury|Domino)\b)"
)
_POSSESSIVE = re.compile(rf"(?<![\w'’]){_NOT_NAMES}[A-ZÀ-Ý][a-zà-ÿ]+['’]s\b")
_NAME_VERB = re.compile(
    rf"(?<![\w'’]){_NOT_NAMES}[A-ZÀ-Ý][a-zà-ÿ]+\s+(?:has|had|have|takes|took|is\s+on|was\s+on|"
    r"started|stopped|was\s+diagnosed|is\s+diagnosed|got|earns|makes|made|gets|owes|lives|"
    r"hat|nimmt|verdient|bekommt|wohnt|a|prend|gagne|touche|habite|tiene|toma|gana|cobra|vive|"
    r"ha|prende|guadagna|abita|heeft|neemt|krijgt|woont)\b"
)


# A labelled name: "Patient: Rosa Alvarez", "Name: Petra Lang", "Empfänger: Herr …".
_NAME_FIELD = re.compile(
    r"\b(?i:name|patient|client|customer|employee|applicant|tenant|nom|nombre|nome|naam|"
    r"paciente|paziente|patiënt|kunde|kundin|mieter|mitarbeiter|mitarbeiterin)(?:[\"']?\s*:\s*[\"']?"
    r"[A-ZÀ-Ý][a-zà-ÿ]+|\s+[A-ZÀ-Ý][a-zà-ÿ]+\s+[A-ZÀ-Ý][a-zà-ÿ]+)")


# A name after "of" in the languages that put the owner last: "lo stipendio di Marco",
# "le salaire de Julie", "das Gehalt von Herrn Kaya", "het salaris van Tim".
_OWNER_AFTER = re.compile(rf"\b(?:di|de|del|della|von|van|vom)\s+(?:Herrn?\s+|Frau\s+)?"
                          rf"{_NOT_NAMES}[A-ZÀ-Ý][a-zà-ÿ]+\b")


def has_person(sentence: str) -> bool:
    """Whether ``sentence`` refers to a particular person."""
    for match in _PERSON_WORD.finditer(sentence):
        word = match.group()
        # "US", "IT", "MI" in capitals are a country, a department, a state: not pronouns.
        if not (word.isalpha() and word.isupper() and 2 <= len(word) <= 3):
            return True
    return bool(_POSSESSIVE.search(sentence) or _NAME_VERB.search(sentence)
                or _NAME_FIELD.search(sentence) or _OWNER_AFTER.search(sentence))
