"""Where the user writes: Enter sends, Shift+Enter adds a line; Stop while an answer streams."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QResizeEvent, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.theme import restyle

_SEND_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
# The box grows with its text from MIN_LINES to MAX_LINES, then scrolls.
MIN_LINES = 2
MAX_LINES = 8
_SLACK_PX = 4


class ComposerState(Enum):
    READY = "ready"  # a model is loaded and nothing is running
    LOADING = "loading"  # the model is being loaded
    ANSWERING = "answering"  # an answer is being written
    NO_MODEL = "no model"  # nothing to answer with


class PromptEdit(QPlainTextEdit):
    """The text box: Enter (or keypad Enter) submits, Shift+Enter breaks the line; it grows
    with its text (wrapped lines count) up to ``MAX_LINES``, then scrolls.

    Signals:
        submitted(): Enter was pressed.
    """

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self._fit_height()

    @property
    def shown_lines(self) -> int:
        """The lines the box is tall enough for now."""
        return self._lines_for(self.height())

    def _fit_height(self) -> None:
        # QPlainTextEdit's document layout measures its height in lines, wrapped ones included.
        lines = int(self.document().documentLayout().documentSize().height())
        wanted = self._height_for(min(max(lines, MIN_LINES), MAX_LINES))
        if wanted != self.height() or self.minimumHeight() != wanted:
            self.setFixedHeight(wanted)

    def _height_for(self, lines: int) -> int:
        margins = self.contentsMargins()
        document_margin = int(self.document().documentMargin())
        # The frame's own margins and a few pixels that QPlainTextEdit keeps below the last line.
        return (lines * self.fontMetrics().lineSpacing() + 2 * document_margin
                + margins.top() + margins.bottom() + _SLACK_PX)

    def _lines_for(self, height: int) -> int:
        margins = self.contentsMargins()
        document_margin = int(self.document().documentMargin())
        inner = height - margins.top() - margins.bottom() - 2 * document_margin - _SLACK_PX
        return round(inner / self.fontMetrics().lineSpacing())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_height()  # a narrower box wraps into more lines

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in _SEND_KEYS:
            modifiers = event.modifiers()
            if modifiers & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
                return
            if not modifiers & ~Qt.KeyboardModifier.KeypadModifier:
                self.submitted.emit()
                return
        super().keyPressEvent(event)


class Composer(QWidget):
    """The prompt box, its Send/Stop button, the last-turn actions and the prompt progress.

    Signals:
        send_requested(str): the text to send (already stripped, never empty).
        stop_requested(): stop the answer being written.
        regenerate_requested(): answer the last question again.
        edit_requested(): put the last question back in the box to change and resend it.
        edit_cancelled(): leave editing without sending.
        lock_toggled(bool): keep this chat on this device, or not.
        preview_requested(): show what the text in the box would send, sending nothing.
    """

    send_requested = Signal(str)
    stop_requested = Signal()
    regenerate_requested = Signal()
    edit_requested = Signal()
    edit_cancelled = Signal()
    lock_toggled = Signal(bool)
    preview_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Composer")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 10)
        layout.setSpacing(6)

        actions = QHBoxLayout()
        actions.setSpacing(4)
        self.lock_box = QCheckBox("Keep this chat on this device")
        self.lock_box.setAccessibleName("Keep this chat on this device")
        self.lock_box.setToolTip("Nothing of this conversation is sent to a cloud tier, "
                                 "whatever the other settings say")
        self.preview_button = _flat_button("Preview what would be sent", "Show where the "
                                           "text in the box would be answered and the exact "
                                           "text that would leave; nothing is sent")
        actions.addWidget(self.lock_box)
        actions.addWidget(self.preview_button)
        actions.addSpacing(8)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("Muted")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Reading the conversation")
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(False)
        actions.addWidget(self.progress_label)
        actions.addWidget(self.progress)
        actions.addStretch(1)
        self.edit_button = _flat_button("Edit last question", "Put the last question back in "
                                        "the box to change and send it again")
        self.regenerate_button = _flat_button("Regenerate", "Answer the last question again")
        self.cancel_edit_button = _flat_button("Cancel editing", "Leave the question as it was")
        for button in (self.edit_button, self.regenerate_button, self.cancel_edit_button):
            actions.addWidget(button)
        layout.addLayout(actions)

        row = QHBoxLayout()
        row.setSpacing(8)
        self.edit = PromptEdit()
        self.edit.setObjectName("PromptEdit")
        self.edit.setAccessibleName("Message")
        self.edit.setAccessibleDescription("Enter sends, Shift+Enter starts a new line")
        self.edit.setTabChangesFocus(True)
        row.addWidget(self.edit, 1)
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("PrimaryButton")
        self.send_button.setAccessibleName("Send")
        self.send_button.setMinimumWidth(84)
        self.send_button.setMinimumHeight(36)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(row)

        self.edit.submitted.connect(self.submit)
        self.edit.textChanged.connect(self._update_send_button)
        self.send_button.clicked.connect(self._on_send_button)
        self.edit_button.clicked.connect(self.edit_requested)
        self.regenerate_button.clicked.connect(self.regenerate_requested)
        self.cancel_edit_button.clicked.connect(self.edit_cancelled)
        self.lock_box.clicked.connect(self.lock_toggled)
        self.preview_button.clicked.connect(self.preview_requested)

        self._state = ComposerState.NO_MODEL
        self._editing = False
        self._has_turn = False
        self.set_cloud_options(shown=False, locked=False)
        self.hide_progress()
        self.set_state(ComposerState.NO_MODEL)

    # -- state -----------------------------------------------------------------------------

    @property
    def state(self) -> ComposerState:
        return self._state

    @property
    def editing(self) -> bool:
        return self._editing

    def set_state(self, state: ComposerState, detail: str = "") -> None:
        self._state = state
        placeholders = {
            ComposerState.READY: "Ask anything… (Enter sends, Shift+Enter adds a line)",
            ComposerState.LOADING: detail or "Loading the model… you can start typing",
            ComposerState.ANSWERING: "Writing the answer… (Esc stops it)",
            ComposerState.NO_MODEL: detail or "Choose a model file to start chatting",
        }
        self.edit.setPlaceholderText(placeholders[state])
        # Qt repaints a QPlainTextEdit's placeholder only when it appears or disappears
        # (QPlainTextEditPrivate::updatePlaceholderVisibility), not when its text changes.
        self.edit.viewport().update()
        answering = state is ComposerState.ANSWERING
        self.send_button.setText("Stop" if answering else "Send")
        self.send_button.setAccessibleName("Stop the answer" if answering else "Send")
        restyle(self.send_button, "" if answering else "PrimaryButton")
        if not answering:
            self.hide_progress()
        self._update_send_button()

    def set_last_turn_available(self, available: bool) -> None:
        """Whether the conversation has a question that can be answered again or edited."""
        self._has_turn = available
        self._update_send_button()

    def set_cloud_options(self, *, shown: bool, locked: bool) -> None:
        """Offer the lock and the preview only while questions may leave this device."""
        self.lock_box.setChecked(locked)
        self.lock_box.setVisible(shown)
        self.preview_button.setVisible(shown and not locked)

    def begin_edit(self, text: str) -> None:
        self._editing = True
        self.edit.setPlainText(text)
        self.edit.moveCursor(QTextCursor.MoveOperation.End)
        self.edit.setFocus()
        self._update_send_button()

    def end_edit(self, *, clear: bool) -> None:
        self._editing = False
        if clear:
            self.edit.clear()
        self._update_send_button()

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)

    # -- prompt progress -------------------------------------------------------------------

    def show_progress(self, done: int, total: int) -> None:
        if total <= 0:
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress_label.setText(f"Reading the conversation: {done:,} of {total:,} tokens")
        self.progress_label.show()
        self.progress.show()

    def show_waiting(self, text: str) -> None:
        """A busy indication with no known end (before the first progress report)."""
        self.progress.setRange(0, 0)
        self.progress_label.setText(text)
        self.progress_label.show()
        self.progress.show()

    def hide_progress(self) -> None:
        self.progress_label.hide()
        self.progress.hide()

    # -- intents ---------------------------------------------------------------------------

    @Slot()
    def submit(self) -> None:
        text = self.edit.toPlainText().strip()
        if not text or self._state is not ComposerState.READY:
            return
        self.send_requested.emit(text)

    @Slot()
    def _on_send_button(self) -> None:
        if self._state is ComposerState.ANSWERING:
            self.stop_requested.emit()
        else:
            self.submit()

    @Slot()
    def _update_send_button(self) -> None:
        ready = self._state is ComposerState.READY
        answering = self._state is ComposerState.ANSWERING
        has_text = bool(self.edit.toPlainText().strip())
        self.send_button.setEnabled(answering or (ready and has_text))
        offered = self._has_turn and not self._editing and not answering
        self.regenerate_button.setVisible(offered)
        self.edit_button.setVisible(offered)
        self.regenerate_button.setEnabled(ready)
        self.edit_button.setEnabled(ready)
        self.cancel_edit_button.setVisible(self._editing)


def _flat_button(text: str, description: str) -> QPushButton:
    button = QPushButton(text)
    button.setProperty("flat", True)
    button.setFlat(True)
    button.setAccessibleName(text)
    button.setToolTip(description)
    button.setAccessibleDescription(description)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button
