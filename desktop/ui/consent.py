"""Before anything leaves: the exact text, the host it would go to, and the sensitive kinds in it.

``ConsentDialog`` asks (the privacy policy "ask", or "show me before sending" is on); the worker
thread waits for the answer. ``PreviewDialog`` only shows what a question would do, sending
nothing (the "Preview what would be sent" action).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontDatabase, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.assistant import ConsentChoice, ConsentRequest, RoutePreview
from desktop.core.receipt import Finding
from desktop.ui.theme import LIGHT, Palette
from desktop.ui.wording import class_list, class_one, joined, size, tier_label

# A placeholder redaction put in a payload (⟨EMAIL_1⟩): marked so, never read for meaning.
_PLACEHOLDER = re.compile(r"⟨[A-Z][A-Z_]*_[1-9][0-9]*⟩")


class PayloadView(QWidget):
    """Where a payload would go and why, and the payload itself, exactly as it would leave."""

    def __init__(self, *, tier: str, host: str | None, reason: str, classes: tuple[str, ...],
                 payload: str | None, written: Sequence[str], changed_parts: tuple[str, ...] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        where = (f"{tier_label(tier)} at <b>{html.escape(host)}</b>" if host
                 else html.escape(tier_label(tier)))
        sensitive = _sensitive_sentence(classes, payload, written)
        rows = [("Goes to", where), ("Why", html.escape(reason)),
                ("Sensitive data", sensitive)]
        if changed_parts:
            rows.append(("Changed", html.escape(", ".join(changed_parts))
                         + " — values replaced by placeholders"))
        self.values: dict[str, QLabel] = {}
        for row, (name, value) in enumerate(rows):
            caption = QLabel(name)
            caption.setObjectName("FieldCaption")
            text = QLabel(value)
            text.setTextFormat(Qt.TextFormat.RichText)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(text, row, 1)
            self.values[name] = text
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        layout.addSpacing(8)
        self.marked: list[str] = []  # the sensitive values marked in the payload shown
        if payload is None:
            self.payload: QPlainTextEdit | None = None
            return
        amount = size(len(payload.encode("utf-8")))
        heading = QLabel(f"Exactly these messages would leave this computer ({amount} of "
                         "text, with the model's name and settings around it):")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.payload = QPlainTextEdit(payload)
        self.payload.setObjectName("Payload")
        self.payload.setReadOnly(True)
        self.payload.setAccessibleName("The text that would be sent")
        self.payload.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.payload.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        heading.setBuddy(self.payload)
        layout.addWidget(self.payload, 1)
        self.legend = QLabel()
        self.legend.setObjectName("Hint")
        self.legend.setWordWrap(True)
        layout.addWidget(self.legend)

    def show_payload(self, text: str, spans: Sequence[Finding], palette: Palette) -> None:
        """Show ``text`` with each of ``spans`` (a sensitive value still in it) marked, and
        each placeholder in it set apart; the legend says what the marks mean."""
        if self.payload is None:
            return
        self.payload.setPlainText(text)
        selections = []
        for start, end, colour, tip in (
                [(s.start, s.end, palette.sensitive_bg, class_one(s.kind)) for s in spans]
                + [(m.start(), m.end(), palette.inline_code_bg, "placeholder")
                   for m in _PLACEHOLDER.finditer(text)]):
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.payload.document())
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor  # type: ignore[attr-defined]
            char_format = QTextCharFormat()
            char_format.setBackground(QColor(colour))
            char_format.setToolTip(tip)
            if tip == "placeholder":
                char_format.setForeground(QColor(palette.cloud_text))
            selection.format = char_format  # type: ignore[attr-defined]
            selections.append(selection)
        self.payload.setExtraSelections(selections)
        self.marked = [text[s.start:s.end] for s in spans]
        notes = []
        if spans:
            kinds = dict.fromkeys(s.kind for s in spans)
            notes.append(f"Marked: {joined(class_one(k) for k in kinds)}, as written — these "
                         "values would leave this computer.")
        if _PLACEHOLDER.search(text):
            notes.append("⟨…⟩ placeholders stand in for values that stay here; the reply gets "
                         "the real values back on this computer.")
        self.legend.setText(" ".join(notes))
        self.legend.setVisible(bool(notes))


def _sensitive_sentence(classes: Sequence[str], payload: str | None,
                        written: Sequence[str]) -> str:
    """What happens to each kind found: nothing leaves, replaced by placeholders, or sent as
    written (``written``: the kinds whose values are still in the payload)."""
    if not classes:
        return "none found"
    if payload is None:
        return f"{html.escape(class_list(classes))} — nothing leaves this computer"
    replaced = [c for c in classes if c not in written]
    as_written = [c for c in classes if c in written]
    parts = []
    if replaced:
        parts.append(f"{html.escape(class_list(replaced))} — replaced by placeholders; the "
                     "reply gets the real values back on this computer")
    if as_written:
        parts.append(f'<b>{html.escape(class_list(as_written))} — sent as written</b> '
                     "(marked below)")
    return "<br>".join(parts)


class ConsentDialog(QDialog):
    """Asks whether this exact payload may go to this host: send it as shown, send it with
    placeholders instead of the sensitive values marked in it, or answer on this device.

    Escape, closing the window and the default button all mean "keep it here"; ``choice``
    is the answer once the dialog is finished.
    """

    REPLACE = 2  # the dialog's result code for "replace, then send"

    def __init__(self, request: ConsentRequest, parent: QWidget | None = None, *,
                 palette: Palette = LIGHT) -> None:
        super().__init__(parent)
        self.request = request
        self._palette = palette
        self.setWindowTitle("Send this question?")
        self.setAccessibleName("Consent before sending")
        self.resize(660, 540)
        layout = QVBoxLayout(self)
        title = QLabel(f"Send this question to {request.host}?")
        title.setObjectName("SectionTitle")
        title.setWordWrap(True)
        layout.addWidget(title)
        self.view = PayloadView(tier=request.tier, host=request.host, reason=request.reason,
                                classes=request.classes, payload=request.payload,
                                written=[s.kind for s in request.spans],
                                changed_parts=request.changed_parts)
        layout.addWidget(self.view, 1)
        self.view.show_payload(request.payload, request.spans, palette)
        self.show_replaced: QCheckBox | None = None
        if request.replaced_payload is not None:
            self.show_replaced = QCheckBox("Show what “Replace, then send” would send")
            self.show_replaced.toggled.connect(self._show_replaced)
            layout.addWidget(self.show_replaced)
        buttons = QDialogButtonBox(self)
        self.send_button = QPushButton(f"Send as shown to {request.host}")
        self.replace_button = QPushButton("Replace, then send")
        self.replace_button.setToolTip("Send it with placeholders such as ⟨PHONE_1⟩ instead of "
                                       "the values marked; the reply gets the real values back "
                                       "on this computer")
        self.keep_button = QPushButton("Don't send: answer on this device")
        self.keep_button.setObjectName("PrimaryButton")  # the safe choice stands out
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        if request.replaced_payload is not None:
            buttons.addButton(self.replace_button, QDialogButtonBox.ButtonRole.ActionRole)
        else:
            self.replace_button.hide()
        buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.send_button.setAutoDefault(False)
        self.replace_button.setAutoDefault(False)
        self.keep_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.replace_button.clicked.connect(lambda: self.done(self.REPLACE))
        layout.addWidget(buttons)
        self.keep_button.setFocus()

    @property
    def choice(self) -> ConsentChoice:
        """What the user chose (keep it here until the dialog is finished otherwise)."""
        return choice_for(self.result())

    def _show_replaced(self, on: bool) -> None:
        request = self.request
        if on and request.replaced_payload is not None:
            self.view.show_payload(request.replaced_payload, (), self._palette)
        else:
            self.view.show_payload(request.payload, request.spans, self._palette)


def choice_for(result: int) -> ConsentChoice:
    """The consent dialog's result code as the user's choice."""
    if result == ConsentDialog.REPLACE:
        return ConsentChoice.REPLACE
    if result == QDialog.DialogCode.Accepted.value:
        return ConsentChoice.SEND
    return ConsentChoice.KEEP_LOCAL


class PreviewDialog(QDialog):
    """Where a question would be answered and what would be sent; nothing is sent."""

    def __init__(self, preview: RoutePreview, parent: QWidget | None = None, *,
                 palette: Palette = LIGHT) -> None:
        super().__init__(parent)
        self.preview = preview
        decision = preview.decision
        self.setWindowTitle("What would be sent")
        self.setAccessibleName("Preview of what would be sent")
        self.resize(620, 480 if preview.payload is not None else 260)
        layout = QVBoxLayout(self)
        if decision.tier == "local":
            headline = "Nothing would leave this computer: it would be answered here."
        else:
            headline = f"This question would be sent to {preview.host or decision.tier}."
        title = QLabel(headline)
        title.setObjectName("SectionTitle")
        title.setWordWrap(True)
        layout.addWidget(title)
        consent = (" You would be asked before it is sent." if decision.ask_consent else "")
        self.view = PayloadView(tier=decision.tier, host=preview.host,
                                reason=decision.reason + consent, classes=decision.classes,
                                payload=preview.payload,
                                written=[s.kind for s in preview.spans])
        if preview.payload is not None:
            self.view.show_payload(preview.payload, preview.spans, palette)
        layout.addWidget(self.view, 1)
        note = QLabel("Nothing has been sent. The router decides again when you press Send, "
                      "with the settings of that moment.")
        note.setObjectName("Hint")
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
