"""The sources an answer was given, as ``hearth ask`` and ``hearth chats show`` print them."""

from __future__ import annotations

from desktop.core.receipt import Receipt


def source_lines(receipt: Receipt | None) -> list[str]:
    """``Sources:`` then ``[1] report.pdf, page 3 (“Tax 2025”)`` per passage, numbered as the
    answer cites them, and a line on passages left out for the context; none without any."""
    if receipt is None or not (receipt.sources or receipt.sources_trimmed):
        return []
    lines = ["Sources:"]
    lines += [f"  [{number}] {source.label} (“{source.collection}”)"
              for number, source in enumerate(receipt.sources, 1)]
    if not receipt.sources:
        lines.append("  none: no passage fitted in the local model's context")
    if receipt.sources_trimmed_note:
        lines.append(f"  {receipt.sources_trimmed_note}")
    return lines
