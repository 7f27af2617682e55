"""Build the provider of a tier from the settings and the keyring."""

from __future__ import annotations

import ipaddress
import random
from typing import TYPE_CHECKING, Final

from desktop.core.cloud._types import CloudProvider, Dialect, Tier
from desktop.core.cloud.errors import CloudConfigError, KeyringUnavailable
from desktop.core.cloud.keys import KeyStore
from desktop.core.cloud.refusals import RefusedKeys
from desktop.core.settings import Settings

if TYPE_CHECKING:
    import httpx

    from desktop.core.cloud._stream import Sleep

OFFICIAL_URLS: Final = {
    "anthropic": "https://api.anthropic.com",
    "openai": "https://api.openai.com/v1",
    "gemini": "https://generativelanguage.googleapis.com",
}


def build_provider(tier: Tier, settings: Settings, keys: KeyStore, *,
                   transport: httpx.BaseTransport | None = None, sleep: Sleep | None = None,
                   rng: random.Random | None = None,
                   require_escalation: bool = True,
                   refusals: RefusedKeys | None = None) -> CloudProvider:
    """The provider answering ``tier``, as the settings configure it.

    Raises ``CloudConfigError`` when escalation is off (unless ``require_escalation`` is False,
    for an explicit "test connection"), or a URL, model or key is missing; its ``reason`` is
    the receipt's fallback text. Makes no network call. The private tier's key is optional: a
    server on your own network may need none, and then no keyring is needed either.

    A key its provider refused (``refusals``, by default the data folder's memory) keeps the
    tier unused until the key is changed, except for an explicit test (``require_escalation``
    False), whose success forgets the refusal.
    """
    # httpx and the wire formats load here, on the first provider built, not when Hearth
    # starts: importing httpx takes a fifth of a second that the window's start need not wait.
    from desktop.core.cloud._openai import OpenAIChat
    from desktop.core.cloud._retry import RetryPolicy
    from desktop.core.cloud._stream import StreamingProvider

    refusals = refusals or RefusedKeys()
    if require_escalation and not settings.get_bool("cloud.escalation"):
        raise CloudConfigError(
            "cloud escalation is off, so nothing leaves this device; turn it on with "
            "'hearth config set cloud.escalation true'",
            reason=f"{tier} tier not used: questions may not leave this device")
    dialect: Dialect
    if tier == "private":
        dialect = OpenAIChat(compatible=True)
        base_url = _required(settings, "tiers.private.base_url", tier,
                             "the address of your OpenAI-compatible server, "
                             "e.g. http://127.0.0.1:8080/v1")
        model = _required(settings, "tiers.private.model", tier,
                          "the model name your server serves")
        _check_url(base_url, tier, "tiers.private.base_url", https_only=False)
        try:
            key = keys.get("private") if keys.usable() else None
        except KeyringUnavailable:
            key = None  # an open server needs no key; one that wants it answers 401
    else:
        provider = settings.get_str("tiers.frontier.provider")
        dialect = _frontier_dialect(provider)
        model = _required(settings, "tiers.frontier.model", tier,
                          f"a {dialect.display} model name, as its API spells it")
        setting = "tiers.frontier.base_url"
        base_url = settings.get_str(setting).strip() or OFFICIAL_URLS[provider]
        _check_url(base_url, tier, setting, https_only=True)
        key = keys.get(provider)
        if not key:
            raise CloudConfigError(
                f"no {dialect.display} key is stored; add one with 'hearth keys set {provider}'",
                reason=f"{tier} tier not set up: no {dialect.display} key is stored")
    refused = refusals.get(dialect.key_account) if require_escalation else None
    if refused is not None:
        raise CloudConfigError(
            f"the {tier} tier's {refused.sentence()}; store a new key in Settings → Cloud or "
            f"with 'hearth keys set {dialect.key_account}'",
            reason=f"{tier} tier not used: {refused.sentence()}")
    return StreamingProvider(
        dialect, tier=tier, base_url=base_url, model=model, api_key=key,
        connect_timeout_s=settings.get_float("cloud.connect_timeout_s"),
        read_timeout_s=settings.get_float("cloud.read_timeout_s"),
        idle_timeout_s=settings.get_float("cloud.idle_timeout_s"),
        total_timeout_s=settings.get_float("cloud.total_timeout_s"),
        retry=RetryPolicy(max_retries=settings.get_int("cloud.max_retries")),
        transport=transport, sleep=sleep, rng=rng, refusals=refusals,
    )


def _frontier_dialect(provider: str) -> Dialect:
    from desktop.core.cloud._anthropic import AnthropicMessages
    from desktop.core.cloud._gemini import GeminiGenerate
    from desktop.core.cloud._openai import OpenAIChat

    if provider == "anthropic":
        return AnthropicMessages()
    if provider == "openai":
        return OpenAIChat(compatible=False)
    return GeminiGenerate()


def _required(settings: Settings, key: str, tier: Tier, what: str) -> str:
    value = settings.get_str(key).strip()
    if not value:
        raise CloudConfigError(f"the {tier} tier needs {what}: set it with "
                               f"'hearth config set {key} VALUE'",
                               reason=f"{tier} tier not set up: it needs {what}")
    return value


def _check_url(url: str, tier: Tier, setting: str, *, https_only: bool) -> None:
    """Refuse what would leak or cannot work: credentials or a query in the URL, plain HTTP
    to a frontier API that is not on this computer."""

    def refuse(problem: str) -> CloudConfigError:
        return CloudConfigError(f"{setting} {problem}",
                                reason=f"{tier} tier not set up: its address {problem}")

    import httpx

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise refuse("is not a valid URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise refuse("must be an http:// or https:// address")
    if parsed.userinfo:
        raise refuse("must not contain a user name or password; keys belong in the keyring "
                     "('hearth keys set ...')")
    if parsed.query or parsed.fragment:
        raise refuse("must not contain a query or fragment (a key in a URL ends up in logs)")
    if https_only and parsed.scheme == "http" and not _is_loopback(parsed.host):
        raise refuse("must use https:// (plain http would send the key and the question "
                     "unencrypted)")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
