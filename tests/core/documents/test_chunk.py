"""Chunking: structure first (headings, pages), then size in the model's tokens, with an
overlap between neighbours of the same section."""

from __future__ import annotations

from desktop.core.documents._chunk import Chunker, estimate_tokens
from desktop.core.documents._extract import Block


def _words(text: str) -> int:
    return len(text.split())  # a "tokenizer" whose counts are easy to check


def test_sizes_follow_the_token_counter_and_neighbours_overlap() -> None:
    paragraphs = [Block(" ".join(f"w{p}x{i}" for i in range(30)), None, ("Intro",), p, p)
                  for p in range(10)]
    chunks = list(Chunker(_words, target=100, overlap=10).chunks(paragraphs, title="f.txt"))
    assert len(chunks) > 3
    for chunk in chunks:
        assert _words(chunk.text) <= 100 + 10  # the target, plus at most the carried tail
    for before, after in zip(chunks, chunks[1:], strict=False):
        tail = before.text.split()[-10:]
        assert after.text.split()[:10] == tail
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert chunks[0].context == "f.txt Intro"


def test_a_heading_or_a_page_starts_a_new_chunk_without_overlap() -> None:
    blocks = [Block("alpha beta", None, ("One",), 1, 1), Block("gamma delta", None, ("Two",), 3, 3),
              Block("page three text", 3), Block("page four text", 4)]
    chunks = list(Chunker(_words, target=100, overlap=10).chunks(blocks, title="f"))
    assert [c.text for c in chunks] == ["alpha beta", "gamma delta", "page three text",
                                        "page four text"]
    assert [c.position for c in chunks] == ["§ One, line 1", "§ Two, line 3", "page 3",
                                            "page 4"]


def test_a_word_longer_than_a_chunk_is_cut() -> None:
    blob = Block("x" * 5000)
    chunks = list(Chunker(None, target=100).chunks([blob], title="f"))
    assert "".join(c.text for c in chunks).replace("\n\n", "").count("x") >= 5000
    assert all(estimate_tokens(c.text) <= 125 for c in chunks)
