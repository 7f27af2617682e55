"""The value types other parts of Hearth see: passages, collections, indexing progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Privacy = Literal["device", "send"]
PRIVACIES: tuple[Privacy, ...] = ("device", "send")


@dataclass(frozen=True, slots=True)
class Passage:
    """One retrieved chunk; a result list holds them best first.

    ``score`` is the reciprocal-rank-fusion score (sum of 1 / (60 + rank) over the rankings
    used: BM25 and, when an embedding model is set up, vector similarity); higher is better.
    """

    collection: str
    privacy: Privacy
    path: str
    position: str
    text: str
    snippet: str
    score: float
    chunk_id: int
    page: int | None = None


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    """A collection as the user sees it: what was added and how far indexing got."""

    name: str
    privacy: Privacy
    roots: tuple[str, ...]
    files: int
    chunks: int
    failed: tuple[tuple[str, str], ...]
    pending: int
    semantic: bool


@dataclass(frozen=True, slots=True)
class IndexProgress:
    """Where an indexing run stands; rates and time left are measured over this run only.

    A run reads files first (phase one: searchable by words at once), then, with an
    embedding model, gives their chunks vectors (phase two: ``vectors_done`` of
    ``vectors_total``)."""

    collection: str
    files_done: int
    files_total: int
    files_failed: int
    chunks: int
    bytes_done: int
    bytes_total: int
    elapsed_s: float
    current: str | None = None
    vectors_done: int = 0  # phase two: chunks given a vector by the embedding model
    vectors_total: int = 0  # chunks that needed one when phase two began (0: none, or later)
    vectors_elapsed_s: float = 0.0  # time spent in phase two

    @property
    def embedding(self) -> bool:
        """Whether the run is in phase two (files are read; vectors are being computed)."""
        return self.vectors_total > 0

    @property
    def files_per_s(self) -> float:
        return self.files_done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """Estimated from the bytes read so far, or in phase two from the chunks embedded
        (None until there is a rate to go by)."""
        if self.embedding:
            if self.vectors_done <= 0 or self.vectors_elapsed_s <= 0.5:
                return None
            rate = self.vectors_done / self.vectors_elapsed_s
            return max(0.0, (self.vectors_total - self.vectors_done) / rate)
        if self.bytes_done <= 0 or self.elapsed_s <= 0.5:
            return None
        rate = self.bytes_done / self.elapsed_s
        return max(0.0, (self.bytes_total - self.bytes_done) / rate)


@dataclass(frozen=True, slots=True)
class IndexReport:
    """The outcome of one indexing run."""

    collection: str
    indexed: int
    failed: tuple[tuple[str, str], ...]
    removed: int
    unchanged: int
    chunks: int
    elapsed_s: float
    stopped: bool
    embedded: int = 0  # chunks given a vector in this run
