"""Reversible redaction: what leaves the device, and restoring the reply, chunk by chunk."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.routing import Finding, Redaction, Restorer, redact, restore, scan

from .strategies import emails, iban, printed_card, prose

_SETTINGS = settings(max_examples=300, deadline=None, database=None)

TEXT = ("Ask bob@example.com (or alice@example.org) to refund card 4111 1111 1111 1111; "
        "bob@example.com has the receipt.")


def _redacted(text: str = TEXT) -> Redaction:
    return redact(text, scan(text))


def _stream(restorer: Restorer, chunks: list[str]) -> str:
    return "".join(restorer.feed(chunk) for chunk in chunks) + restorer.flush()


def test_placeholders_are_numbered_per_class_and_reused_for_the_same_value() -> None:
    redaction = _redacted()
    assert redaction.text == ("Ask ⟨EMAIL_1⟩ (or ⟨EMAIL_2⟩) to refund card ⟨PAYMENT_CARD_1⟩; "
                              "⟨EMAIL_1⟩ has the receipt.")
    assert dict(redaction.mapping) == {"⟨EMAIL_1⟩": "bob@example.com",
                                       "⟨EMAIL_2⟩": "alice@example.org",
                                       "⟨PAYMENT_CARD_1⟩": "4111 1111 1111 1111"}
    assert [f.kind for f in redaction.findings] == ["email", "email", "payment_card", "email"]
    assert redaction.restore(redaction.text) == TEXT


def test_the_mapping_cannot_be_changed_from_outside() -> None:
    redaction = _redacted()
    with pytest.raises(TypeError):
        redaction.mapping["⟨EMAIL_1⟩"] = "someone@else.example"  # type: ignore[index]


def test_no_findings_leave_the_text_as_it_is() -> None:
    redaction = redact("nothing to hide", [])
    assert redaction.text == "nothing to hide"
    assert dict(redaction.mapping) == {}
    assert redaction.restore("⟨EMAIL_1⟩") == "⟨EMAIL_1⟩"


def test_a_reply_is_restored_and_unknown_placeholders_pass_through() -> None:
    redaction = _redacted()
    reply = "I wrote to ⟨EMAIL_1⟩ and ⟨EMAIL_9⟩ about ⟨PAYMENT_CARD_1⟩ ⟨EMAIL_1"
    assert redaction.restore(reply) == ("I wrote to bob@example.com and ⟨EMAIL_9⟩ about "
                                        "4111 1111 1111 1111 ⟨EMAIL_1")


def test_a_conversation_keeps_its_numbering_across_messages() -> None:
    first = _redacted()
    second_text = "Now cc carol@example.net and bob@example.com."
    second = redact(second_text, scan(second_text), known=first.mapping)
    assert second.text == "Now cc ⟨EMAIL_3⟩ and ⟨EMAIL_1⟩."
    assert second.mapping["⟨EMAIL_3⟩"] == "carol@example.net"
    assert set(first.mapping) < set(second.mapping)
    assert second.restore(first.text) == TEXT


def test_a_placeholder_already_in_the_text_is_never_reused() -> None:
    text = "The template says ⟨EMAIL_1⟩; the real one is bob@example.com."
    redaction = _redacted(text)
    assert redaction.text == "The template says ⟨EMAIL_1⟩; the real one is ⟨EMAIL_2⟩."
    assert redaction.restore(redaction.text) == text


def test_overlapping_and_empty_findings_are_skipped() -> None:
    findings = [Finding(kind="email", start=0, end=5), Finding(kind="phone", start=3, end=8),
                Finding(kind="custom", start=9, end=9)]
    redaction = redact("abcdefghij", findings)
    assert redaction.text == "⟨EMAIL_1⟩fghij"
    assert len(redaction.findings) == 1


def test_every_kind_makes_a_restorable_placeholder() -> None:
    redaction = redact("x y", [Finding(kind="date_of_birth", start=0, end=1),
                               Finding(kind="odd kind-2", start=2, end=3)])
    assert redaction.text == "⟨DATE_OF_BIRTH_1⟩ ⟨ODD_KIND_1⟩"
    assert redaction.restore(redaction.text) == "x y"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
def test_placeholders_split_anywhere_across_chunks_are_restored(size: int) -> None:
    redaction = _redacted()
    reply = f"Sure: {redaction.text} Done."
    chunks = [reply[i:i + size] for i in range(0, len(reply), size)]
    assert _stream(redaction.restorer(), chunks) == f"Sure: {TEXT} Done."


def test_the_restorer_shows_text_as_soon_as_it_is_safe() -> None:
    restorer = Restorer({"⟨EMAIL_1⟩": "bob@example.com"})
    assert restorer.feed("Hello ⟨EM") == "Hello "
    assert restorer.feed("AIL_1⟩, and ⟨") == "bob@example.com, and "
    assert restorer.feed("not a placeholder⟩") == "⟨not a placeholder⟩"
    assert restorer.feed("⟨EMAIL_1") == ""
    assert restorer.flush() == "⟨EMAIL_1"
    assert restorer.flush() == ""


def test_an_unknown_placeholder_is_not_held_back() -> None:
    restorer = Restorer({"⟨EMAIL_1⟩": "bob@example.com"})
    assert restorer.feed("see ⟨PHONE_") == "see ⟨PHONE_"
    assert restorer.feed("1⟩") == "1⟩"


# -- properties -------------------------------------------------------------------------------

_sensitive = st.one_of(emails, printed_card(), iban(),
                       st.sampled_from(["+44 20 7946 0958", "password: hunter2", "10.1.2.3",
                                        "536-22-1942", "I'm pregnant", "⟨EMAIL_1⟩"]))
_pieces = st.lists(st.one_of(st.text(max_size=20), _sensitive), max_size=8)


def _splits(text: str) -> st.SearchStrategy[list[str]]:
    return st.lists(st.integers(0, len(text)), max_size=10).map(
        lambda cuts: [text[a:b] for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(text)],
                                                strict=True)])


@_SETTINGS
@given(pieces=_pieces, data=st.data())
def test_redaction_round_trips_through_restore_and_any_chunking(pieces: list[str],
                                                                 data: st.DataObject) -> None:
    original = " ".join(pieces)
    redaction = _redacted(original)
    assert redaction.restore(redaction.text) == original
    chunks = data.draw(_splits(redaction.text))
    assert _stream(redaction.restorer(), chunks) == original


@_SETTINGS
@given(values=st.lists(_sensitive.filter(lambda v: not v.startswith("⟨")), min_size=1,
                       max_size=5), words=prose)
def test_redacted_text_holds_none_of_the_values(values: list[str], words: str) -> None:
    original = f"{words} " + " , ".join(values) + f" . {words}"
    redaction = _redacted(original)
    for value in values:
        secret = value.removeprefix("password: ").removeprefix("I'm ")
        assert secret not in redaction.text
    assert redaction.restore(redaction.text) == original


@_SETTINGS
@given(text=st.text(alphabet=st.sampled_from("⟨⟩EMAIL_PHONE0129 x"), max_size=60),
       data=st.data())
def test_streaming_equals_restoring_the_whole_reply(text: str, data: st.DataObject) -> None:
    # Replies full of brackets, fragments and invented placeholders.
    mapping = {"⟨EMAIL_1⟩": "a@b.example", "⟨EMAIL_12⟩": "c@d.example", "⟨PHONE_2⟩": "+1 415"}
    chunks = data.draw(_splits(text))
    assert _stream(Restorer(mapping), chunks) == restore(text, mapping)


@_SETTINGS
@given(text=st.text(max_size=80), data=st.data())
def test_any_spans_round_trip(text: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)))
    kinds = st.sampled_from(["email", "phone", "secret", "custom"])
    findings = [Finding(kind=data.draw(kinds), start=a, end=b)
                for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
    redaction = redact(text, findings)
    assert redaction.restore(redaction.text) == text
