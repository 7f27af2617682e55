"""A generated multilingual corpus with one invented fact planted in each document, and a
question for each fact phrased differently from the sentence that holds it.

Filler sentences share the vocabulary of the facts (harbours, lighthouses, bridges,
libraries …) so that only the invented names and numbers tell the documents apart, as in a
real folder of similar reports. Everything comes from a seeded generator: the same seed
gives the same files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

# (planted sentence, question) per language; {place} and {person} are invented names,
# {number} an invented number. The questions share the names, not the wording.
FACTS: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("Since {number} the beacon at {place} has been tended by {person}.",
         "Who looks after the lighthouse of {place}?"),
        ("The ferry to {place} was renamed after {person}, who piloted it for {number} winters.",
         "Which captain gave the {place} boat its name?"),
        ("{person} counted {number} nesting puffins on the cliffs of {place} last June.",
         "How many puffins breed at {place}?"),
        ("The library of {place} keeps {number} handwritten letters donated by {person}.",
         "Who gave the manuscripts held in the {place} archive?"),
    ],
    "de": [
        ("Seit {number} wird der Leuchtturm von {place} von {person} betreut.",
         "Wer kümmert sich um das Leuchtfeuer in {place}?"),
        ("Die Brücke über den Fluss bei {place} wurde {number} von {person} entworfen.",
         "Welche Ingenieurin plante den Übergang in {place}?"),
        ("In {place} braut {person} jährlich {number} Liter dunkles Bier.",
         "Wie viel Bier entsteht pro Jahr in der Brauerei von {place}?"),
        ("Das Museum in {place} zeigt {number} Uhren aus der Sammlung von {person}.",
         "Wessen Sammlung ist im Uhrenmuseum {place} ausgestellt?"),
    ],
    "fr": [
        ("Depuis {number}, le phare de {place} est gardé par {person}.",
         "Qui s'occupe du phare à {place} ?"),
        ("La boulangerie de {place} cuit {number} baguettes par jour selon {person}.",
         "Combien de pains sortent chaque jour du four à {place} ?"),
        ("Le pont de {place} a été dessiné par {person} en {number}.",
         "Quel architecte a conçu l'ouvrage qui franchit la rivière à {place} ?"),
        ("{person} a planté {number} oliviers sur la colline de {place}.",
         "Combien d'arbres ont été mis en terre près de {place} ?"),
    ],
    "es": [
        ("Desde {number}, el faro de {place} está a cargo de {person}.",
         "¿Quién cuida la linterna marítima de {place}?"),
        ("La biblioteca de {place} guarda {number} mapas antiguos que reunió {person}.",
         "¿Quién juntó la colección cartográfica de {place}?"),
        ("{person} dirige la orquesta de {place}, que tiene {number} músicos.",
         "¿Cuántos intérpretes forman la banda sinfónica de {place}?"),
        ("El puerto de {place} recibió {number} barcos pesqueros, según {person}.",
         "¿Cuántas embarcaciones llegaron a los muelles de {place}?"),
    ],
    "it": [
        ("Dal {number} il faro di {place} è custodito da {person}.",
         "Chi si prende cura della lanterna di {place}?"),
        ("La cantina di {place} produce {number} bottiglie all'anno sotto la guida di {person}.",
         "Quanto vino esce ogni anno dalle botti di {place}?"),
        ("Il ponte di {place} fu progettato da {person} nel {number}.",
         "Quale ingegnere ha disegnato il viadotto di {place}?"),
        ("{person} ha restaurato {number} affreschi nella chiesa di {place}.",
         "Quanti dipinti murali sono stati recuperati a {place}?"),
    ],
    "nl": [
        ("Sinds {number} wordt de vuurtoren van {place} verzorgd door {person}.",
         "Wie beheert het baken bij {place}?"),
        ("De molen van {place} maalt {number} zakken meel per week voor {person}.",
         "Hoeveel meel levert de windmolen in {place} wekelijks?"),
        ("{person} telde {number} zeehonden op de zandbank bij {place}.",
         "Hoeveel robben liggen er op de plaat van {place}?"),
        ("Het archief van {place} bewaart {number} brieven van {person}.",
         "Van wie zijn de correspondentiestukken in het archief van {place}?"),
    ],
    "ja": [
        ("{number}年から{place}の灯台は{person}が管理しています。",
         "{place}の灯台を守っているのは誰ですか"),
        ("{place}の図書館には{person}が寄贈した古地図が{number}枚あります。",
         "{place}の図書館の古地図は誰が寄贈しましたか"),
    ],
}

FILLER: dict[str, list[str]] = {
    "en": ["The harbour was busy with fishing boats before dawn.",
           "Old maps show the coastline further inland than it is today.",
           "Visitors often ask about the lighthouse and the keeper's cottage.",
           "The council discussed the budget for repairing the bridge.",
           "A storm damaged several roofs along the northern shore.",
           "The library opens late on Thursdays during the summer.",
           "Many families have lived in the village for generations.",
           "The museum collects letters, photographs and tools from local trades.",
           "Birdwatchers come in spring to see the colonies on the cliffs.",
           "The ferry timetable changes twice a year."],
    "de": ["Der Hafen war schon vor Sonnenaufgang voller Fischerboote.",
           "Alte Karten zeigen die Küste weiter im Landesinneren.",
           "Besucher fragen oft nach dem Leuchtturm und dem Haus des Wärters.",
           "Der Gemeinderat sprach über die Kosten für die Brücke.",
           "Ein Sturm beschädigte mehrere Dächer an der Nordküste.",
           "Die Bibliothek hat donnerstags im Sommer länger geöffnet.",
           "Viele Familien leben seit Generationen im Dorf.",
           "Das Museum sammelt Briefe, Fotos und Werkzeuge alter Handwerke.",
           "Im Frühling kommen Vogelkundler zu den Kolonien an den Klippen.",
           "Die Brauerei bietet samstags Führungen an."],
    "fr": ["Le port était plein de bateaux de pêche avant l'aube.",
           "Les vieilles cartes montrent la côte plus à l'intérieur des terres.",
           "Les visiteurs posent souvent des questions sur le phare et son gardien.",
           "Le conseil municipal a discuté du budget pour réparer le pont.",
           "Une tempête a endommagé plusieurs toits sur la rive nord.",
           "La bibliothèque ferme tard le jeudi en été.",
           "Beaucoup de familles vivent dans le village depuis des générations.",
           "La boulangerie ouvre à six heures du matin.",
           "Les oliviers de la région sont très anciens.",
           "Le musée rassemble des lettres et des outils anciens."],
    "es": ["El puerto estaba lleno de barcos de pesca antes del amanecer.",
           "Los mapas antiguos muestran la costa más hacia el interior.",
           "Los visitantes preguntan a menudo por el faro y su guardián.",
           "El ayuntamiento discutió el presupuesto para reparar el puente.",
           "Una tormenta dañó varios tejados en la orilla norte.",
           "La biblioteca abre hasta tarde los jueves en verano.",
           "Muchas familias viven en el pueblo desde hace generaciones.",
           "La orquesta ensaya todos los martes por la tarde.",
           "Los pescadores venden su captura en el mercado del puerto.",
           "El museo reúne cartas, fotografías y herramientas."],
    "it": ["Il porto era pieno di barche da pesca prima dell'alba.",
           "Le vecchie mappe mostrano la costa più all'interno.",
           "I visitatori chiedono spesso del faro e del suo guardiano.",
           "Il consiglio ha discusso i costi per riparare il ponte.",
           "Una tempesta ha danneggiato diversi tetti sulla costa nord.",
           "La biblioteca resta aperta fino a tardi il giovedì.",
           "Molte famiglie vivono nel paese da generazioni.",
           "La cantina organizza degustazioni ogni sabato.",
           "La chiesa conserva affreschi del quindicesimo secolo.",
           "Il museo raccoglie lettere e attrezzi antichi."],
    "nl": ["De haven lag vol vissersboten voor zonsopgang.",
           "Oude kaarten tonen de kust verder landinwaarts.",
           "Bezoekers vragen vaak naar de vuurtoren en de wachter.",
           "De gemeenteraad besprak de kosten voor de brug.",
           "Een storm beschadigde daken langs de noordkust.",
           "De bibliotheek is op donderdag langer open.",
           "Veel families wonen al generaties in het dorp.",
           "De molen draait alleen bij genoeg wind.",
           "Op de zandbank liggen vaak zeehonden te rusten.",
           "Het archief bewaart kaarten en brieven."],
    "ja": ["港は夜明け前から漁船でにぎわっていた。",
           "古い地図では海岸線が今より内陸にある。",
           "観光客はよく灯台と灯台守の家について尋ねる。",
           "図書館は夏の木曜日に遅くまで開いている。",
           "嵐で北の海岸の屋根がいくつか壊れた。",
           "多くの家族が何世代も村に住んでいる。"],
}

_SYLLABLES = ["ka", "lo", "ven", "dra", "mi", "sel", "tor", "qui", "bar", "ne", "vel", "sun",
              "mar", "ith", "gol", "pra", "zen", "ul", "fen", "ri", "os", "wyn", "dal", "eth"]
_KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
_KANJI = "山川田村森林松竹梅桜岡島原野沢池谷浜崎"


@dataclass(frozen=True)
class Planted:
    """One document and the question its fact answers."""

    path: Path
    language: str
    question: str
    sentence: str


def _name(rng: random.Random, taken: set[str], *, japanese: bool = False, parts: int = 2
          ) -> str:
    while True:
        if japanese:
            name = "".join(rng.choice(_KANJI) for _ in range(2)) + "".join(
                rng.choice(_KANA) for _ in range(3))
        else:
            name = " ".join("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
                            .capitalize() for _ in range(parts))
        if name not in taken:
            taken.add(name)
            return name


def write_corpus(folder: Path, *, documents: int = 70, seed: int = 1,
                 paragraph_range: tuple[int, int] = (4, 12)) -> list[Planted]:
    """Write ``documents`` files (Markdown, text and HTML) into ``folder``; one fact each,
    with ``paragraph_range`` (least, most) paragraphs of filler."""
    rng = random.Random(seed)
    taken: set[str] = set()
    languages = sorted(FACTS)
    planted: list[Planted] = []
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(documents):
        language = languages[index % len(languages)]
        japanese = language == "ja"
        template, question = rng.choice(FACTS[language])
        slots = {"place": _name(rng, taken, japanese=japanese, parts=1),
                 "person": _name(rng, taken, japanese=japanese),
                 "number": str(rng.randint(1200, 1999))}
        sentence = template.format(**slots)
        filler = FILLER[language]
        paragraphs = [" ".join(rng.choice(filler) for _ in range(rng.randint(3, 6)))
                      for _ in range(rng.randint(*paragraph_range))]
        at = rng.randrange(len(paragraphs))
        paragraphs[at] = paragraphs[at] + (" " if not japanese else "") + sentence
        kind = rng.choice(["md", "txt", "html"])
        name = f"report-{index:03d}-{language}.{kind}"
        path = folder / name
        if kind == "md":
            body = f"# Report {index}\n\n" + "\n\n".join(
                (f"## Part {i}\n\n{p}" if i % 3 == 0 else p) for i, p in enumerate(paragraphs))
        elif kind == "html":
            body = (f"<html><head><title>Report {index}</title><style>p{{}}</style></head>"
                    "<body>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>")
        else:
            body = "\n\n".join(paragraphs) + "\n"
        path.write_text(body, encoding="utf-8")
        planted.append(Planted(path, language, question.format(**slots), sentence))
    return planted
