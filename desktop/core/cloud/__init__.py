"""The cloud tiers: a private OpenAI-compatible server and the frontier APIs, keys in the keyring.

``build_provider(tier, settings, keys)`` gives a ``CloudProvider`` whose ``chat`` streams text
like the local engine and returns a ``CloudAnswer`` with the provider's usage. Every failure is
a ``CloudError`` (see ``errors``) whose ``reason`` explains a fallback to the local tier.
"""

from typing import TYPE_CHECKING

from desktop.core.cloud._build import OFFICIAL_URLS, build_provider
from desktop.core.cloud._retry import RetryPolicy
from desktop.core.cloud._types import CloudAnswer, CloudProvider, FinishReason, Tier
from desktop.core.cloud.errors import (
    CloudAuthError,
    CloudConfigError,
    CloudConnectionLost,
    CloudError,
    CloudProtocolError,
    CloudQuotaExceeded,
    CloudRateLimited,
    CloudRequestError,
    CloudServerError,
    CloudTimeout,
    CloudUnreachable,
    InvalidKeyError,
    KeyringUnavailable,
)
from desktop.core.cloud.keys import PROVIDERS, KeyStore

if TYPE_CHECKING:
    from desktop.core.cloud._stream import StreamingProvider


def __getattr__(name: str) -> object:
    """``StreamingProvider`` on first use: it brings httpx, which Hearth's start need not load."""
    if name == "StreamingProvider":
        from desktop.core.cloud._stream import StreamingProvider

        return StreamingProvider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "OFFICIAL_URLS",
    "PROVIDERS",
    "CloudAnswer",
    "CloudAuthError",
    "CloudConfigError",
    "CloudConnectionLost",
    "CloudError",
    "CloudProtocolError",
    "CloudProvider",
    "CloudQuotaExceeded",
    "CloudRateLimited",
    "CloudRequestError",
    "CloudServerError",
    "CloudTimeout",
    "CloudUnreachable",
    "FinishReason",
    "InvalidKeyError",
    "KeyStore",
    "KeyringUnavailable",
    "RetryPolicy",
    "StreamingProvider",
    "Tier",
    "build_provider",
]
