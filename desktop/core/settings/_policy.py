"""The organisation's managed policy: settings pinned or restricted by an administrator.

An administrator writes one TOML file that users cannot change (``/etc/hearth/policy.toml``
on Linux, ``%ProgramData%\\Hearth\\policy.toml`` on Windows, ``/Library/Application
Support/Hearth/policy.toml`` on macOS; ``HEARTH_POLICY_FILE`` names another). Keys are the
settings' own names::

    note = "Set by ACME IT — ask helpdesk@acme.example to change it."   # optional

    [locked]                      # pinned: this value, whatever settings.toml says
    network.offline = true
    "cloud.escalation" = false    # quoted or not, a dotted key names the setting

    [allowed]                     # restricted: the user may choose only among these
    tiers.frontier.provider = ["anthropic"]
    "privacy.email" = ["keep_local", "redact"]

A pinned key cannot be set or reset (``PolicyLocked``); a restricted one refuses other
values (``PolicyLocked`` too), and a value already in the user's file that the policy does
not allow is not used: the default if allowed, else the first allowed value.

When the policy cannot be fully used, Hearth keeps working and lists why in
``Settings.problems``, choosing the strictest reading it can justify:

- a file that exists but cannot be read or parsed: the last reading this process made of
  it stays in force; without one, ``cloud.escalation`` is pinned off. The organisation
  meant to restrict something and Hearth cannot tell what, so nothing may leave the device
  by escalation — Hearth's own default, which stops nobody working on this computer (offline
  mode is not forced: it would also stop model downloads the policy may allow);
- a pinned value that does not fit its setting still pins the key, at Hearth's default: the
  organisation meant the user not to choose it;
- an ``[allowed]`` entry with no usable value pins the key at Hearth's default, for the same
  reason; unusable values in a list are dropped;
- a key Hearth does not know is ignored (there is nothing to pin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.errors import ConfigError
from desktop.core.settings._file import Stamp, flatten, read, stamp_of
from desktop.core.settings._schema import Setting, Value, setting_for

SECTIONS = ("locked", "allowed")
# Pinned where the file cannot be read at all (see the module docstring).
FAIL_SAFE: dict[str, Value | None] = {"cloud.escalation": False}


class PolicyLocked(ConfigError):
    """A change the organisation's policy forbids; the message names the key and the file."""

    def __init__(self, key: str, policy_file: Path, message: str) -> None:
        self.key = key
        self.policy_file = policy_file
        super().__init__(message)


@dataclass(frozen=True)
class PolicyReading:
    """What one reading of the policy file says. A pinned value of None means "at Hearth's
    default" (the value given could not be used)."""

    locked: dict[str, Value | None] = field(default_factory=dict)
    allowed: dict[str, tuple[Value, ...]] = field(default_factory=dict)
    note: str = ""
    problems: tuple[str, ...] = ()


