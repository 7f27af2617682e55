"""The exception tree of Hearth.

Two kinds of failure exist, and they are treated differently everywhere:

    KnownError            the environment's or the user's: shown as one clear message
     ├── ConfigError        unknown setting, value of the wrong type or out of range
     ├── ModelFileError     missing, truncated, corrupt or foreign model file
     ├── ModelLoadError     llama.cpp refused or crashed on a file that looked valid
     ├── ContextOverflowError  the newest message alone does not fit the context window
     ├── StorageError       the database or the disk failed (full disk, read-only, corrupt)
     └── NotFoundError      a conversation or message id that does not exist

Anything else that escapes is a bug in Hearth and becomes a crash report.
Foreign exceptions are mapped at the boundary with ``raise Mapped(...) from exc``.
"""

from __future__ import annotations

from pathlib import Path


class KnownError(Exception):
    """A failure with a cause outside Hearth's code; ``str(err)`` is meant for the user."""


class ConfigError(KnownError):
    """A setting that does not exist, or a value that does not fit it."""


class ModelFileError(KnownError):
    """A model file that cannot be used; the message always names the file."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ModelLoadError(ModelFileError):
    """llama.cpp could not load a file that passed Hearth's own checks."""


class ContextOverflowError(KnownError):
    """The newest message (with the system prompt) is longer than the context window."""


class StorageError(KnownError):
    """The conversation database or the disk under it failed."""


class NotFoundError(KnownError):
    """A conversation or message that does not exist."""
