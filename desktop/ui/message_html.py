"""The HTML the chat view's document is made of, around each message's body: the frame (a box
in the message's colour), a complete answer's header and its sources and footer, the empty
chat's line and the "Show earlier messages" link; and where a message stands among its versions.

Pure functions of the entries and the palette (``ChatView`` keeps the state and the document),
so that the view reads in one sitting.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from desktop.core.assistant import can_continue
from desktop.ui.answer_heading import Mark, marks_for
from desktop.ui.answer_sources import sources_html
from desktop.ui.chat_entry import SCHEME, ChatEntry, bubble_colour, footer_html, header_html
from desktop.ui.theme import Palette

USER_INDENT_PX = 72
BUBBLE_PADDING_PX = 10


def frame_html(entry: ChatEntry, palette: Palette, inner: str) -> str:
    """One message as a frame of the document (a table the HTML importer makes a frame of):
    ``inner`` in a box of the message's colour, a question indented from the left."""
    bubble = bubble_colour(entry, palette)
    left, right = (USER_INDENT_PX, 0) if entry.role == "user" else (0, USER_INDENT_PX // 3)
    return (f'<table style="-qt-table-type: frame; border-style: solid;'
            f" border-color: {bubble}; margin-top: 6px; margin-bottom: 6px;"
            f' margin-left: {left}px; margin-right: {right}px;" border="{BUBBLE_PADDING_PX}"'
            f' width="100%" bgcolor="{bubble}"><tr><td>{inner}</td></tr></table>')


def answer_around(entries: Sequence[ChatEntry], index: int, palette: Palette, *, writing: bool,
                  ask_tiers: tuple[str, ...]) -> tuple[str, str]:
    """The HTML before a complete answer's body (its header) and after it (its sources and
    footer). ``writing``: an answer is being written; ``ask_tiers``: the tiers the last answer
    offers its question to."""
    entry = entries[index]
    header = header_html(index, entry, palette, writing=writing)
    # The last answer offers its question to the cloud tiers, unless one is being written.
    last = not writing and index == len(entries) - 1
    footer = footer_html(index, entry, palette, ask_tiers=ask_tiers if last else (),
                         continuable=last and entry.status == "complete"
                         and can_continue(entry.receipt))
    footer_block = f'<p style="margin: 6px 0 0 0;">{footer}</p>' if footer else ""
    question = entries[index - 1].text if index > 0 else ""
    sources = sources_html(index, entry.receipt, question, palette, scheme=SCHEME)
    sources_block = f'<p style="margin: 6px 0 0 0;">{sources}</p>' if sources else ""
    return header, sources_block + footer_block


def question_marks(entries: Sequence[ChatEntry], index: int) -> list[Mark]:
    """The sensitive values the privacy gate found in question ``index`` (its answer's receipt
    holds their spans, never the values)."""
    after = entries[index + 1] if index + 1 < len(entries) else None
    if after is None or after.role != "assistant" or after.receipt is None:
        return []
    return marks_for(entries[index].text, after.receipt.findings)


def earlier_link_html(hidden: int, palette: Palette) -> str:
    """The link above the first message shown that brings in the ``hidden`` earlier ones."""
    return (f'<p align="center"><a href="{SCHEME}:earlier">Show earlier messages</a>'
            f' <span style="color: {palette.muted};">({hidden:,} not shown)</span></p>')


def empty_html(text: str, palette: Palette) -> str:
    """What an empty chat shows: ``text``, centred and muted."""
    return (f'<p align="center" style="margin-top: 80px; margin-left: 40px;'
            f' margin-right: 40px; color: {palette.muted};">{html.escape(text)}</p>')


def version_position(versions: Mapping[int, tuple[int, ...]], message_id: int
                     ) -> tuple[int, int]:
    """(position, count) of a message among its versions (``versions``: id → all their ids)."""
    ids = versions.get(message_id, (message_id,))
    return (ids.index(message_id) + 1 if message_id in ids else 1), len(ids)


def version_sibling(versions: Mapping[int, tuple[int, ...]], message_id: int | None,
                    step: int) -> int | None:
    """The id of the version ``step`` places from this message's, if there is one."""
    if message_id is None:
        return None
    ids = versions.get(message_id, ())
    if message_id not in ids:
        return None
    target = ids.index(message_id) + step
    return ids[target] if 0 <= target < len(ids) else None
