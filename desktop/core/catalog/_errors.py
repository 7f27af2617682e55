"""The failures of downloads, imports and manifests, each with a message meant for the user.

    KnownError                     (desktop.core.errors)
     ├── DownloadError               a download that could not finish: network, server, refusal
     │    ├── OfflineError             offline mode is on, so no download is started
     │    ├── DownloadCancelled        the user stopped it; the partial file is kept for resume
     │    └── ChecksumMismatchError    the bytes are not the ones expected; nothing is installed
     ├── StorageError
     │    └── DiskSpaceError           not enough free space, found before or during the write
     ├── ModelFileError              (a download or import whose header is not a usable model)
     ├── RegistryError               a model name that is unknown, taken or invalid
     └── ManifestError               a SHA256SUMS file that is missing or cannot be read
"""

from __future__ import annotations

import errno
import re
import socket
import ssl
from http import HTTPStatus

from desktop.core.errors import KnownError, StorageError

__all__ = [
    "ChecksumMismatchError",
    "DiskSpaceError",
    "DownloadCancelled",
    "DownloadError",
    "ManifestError",
    "OfflineError",
    "RegistryError",
    "format_bytes",
    "format_gb",
    "network_words",
    "refusal_words",
]


class DownloadError(KnownError):
    """A download that could not finish; the message says why and what is kept."""


class OfflineError(DownloadError):
    """Offline mode is on: Hearth opens no connection to fetch a model."""


class DownloadCancelled(DownloadError):
    """The download was stopped on request; ``kept_bytes`` stay in the partial file."""

    def __init__(self, message: str, *, kept_bytes: int) -> None:
        super().__init__(message)
        self.kept_bytes = kept_bytes


class ChecksumMismatchError(DownloadError):
    """The downloaded bytes do not have the SHA-256 that was expected of them."""

    def __init__(self, message: str, *, expected: str, actual: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class DiskSpaceError(StorageError):
    """Not enough free disk space for a model, or the disk filled up while writing one."""


class RegistryError(KnownError):
    """A model name that is not registered, already taken, or not usable as a name."""


class ManifestError(KnownError):
    """A SHA256SUMS file that is missing, unreadable or malformed."""


def format_bytes(count: int | float) -> str:
    """Decimal units, as disk makers and download pages count: ``1.2 GB``, ``850 MB``."""
    value = float(count)
    if abs(value) < 1000:
        return f"{int(value)} B"
    units = iter(("KB", "MB", "GB"))
    unit = next(units)
    value /= 1000
    while abs(value) >= 999.5 and unit != "GB":  # 999,999 B reads 1.0 MB, not 1000 KB
        unit = next(units)
        value /= 1000
    return f"{value:.1f} {unit}" if abs(value) < 100 else f"{value:.0f} {unit}"


def format_gb(count: int | float) -> str:
    """Gigabytes with two decimals, for the free-space messages (``needs 2.10 GB``)."""
    return f"{count / 1e9:.2f} GB"


# Lower-level failures, in the words a download's message uses (never "[Errno -2] ..."): the
# CLI and the window show the same sentence.
_ERRNO_PREFIX = re.compile(r"^\s*\[Errno [^\]]*\]\s*")
_UNREACHABLE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN})


def network_words(exc: BaseException, host: str) -> str:
    """Why a connection to ``host`` failed, in words; the cause chain is searched for the
    operating system's reason (httpx wraps it)."""
    for cause in _chain(exc):
        if isinstance(cause, socket.gaierror):
            return (f"no network: {host} could not be found (this computer is not connected, "
                    "or no name server answers)")
        if isinstance(cause, ConnectionRefusedError):
            return f"{host} refused the connection (no server is listening there)"
        if isinstance(cause, ConnectionResetError | BrokenPipeError):
            return f"the connection to {host} was cut off"
        if isinstance(cause, TimeoutError | socket.timeout):
            return f"{host} did not answer in time"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"the certificate of {host} could not be verified, so nothing was fetched"
        if isinstance(cause, ssl.SSLError):
            return f"the secure connection to {host} failed"
        if isinstance(cause, OSError) and cause.errno in _UNREACHABLE:
            return f"no network: {host} cannot be reached from this computer"
    text = _ERRNO_PREFIX.sub("", str(exc)).strip()
    return f"the connection to {host} failed" + (f" ({text})" if text else "")


def refusal_words(status: int) -> str:
    """``the server refused the download (HTTP 404: not found)``."""
    try:
        phrase = HTTPStatus(status).phrase.lower()
    except ValueError:
        phrase = ""
    return f"the server refused the download (HTTP {status}" + (f": {phrase})" if phrase
                                                                 else ")")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
