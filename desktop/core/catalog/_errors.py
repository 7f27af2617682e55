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
