"""Where Hearth keeps its files: platformdirs locations, overridable for tests and portables."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "Hearth"
CONFIG_DIR_ENV = "HEARTH_CONFIG_DIR"
DATA_DIR_ENV = "HEARTH_DATA_DIR"


def config_dir() -> Path:
    """The folder of ``settings.toml`` (``$HEARTH_CONFIG_DIR`` wins over the OS default)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, False))


def data_dir() -> Path:
    """The folder of the database, logs and models (``$HEARTH_DATA_DIR`` wins)."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))


BUNDLE_DEFAULTS = "hearth-defaults.toml"


def bundle_dir() -> Path | None:
    """The folder a packaged (PyInstaller) build unpacks its data files to; None from source."""
    if not getattr(sys, "frozen", False):
        return None
    return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))


def bundle_defaults_file() -> Path | None:
    """Defaults a packaged build ships (offline mode on, an embedded model), if there are any."""
    folder = bundle_dir()
    if folder is None:
        return None
    candidate = folder / BUNDLE_DEFAULTS
    return candidate if candidate.is_file() else None
