"""The receipt under every answer: a one-line badge and, on click, the whole story in a dialog.

The dialog's summary tells it in sections (where and why, what left this device, tokens and
time, cost) with, beside each figure, how it was obtained: measured, estimated or unknown. Its
"All fields" tab is driven by the stored dictionary, not by a fixed list of fields: a field this
version does not know is still shown (by its key), and a missing or unmeasured one is left out
of the badge and shown as "not measured" there.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core.receipt import Receipt
from desktop.ui.receipt_summary import Fields, summary_html
from desktop.ui.theme import LIGHT, Palette
from desktop.ui.wording import class_label, host_of, money, size

__all__ = ["FIELDS", "NOT_MEASURED", "ReceiptDialog", "badge_html", "badge_parts", "money",
           "privacy", "receipt_rows", "size", "where"]

# The views below read a receipt's fields by name (``Fields``), so that every field, a new one
# too, is shown without a change here; ``Receipt.to_dict`` gives them, once per view.
NOT_MEASURED = "not measured"
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")  # Markdown's marks and code fences are not words


# -- badge -----------------------------------------------------------------------------------


def badge_parts(receipt: Fields, text: str | None = None) -> list[str]:
    """The short facts shown under an answer, in words, most important first:
    ``On this device · 0 bytes sent · 76 words in 1.2 s · ≈ $0.00004 electricity``.

    ``text`` is the answer (its words are counted); without it the tokens are given.
    """
    parts = [where(receipt), privacy(receipt), _amount(receipt, text)]
    cost = receipt.get("cost_usd")
    if isinstance(cost, int | float):
        local = receipt.get("tier") == "local"
        about = _about(receipt.get("cost_kind"))
        parts.append(f"{about}{money(cost)} electricity" if local else f"cost {about}"
                     f"{money(cost)}")
    finish = receipt.get("finish_reason")
    if finish == "cancelled":
        parts.append("stopped")
    elif finish == "length":
        parts.append("hit the length limit")
    if receipt.get("fallback"):
        parts.append(f"instead of a cloud tier: {receipt['fallback']}")
    if receipt.get("context_note"):
        parts.append("older messages left out")
    return [p for p in parts if p]


def _amount(receipt: Fields, text: str | None) -> str:
    """``76 words in 1.2 s`` (the answer's words, its measured duration), else the tokens."""
    duration = receipt.get("duration_s")
    took = f" in {duration:.1f} s" if isinstance(duration, int | float) else ""
    words = len(_WORD.findall(text or ""))
    if words:
        return f"{words:,} word{'s' if words != 1 else ''}{took}"
    tokens_in, tokens_out = receipt.get("tokens_in"), receipt.get("tokens_out")
    if isinstance(tokens_in, int) and isinstance(tokens_out, int):
        return f"{tokens_in:,} → {tokens_out:,} tokens{took}"
    return ""


def badge_html(receipt: Receipt, link: str, colour: str, *, text: str | None = None) -> str:
    words = " · ".join(html.escape(part) for part in badge_parts(receipt.to_dict(), text))
    return (f'<a href="{link}" style="color: {colour}; text-decoration: none;"'
            f' title="Show the full receipt: where, why, what was sent, tokens, time and cost">'
            f"{words} ›</a>")


def _about(kind: object) -> str:
    return "≈ " if kind == "estimated" else ""


def where(receipt: Fields) -> str:
    if receipt.get("tier") == "local" and not receipt.get("endpoint"):
        return "On this device"
    endpoint = receipt.get("endpoint")
    if endpoint:
        return host_of(str(endpoint))
    return str(receipt.get("provider") or receipt.get("tier") or "unknown")


def privacy(receipt: Fields) -> str:
    state = receipt.get("privacy")
    sent = receipt.get("bytes_sent")
    amount = size(sent) if isinstance(sent, int) else None
    if state == "on-device":
        return "0 bytes sent"
    if state == "redacted":
        return f"{amount} sent with placeholders" if amount else "sent with placeholders"
    if state == "sent":
        return f"{amount} sent" if amount else "sent"
    return str(state) if state else ""


# -- every field -----------------------------------------------------------------------------


def _seconds(value: Any) -> str:
    return f"{value:.2f} s"


def _rate(value: Any) -> str:
    return f"{value:.1f} tokens/s"


def _count(value: Any) -> str:
    return f"{value:,}"


def _bytes(value: Any) -> str:
    return "0 (nothing left this device)" if value == 0 else f"{value:,} ({size(value)})"


def _finish(value: Any) -> str:
    return {"stop": "the model finished", "length": "it reached the length limit",
            "cancelled": "you stopped it"}.get(str(value), str(value))


def _findings(value: Any) -> str:
    if not value:
        return "none"
    items = []
    for finding in value:
        if isinstance(finding, Mapping):
            items.append(f"{finding.get('kind')} (characters {finding.get('start')}–"
                         f"{finding.get('end')})")
        else:
            items.append(str(finding))
    return ", ".join(items)


def _time(value: Any) -> str:
    return dt.datetime.fromtimestamp(float(value)).strftime("%Y-%m-%d %H:%M:%S")


def _tier(value: Any) -> str:
    return {"local": "local (this computer)", "private": "private server",
            "frontier": "cloud model"}.get(str(value), str(value))


def _money(value: Any) -> str:
    return money(float(value))


def _energy(value: Any) -> str:
    return f"{value:,.0f} J ({value / 3600:.4f} Wh)"


@dataclass(frozen=True, slots=True)
class Field:
    """How one receipt field is shown: its label, its format, and what None means for it."""

    label: str
    show: Callable[[Any], str] = str
    when_none: str = NOT_MEASURED


# In the order of the dialog; a key missing here is still shown, after these, by its name.
FIELDS: dict[str, Field] = {
    "tier": Field("Computed by", _tier),
    "provider": Field("Engine"),
    "model": Field("Model"),
    "endpoint": Field("Endpoint", when_none="none: computed on this device"),
    "privacy": Field("Privacy"),
    "bytes_sent": Field("Data sent", _bytes),
    "findings": Field("Sensitive data found", _findings),
    "classes": Field("Sensitive kinds in the conversation",
                     lambda v: ", ".join(class_label(k) for k in v) or "none"),
    "reason": Field("Why here"),
    "fallback": Field("Fallback", when_none="none"),
    "tokens_in": Field("Prompt tokens", _count),
    "tokens_reused": Field("Reused from the last turn", _count),
    "tokens_cached": Field("Cached by the provider", _count),
    "tokens_out": Field("Answer tokens", _count),
    "ttft_s": Field("Time to first token", _seconds),
    "prompt_tok_per_s": Field("Prompt speed", _rate),
    "decode_tok_per_s": Field("Answer speed", _rate),
    "duration_s": Field("Total time", _seconds),
    "finish_reason": Field("Ended because", _finish),
    "trimmed_messages": Field("Messages left out", _count),
    "context_note": Field("Context", when_none="the whole conversation fitted"),
    "energy_j": Field("Energy used", _energy),
    "cost_usd": Field("Cost of this answer", _money, "unknown"),
    "cost_kind": Field("That cost is", when_none="not said"),
    "cost_basis": Field("How the cost was worked out", when_none="not said"),
    "cloud_equivalent_usd": Field("Same answer from a cloud model", _money, "unknown"),
    "cloud_equivalent_kind": Field("That figure is", when_none="not said"),
    "cloud_equivalent_basis": Field("How it was worked out", when_none="not said"),
    "difficulty": Field("Estimated difficulty (0–1)", lambda v: f"{v:.2f}", "not estimated"),
    "token_probability": Field("Mean token probability", lambda v: f"{v:.2f}"),
    "escalation_offer": Field("Offered", lambda v: f"an answer from the {v} tier",
                              "nothing"),
    "usage_estimated": Field("Token counts are", lambda v: "estimated (no usage reported)"
                             if v else "reported"),
    "payload": Field("Text sent", when_none="nothing: computed on this device"),
    "payload_sha256": Field("SHA-256 of each request body sent", when_none="nothing sent"),
    "backend": Field("Backend", when_none="not reported"),
    "gpu_layers": Field("Layers on the GPU", _count, "not reported"),
    "created_at": Field("Time", _time),
}


def receipt_rows(receipt: Fields) -> list[tuple[str, str]]:
    """Every field as (label, text): the known ones in order, then any others by their key."""
    rows: list[tuple[str, str]] = []
    for key, field in FIELDS.items():
        if key in receipt:
            value = receipt[key]
            rows.append((field.label, field.when_none if value is None
                         else _shown(value, field.show)))
    for key, value in receipt.items():
        if key not in FIELDS:
            rows.append((key.replace("_", " ").capitalize(),
                         NOT_MEASURED if value is None else _shown(value, _generic)))
    return rows


def _shown(value: Any, show: Callable[[Any], str]) -> str:
    try:
        return show(value)
    except (TypeError, ValueError):
        return _generic(value)


def _generic(value: Any) -> str:
    if isinstance(value, str | int | float | bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


class ReceiptDialog(QDialog):
    """One receipt: its summary with how each figure was obtained, every field, copy as JSON."""

    def __init__(self, receipt: Receipt, parent: QWidget | None = None, *,
                 palette: Palette = LIGHT) -> None:
        super().__init__(parent)
        self.receipt = receipt.to_dict()
        fields = self.receipt
        self.setWindowTitle("Receipt")
        self.setAccessibleName("Receipt of the answer")
        self.resize(760, 640)
        layout = QVBoxLayout(self)
        summary = QLabel(" · ".join(badge_parts(fields)))
        summary.setObjectName("SectionTitle")
        summary.setWordWrap(True)
        summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(summary)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)

        self.summary = QTextBrowser()
        self.summary.setAccessibleName("Receipt summary")
        self.summary.setOpenLinks(False)
        self.summary.document().setDocumentMargin(10)
        self.summary.setHtml(summary_html(fields, palette))
        self.tabs.addTab(self.summary, "Summary")

        rows = receipt_rows(fields)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setAccessibleName("Receipt fields")
        self.table.setHorizontalHeaderLabels(["Field", "Value"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, (label, text) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(label))
            self.table.setItem(row, 1, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        self.tabs.addTab(self.table, "All fields")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = QPushButton("Copy as JSON")
        copy.setAccessibleName("Copy the receipt as JSON")
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_json)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)

    def copy_json(self) -> None:
        text = json.dumps(self.receipt, indent=2, ensure_ascii=False, sort_keys=True)
        QGuiApplication.clipboard().setText(text)
