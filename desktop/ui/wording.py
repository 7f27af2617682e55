"""How the core's values read in the window: sensitive-data classes, tiers, measurement kinds."""

from __future__ import annotations

import math
from collections.abc import Iterable

# The privacy gate's classes (desktop.core.routing.KINDS); a class missing here still reads
# sensibly through ``class_label``.
CLASS_LABELS = {
    "secret": "secrets and credentials",
    "payment_card": "payment card numbers",
    "iban": "IBANs",
    "national_id": "national identity numbers",
    "email": "e-mail addresses",
    "phone": "phone numbers",
    "ip_address": "IP addresses",
    "date_of_birth": "dates of birth",
    "health": "health information",
    "financial": "financial details",
    "custom": "your custom sensitive terms",
}

TIER_LABELS = {
    "local": "this computer",
    "private": "your private server",
    "frontier": "the cloud model",
}

KIND_LABELS = {
    "measured": "measured",
    "estimated": "estimated",
    "unknown": "unknown",
}


def class_label(kind: str, *, capital: bool = False) -> str:
    text = CLASS_LABELS.get(kind, kind.replace("_", " "))
    return text[:1].upper() + text[1:] if capital else text


def class_list(kinds: Iterable[str]) -> str:
    """``"phone numbers, e-mail addresses"``, or ``"none"``."""
    labels = [class_label(kind) for kind in kinds]
    return ", ".join(labels) if labels else "none"


def tier_label(tier: str) -> str:
    return TIER_LABELS.get(tier, tier)


def money(usd: float) -> str:
    """Dollars with two significant digits below a cent (an answer can cost $0.0000012)."""
    if usd == 0:
        return "$0"
    if abs(usd) < 0.01:
        decimals = min(10, 1 - math.floor(math.log10(abs(usd))))
        return f"${usd:.{decimals}f}".rstrip("0").rstrip(".")
    return f"${usd:,.2f}"


def size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / (1024 * 1024):.1f} MB"