class ManagedPolicy:
    """The policy file at ``path``, re-read when it changes (one ``stat`` per check)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._stamp: Stamp | None = None
        self._had_good_reading = False
        self.reading = PolicyReading()
        self._reload()

    @property
    def problems(self) -> list[str]:
        return list(self.reading.problems)

    def refresh(self) -> bool:
        """Re-read the file if it changed since the last reading; whether it did."""
        if stamp_of(self.path) == self._stamp:
            return False
        self._reload()
        return True

    def pins(self, key: str) -> bool:
        return key in self.reading.locked

    def pinned_value(self, key: str) -> Value | None:
        """The pinned value (None: at the default); only meaningful when ``pins(key)``."""
        return self.reading.locked.get(key)

    def allowed(self, key: str) -> tuple[Value, ...] | None:
        """The values the user may choose for ``key``, or None when any valid one will do."""
        return self.reading.allowed.get(key)

    def locked_reason(self, key: str) -> str | None:
        """Why the user cannot change ``key`` (pinned, or only one value allowed), or None."""
        only = self.allowed(key)
        if not self.pins(key) and (only is None or len(only) != 1):
            return None
        return f"Set by your organisation's policy ({self.path}).{self._note()}"

    def check(self, key: str, value: Value | None) -> None:
        """Raise ``PolicyLocked`` unless the user may give ``key`` this ``value`` (None: put
        it back to its default)."""
        if self.pins(key):
            raise PolicyLocked(key, self.path, f"{key} is set by your organisation's policy "
                               f"in {self.path} and cannot be changed here.{self._note()}")
        allowed = self.allowed(key)
        if value is not None and allowed is not None and value not in allowed:
            choices = ", ".join(shown_value(v) for v in allowed)
            raise PolicyLocked(key, self.path, f"{key} may only be {choices} under your "
                               f"organisation's policy in {self.path}.{self._note()}")

    def _note(self) -> str:
        return f" {self.reading.note}" if self.reading.note else ""

    def _reload(self) -> None:
        found = read(self.path)
        self._stamp = found.stamp
        if found.error:
            self._unreadable(found.error)
        elif found.document is None:
            self.reading = PolicyReading()
        else:
            self.reading = _parse(self.path, found.document)
            self._had_good_reading = True

    def _unreadable(self, why: str) -> None:
        problem = f"the organisation's policy {self.path} could not be read ({why}); "
        if self._had_good_reading:
            problem += "its last reading stays in force."
            self.reading = PolicyReading(self.reading.locked, self.reading.allowed,
                                         self.reading.note, (problem,))
        else:
            problem += "until it can, cloud escalation stays off."
            self.reading = PolicyReading(locked=dict(FAIL_SAFE), problems=(problem,))


def _parse(path: Path, document: dict[str, object]) -> PolicyReading:
    problems: list[str] = []
    note = document.pop("note", "")
    if not isinstance(note, str):
        problems.append(f"{path}: note must be text; ignored.")
        note = ""
    locked: dict[str, Value | None] = {}
    allowed: dict[str, tuple[Value, ...]] = {}
    for name, table in document.items():
        if name not in SECTIONS or not isinstance(table, dict):
            problems.append(f"{path}: {name!r} is not part of a policy (use [locked] and "
                            "[allowed]); ignored.")
            continue
        for key, raw in flatten(table):
            setting = _known(path, key, problems)
            if setting is None:
                continue
            if name == "locked":
                locked[key] = _pinned(path, setting, raw, problems)
            else:
                choices = _choices(path, setting, raw, problems)
                if choices:
                    allowed[key] = choices
                else:
                    locked[key] = None
    for key, value in locked.items():
        if key in allowed and value is not None and value not in allowed[key]:
            problems.append(f"{path}: {key} is both pinned and restricted to other values; "
                            "the pinned value wins.")
    return PolicyReading(locked, allowed, note.strip(), tuple(problems))


def _known(path: Path, key: str, problems: list[str]) -> Setting | None:
    try:
        return setting_for(key)
    except ConfigError:
        problems.append(f"{path}: unknown setting {key!r}; ignored.")
        return None


def _pinned(path: Path, setting: Setting, raw: object, problems: list[str]) -> Value | None:
    try:
        return _checked(setting, raw)
    except ConfigError as exc:
        problems.append(f"{path}: {exc}; {setting.key} stays pinned at Hearth's default.")
        return None


def _choices(path: Path, setting: Setting, raw: object,
             problems: list[str]) -> tuple[Value, ...]:
    if not isinstance(raw, list):
        problems.append(f"{path}: allowed {setting.key} must be a list of values; it stays "
                        "pinned at Hearth's default.")
        return ()
    values: list[Value] = []
    for item in raw:
        try:
            values.append(_checked(setting, item))
        except ConfigError as exc:
            problems.append(f"{path}: {exc}; that value is not allowed.")
    if not values:
        problems.append(f"{path}: allowed {setting.key} has no usable value; it stays pinned "
                        "at Hearth's default.")
    return tuple(dict.fromkeys(values))


def _checked(setting: Setting, raw: object) -> Value:
    """Validate, accepting text ("true", "4") for a typed setting as the CLI does."""
    try:
        return setting.validate(raw)
    except ConfigError:
        if isinstance(raw, str) and setting.kind is not str:
            return setting.parse(raw)
        raise


def shown_value(value: Value) -> str:
    """``value`` as TOML writes it (``true``, not ``True``), for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
