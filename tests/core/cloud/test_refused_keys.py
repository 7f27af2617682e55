"""A key its provider refused keeps its tier unused and unoffered until the key changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desktop.core.assistant import Assistant
from desktop.core.assistant._outlook import outlook_for
from desktop.core.cloud import CloudAuthError, CloudConfigError, build_provider
from desktop.core.cloud.refusals import RefusedKeys
from tests.core.cloud import wire
from tests.core.cloud.loopback import LoopbackServer
from tests.core.cloud.support import KEYS, MESSAGES, PARAMS, cloud_settings, memory_keys


def _keep_local(kind: str) -> str:
    return "keep_local"


def test_a_refused_key_is_remembered_until_it_is_changed(server: LoopbackServer) -> None:
    settings = cloud_settings("openai", server.url)
    keys = memory_keys()
    server.queue(wire.openai_error(401, "Incorrect API key provided.", "invalid_api_key"))
    assert outlook_for(settings, _keep_local, locked=False, tiers=("frontier",)).may_leave

    with build_provider("frontier", settings, keys) as provider, \
            pytest.raises(CloudAuthError):
        provider.chat(MESSAGES, PARAMS, on_text=lambda _: None)

    refusal = RefusedKeys().get("openai")
    assert refusal is not None and refusal.status == 401
    assert refusal.host == server.url.removeprefix("http://")
    # Not routed to: building the tier says why, in words, before any request is made.
    with pytest.raises(CloudConfigError) as caught:
        build_provider("frontier", settings, keys)
    assert "refused" in caught.value.reason and "(HTTP 401)" in caught.value.reason
    assert len(server.requests) == 1
    # Not offered: the outlook leaves the tier out and says why.
    outlook = outlook_for(settings, _keep_local, locked=False, tiers=("frontier",))
    assert outlook.kind == "key_refused" and outlook.tiers == ()
    [(tier, why)] = outlook.refused
    assert tier == "frontier" and "refused by" in why and "HTTP 401" in why
    # The memory holds no key.
    assert KEYS["openai"] not in RefusedKeys().path.read_text(encoding="utf-8")

    keys.set("openai", "sk-test-new-key-0005")  # the user changes the key
    assert RefusedKeys().get("openai") is None
    assert outlook_for(settings, _keep_local, locked=False, tiers=("frontier",)).may_leave


def test_a_private_tier_refusal_leaves_the_frontier_tier_offered(
        server: LoopbackServer) -> None:
    settings = cloud_settings("openai", server.url)
    RefusedKeys().note("private", status=403, host="gpu.lan:8080",
                       now=datetime(2026, 11, 29, tzinfo=UTC))
    outlook = outlook_for(settings, _keep_local, locked=False, tiers=("private", "frontier"))
    assert outlook.kind == "may_leave" and outlook.tiers == ("frontier",)
    assert outlook.refused == (
        ("private", "the key was refused by gpu.lan:8080 (HTTP 403) on 2026-11-29"),)


def test_a_successful_connection_test_forgets_the_refusal(server: LoopbackServer) -> None:
    settings = cloud_settings("openai", server.url)
    RefusedKeys().note("openai", status=401, host="earlier")
    server.queue(wire.sse_reply(wire.STREAMS["openai"]()))
    # An explicit test (require_escalation False) is tried even with a refused key.
    with build_provider("frontier", settings, memory_keys(),
                        require_escalation=False) as provider:
        assert provider.chat(MESSAGES, PARAMS, on_text=lambda _: None).text == wire.ANSWER
    assert RefusedKeys().get("openai") is None


def test_a_damaged_memory_refuses_nothing() -> None:
    memory = RefusedKeys()
    memory.path.parent.mkdir(parents=True, exist_ok=True)
    memory.path.write_text("{not json", encoding="utf-8")
    assert memory.get("openai") is None


def test_asking_a_tier_whose_key_was_refused_says_why_in_words(frontier: Assistant) -> None:
    RefusedKeys().note("openai", status=401, host="api.openai.com",
                       now=datetime(2026, 11, 29, tzinfo=UTC))
    decision = frontier.route("Hello there", tier="frontier").decision
    assert decision.tier == "local" and decision.code == "tier_not_ready"
    assert decision.reason == ("frontier tier not used: the key was refused by api.openai.com "
                               "(HTTP 401) on 2026-11-29")
    frontier.keys.delete("openai")  # no key at all now: said without a command to type
    decision = frontier.route("Hello there", tier="frontier").decision
    assert decision.reason == "frontier tier not set up: no OpenAI key is stored"
