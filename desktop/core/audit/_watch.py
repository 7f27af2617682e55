"""Write a ``privacy_setting_change`` record whenever a privacy setting changes."""

from __future__ import annotations

from desktop.core.audit._log import AuditLog, Scalar
from desktop.core.settings import Settings, setting_for

# Settings that decide what may leave the device, and where to. A section added later under
# one of these names is covered without touching this file.
PRIVACY_SECTIONS = ("network", "cloud", "privacy", "routing", "policy", "tiers")


def is_privacy_setting(key: str) -> bool:
    return key.split(".", 1)[0] in PRIVACY_SECTIONS


def watch_privacy_settings(settings: Settings, log: AuditLog) -> None:
    """Record every later change of a privacy setting made through ``settings``.

    Only changes made through this ``Settings`` object are recorded: each process that changes
    settings (the window, ``hearth config set``) attaches its own watcher, so a change another
    process made (and recorded) is not recorded twice; it still updates the old value known.
    """
    known: dict[str, Scalar] = {s.key: value for s, value in settings.items()}

    def changed(key: str, value: Scalar) -> None:
        old = known.get(key)
        known[key] = value
        if old == value or not is_privacy_setting(key):
            return
        # A value from a fixed list of choices says nothing private; free text might.
        safe = bool(setting_for(key).choices)
        log.record_setting_change(key, old, value, text_is_safe=safe)

    def follow(key: str, value: Scalar) -> None:
        known[key] = value

    settings.subscribe(changed, own_changes_only=True)
    settings.subscribe(follow)
