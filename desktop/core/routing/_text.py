"""Text as the detectors read it: the same length as the user's text (spans stay valid), with
the separators people paste from word processors, PDFs and phones folded to plain ones.

A card number copied from a banking app arrives with no-break spaces (``4111\u00a01111``), an
SSN typed on a phone with non-breaking hyphens (``536\u201122\u20111942``), a French amount with
narrow no-break spaces (``2\u202f850 €``). Each of those characters maps to one ASCII character,
so a position in the folded text is the same position in the original.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

# Spaces: no-break, figure, thin, hair, narrow no-break, en/em quads and spaces, ideographic.
_SPACES = ("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
           "\u202f\u205f\u3000")
# Hyphens and dashes: hyphen, non-breaking hyphen, figure dash, en dash, minus sign, small and
# full-width hyphen-minus. The em dash stays: people use it between words, not inside numbers.
_HYPHENS = "\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d"
# Full-width forms (Japanese, Chinese and Korean input methods type "０９０－１２３４" and
# "ＤＥ８９"), and the Arabic-Indic and Persian digits: one ASCII character each.
_WIDE = "".join(chr(c) for c in range(0xFF01, 0xFF5F))
_INDIC_DIGITS = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669" \
                "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9"
_FOLD = str.maketrans(
    _WIDE + _INDIC_DIGITS + _SPACES + _HYPHENS,
    "".join(chr(ord(c) - 0xFEE0) for c in _WIDE) + "0123456789" * 2
    + " " * len(_SPACES) + "-" * len(_HYPHENS))
_NEEDS_FOLD = re.compile(f"[{_SPACES}{_HYPHENS}\uff01-\uff5e\u0660-\u0669\u06f0-\u06f9]")


def fold(text: str) -> str:
    """``text`` with Unicode spaces, hyphens, full-width forms and Arabic-Indic digits replaced
    one-for-one by ASCII ones."""
    if _NEEDS_FOLD.search(text) is None:
        return text
    return text.translate(_FOLD)


def lowered(text: str) -> str | None:
    """``text`` in lower case, or None where that would shift positions (a character whose
    lower case is longer, such as "İ"): a caller then matches ``text`` ignoring case. Done once
    per scan and shared by the layers that match lower-case words."""
    lower = text.lower()
    return lower if len(lower) == len(text) else None


def word_matches(text: str, lower: str | None, pattern: Callable[[bool], re.Pattern[str]]
                 ) -> Iterator[re.Match[str]]:
    """The matches of a lower-case word pattern that do not start inside a longer word:
    ``pattern(False)`` on ``lower``, or ``pattern(True)`` (the same ignoring case) on ``text``
    when ``lower`` is None. Spans are valid in ``text`` either way."""
    source = text if lower is None else lower
    for match in pattern(lower is None).finditer(source):
        start = match.start()
        if start and (source[start - 1].isalnum() or source[start - 1] == "_"):
            continue
        yield match


def compact(value: str, separators: str = " -./") -> str:
    """The value without separators, upper-cased: what a validator checks."""
    return value.translate(str.maketrans("", "", separators)).upper()


def digits(value: str) -> str:
    """Only the digits of ``value``."""
    return "".join(c for c in value if c.isdigit())
