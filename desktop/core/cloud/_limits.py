"""How long a cloud answer may take, and how long it may grow.

httpx's read timeout starts again with every byte, so a server that sends only ``: ping``
comments never reaches it. Each attempt therefore also runs under:

- the **idle deadline** (``cloud.idle_timeout_s``): the longest wait for the next part of the
  answer. Only an event that moves the answer on starts it again: text, hidden reasoning, a
  finish reason, new usage or a model name (e.g. Anthropic's ``message_start``). Comments and
  events that change none of these (Anthropic's ``event: ping``, an empty OpenAI delta) are
  keep-alives: they show the connection is alive, not that an answer is coming.
- the **total deadline** (``cloud.total_timeout_s``): the whole answer, counted from the call,
  retries and their waits included.
- the **local cap** at ``max_tokens``: a provider that streams on past it is cut off, with
  finish reason "length". The provider's own output count decides when it reports usage while
  streaming (Gemini, vLLM's continuous usage); otherwise the text and hidden reasoning are
  estimated at four characters per token. That estimate runs high for text made of long tokens
  (code, runs of spaces, one 16-character token in a tiny answer), so the cut comes only once
  it exceeds ``max_tokens`` by half plus four tokens (``CAP_ESTIMATE_MARGIN``,
  ``CAP_ESTIMATE_SLACK``): an answer the provider did limit is not cut short.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from desktop.core.cloud import _failures
from desktop.core.cloud._types import EventReader, FinishReason, Usage
from desktop.core.cloud._wire import estimate_tokens

CAP_ESTIMATE_MARGIN = 1.5
CAP_ESTIMATE_SLACK = 4  # tokens


def over_cap(reader: EventReader, answer_chars: int, max_tokens: int) -> bool:
    """Whether the provider has streamed past ``max_tokens`` (``answer_chars`` of text so far)."""
    reported = reader.usage.tokens_out
    if reported is not None:
        return reported > max_tokens
    estimate = estimate_tokens(answer_chars + reader.hidden_chars)
    return estimate > max_tokens * CAP_ESTIMATE_MARGIN + CAP_ESTIMATE_SLACK


@dataclass(frozen=True)
class Progress:
    """What a reader knows about the answer; an event that changes none of it is a keep-alive."""

    usage: Usage
    model: str | None
    finish: FinishReason | None
    hidden_chars: int

    @staticmethod
    def of(reader: EventReader) -> Progress:
        return Progress(replace(reader.usage), reader.model, reader.finish, reader.hidden_chars)


class Deadlines:
    """The idle and total deadlines of one attempt, on the monotonic clock."""

    def __init__(self, *, idle_s: float, total_s: float, total_end: float) -> None:
        self.idle_s, self.total_s, self.total_end = idle_s, total_s, total_end
        self.idle_end = time.monotonic() + idle_s
        self.keepalives = 0  # comments and empty events since the last progress

    def progress(self) -> None:
        """Part of the answer arrived: the idle deadline starts again."""
        self.idle_end = time.monotonic() + self.idle_s
        self.keepalives = 0

    def keepalive(self) -> None:
        self.keepalives += 1

    def left(self, now: float) -> float:
        """Seconds until the nearer deadline."""
        return min(self.idle_end, self.total_end) - now

    def expired(self, now: float) -> _failures.Failure | None:
        """The timeout to raise once a deadline has passed, else None."""
        if now >= self.total_end:
            return _failures.total_timeout(self.total_s)
        if now >= self.idle_end:
            return _failures.idle_timeout(self.idle_s, self.keepalives)
        return None
