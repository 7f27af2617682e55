"""The ``hearth`` command line: every capability of the window, scriptable."""

from desktop.cli._main import main

__all__ = ["main"]
