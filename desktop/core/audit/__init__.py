"""The audit log: what left the device and which privacy settings changed, hash-chained so
that any edit, deletion, insertion or reordering of its records can be detected."""

from desktop.core.audit._chain import GENESIS, VerifyResult
from desktop.core.audit._log import (
    FILE_NAME,
    NETWORK_BLOCKED,
    OUTBOUND_REQUEST,
    PRIVACY_SETTING_CHANGE,
    AuditLog,
)
from desktop.core.audit._watch import PRIVACY_SECTIONS, is_privacy_setting, watch_privacy_settings

__all__ = [
    "FILE_NAME",
    "GENESIS",
    "NETWORK_BLOCKED",
    "OUTBOUND_REQUEST",
    "PRIVACY_SECTIONS",
    "PRIVACY_SETTING_CHANGE",
    "AuditLog",
    "VerifyResult",
    "is_privacy_setting",
    "watch_privacy_settings",
]
