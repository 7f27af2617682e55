"""The turn pipeline: one question in, one routed, streamed answer and its receipt out."""

from desktop.core.assistant._clients import (
    ClientQuestion,
    ClientRequestError,
    ClientTurns,
    client_name,
)
from desktop.core.assistant._continue import can_continue
from desktop.core.assistant._outbound import (
    Consent,
    ConsentChoice,
    ConsentRequest,
    consent_choice,
)
from desktop.core.assistant._outlook import Outlook
from desktop.core.assistant._turn import (
    Assistant,
    Attempt,
    RoutePreview,
    TurnOptions,
    TurnResult,
)
from desktop.core.routing import RouteDecision

__all__ = ["Assistant", "Attempt", "ClientQuestion", "ClientRequestError", "ClientTurns",
           "Consent", "ConsentChoice", "ConsentRequest", "Outlook", "RouteDecision",
           "RoutePreview", "TurnOptions", "TurnResult", "can_continue", "client_name",
           "consent_choice"]
