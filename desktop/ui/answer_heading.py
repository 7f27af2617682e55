"""The heading of an answer (where it was computed, in words and colour) and the marks on a
question over the sensitive values the privacy gate found in it."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from desktop.core.receipt import Finding, Receipt
from desktop.ui.theme import Palette
from desktop.ui.wording import Origin, class_one, origin, writing_origin

# An answer without a receipt (stopped or broken off before one was written): where it was
# computed is not on record.
UNRECORDED = Origin("Hearth", "here", "where it was computed is not recorded")


def answer_origin(receipt: Receipt | None, streaming: bool, writing_on: str | None) -> Origin:
    """Where an answer was (or is being) computed."""
    if receipt is not None:
        return origin(receipt)
    if streaming:
        return writing_origin(writing_on)
    return UNRECORDED


def origin_html(where: Origin, palette: Palette) -> str:
    """``● On this device  qwen2.5-3b``: the dot and the words in the place's colour."""
    colour = {"here": palette.here_text, "cloud": palette.cloud_text,
              "failed": palette.error_text}[where.place]
    if where is UNRECORDED:
        colour = palette.muted
    detail = (f'&nbsp;&nbsp;<span style="color: {palette.muted};">{html.escape(where.detail)}'
              "</span>" if where.detail else "")
    return (f'<span style="color: {colour}; font-weight: 600;">●&nbsp;{html.escape(where.text)}'
            f"</span>{detail}")


@dataclass(frozen=True, slots=True)
class Mark:
    """A span of a question to highlight, and what was found there (for its tooltip)."""

    start: int
    end: int
    label: str


def marks_for(text: str, findings: Iterable[Finding]) -> list[Mark]:
    """The findings that fit ``text``, in order, without overlaps (a receipt written for an
    edited or older version of the question may not fit it: such spans are left out)."""
    marks: list[Mark] = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        if position <= finding.start < finding.end <= len(text):
            marks.append(Mark(finding.start, finding.end, class_one(finding.kind)))
            position = finding.end
    return marks
