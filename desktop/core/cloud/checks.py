"""Keyring calls and connection tests for the cloud tiers (the window runs them off its thread).

A key goes from the page's field straight to the keyring and is never returned, logged or put
in a message: the caller only learns whether one is stored.
"""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass, field

from desktop.core.audit import AuditLog
from desktop.core.chat import ChatMessage, GenerationParams
from desktop.core.cloud import PROVIDERS, KeyringUnavailable, KeyStore, Tier, build_provider
from desktop.core.settings import Settings

PING = "ping"


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """Which providers have a key, in which keyring; ``problem`` when the keyring is unusable."""

    backend: str
    stored: dict[str, bool] = field(default_factory=dict)
    problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.problem is None


def key_status(keys: KeyStore) -> KeyStatus:
    """Ask the keyring which keys it holds (it may block while it is unlocked)."""
    backend = keys.backend_name()
    try:
        stored = {provider: keys.get(provider) is not None for provider in PROVIDERS}
    except KeyringUnavailable as exc:
        return KeyStatus(backend, problem=str(exc))
    return KeyStatus(backend, stored)


def store_key(keys: KeyStore, provider: str, key: str) -> KeyStatus:
    """Store ``key`` for ``provider``; the keyring's state afterwards."""
    keys.set(provider, key)
    return key_status(keys)


def remove_key(keys: KeyStore, provider: str) -> KeyStatus:
    keys.delete(provider)
    return key_status(keys)


@dataclass(frozen=True, slots=True)
class ConnectionReport:
    """A tier answered the test: where, which model, how long the round trip took."""

    tier: str
    host: str
    model: str
    latency_s: float


def check_connection(tier: Tier, settings: Settings, keys: KeyStore,
                     audit: AuditLog | None = None) -> ConnectionReport:
    """Send one word to ``tier`` as the settings configure it, asking for a one-token reply.

    Works with escalation off (it is the user's explicit request). The request is recorded in
    the audit log like every other that leaves the device. Raises the ``CloudError`` that says
    what went wrong (no key, refused key, unreachable …).
    """
    provider = build_provider(tier, settings, keys, require_escalation=False)
    with closing(provider):
        if audit is not None:
            audit.record_outbound(host=provider.host, payload=PING, finding_classes=(),
                                  decision="connection test from the settings", tier=tier)
        started = time.monotonic()
        provider.chat([ChatMessage("user", PING)], GenerationParams(max_tokens=1),
                      on_text=lambda _text: None)
        latency = time.monotonic() - started
        return ConnectionReport(tier, provider.host, provider.model, latency)
