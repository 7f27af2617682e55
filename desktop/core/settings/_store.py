"""Settings values on disk: ``settings.toml`` in the config dir, written atomically."""

from __future__ import annotations

import json
import os
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

from desktop.core import paths
from desktop.core.errors import ConfigError, KnownError
from desktop.core.settings._schema import SCHEMA, Setting, Value, setting_for

SCHEMA_VERSION = 1
FILE_NAME = "settings.toml"

Listener = Callable[[str, Value], None]


class Settings:
    """The current value of every setting in the schema.

    A file that cannot be read, or holds a value that does not fit, never stops Hearth: the
    default is used and the problem is listed in ``problems`` for the front end to show.
    """

    def __init__(self, path: Path | None = None, *, defaults_file: Path | None = None) -> None:
        self.path = path if path is not None else paths.config_dir() / FILE_NAME
        self.problems: list[str] = []
        self._values: dict[str, Value] = {}
        self._defaults: dict[str, Value] = {}
        self._file_unreadable = False
        self._listeners: list[Listener] = []
        defaults_file = defaults_file or paths.bundle_defaults_file()
        if defaults_file is not None:
            self._load_defaults(defaults_file)
        self._load()

    # -- reading ---------------------------------------------------------------------------

    def get(self, key: str) -> Value:
        return self._values.get(key, self.default(key))

    def default(self, key: str) -> Value:
        """The schema's default, or the one a packaged build ships (``hearth-defaults.toml``)."""
        return self._defaults.get(key, setting_for(key).default)

    def get_str(self, key: str) -> str:
        return str(self.get(key))

    def get_int(self, key: str) -> int:
        value = self.get(key)
        assert isinstance(value, int)
        return value

    def get_float(self, key: str) -> float:
        value = self.get(key)
        assert isinstance(value, int | float)
        return float(value)

    def get_bool(self, key: str) -> bool:
        return bool(self.get(key))

    def items(self) -> Iterator[tuple[Setting, Value]]:
        for setting in SCHEMA:
            yield setting, self.get(setting.key)

    def is_default(self, key: str) -> bool:
        return key not in self._values

    # -- writing ---------------------------------------------------------------------------

    def set(self, key: str, value: object) -> Value:
        """Validate, store and save ``value``; listeners hear of it after the file is written."""
        setting = setting_for(key)
        checked = setting.validate(value)
        previous = dict(self._values)
        if checked == self.default(key):
            self._values.pop(key, None)
        else:
            self._values[key] = checked
        try:
            self._save()
        except OSError as exc:
            self._values = previous
            raise KnownError(f"could not save settings to {self.path}: {exc.strerror}") from exc
        for listener in list(self._listeners):
            listener(key, checked)
        return checked

    def set_text(self, key: str, text: str) -> Value:
        """Like ``set`` for a value typed as text (the CLI)."""
        return self.set(key, setting_for(key).parse(text))

    def reset(self, key: str) -> Value:
        return self.set(key, self.default(key))

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(key, value)`` after every change."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener`` (a closed window's, say); unknown listeners are ignored."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    # -- file ------------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            with self.path.open("rb") as fh:
                document = tomllib.load(fh)
        except FileNotFoundError:
            return
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            self._file_unreadable = True
            self.problems.append(f"{self.path} could not be read ({exc}); using defaults.")
            return
        document.pop("schema_version", None)
        for key, value in _flatten(document):
            try:
                self._values[key] = setting_for(key).validate(value)
            except ConfigError as exc:
                self.problems.append(f"{self.path}: {exc}; using the default.")

    def _load_defaults(self, source: Path) -> None:
        """Read shipped defaults; a relative ``local.model_path`` is relative to that file."""
        try:
            with source.open("rb") as fh:
                document = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            self.problems.append(f"{source} could not be read ({exc}); using built-in defaults.")
            return
        document.pop("schema_version", None)
        for key, value in _flatten(document):
            try:
                checked = setting_for(key).validate(value)
            except ConfigError as exc:
                self.problems.append(f"{source}: {exc}")
                continue
            if key == "local.model_path" and checked and not Path(str(checked)).is_absolute():
                checked = str(source.parent / str(checked))
            self._defaults[key] = checked

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._file_unreadable and self.path.exists():
            # Keep the user's broken file rather than silently overwriting their edits.
            self.path.replace(self.path.with_name(f"{FILE_NAME}.unreadable-{int(time.time())}"))
            self._file_unreadable = False
        tmp = self.path.with_name(f".{FILE_NAME}.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(_to_toml(self._values))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)


def _flatten(table: dict[str, object], prefix: str = "") -> Iterator[tuple[str, object]]:
    """``{"tiers": {"private": {"model": "x"}}}`` → ``("tiers.private.model", "x")``."""
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            yield from _flatten(value, key + ".")
        else:
            yield key, value


def _to_toml(values: dict[str, Value]) -> str:
    """Write flat ``section.name`` values as TOML (scalars only, which is all the schema has)."""
    lines = [f"schema_version = {SCHEMA_VERSION}"]
    sections: dict[str, list[str]] = {}
    for key in sorted(values):
        section, name = key.split(".", 1)
        # A dotted name ("private.model") is a TOML dotted key inside the section's table.
        sections.setdefault(section, []).append(f"{name} = {_toml_scalar(values[key])}")
    for section, entries in sections.items():
        lines += ["", f"[{section}]", *entries]
    return "\n".join(lines) + "\n"


def _toml_scalar(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    # JSON string escapes are a subset of TOML basic-string escapes; TOML also forbids a raw DEL.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
