"""HTML to blocks with the standard library's parser: block elements become paragraphs,
``h1``–``h6`` set the heading path, scripts and styles are dropped."""

from __future__ import annotations

import io
from collections.abc import Iterator
from html.parser import HTMLParser

from desktop.core.documents._extract import Block, Unreadable

_BLOCK_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "table", "tr", "td", "th", "section", "article", "header",
    "footer", "blockquote", "pre", "br", "hr", "dd", "dt", "dl", "figcaption", "main", "nav",
    "aside", "title", "h1", "h2", "h3", "h4", "h5", "h6",
})
_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_FEED_CHARS = 64 * 1024


class _BlockParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ready: list[Block] = []
        self._text: list[str] = []
        self._skip = 0
        self._heading_level = 0
        self._headings: tuple[str, ...] = ()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self._flush()
            self._heading_level = _HEADINGS.get(tag, 0)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        self._text = []
        if not text:
            return
        if self._heading_level:
            level = self._heading_level
            self._headings = (*self._headings[: level - 1], text)
            self._heading_level = 0
        self.ready.append(Block(text, None, self._headings))

    def finish(self) -> None:
        self.close()
        self._flush()


def html_blocks(stream: io.TextIOWrapper) -> Iterator[Block]:
    """The paragraphs of an HTML document, fed to the parser 64 KiB at a time."""
    parser = _BlockParser()
    with stream:
        while True:
            try:
                piece = stream.read(_FEED_CHARS)
            except OSError as exc:
                raise Unreadable(f"reading it failed: {exc.strerror or exc}") from None
            if not piece:
                break
            parser.feed(piece)
            yield from parser.ready
            parser.ready.clear()
    parser.finish()
    yield from parser.ready
