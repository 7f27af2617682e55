"""``hearth ask --tier frontier --json`` prices what the provider reported at genai-prices' list
price: loopback servers speaking OpenAI's and Gemini's streaming formats report the usage, the
key comes from a real Secret Service, and the expected cost is worked out here by hand from
the usage sent and the list prices (USD per million tokens) read off the price data."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from keyring.backend import KeyringBackend

from desktop.__main__ import main
from desktop.core.settings import Settings
from tests.core.cloud.loopback import LoopbackServer, loopback_server
from tests.core.cloud.wire import (
    ANSWER_TOKENS,
    CACHED_TOKENS,
    PROMPT_TOKENS,
    gemini_stream,
    openai_stream,
    sse_reply,
)

# (input, cached input, output) USD per million tokens, as tests/core/accounting checks them
# against the data: gpt-4o; gemini-2.5-pro for prompts up to 200,000 tokens.
GPT_4O = (2.5, 1.25, 10.0)
GEMINI_25_PRO = (1.25, 0.125, 10.0)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server() as running:
        yield running


def _expected(rates: tuple[float, float, float]) -> float:
    fresh, cached, out = rates
    return ((PROMPT_TOKENS - CACHED_TOKENS) * fresh + CACHED_TOKENS * cached
            + ANSWER_TOKENS * out) / 1_000_000


@pytest.mark.parametrize(("provider", "model", "stream", "rates"), [
    ("openai", "gpt-4o", openai_stream, GPT_4O),
    ("gemini", "gemini-2.5-pro", gemini_stream, GEMINI_25_PRO),
])
def test_the_cost_is_reported_usage_at_the_list_price(
        capsys: pytest.CaptureFixture[str], settings: Settings, server: LoopbackServer,
        os_keyring: KeyringBackend, provider: str, model: str, stream: object,
        rates: tuple[float, float, float]) -> None:
    settings.set("cloud.escalation", True)
    settings.set("tiers.frontier.provider", provider)
    settings.set("tiers.frontier.model", model)
    settings.set("tiers.frontier.base_url",
                 f"{server.url}/v1" if provider == "openai" else server.url)
    os_keyring.set_password("hearth", provider, "test-key-0123456789")
    server.queue(sse_reply(stream(["Paris."], model=model)))  # type: ignore[operator]

    code = main(["ask", "--tier", "frontier", "--json", "What is the capital of France?"])
    out, err = capsys.readouterr()

    assert code == 0, err
    receipt = json.loads(out)["receipt"]
    assert receipt["tier"] == "frontier" and receipt["usage_estimated"] is False
    assert (receipt["tokens_in"], receipt["tokens_out"]) == (PROMPT_TOKENS, ANSWER_TOKENS)
    assert receipt["cost_usd"] == pytest.approx(_expected(rates), rel=1e-9)
    assert receipt["cost_basis"] == "reported_usage_x_list_price"
    assert "genai-prices" in receipt["cost_note"]
