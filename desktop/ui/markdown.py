"""Markdown to the HTML subset Qt's rich text understands, with code highlighted by Pygments.

Raw HTML in a message is shown as text, never interpreted: answers come from a model and may
contain anything. Images are shown as links, so rendering never reads a file or the network.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from desktop.ui.theme import Palette

# markdown-it and Pygments are imported where first used (about 0.1 s together): the window
# shows before them, and ``markdown_worker.warm_up`` loads them on a thread of its own.
if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from pygments.formatters import HtmlFormatter
    from pygments.lexer import Lexer

    from desktop.ui.answer_heading import Mark


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message as HTML, and the source of each of its code blocks (for their copy links)."""

    html: str
    code_blocks: tuple[str, ...]


def render_markdown(text: str, palette: Palette, *, code_link: str) -> Rendered:
    """Render ``text``; code block ``k`` gets a copy link to ``f"{code_link}/{k}"``."""
    _load_libraries()
    env: dict[str, Any] = {"palette": palette, "code_link": code_link, "code_blocks": []}
    body = _parser().render(text, env)
    return Rendered(body, tuple(env["code_blocks"]))


def render_plain(text: str) -> str:
    """Text shown exactly as typed (a question), line breaks and spaces kept."""
    return f'<p style="margin: 0; white-space: pre-wrap;">{html.escape(text)}</p>'


def render_marked(text: str, marks: Sequence[Mark], colour: str) -> str:
    """Like ``render_plain``, with each of ``marks`` on a ``colour`` background and named in
    its tooltip (the sensitive values found in a question)."""
    if not marks:
        return render_plain(text)
    pieces: list[str] = []
    position = 0
    for mark in marks:
        pieces.append(html.escape(text[position:mark.start]))
        pieces.append(f'<span style="background-color: {colour};" title="{html.escape(mark.label)}'
                      f'">{html.escape(text[mark.start:mark.end])}</span>')
        position = mark.end
    pieces.append(html.escape(text[position:]))
    return f'<p style="margin: 0; white-space: pre-wrap;">{"".join(pieces)}</p>'


def code_block_html(code: str, language: str, palette: Palette, link: str) -> str:
    _load_libraries()
    from pygments import highlight
    from pygments.styles import get_style_by_name

    style = get_style_by_name(palette.code_style)
    highlighted = highlight(code, _lexer(language), _formatter(palette.code_style))
    label = html.escape(language) if language else "code"
    return (
        f'<table width="100%" cellspacing="0" cellpadding="8" bgcolor="{style.background_color}"'
        f' style="margin-top: 6px; margin-bottom: 6px; border: 1px solid {palette.code_border};">'
        f'<tr><td><span style="color: {palette.muted};">{label}</span>'
        f'&nbsp;&nbsp;<a href="{link}">Copy code</a></td></tr>'
        f'<tr><td><pre style="margin: 0;">{highlighted.rstrip()}</pre></td></tr></table>'
    )


# -- parser ----------------------------------------------------------------------------------

_loading = threading.Lock()
_loaded = False


def _load_libraries() -> None:
    """Import markdown-it and Pygments, one thread at a time: the renderer's thread and the
    GUI thread may both want them first, and Pygments' lexers module replaces itself in
    ``sys.modules`` as it loads, so that importing from it meanwhile fails (ImportError)."""
    global _loaded
    if _loaded:
        return
    with _loading:
        if not _loaded:
            import markdown_it  # noqa: F401
            import pygments.formatters  # noqa: F401
            import pygments.lexers  # noqa: F401
            import pygments.styles  # noqa: F401
            import pygments.util  # noqa: F401

            _loaded = True



@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("fence", _fence)
    md.add_render_rule("code_block", _fence)
    md.add_render_rule("code_inline", _code_inline)
    md.add_render_rule("image", _image)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("blockquote_open", _blockquote_open)
    return md


def _fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    blocks: list[str] = env["code_blocks"]
    link = f"{env['code_link']}/{len(blocks)}"
    blocks.append(token.content)
    return code_block_html(token.content, language, env["palette"], link)


def _code_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                 env: dict[str, Any]) -> str:
    palette: Palette = env["palette"]
    return (f'<code style="background-color: {palette.inline_code_bg};">'
            f"{html.escape(tokens[idx].content)}</code>")


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any,
           env: dict[str, Any]) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = html.escape(token.content or src)
    if src.startswith(("http://", "https://")):
        return f'<a href="{html.escape(src, quote=True)}">[image: {alt}]</a>'
    return f"[image: {alt}]"


def _table_open(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                env: dict[str, Any]) -> str:
    palette: Palette = env["palette"]
    return (f'<table border="1" cellspacing="0" cellpadding="4"'
            f' style="border-color: {palette.border}; border-style: solid;">')


def _blockquote_open(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                     env: dict[str, Any]) -> str:
    palette: Palette = env["palette"]
    return f'<blockquote style="color: {palette.muted}; font-style: italic;">'


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer:
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    if not language:
        return TextLexer()
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return TextLexer()


@lru_cache(maxsize=4)
def _formatter(style: str) -> HtmlFormatter[str]:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True, noclasses=True, style=style)
