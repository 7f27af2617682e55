"""Under an answer drawn from the user's documents: the passages it was given, numbered as it
cites them. Each names its file and place and shows a snippet; hovering shows the passage with
the question's words marked, and a click opens the file.

Opening goes through the desktop's default application (``QDesktopServices``). A PDF opens at
its start, not at the page: the desktop's "open this file" call has no portable way to say which
page (``#page=N`` is understood by browsers' viewers only, and some openers then fail to find
the file), so the notice that follows the click names the page instead.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from desktop.core.receipt import Receipt, Source
from desktop.ui.theme import Palette

SNIPPET_SHOWN = 140  # characters of a snippet under the answer; the tooltip has all of it
_WORD = re.compile(r"\w{3,}")
# Words too common to be what the passage was found by.
_COMMON = frozenset({
    "the", "and", "for", "are", "was", "were", "what", "when", "where", "which", "who", "whom",
    "why", "how", "that", "this", "with", "from", "have", "has", "had", "does", "did", "can",
    "could", "would", "should", "about", "into", "your", "you", "there", "their", "them",
    "they", "its", "our", "not", "but", "all", "any"})


def sources_html(index: int, receipt: Receipt | None, question: str, palette: Palette,
                 *, scheme: str) -> str:
    """The "Sources" block under answer ``index`` (empty when it was given none): one line per
    passage, ``[1] report.pdf, page 3 · Tax 2025`` linking to ``scheme:source/index/n``, and
    its snippet; a line on passages left out for the context."""
    if receipt is None or not (receipt.sources or receipt.sources_trimmed):
        return ""
    p = palette
    lines = []
    if receipt.kept_local_for_collections:  # the router's reason, said where it is seen
        names = ", ".join(f"“{n}”" for n in receipt.kept_local_for_collections)
        lines.append(f'<span style="color: {p.here_text};">Kept on this device: it draws on '
                     f"{html.escape(names)}.</span>")
    lines.append(f'<span style="color: {p.muted}; font-weight: 600;">Sources</span>')
    terms = question_terms(question)
    for number, source in enumerate(receipt.sources, 1):
        tip = html.escape(passage_tooltip(source, terms, palette), quote=True)
        snippet = _shortened(" ".join(source.snippet.split()), SNIPPET_SHOWN)
        lines.append(
            f'<a href="{scheme}:source/{index}/{number - 1}" title="{tip}" '
            f'style="color: {p.link}; text-decoration: none;">[{number}] '
            f"{html.escape(source.label)}</a>"
            f'<span style="color: {p.muted};"> · {html.escape(source.collection)}</span>'
            + (f'<br><span style="color: {p.muted};">&nbsp;&nbsp;&nbsp;&nbsp;'
               f"{html.escape(snippet)}</span>" if snippet else ""))
    if receipt.sources_trimmed:
        lines.append(f'<span style="color: {p.muted};">{receipt.sources_trimmed} more '
                     "passage(s) left out to fit the local model's context</span>")
    return "<br>".join(lines)


def question_terms(question: str) -> tuple[str, ...]:
    """The question's words worth marking in a passage (lower case, no common words)."""
    words = (w.lower() for w in _WORD.findall(question))
    return tuple(dict.fromkeys(w for w in words if w not in _COMMON))


def passage_tooltip(source: Source, terms: Sequence[str], palette: Palette) -> str:
    """Rich text: where the passage is, and its snippet with ``terms`` marked."""
    where = html.escape(f"{source.label} · “{source.collection}”")
    privacy = ("kept on this device" if source.privacy != "send"
               else "may be sent with a question")
    return (f"<p><b>{where}</b><br><i>{privacy}</i></p>"
            f"<p>{highlighted(source.snippet, terms, palette.sensitive_bg)}</p>"
            "<p><i>Click to open the file.</i></p>")


def highlighted(text: str, terms: Sequence[str], background: str) -> str:
    """``text`` as HTML with each of ``terms`` (whole-word starts, any case) on ``background``."""
    if not terms:
        return html.escape(text)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in terms) + r")\w*", re.I)
    pieces: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        pieces.append(html.escape(text[position:match.start()]))
        pieces.append(f'<span style="background-color: {background};">'
                      f"{html.escape(match.group())}</span>")
        position = match.end()
    pieces.append(html.escape(text[position:]))
    return "".join(pieces)


def source_url(source: Source) -> QUrl:
    """The file's URL, for the desktop's default application."""
    return QUrl.fromLocalFile(source.path)


def open_source(source: Source) -> str:
    """Open the passage's file with the desktop's default application; what to tell the user
    (where the passage is, or why the file could not be opened)."""
    if not Path(source.path).exists():
        return f"{source.label}: the file is no longer at {source.path}"
    if not QDesktopServices.openUrl(source_url(source)):
        return f"{source.label}: no application could open {source.path}"
    where = f"page {source.page}" if source.page is not None else source.position
    return f"Opened {Path(source.path).name}: the passage is at {where}."


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
