"""API keys in the OS keyring (service ``hearth``, one account per provider), nowhere else.

There is deliberately no fallback: when the keyring has no usable backend, keys cannot be
stored, and the cloud tiers that need one stay disabled. A key is never written to the settings,
the database or a log, never put in an exception message, an argument or the environment.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Final

from desktop.core.cloud.errors import InvalidKeyError, KeyringUnavailable
from desktop.core.cloud.refusals import RefusedKeys

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE: Final = "hearth"
PROVIDERS: Final = ("anthropic", "openai", "gemini", "private")

@cache
def _backend_errors() -> tuple[type[Exception], ...]:
    """What a keyring backend may raise when the keyring cannot be reached. keyring's Secret
    Service backend lets secretstorage's own exceptions through (no D-Bus session, no Secret
    Service running), so they are mapped here too. keyring is imported on first use: it
    looks for its backends when imported (tens of ms), which the window's start need not
    wait for."""
    import keyring.errors

    errors: list[type[Exception]] = [keyring.errors.KeyringError, OSError]
    try:
        from secretstorage.exceptions import SecretStorageException
    except ImportError:  # not on macOS or Windows
        return tuple(errors)
    return (*errors, SecretStorageException)


_HOW_TO_FIX = ("install and unlock gnome-keyring/KWallet, or use macOS Keychain / "
               "Windows Credential Locker")
_MAX_KEY_LENGTH = 4096


class KeyStore:
    """The keys of the cloud providers, read from and written to one keyring backend.

    ``backend`` is the keyring backend to use; by default the one ``keyring`` selects for this
    system (Secret Service, KWallet, macOS Keychain, Windows Credential Locker).
    Calls may block (a keyring can ask the user to unlock it): keep them off the GUI thread.
    """

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        if self._backend is None:
            import keyring

            self._backend = keyring.get_keyring()
        return self._backend

    def backend_name(self) -> str:
        """The backend's module and class, e.g. ``SecretService.Keyring`` or ``fail.Keyring``."""
        kind = type(self.backend)
        return f"{kind.__module__.removeprefix('keyring.backends.')}.{kind.__qualname__}"

    def usable(self) -> bool:
        """Whether keys can be kept at all (False for the fail and null backends)."""
        return _usable(self.backend)

    def get(self, provider: str) -> str | None:
        """The stored key for ``provider``, or None."""
        _check_provider(provider)
        self._require_usable()
        try:
            return self.backend.get_password(SERVICE, provider)
        except _backend_errors() as exc:
            raise self._failure("read", provider, exc) from exc

    def set(self, provider: str, key: str) -> None:
        """Store ``key`` (surrounding whitespace removed) for ``provider``, replacing any other."""
        _check_provider(provider)
        clean = validate_key(key)
        self._require_usable()
        try:
            self.backend.set_password(SERVICE, provider, clean)
        except _backend_errors() as exc:
            error = self._failure("store", provider, exc)
            raise error from None  # the backend's own exception could echo what it was given
        RefusedKeys().forget(provider)  # a new key: its tier is offered again

    def delete(self, provider: str) -> bool:
        """Remove the key of ``provider``; False when there was none."""
        _check_provider(provider)
        self._require_usable()
        if self.get(provider) is None:
            return False
        try:
            self.backend.delete_password(SERVICE, provider)
        except _password_delete_error():
            return False
        except _backend_errors() as exc:
            raise self._failure("delete", provider, exc) from exc
        RefusedKeys().forget(provider)
        return True

    def _require_usable(self) -> None:
        if not self.usable():
            raise KeyringUnavailable(
                f"no usable OS keyring (backend: {self.backend_name()}); cloud tiers stay "
                f"disabled — {_HOW_TO_FIX}",
                reason=f"no usable OS keyring ({self.backend_name()})",
            )

    def _failure(self, action: str, provider: str, exc: Exception) -> KeyringUnavailable:
        detail = type(exc).__name__
        return KeyringUnavailable(
            f"the OS keyring ({self.backend_name()}) could not {action} the {provider} key "
            f"({detail}); it may be locked — unlock it, or {_HOW_TO_FIX}",
            reason=f"OS keyring failed ({detail})",
        )


def validate_key(key: str) -> str:
    """``key`` without surrounding whitespace, or InvalidKeyError (never quoting the key)."""
    clean = key.strip()
    if not clean:
        raise InvalidKeyError("the key is empty; nothing was stored")
    if len(clean) > _MAX_KEY_LENGTH:
        raise InvalidKeyError(f"the key is {len(clean)} characters long, longer than any API "
                              "key; check what was pasted")
    if not all("\x21" <= ch <= "\x7e" for ch in clean):
        raise InvalidKeyError("the key contains spaces, control or non-ASCII characters, which "
                              "API keys never have; check what was pasted")
    return clean


def _password_delete_error() -> type[Exception]:
    import keyring.errors

    return keyring.errors.PasswordDeleteError


def _usable(backend: KeyringBackend) -> bool:
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(_usable(inner) for inner in backend.backends)
    return True


def _check_provider(provider: str) -> None:
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}; expected one of {PROVIDERS}")
