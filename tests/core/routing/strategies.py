"""Hypothesis strategies for identifiers with their check digits computed, and for prose."""

from __future__ import annotations

from hypothesis import strategies as st

from desktop.core.routing._validators import iban_mod97

# Words that are no detector's cue, to surround values with "prose".
NEUTRAL_WORDS = ("the", "report", "is", "due", "on", "friday", "please", "check", "this",
                 "number", "and", "send", "it", "back", "to", "me", "thanks", "value", "here",
                 "note", "a", "quick", "question", "about", "our", "plan", "for", "next", "week")

prose = st.lists(st.sampled_from(NEUTRAL_WORDS), max_size=12).map(" ".join)

# (issuer prefix, card length)
_CARD_SHAPES = ((4, 16), (4, 13), (4, 19), (51, 16), (55, 16), (2221, 16), (2720, 16), (34, 15),
                (37, 15), (6011, 16), (65, 16), (3528, 16), (3589, 19), (36, 14), (62, 17))


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str(-total % 10)


@st.composite
def card_digits(draw: st.DrawFn, *, valid: bool = True) -> str:
    prefix, length = draw(st.sampled_from(_CARD_SHAPES))
    body = str(prefix) + "".join(draw(st.lists(st.sampled_from("0123456789"),
                                               min_size=length - len(str(prefix)) - 1,
                                               max_size=length - len(str(prefix)) - 1)))
    check = luhn_check_digit(body)
    if not valid:
        check = str((int(check) + draw(st.integers(1, 9))) % 10)
    return body + check


@st.composite
def printed_card(draw: st.DrawFn, *, valid: bool = True) -> str:
    """A card number as people write it: plain, or in groups of four with spaces or dashes."""
    digits = draw(card_digits(valid=valid))
    separator = draw(st.sampled_from(["", " ", "-"]))
    if not separator:
        return digits
    return separator.join(digits[i:i + 4] for i in range(0, len(digits), 4))


_IBAN_SHAPES = {"DE": 22, "GB": 22, "NL": 18, "FR": 27, "ES": 24, "IT": 27, "BE": 16,
                "CH": 21, "NO": 15, "PL": 28, "AT": 20, "SE": 24, "MT": 31, "BR": 29}


@st.composite
def iban(draw: st.DrawFn, *, grouped: bool | None = None) -> str:
    """A valid IBAN (compact or in groups of four) for one of several countries."""
    country = draw(st.sampled_from(sorted(_IBAN_SHAPES)))
    length = _IBAN_SHAPES[country]
    bban = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=length - 4,
                                 max_size=length - 4)))
    check = 98 - iban_mod97(country + "00" + bban)
    compact = f"{country}{check:02d}{bban}"
    if grouped is None:
        grouped = draw(st.booleans())
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4)) if grouped else compact


def change_one_digit(value: str, position: int, delta: int) -> str:
    """Replace one digit after the country code and check digits by a different digit."""
    indexes = [i for i, c in enumerate(value) if c.isdigit() and i >= 4]
    index = indexes[position % len(indexes)]
    digit = str((int(value[index]) + delta) % 10)
    return value[:index] + digit + value[index + 1:]


valid_ssn = st.builds(
    lambda area, group, serial: f"{area:03d}-{group:02d}-{serial:04d}",
    st.integers(1, 899).filter(lambda a: a != 666), st.integers(1, 99), st.integers(1, 9999),
).filter(lambda s: s not in ("078-05-1120", "219-09-9999"))

# Neither an SSN nor an ITIN (9xx with group 50–65, 70–88, 90–92 or 94–99: a national ID too).
_NOT_ITIN_GROUPS = [g for g in range(1, 100)
                    if not (50 <= g <= 65 or 70 <= g <= 88 or 90 <= g <= 92 or 94 <= g <= 99)]
invalid_ssn = st.one_of(
    st.builds(lambda area, g, s: f"{area:03d}-{g:02d}-{s:04d}",
              st.sampled_from([0, 666]), st.integers(1, 99), st.integers(1, 9999)),
    st.builds(lambda area, g, s: f"{area:03d}-{g:02d}-{s:04d}",
              st.sampled_from([900, 950, 999]), st.sampled_from(_NOT_ITIN_GROUPS),
              st.integers(1, 9999)),
    st.builds(lambda area, s: f"{area:03d}-00-{s:04d}", st.integers(1, 899), st.integers(1, 9999)),
    st.builds(lambda area, g: f"{area:03d}-{g:02d}-0000", st.integers(1, 899), st.integers(1, 99)),
)

emails = st.builds(
    lambda user, domain, tld: f"{user}@{domain}.{tld}",
    st.from_regex(r"[a-z][a-z0-9._+-]{0,12}[a-z0-9]", fullmatch=True).filter(
        lambda u: ".." not in u),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True),
    st.sampled_from(["com", "org", "net", "io", "co.uk", "de", "example"]),
)
