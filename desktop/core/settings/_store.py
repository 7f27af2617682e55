"""Settings values: one live store shared by every Hearth process.

Layers, the first that has a key wins::

    the organisation's policy (read-only; pins or restricts keys)   _policy.ManagedPolicy
    settings.toml in the config folder (the user's choices)          _file
    hearth-defaults.toml of a packaged build
    the schema's default                                              _schema.SCHEMA

``set`` and ``reset`` change one key: under a lock shared by every process they re-read the
file, change that key and replace the file atomically, so a process never writes back a value
another process has changed since. ``get`` re-reads the file (and the policy) when its stamp
(mtime, size, inode) has changed, one ``stat`` each: about 1.5 µs on Linux, so every decision
sees another process's change. ``refresh`` does the same and tells the listeners what changed;
a long-lived front end (the window) calls it on a timer.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop.core import paths
from desktop.core.errors import ConfigError, KnownError
from desktop.core.settings import _file
from desktop.core.settings._file import SCHEMA_VERSION, Scalar, Stamp
from desktop.core.settings._policy import ManagedPolicy, shown_value
from desktop.core.settings._schema import SCHEMA, Setting, Value, setting_for

__all__ = ["FILE_NAME", "SCHEMA_VERSION", "Listener", "Settings"]

FILE_NAME = "settings.toml"

Listener = Callable[[str, Value], None]


@dataclass(frozen=True)
class _Subscription:
    listener: Listener
    own_changes_only: bool


class Settings:
    """The current value of every setting in the schema.

    A file that cannot be read, or holds a value that does not fit, never stops Hearth: the
    default is used and the problem is listed in ``problems`` for the front end to show. A
    file that turns unreadable while Hearth runs leaves the last values read in force; the
    next change moves it aside (``settings.toml.unreadable-<time>``), never overwriting it.
    Safe to use from several threads.
    """

    def __init__(self, path: Path | None = None, *, defaults_file: Path | None = None,
                 policy_file: Path | None = None) -> None:
        self.path = path if path is not None else paths.config_dir() / FILE_NAME
        self.policy = ManagedPolicy(policy_file if policy_file is not None
                                    else paths.policy_file())
        self._lock = threading.RLock()
        self._defaults: dict[str, Value] = {}
        self._defaults_problems: list[str] = []
        self._values: dict[str, Value] = {}
        self._unknown: dict[str, Scalar] = {}  # keys of a newer Hearth, kept as written
        self._file_problems: list[str] = []
        self._stamp: Stamp | None = None
        self._file_unreadable = False
        self._subscriptions: list[_Subscription] = []
        defaults_file = defaults_file or paths.bundle_defaults_file()
        if defaults_file is not None:
            self._load_defaults(defaults_file)
        # Files written by an older Hearth, or under a loose umask, are tightened now.
        if self.path.parent.is_dir():
            paths.restrict(self.path.parent, paths.PRIVATE_FOLDER_MODE)
            paths.restrict(self.path)
        self._reload()
        self._heard = self._effective_values()  # what the listeners have been told

    # -- reading ---------------------------------------------------------------------------

    def get(self, key: str) -> Value:
        """The value in force now, including a change another process has just saved."""
        setting_for(key)
        with self._lock:
            self._follow_disk()
            return self._effective(key)

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
        with self._lock:
            self._follow_disk()
            values = self._effective_values()
        for setting in SCHEMA:
            yield setting, values[setting.key]

    def is_default(self, key: str) -> bool:
        """Whether the user's file leaves ``key`` at its default."""
        with self._lock:
            self._follow_disk()
            return key not in self._values

    def locked_reason(self, key: str) -> str | None:
        """Why the user cannot change ``key`` (the organisation's policy pins it), or None."""
        setting_for(key)
        with self._lock:
            self.policy.refresh()
            return self.policy.locked_reason(key)

    def allowed_values(self, key: str) -> tuple[Value, ...] | None:
        """The only values the policy lets the user choose for ``key``; None: any valid one."""
        setting_for(key)
        with self._lock:
            self.policy.refresh()
            return self.policy.allowed(key)

    @property
    def problems(self) -> list[str]:
        """Why some value in force is not the one asked for: unreadable files, values that do
        not fit, values the policy does not allow. Never the secret a bad value carried."""
        with self._lock:
            found = [*self._defaults_problems, *self.policy.problems, *self._file_problems]
            for key, value in self._values.items():
                allowed = self.policy.allowed(key)
                if not self.policy.pins(key) and allowed is not None and value not in allowed:
                    found.append(f"{self.path}: {key} = {shown_value(value)} is not allowed by "
                                 f"your organisation's policy ({self.policy.path}); using "
                                 f"{shown_value(self._effective(key))}.")
            return found

    # -- writing ---------------------------------------------------------------------------

    def set(self, key: str, value: object) -> Value:
        """Validate ``value``, save it for ``key`` alone, and tell the listeners.

        Raises ``ConfigError`` for a value that does not fit, ``PolicyLocked`` (a
        ``ConfigError``) for one the policy forbids, ``KnownError`` if the file cannot be
        written (nothing is changed then).
        """
        checked = setting_for(key).validate(value)
        with self._lock:
            self.policy.refresh()
            self.policy.check(key, checked)
            self._save_key(key, checked)
            changes = self._changes(own=key)
        self._notify(changes)
        return checked

    def set_text(self, key: str, text: str) -> Value:
        """Like ``set`` for a value typed as text (the CLI); a pinned key is refused before
        the text is read."""
        setting = setting_for(key)
        with self._lock:
            self.policy.refresh()
            if self.policy.pins(key):
                self.policy.check(key, None)
        return self.set(key, setting.parse(text))

    def reset(self, key: str) -> Value:
        """Remove the user's value of ``key``; the value now in force."""
        setting_for(key)
        with self._lock:
            self.policy.refresh()
            self.policy.check(key, None)
            self._save_key(key, None)
            changes = self._changes(own=key)
            value = self._effective(key)
        self._notify(changes)
        return value

    def refresh(self) -> list[str]:
        """Re-read the file and the policy if they changed; tell the listeners about every key
        whose value in force changed since they last heard (changes made by other processes
        included), and return those keys."""
        with self._lock:
            self._follow_disk()
            changes = self._changes()
        self._notify(changes)
        return [key for key, _value, _own in changes]

    def subscribe(self, listener: Listener, *, own_changes_only: bool = False) -> None:
        """Call ``listener(key, value)`` after every change, on the thread that made it (a
        ``set``) or noticed it (``refresh``). ``own_changes_only``: only changes made through
        this object (an audit record is written by the process that made the change)."""
        with self._lock:
            self._subscriptions.append(_Subscription(listener, own_changes_only))

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener`` (a closed window's, say); unknown listeners are ignored."""
        with self._lock:
            self._subscriptions = [s for s in self._subscriptions if s.listener != listener]

    # -- layers ----------------------------------------------------------------------------

    def _effective(self, key: str) -> Value:
        if self.policy.pins(key):
            pinned = self.policy.pinned_value(key)
            return self.default(key) if pinned is None else pinned
        value = self._values.get(key, self.default(key))
        allowed = self.policy.allowed(key)
        if allowed is not None and value not in allowed:
            default = self.default(key)
            return default if default in allowed else allowed[0]
        return value

    def _effective_values(self) -> dict[str, Value]:
        return {s.key: self._effective(s.key) for s in SCHEMA}

    def _changes(self, own: str | None = None) -> list[tuple[str, Value, bool]]:
        """(key, value, made here) for every key whose value in force the listeners have not
        heard yet; ``own`` is always included (a set tells its listeners even when the value
        was already in force, as it always has)."""
        now = self._effective_values()
        changes = [(key, value, False) for key, value in now.items()
                   if key != own and self._heard.get(key) != value]
        if own is not None:
            changes.append((own, now[own], True))
        self._heard = now
        return changes

    def _notify(self, changes: list[tuple[str, Value, bool]]) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for key, value, own in changes:
            for subscription in subscriptions:
                if own or not subscription.own_changes_only:
                    subscription.listener(key, value)

    # -- file ------------------------------------------------------------------------------

    def _follow_disk(self) -> None:
        self.policy.refresh()
        if _file.stamp_of(self.path) != self._stamp:
            self._reload()

    def _reload(self) -> None:
        found = _file.read(self.path)
        self._stamp = found.stamp
        if found.error:
            # The last values read stay in force (none at start: the defaults).
            self._file_unreadable = True
            self._file_problems = [f"{self.path} could not be read ({found.error}); using "
                                   + ("the values read before." if self._values
                                      else "defaults.")]
            return
        self._file_unreadable = False
        self._values, self._unknown, self._file_problems = _parse(self.path, found.document)

    def _save_key(self, key: str, value: Value | None) -> None:
        """Under the lock: re-read, change ``key`` (None: remove it), replace the file."""
        try:
            paths.private_folder(self.path.parent)
            with _file.locked(self.path):
                self._reload()  # whatever the stamp says: another process may have written
                values = dict(self._values)
                if value is None or value == self.default(key):
                    values.pop(key, None)
                else:
                    values[key] = value
                if self._file_unreadable and self.path.exists():
                    _file.keep_aside(self.path)
                self._stamp = _file.write(self.path, {**self._unknown, **values})
                self._values, self._file_unreadable, self._file_problems = values, False, []
        except OSError as exc:
            raise KnownError(f"could not save settings to {self.path}: "
                             f"{exc.strerror or exc}") from exc

    def _load_defaults(self, source: Path) -> None:
        """Read shipped defaults; a relative ``local.model_path`` is relative to that file."""
        try:
            with source.open("rb") as fh:
                document = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            self._defaults_problems.append(
                f"{source} could not be read ({exc}); using built-in defaults.")
            return
        document.pop("schema_version", None)
        for key, value in _file.flatten(document):
            try:
                checked = setting_for(key).validate(value)
            except ConfigError as exc:
                self._defaults_problems.append(f"{source}: {exc}")
                continue
            if key == "local.model_path" and checked and not Path(str(checked)).is_absolute():
                checked = str(source.parent / str(checked))
            self._defaults[key] = checked


def _parse(path: Path, document: dict[str, object] | None
           ) -> tuple[dict[str, Value], dict[str, Scalar], list[str]]:
    """The user's values, the keys this Hearth does not know (kept), and the problems."""
    values: dict[str, Value] = {}
    unknown: dict[str, Scalar] = {}
    problems: list[str] = []
    if document is None:
        return values, unknown, problems
    document.pop("schema_version", None)
    for key, raw in _file.flatten(document):
        try:
            values[key] = setting_for(key).validate(raw)
        except ConfigError as exc:
            problems.append(f"{path}: {exc}; using the default.")
            known = any(s.key == key for s in SCHEMA)
            if not known and "." in key and isinstance(raw, str | int | float | bool):
                unknown[key] = raw
    return values, unknown, problems
