"""Phone numbers checked against the numbering plans of the regions a user deals with.

phonenumbers (Google's libphonenumber metadata, "lite" build without carrier and geocoding
data: 5 MB, 20 ms to import, a region's metadata loaded on first use) decides whether a
national number such as ``0152 23456789`` can exist in a region. The regions are the user's
setting ``privacy.phone_regions``, by default the user's locale plus the EU, the UK, the US and
their neighbours: a German mobile number typed without its ``+49`` is then still a phone number.
"""

from __future__ import annotations

import functools
import locale
from collections.abc import Sequence

#: The EU, the UK, the US, Canada and the EEA/EFTA neighbours.
DEFAULT_REGIONS: tuple[str, ...] = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "GB", "US", "CA",
    "CH", "NO", "IS", "LI",
)


@functools.lru_cache(maxsize=1)
def locale_region() -> str | None:
    """The region of the user's locale ("de_DE.UTF-8" → "DE"), if it names one."""
    try:
        name = locale.getlocale()[0] or ""
    except ValueError:
        return None
    _, _, region = name.partition("_")
    return region[:2].upper() if len(region) >= 2 and region[:2].isalpha() else None


@functools.lru_cache(maxsize=8)
def regions_from_setting(value: str) -> tuple[str, ...]:
    """``"DE, at"`` → ``("DE", "AT")``; empty → the locale's region plus :data:`DEFAULT_REGIONS`."""
    chosen = tuple(dict.fromkeys(p.strip().upper() for p in value.split(",") if p.strip()))
    if chosen:
        return chosen
    own = locale_region()
    return tuple(dict.fromkeys(((own,) if own else ()) + DEFAULT_REGIONS))


def national_number_ok(value: str, regions: Sequence[str]) -> bool:
    """Whether ``value`` (a number with its trunk prefix) is valid in one of ``regions``."""
    import phonenumbers  # 20 ms: only when a candidate needs it

    for region in regions:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


def nanp_number_ok(value: str) -> bool:
    """A North American number with an area code and exchange that are in service."""
    import phonenumbers

    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value, "US"))
    except phonenumbers.NumberParseException:
        return False
