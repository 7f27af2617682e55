"""Answers that draw on the user's documents: retrieve passages for a question, fit them into the
local model's context, and hand them to the model in one message with numbered sources.

    question ─► Library.search(collections) ─► best first ─► fit the budget (drop lowest rank)
                                                              │
              [1] report.pdf, page 3 … [n] …  "answer from these, cite [n]"  + the question

The passages ride in the question's own message (the last one): chat templates that insist on
alternating roles accept it, and the earlier turns stay a prefix the engine's cache can reuse.
Where the passages come from decides where the question may go: a passage of a collection kept
on this device keeps the whole question here (the router's ``device_collections`` rule); the
others are part of what leaves, scanned and redacted by the privacy gate like the rest.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Literal

from desktop.core.chat import ChatMessage
from desktop.core.errors import KnownError
from desktop.core.local.engine import LocalEngine
from desktop.core.local.slot import ModelSlot
from desktop.core.receipt import Receipt, Source
from desktop.core.settings import Settings

if TYPE_CHECKING:
    from desktop.core.documents import Library, Passage

TokenCounter = Callable[[str], int]
TokenBasis = Literal["counted", "estimated"]

# How many passages a question asks for; the budget may keep fewer.
SEARCH_LIMIT = 8
# Tokens a chat template adds around each message (role markers, separators) and to open the
# answer: ChatML spends 5 per message, Llama 3 about 6; counted generously.
_TEMPLATE_TOKENS_PER_MESSAGE = 8
_TEMPLATE_TOKENS_FIXED = 8
# Without the model's tokenizer: one token per 3 UTF-8 bytes over-counts English (about 4
# characters a token) and roughly matches CJK text (3 bytes a character, 1–2 tokens each), so an
# estimated budget errs on the side of fitting.
_BYTES_PER_TOKEN_ESTIMATE = 3

INSTRUCTIONS = ("Answer the question below from these numbered sources, taken from the user's "
                "documents. Cite the sources you use as [1], [2] and so on. If they do not hold "
                "the answer, say so.")
QUESTION_LEAD = "Question: "


def estimate_tokens(text: str) -> int:
    """A conservative token count for ``text`` when the model's tokenizer is not at hand."""
    return math.ceil(len(text.encode("utf-8")) / _BYTES_PER_TOKEN_ESTIMATE)


@dataclass(frozen=True, slots=True)
class DocumentContext:
    """The passages one question is given, best first, and what the budget left out."""

    passages: tuple[Passage, ...]
    trimmed: int  # retrieved passages left out to fit the context, the lowest-ranked
    tokens: int  # of the documents block as the model sees it
    token_basis: TokenBasis

    @property
    def device_collections(self) -> tuple[str, ...]:
        """Collections kept on this device that the passages come from, in rank order."""
        return _names(p.collection for p in self.passages if p.privacy != "send")

    @property
    def sent_collections(self) -> tuple[str, ...]:
        """Collections that may be sent that the passages come from, in rank order."""
        return _names(p.collection for p in self.passages if p.privacy == "send")

    @property
    def block(self) -> str:
        """The instructions and the numbered passages (empty when none fit)."""
        return documents_block(self.passages)

    def sources(self) -> tuple[Source, ...]:
        return tuple(Source(collection=p.collection, path=p.path, position=p.position,
                            page=p.page, snippet=p.snippet, score=p.score, privacy=p.privacy,
                            chunk_id=p.chunk_id) for p in self.passages)

    def routed_history(self, messages: Sequence[ChatMessage]) -> list[ChatMessage]:
        """What the router reads before the question: the history, then the passages (so that
        the privacy gate classifies them with the rest of what would leave)."""
        history = list(messages[:-1])
        return [*history, ChatMessage("user", self.block)] if self.passages else history

    def apply(self, messages: Sequence[ChatMessage]) -> list[ChatMessage]:
        """``messages`` with the documents block put before the last question's text."""
        if not self.passages:
            return list(messages)
        last = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
        if last is None:
            return list(messages)
        result = list(messages)
        result[last] = ChatMessage("user", with_block(self.block, messages[last].content))
        return result

    def stamp(self, receipt: Receipt) -> Receipt:
        """``receipt`` with the sources it was given and what the budget left out."""
        return dataclasses.replace(receipt, sources=self.sources(), sources_trimmed=self.trimmed,
                                   sources_tokens=self.tokens,
                                   sources_token_basis=self.token_basis)


