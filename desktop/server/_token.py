"""The local server's access token: made on first start with ``secrets``, kept in the OS keyring
(service ``hearth``, account ``local-server``) beside the cloud keys, never in a file or log."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

import keyring.errors
from keyring.backend import KeyringBackend

from desktop.core.cloud import KeyringUnavailable, KeyStore

ACCOUNT = "local-server"
_PREFIX = "hearth-"  # so a leaked token is recognisable (and secret scanners can match it)
_T = TypeVar("_T")


def _backend_errors() -> tuple[type[Exception], ...]:
    """What a keyring backend raises when the keyring cannot be reached (Secret Service lets
    secretstorage's own exceptions through, as desktop.core.cloud.keys notes)."""
    try:
        from secretstorage.exceptions import SecretStorageException
    except ImportError:  # not on macOS or Windows
        return (keyring.errors.KeyringError, OSError)
    return (keyring.errors.KeyringError, OSError, SecretStorageException)


class ServerToken:
    """Reads, creates and replaces the token apps must send as ``Authorization: Bearer …``."""

    def __init__(self, keys: KeyStore | None = None) -> None:
        self._keys = keys or KeyStore()

    def get(self) -> str | None:
        """The stored token, or None when none was made yet."""
        return self._call("read", lambda backend: backend.get_password("hearth", ACCOUNT))

    def get_or_create(self) -> str:
        """The stored token, made (256 random bits) and stored first if there is none."""
        return self.get() or self.renew()

    def renew(self) -> str:
        """A new token replacing the old one (apps using the old one get 401 from then on)."""
        token = _PREFIX + secrets.token_urlsafe(32)
        self._call("store", lambda backend: backend.set_password("hearth", ACCOUNT, token))
        return token

    def _call(self, action: str, call: Callable[[KeyringBackend], _T]) -> _T:
        if not self._keys.usable():
            raise KeyringUnavailable(
                f"no usable OS keyring ({self._keys.backend_name()}): the local server keeps "
                "its access token there and will not start without one",
                reason="no usable OS keyring")
        try:
            return call(self._keys.backend)
        except _backend_errors() as exc:
            raise KeyringUnavailable(
                f"the OS keyring ({self._keys.backend_name()}) could not {action} the local "
                f"server's token ({type(exc).__name__}); it may be locked",
                reason=f"OS keyring failed ({type(exc).__name__})") from None


def masked(token: str) -> str:
    """The token as shown on screen: its prefix and last four characters."""
    return f"{token[:len(_PREFIX)]}…{token[-4:]}" if len(token) > 12 else "…"
