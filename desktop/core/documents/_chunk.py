"""Blocks to chunks: by structure first (a heading or page starts a new chunk), then by size,
with an overlap between neighbouring chunks of the same section.

Sizes are in the embedding model's tokens when one is set up (its ``count_tokens``);
without one they are an estimate: about four characters per token, which holds for English
and most European languages with common BPE vocabularies (CJK text has fewer characters per
token, so its chunks come out smaller in characters, which is harmless).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from desktop.core.documents._extract import Block

TokenCounter = Callable[[str], int]

# 256 tokens: within the 512-token window of bge-small and e5-small with their prefixes,
# small enough for precise citations, large enough to hold a fact with its context.
DEFAULT_CHUNK_TOKENS = 256
DEFAULT_OVERLAP_TOKENS = 32
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


def estimate_tokens(text: str) -> int:
    """An estimate without a tokenizer: ~4 characters per token (see the module docstring)."""
    return (len(text) + 3) // 4


@dataclass(frozen=True, slots=True)
class Chunk:
    """One piece of a file, ready to store; ``ordinal`` counts from 0 within the file."""

    ordinal: int
    text: str
    position: str
    page: int | None
    context: str


def position_words(page: int | None, headings: tuple[str, ...], first: int | None,
                   last: int | None) -> str:
    """Where a chunk is, for a citation: "page 3", "§ Installation", "lines 120–140"."""
    parts: list[str] = []
    if page is not None:
        parts.append(f"page {page}")
    if headings:
        parts.append("§ " + headings[-1])
    if first is not None and last is not None:
        parts.append(f"line {first}" if first == last else f"lines {first}–{last}")
    return ", ".join(parts) or "whole file"


class Chunker:
    """Turns a stream of blocks into chunks of about ``target`` tokens."""

    def __init__(self, count_tokens: TokenCounter | None = None, *,
                 target: int = DEFAULT_CHUNK_TOKENS,
                 overlap: int = DEFAULT_OVERLAP_TOKENS) -> None:
        self._count = count_tokens or estimate_tokens
        self.target = target
        self.overlap = overlap

    def chunks(self, blocks: Iterable[Block], *, title: str) -> Iterator[Chunk]:
        """The chunks of one file; ``title`` (its name) goes into each chunk's context."""
        pending: list[_Piece] = []
        ordinal = 0
        for block in blocks:
            if pending and _section(pending[-1].block) != _section(block):
                if not _only_carried(pending):
                    yield self._make(pending, ordinal, title)
                    ordinal += 1
                pending = []
            for piece in self._pieces(block):
                tokens = self._count(piece.text)
                size = sum(p.tokens for p in pending)
                # A small start (a heading, a carried tail) stays with what follows even if
                # that makes the chunk up to a quarter larger than the target.
                if pending and size + tokens > self.target and size >= self.target // 4:
                    yield self._make(pending, ordinal, title)
                    ordinal += 1
                    pending = self._overlap_of(pending)
                pending.append(_Piece(piece, tokens, carried=False))
        if pending and not _only_carried(pending):
            yield self._make(pending, ordinal, title)

    def _pieces(self, block: Block) -> Iterator[Block]:
        """The block itself, or pieces of it no larger than ``target`` (sentences, then
        words, then characters for a "word" longer than a chunk)."""
        if self._count(block.text) <= self.target:
            yield block
            return
        buffer = ""
        for sentence in _SENTENCE_END.split(block.text):
            for word in sentence.split():
                candidate = f"{buffer} {word}" if buffer else word
                if buffer and self._count(candidate) > self.target:
                    yield _like(block, buffer)
                    buffer = word
                else:
                    buffer = candidate
                while self._count(buffer) > self.target:
                    cut = max(1, self.target * 4)
                    yield _like(block, buffer[:cut])
                    buffer = buffer[cut:]
            if buffer and self._count(buffer) >= self.target // 2:
                yield _like(block, buffer)
                buffer = ""
        if buffer:
            yield _like(block, buffer)

    def _overlap_of(self, pending: list[_Piece]) -> list[_Piece]:
        """The last words of the chunk just made, carried into the next one."""
        if self.overlap <= 0:
            return []
        last = pending[-1].block
        words = last.text.split()
        tail: list[str] = []
        for word in reversed(words):
            if self._count(" ".join([word, *tail])) > self.overlap:
                break
            tail.insert(0, word)
        if not tail:
            return []
        text = " ".join(tail)
        carried = Block(text, last.page, last.headings, last.line_end, last.line_end)
        return [_Piece(carried, self._count(text), carried=True)]

    def _make(self, pending: list[_Piece], ordinal: int, title: str) -> Chunk:
        blocks = [p.block for p in pending]
        text = "\n\n".join(b.text for b in blocks)
        first = next((b.line_start for b in blocks if b.line_start is not None), None)
        last = next((b.line_end for b in reversed(blocks) if b.line_end is not None), None)
        head = blocks[-1]
        context = " ".join((title, *head.headings))
        return Chunk(ordinal, text, position_words(head.page, head.headings, first, last),
                     head.page, context)


@dataclass(frozen=True, slots=True)
class _Piece:
    block: Block
    tokens: int
    carried: bool  # the tail of the chunk before: a chunk made only of it is never stored


def _only_carried(pending: list[_Piece]) -> bool:
    return all(p.carried for p in pending)


def _section(block: Block) -> tuple[int | None, tuple[str, ...]]:
    return block.page, block.headings


def _like(block: Block, text: str) -> Block:
    return Block(text, block.page, block.headings, block.line_start, block.line_end)
