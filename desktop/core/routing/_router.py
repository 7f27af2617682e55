"""Decides, per question, where it is answered — data classification first, difficulty second."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from desktop.core.chat import ChatMessage
from desktop.core.receipt import Finding
from desktop.core.routing._detectors import KINDS, TOPIC_MEMORY, scan_conversation
from desktop.core.routing._difficulty import Difficulty, estimate_difficulty
from desktop.core.routing._phones import regions_from_setting
from desktop.core.settings import PRIVACY_CLASSES, Settings

Tier = Literal["local", "private", "frontier"]
CloudTier = Literal["private", "frontier"]
CLOUD_TIERS: tuple[CloudTier, ...] = ("private", "frontier")
TierChoice = Literal["local", "private", "frontier", "auto"]
Policy = Literal["keep_local", "redact", "ask"]
POLICIES: tuple[Policy, ...] = ("keep_local", "redact", "ask")
CASCADE_MODES = ("off", "offer", "auto")
# Why a decision went where it did, for programs (``hearth route --json``, tests); ``reason``
# says the same to a person.
RouteCode = Literal["chosen_local", "offline", "escalation_off", "locked", "budget_spent",
                    "kept_by_policy", "tier_not_ready", "requested", "no_cloud_tier",
                    "looks_hard", "routine", "kept_collection", "unsure_answer"]
_CLASS_WORDS = dict(PRIVACY_CLASSES)

# A tier that is not ready says why ("the private tier has no URL"); None means ready.
Readiness = Callable[[CloudTier], str | None]


@dataclass(frozen=True, kw_only=True)
class RouteDecision:
    """Where a question goes and why, in one line a person can read."""

    tier: Tier
    reason: str  # plain words, shown in receipts and notices
    code: RouteCode
    findings: tuple[Finding, ...] = ()  # in the new question (spans into it)
    classes: tuple[str, ...] = ()  # every sensitive class in what would leave
    redact: bool = False  # send placeholders instead of the sensitive values
    ask_consent: bool = False  # show the payload and wait for the user's yes
    difficulty: Difficulty | None = None
    cascade: bool = False  # answer locally first; escalate if the answer looks unsure
    escalate_to: CloudTier | None = field(default=None)  # the cloud tier a cascade would use
    # The classes whose "keep on this device" policy kept the question here (else empty).
    kept_for: tuple[str, ...] = ()
    # The document collections kept on this device whose passages kept it here (else empty).
    kept_for_collections: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RouteContext:
    """What the router needs to know beyond the text."""

    requested: TierChoice = "auto"
    locked_local: bool = False
    offline: bool = False
    budget_exhausted: bool = False
    # Collections kept on this device ("this device only") whose passages the question is
    # given: none of their text may leave, so the question is answered here.
    device_collections: tuple[str, ...] = ()


class Router:
    """Applies the user's rules in a fixed order; reads settings at every decision."""

    def __init__(self, settings: Settings, readiness: Readiness) -> None:
        self._settings = settings
        self._readiness = readiness

    def policy(self, kind: str) -> Policy:
        value = self._settings.get_str(f"privacy.{kind}")
        return value if value in POLICIES else "keep_local"

    def decide(self, prompt: str, history: Sequence[ChatMessage], context: RouteContext
               ) -> RouteDecision:
        # The question is read with the messages before it: a cue there ("my SSN?") makes the
        # value in the question ("ok, it is 536221847") sensitive. Where nothing can leave, the
        # question's own classes are enough to report, and only the messages it inherits topics
        # from (the last TOPIC_MEMORY) are read with it; the whole history is scanned only when
        # it might be sent, and that one scan gives the question's findings as well.
        held = self._held_here(context)
        kept_collections: tuple[str, ...] = ()
        if held is None and context.device_collections:
            kept_collections = tuple(dict.fromkeys(context.device_collections))
            held = (f"it draws on {_quoted(kept_collections)}, kept on this device",
                    "kept_collection")
        if held is not None:
            recent = [m.content for m in history[-TOPIC_MEMORY:]]
            findings = self.scan([*recent, prompt])[-1]
            return replace(_local(*held, findings, self._classes([findings])),
                           kept_for_collections=kept_collections)
        scanned = self.scan([*(m.content for m in history), prompt])
        findings, classes = scanned[-1], self._classes(scanned)
        kept = sorted({c for c in classes if self.policy(c) == "keep_local"})
        if kept:
            kept_for = tuple(k for k in KINDS if k in kept)
            words = _joined([_CLASS_WORDS.get(k, k) for k in kept_for])
            decision = _local(f"it holds {words}, which your privacy settings keep on this "
                              "device", "kept_by_policy", findings, classes)
            return replace(decision, kept_for=kept_for)
        redact = any(self.policy(c) == "redact" for c in classes)
        ask = any(self.policy(c) == "ask" for c in classes)
        difficulty = estimate_difficulty(prompt)
        if context.requested in ("private", "frontier"):
            tier = context.requested
            problem = self._readiness(tier)
            if problem:
                said = problem if problem.startswith(f"{tier} tier") else \
                    f"the {tier} tier is not ready: {problem}"
                return _local(said, "tier_not_ready", findings, classes)
            return RouteDecision(tier=tier, reason=f"you asked for the {tier} tier",
                                 code="requested",
                                 findings=findings, classes=classes, redact=redact,
                                 ask_consent=ask, difficulty=difficulty)
        target = self._cloud_target()
        threshold = self._settings.get_float("routing.difficulty_threshold")
        if target is None:
            return _local("no cloud tier is set up", "no_cloud_tier", findings, classes,
                          difficulty)
        if difficulty.score >= threshold:
            return RouteDecision(
                tier=target, findings=findings, classes=classes, redact=redact, ask_consent=ask,
                difficulty=difficulty, code="looks_hard",
                reason=f"looks hard for the local model: {difficulty.describe()}, at or above "
                       f"your threshold of {threshold:g}",
            )
        cascade = self._settings.get_str("routing.cascade") != "off"
        return RouteDecision(
            tier="local", findings=findings, classes=classes, redact=redact, ask_consent=ask,
            difficulty=difficulty, cascade=cascade, escalate_to=target, code="routine",
            reason=f"a routine question, answered on this device: {difficulty.describe()}, "
                   f"below your threshold of {threshold:g}",
        )

    def _held_here(self, context: RouteContext) -> tuple[str, RouteCode] | None:
        """Why nothing may leave this device for this message, or None when something may."""
        if context.requested == "local":
            return "you chose this device for this message", "chosen_local"
        if context.offline:
            return "offline mode is on: nothing leaves this device", "offline"
        if not self._settings.get_bool("cloud.escalation"):
            return ("sending questions to a cloud model is turned off in your settings",
                    "escalation_off")
        if context.locked_local:
            return "this conversation is locked to this device", "locked"
        if context.budget_exhausted:
            return "this month's cloud budget is spent", "budget_spent"
        return None

    def _cloud_target(self) -> CloudTier | None:
        """The private tier when it is set up (open models, your infrastructure), else frontier."""
        for tier in CLOUD_TIERS:
            if self._readiness(tier) is None:
                return tier
        return None

    def _custom_terms(self) -> list[str]:
        raw = self._settings.get_str("privacy.custom_terms")
        return [t.strip() for t in raw.split(",") if t.strip()]

    def scan(self, texts: Sequence[str]) -> list[tuple[Finding, ...]]:
        """Findings in each of ``texts``, scanned as one conversation with the user's settings
        (custom terms, phone regions): what redaction of an outgoing payload uses. One tuple per
        text, spans into that text, ready for ``redact``."""
        regions = regions_from_setting(self._settings.get_str("privacy.phone_regions"))
        return scan_conversation(texts, custom_terms=self._custom_terms(),
                                 phone_regions=regions)

    @staticmethod
    def _classes(scanned: Sequence[Sequence[Finding]]) -> tuple[str, ...]:
        """Sensitive classes anywhere in ``scanned`` (the question, or it and the history)."""
        kinds = {f.kind for findings in scanned for f in findings}
        return tuple(k for k in KINDS if k in kinds)


def _quoted(names: Sequence[str]) -> str:
    """“Tax 2025”, or “Tax 2025” and “Health”, or “A”, “B” and “C”."""
    return _joined([f"“{name}”" for name in names])


def _local(reason: str, code: RouteCode, findings: tuple[Finding, ...],
           classes: tuple[str, ...], difficulty: Difficulty | None = None) -> RouteDecision:
    return RouteDecision(tier="local", reason=reason, code=code, findings=findings,
                         classes=classes, difficulty=difficulty)


def _joined(words: Sequence[str]) -> str:
    """``"a, b and c"``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
