"""Dates typed on the command line."""

from __future__ import annotations

import datetime as dt


def since_day(text: str | None) -> dt.datetime | None:
    """The start of local day ``text`` (``2026-11-01``) as an aware time; None for None."""
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since takes a date like 2026-11-01, not {text!r}") from None
    return dt.datetime.combine(day, dt.time()).astimezone()