class DocumentReader:
    """Finds the passages a turn draws on and sizes them for the local model's context.

    The library is opened for each turn and closed after it (an SQLite file: cheap to open,
    and a turn may run on any thread). Tokens are counted with the local model's tokenizer
    when its engine is loaded already, or will surely be needed because a passage must stay
    on this device; otherwise they are estimated (``estimate_tokens``), and the receipt says
    which.
    """

    def __init__(self, settings: Settings, models: ModelSlot,
                 library: Callable[[], Library] | None = None) -> None:
        self._settings = settings
        self._models = models
        self._library = library or self._default_library

    def _default_library(self) -> Library:
        from desktop.core.documents import Library  # only turns that use documents load it

        return Library.open_default(self._settings)

    def context_for(self, names: Sequence[str], question: str,
                    messages: Sequence[ChatMessage], *, model_path: Path | None,
                    max_tokens: int, load_engine: bool = True,
                    missing_ok: bool = False) -> DocumentContext | None:
        """The passages of ``names`` for ``question`` that fit beside ``messages`` (the
        conversation as it will be sent, the question last); None without collections.
        ``load_engine=False`` (a preview): count with the engine only if it is loaded.
        ``missing_ok``: names of collections removed since they were chosen (a conversation's
        stored choice) are passed over; otherwise an unknown name is a ``KnownError``."""
        if not names:
            return None
        library = self._library()
        try:
            if missing_ok:
                known = {info.name for info in library.collections()}
                names = [name for name in names if name in known]
            passages = retrieve(library, names, question)
        finally:
            library.close()
        count, basis, context_size = self._counter(passages, model_path, load_engine)
        budget = passage_budget(messages, context_size=context_size, max_tokens=max_tokens,
                                count=count)
        return fit_passages(passages, budget=budget, count=count, basis=basis)

    @staticmethod
    def refit(context: DocumentContext, messages: Sequence[ChatMessage], engine: LocalEngine,
              *, max_tokens: int) -> DocumentContext:
        """A fit made by estimate, checked with the engine's own tokenizer now that the turn is
        answered here after all (``messages``: the conversation with the bare question last):
        passages that do not fit are dropped, lowest-ranked first. An estimate may count too
        few tokens for a tokenizer that splits finely; the answer must still have its room."""
        if context.token_basis == "counted" or not context.passages:
            return context
        budget = passage_budget(messages, context_size=engine.info.context_size,
                                max_tokens=max_tokens, count=engine.count_tokens)
        fitted = fit_passages(context.passages, budget=budget, count=engine.count_tokens,
                              basis="counted")
        return dataclasses.replace(fitted, trimmed=fitted.trimmed + context.trimmed)

    def _counter(self, passages: Sequence[Passage], model_path: Path | None,
                 load_engine: bool) -> tuple[TokenCounter, TokenBasis, int]:
        """How to count tokens, how that is known, and the local model's context size."""
        estimate: tuple[TokenCounter, TokenBasis, int] = (
            estimate_tokens, "estimated", self._settings.get_int("local.context_size"))
        try:
            wanted = self._models.config(model_path).model_path
        except KnownError:  # no local model chosen: the setting's context is all there is
            return estimate
        engine = self._models.loaded
        stays_here = any(p.privacy != "send" for p in passages)
        if load_engine and stays_here and (engine is None
                                           or engine.config.model_path != wanted):
            engine = self._models.engine(model_path)  # answers it anyway
        if engine is None or engine.config.model_path != wanted or not engine.alive:
            return estimate
        return engine.count_tokens, "counted", engine.info.context_size


def documents_block(passages: Sequence[Passage]) -> str:
    if not passages:
        return ""
    entries = [source_entry(number, passage) for number, passage in enumerate(passages, 1)]
    return "\n\n".join([INSTRUCTIONS, *entries])


def source_entry(number: int, passage: Passage) -> str:
    """``[1] report.pdf, page 3`` and the passage's text. Only the file's name is given: the
    folders above it (a user name, a client's name) are no business of the model's."""
    name = PurePath(passage.path).name or passage.path
    where = f"{name}, {passage.position}" if passage.position else name
    return f"[{number}] {where}\n{passage.text.strip()}"


def with_block(block: str, question: str) -> str:
    return f"{block}\n\n{QUESTION_LEAD}{question}" if block else question


def fit_passages(passages: Sequence[Passage], *, budget: int, count: TokenCounter,
                 basis: TokenBasis) -> DocumentContext:
    """The best-ranked passages whose block fits in ``budget`` tokens; the rest are dropped,
    lowest-ranked first (a passage is never cut: a half passage cites badly)."""
    if not passages:
        return DocumentContext((), 0, 0, basis)
    used = count(INSTRUCTIONS) + count(QUESTION_LEAD) + 4  # the blank lines between parts
    kept: list[Passage] = []
    for number, passage in enumerate(passages, 1):
        cost = count(source_entry(number, passage)) + 2
        if used + cost > budget:
            break
        kept.append(passage)
        used += cost
    if not kept:
        return DocumentContext((), len(passages), 0, basis)
    return DocumentContext(tuple(kept), len(passages) - len(kept), used, basis)


def passage_budget(messages: Sequence[ChatMessage], *, context_size: int, max_tokens: int,
                   count: TokenCounter) -> int:
    """Tokens left for documents in a ``context_size`` context once the conversation
    (``messages``: system prompt, history, question) and the answer's room are counted. The
    answer's room is the engine's own: ``max_tokens``, at most half the context."""
    answer_room = min(max_tokens, context_size // 2)
    conversation = sum(count(m.content) + _TEMPLATE_TOKENS_PER_MESSAGE for m in messages)
    return max(0, context_size - answer_room - conversation - _TEMPLATE_TOKENS_FIXED)


def retrieve(library: Library, names: Sequence[str], question: str, *,
             limit: int = SEARCH_LIMIT) -> list[Passage]:
    """The passages of collections ``names`` that best match ``question``, best first."""
    if not names:
        return []
    return library.search(list(dict.fromkeys(names)), question, limit=limit)


def _names(collections: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(collections))

