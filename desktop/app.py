"""Composition root of the desktop app: builds the core services and opens the window."""

from __future__ import annotations


def run_app() -> int:
    from desktop.ui.launch import launch

    return launch()
