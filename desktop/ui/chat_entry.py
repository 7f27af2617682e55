"""One message of the chat view as shown, and the HTML of its parts around the body: the header
(who wrote it or where it was computed, ‹ n/m › between its versions, Copy) and an answer's
footer (why it stayed here, how it ended, the receipt's badge, the "ask again" links).

Links use the ``hearth:`` scheme; ``ChatView`` follows them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from desktop.core.conversations import Message
from desktop.core.receipt import Receipt
from desktop.ui.answer_heading import answer_origin, origin_html
from desktop.ui.receipt import badge_html
from desktop.ui.theme import Palette
from desktop.ui.wording import Origin, kept_here

SCHEME = "hearth"


@dataclass(slots=True)
class ChatEntry:
    """One message as shown: its text, and its HTML once rendered for the current palette."""

    role: str
    text: str
    status: str = "complete"
    receipt: Receipt | None = None
    message_id: int | None = None
    version: tuple[int, int] = (1, 1)  # (position, count) among the message's versions
    streaming: bool = False
    html: str | None = None
    code_blocks: tuple[str, ...] = ()
    writing_on: str | None = None  # the tier an answer being written comes from, once routed

    @classmethod
    def of(cls, message: Message, version: tuple[int, int] = (1, 1)) -> ChatEntry:
        return cls(message.role, message.content, message.status, message.receipt, message.id,
                   version)

    @property
    def origin(self) -> Origin:
        """Where an answer was (or is being) computed."""
        return answer_origin(self.receipt, self.streaming, self.writing_on)


def bubble_colour(entry: ChatEntry, palette: Palette) -> str:
    """A question's colour, or an answer's: a cloud answer has its own."""
    if entry.role == "user":
        return palette.user_bubble
    return palette.cloud_bubble if entry.origin.place != "here" else palette.assistant_bubble


def header_html(index: int, entry: ChatEntry, palette: Palette, *, writing: bool) -> str:
    """``You`` or where the answer was computed, its versions, Copy, and "writing…" while it
    streams (``writing``: an answer is being written, so versions cannot be switched)."""
    p = palette
    name = ('<span style="font-weight: 600;">You</span>' if entry.role == "user"
            else origin_html(entry.origin, p))
    streaming = (f'&nbsp;&nbsp;<span style="color: {p.muted};">writing…</span>'
                 if entry.streaming else "")
    return (f'<p style="margin: 0 0 4px 0;">{name}'
            f"{_version_links(index, entry, p, writing=writing)}"
            f'&nbsp;&nbsp;<a href="{SCHEME}:copy/{index}" style="color: {p.muted};">'
            f"Copy</a>{streaming}</p>")


def _version_links(index: int, entry: ChatEntry, palette: Palette, *, writing: bool) -> str:
    """‹ n/m › between the versions of a message, when it has more than one."""
    position, count = entry.version
    if count < 2 or entry.streaming:
        return ""
    p = palette
    parts = []
    for step, arrow, label in ((-1, "‹", "previous"), (1, "›", "next")):
        if writing or (position + step < 1 or position + step > count):
            parts.append(f'<span style="color: {p.muted};">{arrow}</span>')
        else:
            parts.append(f'<a href="{SCHEME}:version/{index}/{step}" title="Show the '
                         f'{label} version" style="color: {p.link}; text-decoration: none;">'
                         f"{arrow}</a>")
    return (f'&nbsp;&nbsp;{parts[0]}&nbsp;<span style="color: {p.muted};">'
            f"{position}/{count}</span>&nbsp;{parts[1]}")


def footer_html(index: int, entry: ChatEntry, palette: Palette, *,
                ask_tiers: tuple[str, ...] = (), continuable: bool = False) -> str:
    """Under an answer: why it stayed here, how it ended, its receipt's badge, and links that
    answer its question again on ``ask_tiers`` (given for the last answer only); a
    ``continuable`` answer (cut at its length limit) offers to go on."""
    p = palette
    parts = []
    if entry.receipt is not None and entry.receipt.kept_local_for:
        parts.append(f'<span style="color: {p.here_text};">'
                     f"{html.escape(kept_here(entry.receipt.kept_local_for))}</span>")
    if entry.receipt is not None and entry.receipt.outcome == "failed":
        parts.append(f'<span style="color: {p.error_text};">This cloud answer broke off; '
                     "what was sent is on its receipt.</span>")
    elif entry.status == "failed":
        parts.append(f'<span style="color: {p.error_text};">The answer was interrupted.'
                     "</span>")
    elif entry.status in ("stopped", "streaming") and entry.receipt is None:
        parts.append(f'<span style="color: {p.muted};">Stopped before it finished.</span>')
    if entry.receipt is not None:
        parts.append(badge_html(entry.receipt, f"{SCHEME}:receipt/{index}", p.muted,
                                text=entry.text))
    if entry.receipt is not None and entry.receipt.continued:
        times = "once" if entry.receipt.continued == 1 else f"{entry.receipt.continued} times"
        parts.append(f'<span style="color: {p.muted};">Continued {times}: the receipt adds '
                     "up every part.</span>")
    if continuable:
        parts.append(f'<span style="color: {p.muted};">It stopped at the length limit. </span>'
                     f'<a href="{SCHEME}:continue/{index}" style="font-weight: 600; '
                     f'color: {p.link}; text-decoration: none;">Continue</a>')
    footer = "<br>".join(parts)
    links = _ask_again_links(entry, ask_tiers, p)
    return f"{footer}<br>{links}" if footer and links else footer or links


def _ask_again_links(entry: ChatEntry, tiers: tuple[str, ...], palette: Palette) -> str:
    """Links that answer the question again on each of ``tiers`` but the answer's own."""
    if not tiers:
        return ""
    p = palette
    offer = entry.receipt.escalation_offer if entry.receipt is not None else None
    answered_on = entry.receipt.tier if entry.receipt is not None else None
    links = []
    for tier in tiers:
        if tier == answered_on:
            continue  # this answer came from there
        weight = "font-weight: 600; " if tier == offer else ""
        links.append(f'<a href="{SCHEME}:ask/{tier}" style="{weight}color: {p.link};'
                     f' text-decoration: none;">Ask the {tier} tier</a>')
    if not links:
        return ""
    lead = "This answer looked unsure. " if offer in tiers else "Not good enough? "
    return (f'<span style="color: {p.muted};">{lead}</span>'
            + '&nbsp;&nbsp;·&nbsp;&nbsp;'.join(links))
