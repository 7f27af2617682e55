"""Files the window ships with (icon, style sheet), found in a checkout and in a frozen build."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_NAME = "hearth.svg"


def asset_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller build unpacks data files here
    if bundle is not None:
        return Path(bundle) / "assets"
    return Path(__file__).resolve().parents[2] / "assets"


@cache
def read_text(name: str) -> str:
    """The text of an asset, or "" when it is missing (the window still works, plainer)."""
    try:
        return (asset_dir() / name).read_text(encoding="utf-8")
    except OSError:
        return ""


def app_icon() -> QIcon:
    path = asset_dir() / ICON_NAME
    return QIcon(str(path)) if path.is_file() else QIcon()
