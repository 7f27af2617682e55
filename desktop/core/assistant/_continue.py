""""Continue": write more of an answer that stopped at its token limit, into the same message.

    answer (finish_reason "length") ─► local engine, prompt = question + the answer so far
                                          │ new text, appended as it streams
                                          ▼
                         same message: text joined, receipt summed ("continued")

Only an answer written on this device is continued: the model writes on from its own text, and
nothing leaves the device. Continuing a cloud answer would send the whole conversation again,
which is a new routing decision; "ask again" is there for that.

The receipt stays one receipt for the message: tokens in and out, time and energy are the sums
of every run (a continuation reads the question and the answer so far again, so its prompt
tokens count again), costs are computed again from those sums, and ``continued`` says how many
times more was written. The speed is the sum of tokens over the sum of decode times.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from desktop.core.accounting.prices import Usage
from desktop.core.assistant._saver import PartialSaver, TextSink
from desktop.core.assistant._turn_types import TurnOptions, TurnResult
from desktop.core.errors import KnownError
from desktop.core.local.engine import LocalAnswer
from desktop.core.receipt import Receipt
from desktop.core.store import ConversationStore

if TYPE_CHECKING:
    from desktop.core.assistant._turn import Assistant

__all__ = ["can_continue", "continue_answer"]


def can_continue(receipt: Receipt | None) -> bool:
    """Whether an answer with this receipt stopped at its token limit, on this device."""
    return receipt is not None and receipt.tier == "local" and receipt.finish_reason == "length"


def continue_answer(assistant: Assistant, message_id: int, options: TurnOptions) -> TurnResult:
    """Generate more of answer ``message_id`` and append it; see the module's docstring.

    Raises ``KnownError`` when the message is not an answer cut at its limit on this device, or
    not the last message of the conversation as shown.
    """
    store = assistant.store
    answer = store.message(message_id)
    if answer.role != "assistant" or answer.receipt is None:
        raise KnownError("only an answer can be continued")
    if not can_continue(answer.receipt):
        raise KnownError("this answer is complete: only one that stopped at its length limit, "
                         "written on this device, can be continued")
    history = store.messages(answer.conversation_id)
    if not history or history[-1].id != message_id:
        raise KnownError("only the last answer of a conversation can be continued")
    question = next((m for m in reversed(history[:-1]) if m.role == "user"), None)
    if question is None:
        raise KnownError("this answer has no question before it")
    earlier: Receipt = answer.receipt
    # The conversation up to the question (the answer itself goes in as the text to extend).
    messages = assistant._chat_messages(history[:-1])
    engine = assistant.models.engine(options.model_path)
    store.update_message(message_id, status="streaming")
    saver = _AppendingSaver(store, message_id, options.on_text, answer.content)
    try:
        with assistant._meter.measure() as energy:
            more = engine.chat(messages, assistant._params(options),
                               on_text=saver.add, stop=options.stop,
                               on_prompt_progress=options.on_prompt_progress,
                               continue_text=answer.content)
    except BaseException:
        saver.finish(status="stopped")  # the earlier text stays an answer, with what came
        raise
    text = answer.content + more.text
    receipt = _summed(assistant, earlier, more, energy.joules)
    status = "stopped" if more.finish_reason == "cancelled" else "complete"
    store.update_message(message_id, content=text, status=status, receipt=receipt)
    return TurnResult(answer.conversation_id, question.id, message_id, text, receipt)


def _summed(assistant: Assistant, earlier: Receipt, more: LocalAnswer,
            joules: float | None) -> Receipt:
    """The message's receipt with the continuation's figures added (see the module)."""
    tokens_in = earlier.tokens_in + more.tokens_in
    tokens_out = earlier.tokens_out + more.tokens_out
    duration = (earlier.duration_s or 0.0) + more.duration_s
    measured = None
    if joules is not None and earlier.energy_j is not None and earlier.cost_kind == "measured":
        measured = earlier.energy_j + joules
    costing = assistant._accounting.local(
        Usage(input_tokens=tokens_in, output_tokens=tokens_out), duration_s=duration,
        joules=measured)
    return dataclasses.replace(
        earlier, tokens_in=tokens_in, tokens_out=tokens_out,
        tokens_reused=earlier.tokens_reused + more.tokens_reused, duration_s=duration,
        decode_tok_per_s=_joint_rate(earlier.tokens_out, earlier.decode_tok_per_s,
                                     more.tokens_out, more.decode_tok_per_s),
        finish_reason=more.finish_reason, continued=earlier.continued + 1,
        **costing.receipt_fields())


def _joint_rate(tokens_a: int, rate_a: float | None, tokens_b: int, rate_b: float | None
                ) -> float | None:
    """Tokens per second over both runs: all tokens over the sum of both decode times."""
    if not rate_a or not rate_b:
        return None
    seconds = tokens_a / rate_a + tokens_b / rate_b
    return (tokens_a + tokens_b) / seconds if seconds > 0 else None


class _AppendingSaver(PartialSaver):
    """A ``PartialSaver`` whose saved text starts with the answer being continued."""

    def __init__(self, store: ConversationStore, message_id: int, sink: TextSink | None,
                 before: str) -> None:
        super().__init__(store, message_id, sink)
        self._before = before

    @property
    def text(self) -> str:
        return self._before + super().text
