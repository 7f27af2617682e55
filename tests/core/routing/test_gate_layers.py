"""The layers of the privacy gate one at a time: typing variants, cues, conversations, regions,
placeholders and documentation values."""

from __future__ import annotations

import pytest

from desktop.core.chat import ChatMessage
from desktop.core.routing import (
    Finding,
    RouteContext,
    Router,
    redact,
    scan,
    scan_conversation,
    warm_up,
)
from desktop.core.routing._health import drug_names
from desktop.core.settings import Settings


def _found(text: str, **options: object) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start:f.end]) for f in scan(text, **options)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "kind", "value"), [
    # Unicode separators pasted from banking apps, PDFs and phones
    ("IBAN DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000", "iban",
     "DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000"),
    ("ssn 536\u201122\u20111942", "national_id", "536\u201122\u20111942"),
    ("card 4111\u20131111\u20131111\u20131111", "payment_card",
     "4111\u20131111\u20131111\u20131111"),
    ("iban de89\u20093704\u20090044\u20090532\u20090130\u200900", "iban",
     "de89\u20093704\u20090044\u20090532\u20090130\u200900"),
    # lower case and irregular spacing
    ("iban  de89 3704  0044 0532 0130 00 thanks", "iban", "de89 3704  0044 0532 0130 00"),
    ("es91-2100-0418-4502-0005-1332", "iban", "es91-2100-0418-4502-0005-1332"),
    ("cf rssmra85t10a562s", "national_id", "rssmra85t10a562s"),
    ("nie x1234567l", "national_id", "x1234567l"),
    ("ni ab 12 34 56 c", "national_id", "ab 12 34 56 c"),
    # cards with dots, mixed separators, an expiry or a CVV after them
    ("4111.1111.1111.1111", "payment_card", "4111.1111.1111.1111"),
    ("4111 1111-1111 1111", "payment_card", "4111 1111-1111 1111"),
    ("visa 4111111111111111 12/27 123", "payment_card", "4111111111111111"),
])
def test_typing_variants_are_found(text: str, kind: str, value: str) -> None:
    assert (kind, value) in _found(text)


@pytest.mark.parametrize(("text", "kind", "value"), [
    # a cue is enough even when the checksum fails (a privacy gate errs toward keeping it home)
    ("BSN: 123456789", "national_id", "123456789"),
    ("Steuer-ID 12 345 678 901", "national_id", "12 345 678 901"),
    ("Reisepassnummer C01X00T47", "national_id", "C01X00T47"),
    ("numéro de passeport 18AV52143", "national_id", "18AV52143"),
    ("pasaporte PAA634271", "national_id", "PAA634271"),
    ("card: 5954 0613 5895 2544", "payment_card", "5954 0613 5895 2544"),
    # the value before its cue
    ("7731 0092 4418 is my account number", "financial", "7731 0092 4418"),
])
def test_a_cue_makes_a_value_of_the_right_shape_sensitive(text: str, kind: str,
                                                          value: str) -> None:
    assert (kind, value) in _found(text)


@pytest.mark.parametrize("text", [
    "OPENAI_API_KEY=sk-... goes in the README",
    "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX",
    "export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "SLACK_BOT_TOKEN=xoxb-your-token-here",
    "api_key = \"<your-api-key>\"",
    "point the resolver at 1.1.1.1 or 8.8.8.8",
    "the docs use 192.0.2.10, 198.51.100.7, 203.0.113.9 and 2001:db8::1",
    "route 10.0.0.0/8 through the tunnel",
    "git config user.email noreply@github.com",
    "Regex for US phone numbers like (555) 555-5555?",
    "How does lithium work in batteries?",
    "The median household income in the US is around $80,000.",
    "Our office is at Leopoldstraße 244; write directions for visitors",
])
def test_placeholders_documentation_values_and_facts_are_not_flagged(text: str) -> None:
    assert _found(text) == []


def test_a_cue_in_one_message_applies_to_the_next() -> None:
    texts = ["what can someone do with my SSN?", "ok, it is 536221847"]
    assert scan(texts[1]) == []
    assert scan_conversation(texts) == [(), (Finding(kind="national_id", start=10, end=19),)]


def test_topics_fade_after_two_messages() -> None:
    texts = ["what is my BSN for?", "thanks", "and the weather?", "it is 111222333 degrees"]
    assert scan_conversation(texts)[3] == ()


def test_conversation_findings_redact_every_message_with_one_mapping() -> None:
    texts = ["You are a helpful assistant for jane.doe@mail.com.",
             "what can someone do with my SSN?", "ok, it is 536221847; mail jane.doe@mail.com"]
    mapping: dict[str, str] = {}
    sent = []
    for text, findings in zip(texts, scan_conversation(texts), strict=True):
        result = redact(text, findings, known=mapping)
        mapping = dict(result.mapping)
        sent.append(result.text)
    assert sent == ["You are a helpful assistant for ⟨EMAIL_1⟩.",
                    "what can someone do with my SSN?",
                    "ok, it is ⟨NATIONAL_ID_1⟩; mail ⟨EMAIL_1⟩"]


def test_phone_regions_decide_national_numbers_without_a_country_code() -> None:
    text = "meine Nummer 0152 23456789 bitte"
    assert ("phone", "0152 23456789") in _found(text, phone_regions=("DE",))
    assert _found("it is 0152 23456789", phone_regions=("US",)) == []


def test_the_router_keeps_a_value_local_when_its_cue_came_in_the_history() -> None:
    settings = Settings()
    settings.set("cloud.escalation", True)
    router = Router(settings, lambda tier: None)
    history = [ChatMessage("user", "what can someone do with my SSN?"),
               ChatMessage("assistant", "Quite a lot: open accounts, file taxes…")]
    decision = router.decide("ok, it is 536221847", history, RouteContext(requested="frontier"))
    assert decision.tier == "local" and "national identity numbers" in decision.reason
    assert decision.findings == (Finding(kind="national_id", start=10, end=19),)


def test_the_router_reads_the_phone_regions_setting() -> None:
    settings = Settings()
    settings.set("cloud.escalation", True)
    settings.set("privacy.phone_regions", "US")
    router = Router(settings, lambda tier: None)
    question = "call 0152 23456789 and prove that the sum of odd numbers is a square"
    assert "phone" not in router.decide(question, [], RouteContext(requested="frontier")).classes
    settings.set("privacy.phone_regions", "DE, AT")
    assert "phone" in router.decide(question, [], RouteContext(requested="frontier")).classes


def test_the_medication_vocabulary_comes_from_the_maintained_dictionary() -> None:
    warm_up()
    names = drug_names()
    assert len(names) > 50_000
    assert {"zyprexa", "plavix", "trikafta", "clopidogrel"} <= names
    assert ("health", "Plavix") in _found("my dad takes Plavix every morning")
