"""The turn pipeline: one question in, one routed, streamed answer and its receipt out."""

from desktop.core.assistant._continue import can_continue
from desktop.core.assistant._outbound import (
    Consent,
    ConsentChoice,
    ConsentRequest,
    consent_choice,
)
from desktop.core.assistant._outlook import Outlook
from desktop.core.assistant._turn import Assistant, RoutePreview, TurnOptions, TurnResult
from desktop.core.routing import RouteDecision

__all__ = ["Assistant", "Consent", "ConsentChoice", "ConsentRequest", "Outlook",
           "RouteDecision", "RoutePreview", "TurnOptions", "TurnResult", "can_continue",
           "consent_choice"]
