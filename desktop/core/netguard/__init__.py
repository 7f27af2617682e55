"""Enforced offline mode: refuse and log every connection that would leave this computer."""

from __future__ import annotations

from desktop.core.audit import AuditLog
from desktop.core.netguard._guard import (
    Attempt,
    NetworkGuard,
    OfflineBlocked,
    is_loopback,
)
from desktop.core.netguard._log import FILE_NAME, NetworkLog
from desktop.core.settings import Settings

__all__ = [
    "FILE_NAME",
    "OFFLINE_SETTING",
    "Attempt",
    "NetworkGuard",
    "NetworkLog",
    "OfflineBlocked",
    "apply_settings",
    "is_loopback",
]

OFFLINE_SETTING = "network.offline"


def apply_settings(settings: Settings, *, log: NetworkLog | None = None,
                   audit: AuditLog | None = None) -> NetworkGuard:
    """Install the process's guard, switch it by ``network.offline`` now and on every change,
    and send each refused attempt to the network log (and the audit log, if given).

    Called once by the composition root, before anything may open a connection.
    """
    guard = NetworkGuard.install()
    network_log = log if log is not None else NetworkLog()
    listeners = [network_log.record]
    if audit is not None:
        listeners.append(lambda attempt: _audit(audit, attempt))
    guard.set_listeners(listeners)
    guard.enabled = settings.get_bool(OFFLINE_SETTING)

    def follow(key: str, value: object) -> None:
        if key == OFFLINE_SETTING:
            guard.enabled = bool(value)

    settings.subscribe(follow)
    return guard


def _audit(audit: AuditLog, attempt: Attempt) -> None:
    audit.record_network_blocked(host=attempt.host, port=attempt.port, event=attempt.event)
