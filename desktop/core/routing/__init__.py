"""Where a question is answered: the privacy gate (offline detectors, reversible redaction),
a difficulty estimate, and the router that applies the user's rules in order."""

from desktop.core.receipt import Finding
from desktop.core.routing._detectors import KINDS, scan, scan_conversation, warm_up
from desktop.core.routing._difficulty import Difficulty, estimate_difficulty
from desktop.core.routing._redaction import Redaction, Restorer, redact, restore
from desktop.core.routing._router import (
    CLOUD_TIERS,
    CloudTier,
    RouteCode,
    RouteContext,
    RouteDecision,
    Router,
    Tier,
    TierChoice,
)

__all__ = [
    "CLOUD_TIERS",
    "KINDS",
    "CloudTier",
    "Difficulty",
    "Finding",
    "Redaction",
    "Restorer",
    "RouteCode",
    "RouteContext",
    "RouteDecision",
    "Router",
    "Tier",
    "TierChoice",
    "estimate_difficulty",
    "redact",
    "restore",
    "scan",
    "scan_conversation",
    "warm_up",
]
