"""Declarative settings: one schema, a live TOML file under the config dir shared by every
Hearth process, and the organisation's read-only policy above it."""

from desktop.core.settings._policy import ManagedPolicy, PolicyLocked
from desktop.core.settings._schema import PRIVACY_CLASSES, SCHEMA, Setting, setting_for
from desktop.core.settings._store import SCHEMA_VERSION, Settings

__all__ = ["PRIVACY_CLASSES", "SCHEMA", "SCHEMA_VERSION", "ManagedPolicy", "PolicyLocked",
           "Setting", "Settings", "setting_for"]
