"""Declarative settings: one schema, a TOML file under the config dir, validated values."""

from desktop.core.settings._schema import SCHEMA, Setting, setting_for
from desktop.core.settings._store import SCHEMA_VERSION, Settings

__all__ = ["SCHEMA", "SCHEMA_VERSION", "Setting", "Settings", "setting_for"]
