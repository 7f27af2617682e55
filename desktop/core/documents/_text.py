"""Text for the full-text index and back: CJK bigrams, FTS5 queries, display snippets."""

from __future__ import annotations

import functools
import re
import unicodedata

# Han, Hiragana, Katakana, Hangul: scripts written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_WORD = re.compile(r"\w+", re.UNICODE)

# Words so frequent in questions that they only add noise and time to an OR query
# (BM25's IDF would shrink them anyway). English, German, French, Spanish, Italian,
# Portuguese, Dutch: the question words and the commonest function words.
_STOPWORD_TEXT = """
a an the of to in on at by for from with and or is are was were be been what which who whom whose
when where why how does do did this that these those it its as into about there their has have had
can could would should will shall may might tell me my your our i you we they he she his her
der die das den dem des ein eine einer eines einem einen und oder ist sind war wer was wann wo
warum wie welche welcher welches im in am an auf aus bei mit von zu zum zur für über hat haben
le la les un une des du de et ou est sont qui que quoi quel quelle quels quelles où quand comment
pourquoi dans sur pour par avec au aux ce cette ces il elle a
el los las una unos unas y o es son quién quien qué que cuál cual cuándo cuando dónde donde cómo
como por para con del al en se su sus
il lo gli i uno e è sono chi che cosa quale quando dove come perché di da nel nella con per
o os as um uma e é são quem que qual quando onde como porque do da dos das no na com para
de het een en of is zijn wie wat welke wanneer waar waarom hoe van op met voor in
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def fold(text: str) -> str:
    """Lower case without accents, as FTS5's unicode61 remove_diacritics 2 sees it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    folded = fold(char)
    return folded[:1] if folded else char


def _bigrams(run: str) -> str:
    if len(run) == 1:
        return run
    return " ".join(run[i:i + 2] for i in range(len(run) - 1))


def search_text(text: str) -> str:
    """The text as indexed: CJK runs become overlapping bigrams ("東京都" → "東京 京都"),
    so a word of two or more characters can be found without a dictionary; other scripts
    are left to the unicode61 tokenizer as they are."""
    if not _CJK.search(text):
        return text
    return _CJK.sub(lambda m: " " + _bigrams(m.group(0)) + " ", text)


def query_terms(query: str) -> list[str]:
    """The words of a question worth looking up: folded, deduplicated, stopwords dropped
    (all of them kept when nothing else is left)."""
    words: list[str] = []
    for word in _WORD.findall(search_text(fold(query))):
        if word not in words:
            words.append(word)
    meaningful = [w for w in words if w not in _STOPWORDS and (len(w) > 1 or _CJK.match(w))]
    return meaningful or words


def stem(term: str) -> str | None:
    """The prefix a long word is also looked up by, so "lighthouses" finds "lighthouse" and
    "Leuchttürme" finds "Leuchtturm" (a crude stemmer that costs nothing per language);
    None for short words and CJK bigrams."""
    if len(term) < 6 or _CJK.match(term):
        return None
    return term[: max(5, len(term) - 2)]


def fts_query(terms: list[str], stems: dict[str, str | None] | None = None) -> str:
    """An FTS5 OR query: each term quoted (no FTS syntax leaks in from the user's text), and
    its stem as a prefix query (``stems`` overrides ``stem``: None leaves a term's out)."""
    parts: list[str] = []
    for term in terms:
        parts.append('"' + term.replace('"', '""') + '"')
        prefix = stem(term) if stems is None else stems.get(term)
        if prefix is not None:
            parts.append('"' + prefix.replace('"', '""') + '"*')
    return " OR ".join(parts)


SNIPPET_CHARS = 200


def snippet(text: str, terms: list[str], *, width: int = SNIPPET_CHARS) -> str:
    """At most ``width`` characters of ``text`` around the place where most query terms meet;
    "…" marks a cut."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    haystack = "".join(map(_fold_char, flat))  # one to one, so positions map back
    hits: list[int] = []
    for term in terms:
        hits.extend(m.start() for m in re.finditer(re.escape(stem(term) or term), haystack))
    if hits:
        hits.sort()
        best, best_count = hits[0], 0
        for start in hits:  # the window holding the most hits
            count = sum(1 for h in hits if start <= h < start + width * 2 // 3)
            if count > best_count:
                best, best_count = start, count
        begin = max(0, min(best - width // 4, len(flat) - width))
    else:
        begin = 0
    end = min(len(flat), begin + width - 2)  # room for the two "…"
    if begin > 0:
        space = flat.find(" ", begin, begin + 20)
        begin = space + 1 if space != -1 else begin
    if end < len(flat):
        space = flat.rfind(" ", end - 20, end)
        end = space if space > begin else end
    piece = flat[begin:end]
    return ("…" if begin > 0 else "") + piece + ("…" if end < len(flat) else "")
