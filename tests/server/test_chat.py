"""Chat through ``hearth serve`` with OpenAI's client: whole and streamed answers with usage,
the model list, and each answer recorded in the client's conversation with its receipt."""

from __future__ import annotations

import openai

from desktop.core.conversations import Conversations
from tests.server.conftest import Served

QUESTION = "What is a GGUF file?"


def test_models_lists_the_routes(served: Served) -> None:
    names = [model.id for model in served.client().models.list()]
    assert names == ["hearth-auto", "hearth-local", "hearth-private", "hearth-frontier"]


def test_a_whole_answer_has_usage_headers_and_its_receipt(served: Served) -> None:
    client = served.client()
    raw = client.chat.completions.with_raw_response.create(
        model="hearth-auto", messages=[{"role": "user", "content": QUESTION}],
        max_tokens=8, user="notes-app")
    completion = raw.parse()

    assert raw.headers["x-hearth-tier"] == "local"
    assert raw.headers["x-hearth-privacy"] == "on-device"
    text = completion.choices[0].message.content
    assert text
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage is not None and completion.usage.completion_tokens == 8
    assert completion.usage.total_tokens == (completion.usage.prompt_tokens + 8)
    hearth = completion.model_extra["hearth"]  # type: ignore[index]
    receipt_id = int(raw.headers["x-hearth-receipt"])
    assert hearth["receipt_id"] == receipt_id
    assert hearth["receipt"]["tokens_out"] == 8 and hearth["receipt"]["bytes_sent"] == 0

    with Conversations.open_default() as conversations:
        [conversation] = conversations.recent()
        messages = conversations.thread(conversation.id).messages
    assert conversation.origin == "notes-app"
    assert [(m.role, m.content) for m in messages] == [("user", QUESTION), ("assistant", text)]
    assert messages[1].id == receipt_id and messages[1].receipt is not None
    assert messages[1].receipt.tokens_out == 8

    fetched = client.get(f"/receipts/{receipt_id}", cast_to=object)
    assert fetched["receipt"]["tokens_out"] == 8  # type: ignore[index]
    assert fetched["client"] == "notes-app"  # type: ignore[index]


def test_a_stream_has_usage_and_continues_the_conversation(served: Served) -> None:
    client = served.client()
    first = client.chat.completions.create(
        model="hearth-local", messages=[{"role": "user", "content": QUESTION}], user="editor")
    answer = first.choices[0].message.content or ""
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": answer},
               {"role": "user", "content": "And a GGML file?"}]

    raw = client.chat.completions.with_raw_response.create(
        model="hearth-local", messages=history, user="editor", stream=True,
        stream_options={"include_usage": True}, max_completion_tokens=6)
    assert raw.headers["x-hearth-tier"] == "local"
    assert raw.headers["content-type"].startswith("text/event-stream")
    chunks = list(raw.parse())
    pieces = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    finish = [c.choices[0].finish_reason for c in chunks if c.choices and
              c.choices[0].finish_reason]
    [usage] = [c.usage for c in chunks if c.usage is not None]
    assert finish == ["length"]
    assert usage.completion_tokens == 6 and usage.prompt_tokens > 0
    assert len([p for p in pieces if p]) >= 2  # streamed, not sent in one piece

    with Conversations.open_default() as conversations:
        [conversation] = [c for c in conversations.recent() if c.origin == "editor"]
        messages = conversations.thread(conversation.id).messages
    assert [m.content for m in messages] == [QUESTION, answer, "And a GGML file?",
                                             "".join(pieces)]
    assert messages[-1].receipt is not None and messages[-1].receipt.tokens_out == 6
    # The same client's next turn reuses the engine's KV cache for the shared beginning.
    assert messages[-1].receipt.tokens_reused > 0


def test_a_history_that_differs_starts_a_new_conversation(served: Served) -> None:
    client = served.client()
    given = [{"role": "system", "content": "Answer in one word."},
             {"role": "user", "content": "hello"},
             {"role": "assistant", "content": "hi"},
             {"role": "user", "content": "how are you?"}]
    client.chat.completions.create(model="hearth-local", messages=given, max_tokens=3,
                                   user="bot")
    with Conversations.open_default() as conversations:
        [conversation] = conversations.recent()
        messages = conversations.thread(conversation.id).messages
    # The given history is recorded; the system message is used, not stored as a turn.
    assert [(m.role, m.content) for m in messages[:3]] == [
        ("user", "hello"), ("assistant", "hi"), ("user", "how are you?")]
    assert messages[3].role == "assistant" and messages[3].receipt is not None


def test_stop_sequences_end_the_answer_before_them(served: Served) -> None:
    client = served.client()
    whole = client.chat.completions.create(
        model="hearth-local", messages=[{"role": "user", "content": QUESTION}],
        max_tokens=16, seed=3, temperature=0.0).choices[0].message.content or ""
    cut = whole[len(whole) // 2:][:3]
    assert cut.strip()
    stopped = client.chat.completions.create(
        model="hearth-local", messages=[{"role": "user", "content": QUESTION}],
        max_tokens=16, seed=3, temperature=0.0, stop=[cut])
    assert stopped.choices[0].message.content == whole[:whole.index(cut)]
    assert stopped.choices[0].finish_reason == "stop"


def test_no_question_at_the_end_is_a_bad_request(served: Served) -> None:
    client = served.client()
    try:
        client.chat.completions.create(
            model="hearth-local", messages=[{"role": "assistant", "content": "hi"}])
    except openai.BadRequestError as exc:
        assert exc.body["param"] == "messages"  # type: ignore[index]
    else:
        raise AssertionError("expected 400")
