"""Before anything leaves: the exact text, the host it would go to, and the sensitive kinds in it.

``ConsentDialog`` asks (the privacy policy "ask", or "show me before sending" is on); the worker
thread waits for the answer. ``PreviewDialog`` only shows what a question would do, sending
nothing (the "Preview what would be sent" action).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.assistant import ConsentRequest, RoutePreview
from desktop.ui.wording import class_list, size, tier_label


class PayloadView(QWidget):
    """Where a payload would go and why, and the payload itself, exactly as it would leave."""

    def __init__(self, *, tier: str, host: str | None, reason: str, classes: tuple[str, ...],
                 redacted: bool, payload: str | None, changed_parts: tuple[str, ...] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        where = (f"{tier_label(tier)} at <b>{html.escape(host)}</b>" if host
                 else html.escape(tier_label(tier)))
        if classes:
            if payload is None:
                handled = "nothing leaves this computer"
            elif redacted:
                handled = ("replaced by placeholders before sending; the reply gets the real "
                           "values back on this computer")
            else:
                handled = "sent as written"
            sensitive = f"{html.escape(class_list(classes))} — {handled}"
        else:
            sensitive = "none found"
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
        if payload is None:
            self.payload = None
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


class ConsentDialog(QDialog):
    """Asks whether this exact payload may go to this host; "no" answers on this device.

    Escape, closing the window and the default button all mean "no".
    """

    def __init__(self, request: ConsentRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.setWindowTitle("Send this question?")
        self.setAccessibleName("Consent before sending")
        self.resize(620, 500)
        layout = QVBoxLayout(self)
        title = QLabel(f"Send this question to {request.host}?")
        title.setObjectName("SectionTitle")
        title.setWordWrap(True)
        layout.addWidget(title)
        self.view = PayloadView(tier=request.tier, host=request.host, reason=request.reason,
                                classes=request.classes, redacted=request.redacted,
                                payload=request.payload, changed_parts=request.changed_parts)
        layout.addWidget(self.view, 1)
        buttons = QDialogButtonBox(self)
        self.send_button = QPushButton(f"Send to {request.host}")
        self.keep_button = QPushButton("Don't send: answer on this device")
        self.keep_button.setObjectName("PrimaryButton")  # the safe choice stands out
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.send_button.setAutoDefault(False)
        self.keep_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.keep_button.setFocus()


class PreviewDialog(QDialog):
    """Where a question would be answered and what would be sent; nothing is sent."""

    def __init__(self, preview: RoutePreview, parent: QWidget | None = None) -> None:
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
                                redacted=decision.redact, payload=preview.payload)
        layout.addWidget(self.view, 1)
        note = QLabel("Nothing has been sent. The router decides again when you press Send, "
                      "with the settings of that moment.")
        note.setObjectName("Hint")
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
