"""Hearth: a private, offline-first desktop AI assistant."""

__version__ = "0.1.0"
