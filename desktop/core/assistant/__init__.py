"""The turn pipeline: one question in, one streamed answer and its receipt out."""

from desktop.core.assistant._turn import Assistant, TurnResult

__all__ = ["Assistant", "TurnResult"]
