"""Generated identifiers: valid ones are found wherever they sit, broken ones never are."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.routing import KINDS, Finding, scan

from .strategies import (
    change_one_digit,
    emails,
    iban,
    invalid_ssn,
    printed_card,
    prose,
    valid_ssn,
)

_SETTINGS = settings(max_examples=200, deadline=None, database=None)

# Places a value appears in code: a string literal, a comment, a dict, a call.
_CODE = st.sampled_from([
    'CARD = "{}"\n',
    "# customer: {}\nprint(total * 3)\n",
    'payload = {{"id": 42, "ref": "{}", "n": 10}}\n',
    "send_to('{}', retries=3)\n",
    "const value = `{}`;\n",
    "| 7 | {} | ok |\n",
])


def _span_of(text: str, value: str, before: str) -> tuple[int, int]:
    start = len(before)
    assert text[start:start + len(value)] == value
    return start, start + len(value)


def _kinds_at(findings: list[Finding], start: int, end: int) -> set[str]:
    return {f.kind for f in findings if f.start < end and start < f.end}


@_SETTINGS
@given(card=printed_card(), left=prose, right=prose)
def test_valid_cards_are_found_in_prose(card: str, left: str, right: str) -> None:
    before = left + " " if left else ""
    text = f"{before}{card} {right}".rstrip()
    start, end = _span_of(text, card, before)
    assert Finding(kind="payment_card", start=start, end=end) in scan(text)


@_SETTINGS
@given(card=printed_card(), template=_CODE)
def test_valid_cards_are_found_in_code(card: str, template: str) -> None:
    text = template.format(card)
    start = text.index(card)
    assert Finding(kind="payment_card", start=start, end=start + len(card)) in scan(text)


@_SETTINGS
@given(card=printed_card(valid=False), left=prose, right=prose)
def test_luhn_invalid_numbers_are_not_cards(card: str, left: str, right: str) -> None:
    text = f"{left} {card} {right}"
    assert "payment_card" not in {f.kind for f in scan(text)}


@_SETTINGS
@given(value=iban(), left=prose, right=prose)
def test_valid_ibans_are_found(value: str, left: str, right: str) -> None:
    before = left + " " if left else ""
    text = f"{before}{value}. {right}"
    start, end = _span_of(text, value, before)
    assert Finding(kind="iban", start=start, end=end) in scan(text)


@_SETTINGS
@given(value=iban(), position=st.integers(0, 40), delta=st.integers(1, 9), template=_CODE)
def test_an_iban_with_one_digit_changed_is_not_found(value: str, position: int, delta: int,
                                                      template: str) -> None:
    assert "iban" in {f.kind for f in scan(template.format(value))}
    broken = change_one_digit(value, position, delta)
    assert "iban" not in {f.kind for f in scan(template.format(broken))}


@_SETTINGS
@given(ssn=valid_ssn, left=prose, right=prose)
def test_valid_ssns_are_found(ssn: str, left: str, right: str) -> None:
    before = left + " " if left else ""
    text = f"{before}{ssn} {right}"
    start, end = _span_of(text, ssn, before)
    assert Finding(kind="national_id", start=start, end=end) in scan(text)


@_SETTINGS
@given(ssn=invalid_ssn, left=prose, right=prose)
def test_ssns_that_are_never_issued_are_not_found(ssn: str, left: str, right: str) -> None:
    # "010-00-0001" may still be a phone number; it is not a national identifier.
    assert "national_id" not in {f.kind for f in scan(f"{left} {ssn} {right}")}


@_SETTINGS
@given(address=emails, template=_CODE)
def test_emails_are_found_in_code(address: str, template: str) -> None:
    text = template.format(address)
    start = text.index(address)
    assert Finding(kind="email", start=start, end=start + len(address)) in scan(text)


@_SETTINGS
@given(a=st.integers(0, 999_999), b=st.integers(0, 999_999), op=st.sampled_from("+-*/%"))
def test_arithmetic_is_not_personal_data(a: int, b: int, op: str) -> None:
    result = {"+": a + b, "-": a - b, "*": a * b, "/": a // (b or 1), "%": a % (b or 1)}[op]
    text = f"{a} {op} {b} = {result}\nx = ({a}{op}{b}) * 2"
    assert scan(text) == []


@_SETTINGS
@given(parts=st.lists(st.integers(0, 300), min_size=2, max_size=4),
       prefix=st.sampled_from(["v", "version ", "release ", "==", "Python/"]))
def test_version_numbers_are_not_addresses(parts: list[int], prefix: str) -> None:
    version = ".".join(map(str, parts))
    assert scan(f"upgrade to {prefix}{version} now") == []


@_SETTINGS
@given(day=st.dates(), value=st.uuids(version=4), digest=st.binary(min_size=20, max_size=20),
       colour=st.integers(0, 0xFFFFFF))
def test_dates_ids_hashes_and_colours_are_not_personal_data(
        day: object, value: uuid.UUID, digest: bytes, colour: int) -> None:
    text = (f"On {day} the build {digest.hex()} for request {value} changed the header "
            f"colour to #{colour:06x}.")
    assert scan(text) == []


@_SETTINGS
@given(run=st.from_regex(r"[0-9]{20,40}", fullmatch=True), glue=st.sampled_from(["", "x", "_"]))
def test_no_card_or_phone_inside_a_longer_digit_run(run: str, glue: str) -> None:
    assert scan(f"reference {run}, ({glue}{run}{glue}) and {run}.") == []


@_SETTINGS
@given(text=st.text(), terms=st.lists(st.text(max_size=8), max_size=3))
def test_any_text_gives_sorted_disjoint_findings(text: str, terms: list[str]) -> None:
    findings = scan(text, custom_terms=terms)
    assert all(0 <= f.start < f.end <= len(text) and f.kind in KINDS for f in findings)
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))
