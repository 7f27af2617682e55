"""The private tier against a real OpenAI-compatible server: llama-cpp-python's own, on loopback.

llama-cpp-python's server (0.3.x) ignores ``stream_options.include_usage`` and sends no usage
chunk, so its usage is always estimated: that path is what these tests see.
"""

from __future__ import annotations

import pytest

from desktop.core.chat import ChatMessage, GenerationParams, StopSignal
from desktop.core.cloud import CloudAuthError, KeyStore, StreamingProvider
from tests.core.cloud.llama_server import ALIAS, SERVER_KEY
from tests.core.cloud.support import MemoryKeyring, provider_for

QUESTION = [ChatMessage("system", "Be brief."), ChatMessage("user", "Say something.")]


def _provider(url: str, key: str | None = SERVER_KEY) -> StreamingProvider:
    keys = KeyStore(MemoryKeyring())
    if key is not None:
        keys.set("private", key)
    return provider_for("private", url, keys=keys, **{"tiers.private.model": ALIAS})


def test_streams_an_answer(llama_server: str) -> None:
    deltas: list[str] = []
    with _provider(llama_server) as provider:
        answer = provider.chat(QUESTION, GenerationParams(max_tokens=12, temperature=0.0),
                               on_text=deltas.append)
    assert len(deltas) > 1 and answer.text == "".join(deltas).rstrip() and answer.text
    assert answer.finish_reason in ("stop", "length")
    assert answer.model == ALIAS and answer.provider == "openai-compatible"
    assert answer.host == llama_server.removeprefix("http://")
    assert answer.usage_estimated and answer.tokens_in > 0 and answer.tokens_out > 0
    assert answer.bytes_sent > 0 and answer.attempts == 1
    assert answer.ttft_s is not None and answer.ttft_s <= answer.duration_s


def test_stop_mid_stream_then_ask_again(llama_server: str) -> None:
    stop = StopSignal()
    deltas: list[str] = []

    def on_text(text: str) -> None:
        deltas.append(text)
        if len(deltas) == 3:
            stop.set()

    params = GenerationParams(max_tokens=200, temperature=0.0)
    with _provider(llama_server) as provider:
        answer = provider.chat(QUESTION, params, on_text=on_text, stop=stop)
        assert answer.finish_reason == "cancelled" and len(deltas) == 3
        assert answer.text == "".join(deltas).rstrip() and answer.usage_estimated
        again = provider.chat(QUESTION, GenerationParams(max_tokens=4, temperature=0.0),
                              on_text=lambda _: None)
    assert again.text and again.finish_reason in ("stop", "length")


@pytest.mark.parametrize(("key", "words"), [
    ("not-the-server-key", "the private-tier key was refused (401: Invalid API key)"),
    (None, "asks for a key (401: Invalid API key); store one with 'hearth keys set private'"),
], ids=["wrong-key", "no-key"])
def test_a_refused_key(llama_server: str, key: str | None, words: str) -> None:
    with _provider(llama_server, key) as provider, pytest.raises(CloudAuthError) as caught:
        provider.chat(QUESTION, GenerationParams(max_tokens=4), on_text=lambda _: None)
    assert words in str(caught.value) and caught.value.attempts == 1
