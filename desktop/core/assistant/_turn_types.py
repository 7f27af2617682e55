"""The values a turn takes and gives: its options, its result, a route preview, an attempt about
to stream, and the turn in progress (where its replies go, the passages it was given)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.core.assistant._documents import DocumentContext, DocumentReader
from desktop.core.assistant._outbound import Consent
from desktop.core.assistant._saver import TextSink
from desktop.core.chat import ChatMessage, StopSignal
from desktop.core.local.engine import LocalEngine
from desktop.core.receipt import Finding, Privacy, Receipt, Source, Tier
from desktop.core.routing import RouteDecision, TierChoice
from desktop.core.store import TIP, Message, Place

__all__ = ["Attempt", "ProgressSink", "RoutePreview", "Turn", "TurnOptions", "TurnResult",
           "options_from"]

ProgressSink = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class TurnResult:
    """A turn's answer: where it was saved, its text and its receipt."""

    conversation_id: int
    user_message_id: int
    assistant_message_id: int
    text: str
    receipt: Receipt


@dataclass(frozen=True, slots=True)
class RoutePreview:
    """What ``hearth route`` shows: the decision and the exact payload, with nothing sent."""

    decision: RouteDecision
    payload: str | None
    host: str | None
    spans: tuple[Finding, ...] = ()  # sensitive values still in ``payload`` (spans into it)
    sources: tuple[Source, ...] = ()  # the passages of the user's documents it would be given


@dataclass(frozen=True, slots=True)
class Attempt:
    """An attempt at answering that is about to stream: which tier, what leaves, and the
    message (its id is the receipt's) the answer is saved in."""

    tier: Tier
    privacy: Privacy
    message_id: int
    fallback: str | None = None  # why a cloud tier did not answer, when this one replaces it


@dataclass(frozen=True, kw_only=True)
class TurnOptions:
    """How to answer one turn, and where its progress goes."""

    tier: TierChoice = "auto"
    model_path: Path | None = None
    max_tokens: int | None = None
    on_text: TextSink | None = None
    on_prompt_progress: ProgressSink | None = None
    on_route: Callable[[RouteDecision], None] | None = None
    consent: Consent | None = None
    stop: StopSignal | None = None
    lock_local: bool = False  # a new conversation is locked to this device before routing
    # The document collections the question draws on; None: the conversation's own choice
    # (a new conversation records the collections given here as its choice).
    collections: tuple[str, ...] | None = None
    # A local-server client's own request (desktop.core.assistant._clients): its system message
    # and sampling replace the user's settings for this turn only; None keeps the setting.
    system_prompt: str | None = None
    temperature: float | None = None
    seed: int | None = None
    on_attempt: Callable[[Attempt], None] | None = None
    # One stream to one reader (the local server's streamed responses): once an attempt has
    # streamed text, no second attempt follows it (neither the cascade's cloud answer nor the
    # local answer replacing a cloud one that broke off), so the reader gets one attempt's
    # text. A cloud attempt that broke off is kept on the record, then its CloudError raised.
    single_attempt: bool = False


@dataclass(slots=True)
class Turn:
    """One question being answered: where its replies go."""

    conversation_id: int
    user: Message
    messages: list[ChatMessage]
    options: TurnOptions
    reply_parent: int | None
    documents: DocumentContext | None = None  # the passages it was given, if any
    replies: int = 0

    @property
    def sent_collections(self) -> tuple[str, ...]:
        return self.documents.sent_collections if self.documents is not None else ()

    def refit(self, engine: LocalEngine, max_tokens: int) -> None:
        """Fit the passages again with ``engine``'s tokenizer if they were fitted by estimate."""
        if self.documents is None:
            return
        bare = [*self.messages[:-1], ChatMessage("user", self.user.content)]
        refitted = DocumentReader.refit(self.documents, bare, engine, max_tokens=max_tokens)
        if refitted is not self.documents:
            self.documents, self.messages = refitted, refitted.apply(bare)

    def stamp(self, receipt: Receipt) -> Receipt:
        """``receipt`` with the sources the answer was given, when it was given any."""
        return self.documents.stamp(receipt) if self.documents is not None else receipt

    def next_parent(self) -> Place:
        """The first reply may start a new version; later ones follow the one before."""
        self.replies += 1
        if self.replies == 1 and self.reply_parent is not None:
            return self.reply_parent
        return TIP


def options_from(options: TurnOptions | None, shortcuts: dict[str, object]) -> TurnOptions:
    """``options`` (default: all defaults) with the ``shortcuts`` fields given directly."""
    if options is None:
        return TurnOptions(**shortcuts)  # type: ignore[arg-type]
    if shortcuts:
        return dataclasses.replace(options, **shortcuts)  # type: ignore[arg-type]
    return options

