"""The router's rules, one at a time, in the order it applies them."""

from __future__ import annotations

import pytest

from desktop.core.chat import ChatMessage
from desktop.core.routing import KINDS, RouteContext, Router, estimate_difficulty
from desktop.core.settings import Settings
from desktop.core.settings._schema import PRIVACY_CLASSES

EASY = "What is the capital of France?"
HARD = ("Prove step by step that the sum of the first n odd numbers is n^2, then compare it with "
        "an induction proof and write a detailed report.\n```python\nprint(sum(range(1, 9, 2)))"
        "\n```")


def _router(ready: tuple[str, ...] = ("private", "frontier"), **values: object) -> Router:
    settings = Settings()
    settings.set("cloud.escalation", True)
    for key, value in values.items():
        settings.set(key.replace("__", "."), value)
    return Router(settings, lambda tier: None if tier in ready else f"{tier} not set up")


@pytest.mark.parametrize(("context", "words", "code"), [
    (RouteContext(offline=True), "offline", "offline"),
    (RouteContext(locked_local=True), "locked", "locked"),
    (RouteContext(budget_exhausted=True), "budget", "budget_spent"),
    (RouteContext(requested="local"), "you chose this device", "chosen_local"),
])
def test_hard_rules_keep_it_local(context: RouteContext, words: str, code: str) -> None:
    decision = _router().decide(HARD, [], context)
    assert decision.tier == "local" and words in decision.reason and decision.code == code


def test_escalation_off_keeps_it_local() -> None:
    decision = _router(cloud__escalation=False).decide(HARD, [], RouteContext(requested="frontier"))
    assert decision.tier == "local" and decision.code == "escalation_off"
    assert decision.reason == "sending questions to a cloud model is turned off in your settings"


def test_sensitive_data_stays_local_by_default_even_in_the_history() -> None:
    history = [ChatMessage("user", "my IBAN is DE89 3704 0044 0532 0130 00")]
    decision = _router().decide(HARD, history, RouteContext(requested="frontier"))
    assert decision.tier == "local" and decision.code == "kept_by_policy"
    assert decision.reason == "it holds IBANs, which your privacy settings keep on this device"
    assert decision.classes == ("iban",) and decision.findings == ()


def test_redact_and_ask_policies_let_it_go_with_conditions() -> None:
    router = _router(privacy__email="redact", privacy__phone="ask")
    decision = router.decide("mail a@b.org or call +1 (415) 555-0132", [],
                             RouteContext(requested="private"))
    assert decision.tier == "private" and decision.redact and decision.ask_consent
    assert set(decision.classes) == {"email", "phone"}


def test_explicit_choice_needs_a_ready_tier() -> None:
    decision = _router(ready=("frontier",)).decide(EASY, [], RouteContext(requested="private"))
    assert decision.tier == "local" and "private not set up" in decision.reason


def test_difficulty_picks_the_private_tier_first_then_frontier() -> None:
    assert _router().decide(HARD, [], RouteContext()).tier == "private"
    assert _router(ready=("frontier",)).decide(HARD, [], RouteContext()).tier == "frontier"
    decision = _router(ready=()).decide(HARD, [], RouteContext())
    assert decision.tier == "local" and "no cloud tier" in decision.reason
    assert decision.code == "no_cloud_tier"


def test_easy_questions_stay_local_with_a_cascade_target() -> None:
    decision = _router(routing__cascade="offer").decide(EASY, [], RouteContext())
    assert decision.tier == "local" and "routine" in decision.reason
    assert decision.code == "routine" and "below your threshold of 0.6" in decision.reason
    assert decision.cascade and decision.escalate_to == "private"


def test_threshold_is_a_setting() -> None:
    assert _router(routing__difficulty_threshold=0.0).decide(EASY, [], RouteContext()).tier \
        == "private"


@pytest.mark.parametrize(("prompt", "signals"), [
    (EASY, ()),
    ("def f(x):\n    return x + 1\nwhy does this fail?", ("code",)),
    ("Derive the derivative of sin(x) * x", ("math",)),
    ("1. read the file\n2. parse it\n3. summarise", ("multi-step",)),
    ("Write a 2000-word essay about rivers", ("long answer",)),
])
def test_difficulty_signals(prompt: str, signals: tuple[str, ...]) -> None:
    difficulty = estimate_difficulty(prompt)
    assert difficulty.signals == signals
    assert 0 <= difficulty.score <= 1


def test_every_detector_class_has_a_policy_setting() -> None:
    assert tuple(kind for kind, _ in PRIVACY_CLASSES) == KINDS


def test_reasons_name_classes_in_words_never_by_their_keys() -> None:
    decision = _router().decide("card 4111 1111 1111 1111, mail ann@example.org", [],
                                RouteContext(requested="frontier"))
    assert decision.reason == ("it holds payment card numbers and e-mail addresses, which your "
                               "privacy settings keep on this device")
    assert decision.kept_for == ("payment_card", "email")
    for key in ("payment_card", "cloud.escalation", "_", "≥"):
        assert key not in decision.reason
