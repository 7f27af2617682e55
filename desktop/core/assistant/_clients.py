"""Questions from other apps on this computer (through the local OpenAI-compatible server),
recorded like questions asked in the window: one conversation per client, with receipts.

An OpenAI client sends the whole conversation with every request. The request continues the
client's latest conversation when that conversation's thread is exactly the request's earlier
messages (the usual case: the app appends the last answer and a new question); otherwise it
starts a new conversation holding the earlier messages as the client gave them, so what the
model is asked always matches what the app sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core.assistant._turn import Assistant, TurnOptions, TurnResult
from desktop.core.chat import ChatMessage
from desktop.core.errors import KnownError
from desktop.core.store import Message

_MAX_CLIENT_NAME = 80


class ClientRequestError(KnownError):
    """The client's messages cannot be answered as they are (no question at the end, say)."""


@dataclass(frozen=True, slots=True)
class ClientQuestion:
    """One request: the client's conversation so far, ending with the question to answer."""

    client: str
    messages: tuple[ChatMessage, ...]

    @property
    def system_prompt(self) -> str | None:
        """The client's system message(s) joined; None when it sent none (the user's own
        system prompt applies then)."""
        parts = [m.content for m in self.messages if m.role == "system"]
        return "\n\n".join(parts) if parts else None

    @property
    def turns(self) -> list[ChatMessage]:
        return [m for m in self.messages if m.role != "system"]


def client_name(user: str | None, user_agent: str | None) -> str:
    """The name a client's conversations are filed under: the request's ``user`` field, else
    its User-Agent, else "unknown app" (one line, at most 80 characters)."""
    for candidate in (user, user_agent):
        cleaned = " ".join((candidate or "").split())
        if cleaned:
            return cleaned[:_MAX_CLIENT_NAME]
    return "unknown app"


class ClientTurns:
    """Answers other apps' requests through the assistant, in per-client conversations.

    Nobody can be asked for consent over the API, so a question whose policy says "ask" (or
    with ``privacy.preview_before_sending`` on) is answered on this device: the assistant does
    so whenever ``TurnOptions.consent`` is None, and its receipt's ``fallback`` says why.
    """

    def __init__(self, assistant: Assistant) -> None:
        self._assistant = assistant

    def ask(self, question: ClientQuestion, options: TurnOptions) -> TurnResult:
        """Answer the last message of ``question`` in the client's conversation."""
        turns = question.turns
        if not turns or turns[-1].role != "user":
            raise ClientRequestError("the last message must be the user's question")
        if not turns[-1].content.strip():
            raise ClientRequestError("the question (the last user message) is empty")
        conversation_id = self._conversation_for(question.client, turns)
        options = dataclasses.replace(options, system_prompt=question.system_prompt,
                                      consent=None)
        return self._assistant.ask(turns[-1].content, conversation_id=conversation_id,
                                   options=options)

    def _conversation_for(self, client: str, turns: Sequence[ChatMessage]) -> int:
        """The client's conversation that ``turns`` (without its question) continues, or a
        new one holding those earlier messages."""
        store = self._assistant.store
        earlier = list(turns[:-1])
        latest = store.latest_from(client)
        if latest is not None and earlier and _as_sent(store.messages(latest.id)) == earlier:
            return latest.id
        first = next(m.content for m in turns if m.role == "user")
        conversation = store.create_conversation(self._assistant.title_for(first), origin=client)
        for message in earlier:
            store.add_message(conversation.id, message.role, message.content)
        return conversation.id


def _as_sent(thread: Sequence[Message]) -> list[ChatMessage]:
    """A stored thread as the client saw it: questions and the answers it received (a failed
    cloud attempt, never shown to the client as an answer, is left out)."""
    return [ChatMessage(m.role, m.content)  # type: ignore[arg-type]
            for m in thread
            if m.role in ("user", "assistant") and not (m.role == "assistant" and
                                                        (m.status == "failed" or not m.content))]
