"""One turn: save the question, route it, stream the answer while saving it, write the receipt."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.core.accounting.energy import local_energy_cost
from desktop.core.accounting.receipt import Receipt
from desktop.core.chat import ChatMessage, GenerationParams, StopSignal
from desktop.core.errors import KnownError, StorageError
from desktop.core.local.engine import LocalAnswer, LocalEngine
from desktop.core.local.slot import ModelSlot
from desktop.core.settings import Settings
from desktop.core.store import ConversationStore, Message

SAVE_INTERVAL_S = 0.4  # a partial answer is never more than this old on disk
_TITLE_LENGTH = 60
LOCAL_REASON = "answered on this device: cloud escalation is off"


@dataclass(frozen=True, slots=True)
class TurnResult:
    conversation_id: int
    user_message_id: int
    assistant_message_id: int
    text: str
    receipt: Receipt


TextSink = Callable[[str], None]
ProgressSink = Callable[[int, int], None]


class Assistant:
    """Runs turns against the store and the local model; shared by the window and the CLI."""

    def __init__(self, store: ConversationStore, settings: Settings, models: ModelSlot) -> None:
        self.store = store
        self.settings = settings
        self.models = models

    def ask(
        self,
        prompt: str,
        *,
        conversation_id: int | None = None,
        model_path: Path | None = None,
        max_tokens: int | None = None,
        on_text: TextSink | None = None,
        on_prompt_progress: ProgressSink | None = None,
        on_saved: Callable[[int, int], None] | None = None,
        stop: StopSignal | None = None,
    ) -> TurnResult:
        """Ask ``prompt`` in a conversation (a new one when ``conversation_id`` is None).

        The question is saved before anything else can fail, so it is never lost. ``on_saved``
        hears ``(conversation_id, user_message_id)`` as soon as it is.
        """
        if conversation_id is None:
            conversation_id = self.store.create_conversation(_title_for(prompt)).id
        history = self.store.messages(conversation_id)
        user = self.store.add_message(conversation_id, "user", prompt)
        if on_saved is not None:
            on_saved(conversation_id, user.id)
        return self._answer(conversation_id, user.id, [*history, user], model_path=model_path,
                            max_tokens=max_tokens, on_text=on_text,
                            on_prompt_progress=on_prompt_progress, stop=stop)

    def regenerate(self, conversation_id: int, **options: object) -> TurnResult:
        """Answer the last question of a conversation again, replacing the answers after it."""
        history = self.store.messages(conversation_id)
        last_user = next((m for m in reversed(history) if m.role == "user"), None)
        if last_user is None:
            raise KnownError("this conversation has no question to answer again")
        later = [m for m in history if m.id > last_user.id]
        if later:
            self.store.delete_messages_from(later[0].id)
        kept = [m for m in history if m.id <= last_user.id]
        return self._answer(conversation_id, last_user.id, kept, **options)  # type: ignore[arg-type]

    def _answer(
        self,
        conversation_id: int,
        user_message_id: int,
        history: list[Message],
        *,
        model_path: Path | None,
        max_tokens: int | None,
        on_text: TextSink | None,
        on_prompt_progress: ProgressSink | None,
        stop: StopSignal | None,
    ) -> TurnResult:
        engine = self.models.engine(model_path)
        params = self._params(max_tokens)
        reply = self.store.add_message(conversation_id, "assistant", "", status="streaming")
        saver = _PartialSaver(self.store, reply.id, on_text)
        try:
            answer = engine.chat(self._messages(history), params, on_text=saver.add,
                                 stop=stop, on_prompt_progress=on_prompt_progress)
        except BaseException:
            saver.finish(status="failed")  # keep what was streamed, whatever went wrong
            raise
        receipt = self._local_receipt(engine, answer)
        status = "stopped" if answer.finish_reason == "cancelled" else "complete"
        self._save_final(reply.id, answer.text, status, receipt)
        return TurnResult(conversation_id, user_message_id, reply.id, answer.text, receipt)

    def _messages(self, history: list[Message]) -> list[ChatMessage]:
        system = self.settings.get_str("chat.system_prompt").strip()
        messages = [ChatMessage("system", system)] if system else []
        for message in history:
            if message.role == "system" or (message.role == "assistant" and not message.content):
                continue
            messages.append(ChatMessage(message.role, message.content))  # type: ignore[arg-type]
        return messages

    def _params(self, max_tokens: int | None) -> GenerationParams:
        return GenerationParams(
            max_tokens=max_tokens or self.settings.get_int("local.max_tokens"),
            temperature=self.settings.get_float("local.temperature"),
            seed=self.settings.get_int("local.seed"),
        )

    def _local_receipt(self, engine: LocalEngine, answer: LocalAnswer) -> Receipt:
        info = engine.info
        cost = local_energy_cost(answer.duration_s,
                                 self.settings.get_float("accounting.device_watts"),
                                 self.settings.get_float("accounting.electricity_usd_per_kwh"))
        return Receipt(
            tier="local", provider="llama.cpp", model=info.name, endpoint=None,
            privacy="on-device", bytes_sent=0, tokens_in=answer.tokens_in,
            tokens_out=answer.tokens_out, ttft_s=answer.ttft_s,
            decode_tok_per_s=answer.decode_tok_per_s, cost_usd=cost.usd,
            cloud_equivalent_usd=None, reason=LOCAL_REASON,
            prompt_tok_per_s=answer.prompt_tok_per_s, duration_s=answer.duration_s,
            tokens_reused=answer.tokens_reused, finish_reason=answer.finish_reason,
            trimmed_messages=answer.trimmed_messages, cost_basis=cost.basis,
            backend=info.backend, gpu_layers=info.gpu_layers,
        )

    def _save_final(self, message_id: int, text: str, status: str, receipt: Receipt) -> None:
        self.store.update_message(message_id, content=text, status=status,
                                  receipt=receipt.to_dict())


class _PartialSaver:
    """Forwards streamed text and writes the growing answer to the store every 0.4 s."""

    def __init__(self, store: ConversationStore, message_id: int, sink: TextSink | None) -> None:
        self._store = store
        self._message_id = message_id
        self._sink = sink
        self._parts: list[str] = []
        self._saved_at = 0.0
        self.save_error: StorageError | None = None

    def add(self, text: str) -> None:
        self._parts.append(text)
        if self._sink is not None:
            self._sink(text)
        now = time.monotonic()
        if now - self._saved_at >= SAVE_INTERVAL_S:
            self._saved_at = now
            self._save(status=None)

    def finish(self, *, status: str) -> None:
        self._save(status=status)

    def _save(self, *, status: str | None) -> None:
        try:
            self._store.update_message(self._message_id, content="".join(self._parts),
                                       status=status)
        except StorageError as exc:
            # Keep streaming: the text is on screen, and the final save reports the failure.
            self.save_error = exc


def _title_for(prompt: str) -> str:
    line = " ".join(prompt.split())
    return line if len(line) <= _TITLE_LENGTH else line[: _TITLE_LENGTH - 1].rstrip() + "…"
