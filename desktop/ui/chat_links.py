"""The chat's links and scrolling: what a click in the conversation asks for, and following the
answer while the view is at its end; also the reading width (messages in a centred column).

``ChatLinks`` is the base of ``ChatView`` (kept apart so that each reads in one sitting); the
links are those the message HTML carries (``hearth:copy/3``, ``hearth:receipt/5``…).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import QTextBrowser

from desktop.core.assistant import can_continue
from desktop.ui.chat_entry import SCHEME
from desktop.ui.message_html import version_sibling

if TYPE_CHECKING:
    from desktop.ui.chat_entry import ChatEntry

# Lines longer than this are hard to read: on a wide window the messages keep to a centred
# column this wide (the width ChatGPT, LM Studio and Jan use is about the same).
READING_WIDTH_PX = 760


class ChatLinks(QTextBrowser):
    """Link dispatch, scrolling and reading width of the chat (see ``ChatView``'s signals)."""

    receipt_requested = Signal(object)
    version_requested = Signal(int)
    copied = Signal(str)
    continue_requested = Signal(int)
    ask_again_requested = Signal(str)
    source_requested = Signal(object)

    if TYPE_CHECKING:  # ChatView's state and methods the links use
        _entries: list[ChatEntry]
        _ask_tiers: tuple[str, ...]
        _writing: bool
        _follow: bool
        _versions: dict[int, tuple[int, ...]]

        def show_earlier(self) -> None: ...
        def flush(self) -> None: ...

    # -- reading width -----------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_reading_width()

    def _fit_reading_width(self) -> None:
        """Keep the messages in a column of at most ``READING_WIDTH_PX``, centred."""
        root = self.document().rootFrame()
        frame_format = root.frameFormat()
        # The root frame's side margins replace the document margin on their side.
        least = int(self.document().documentMargin())
        side = max(least, (self.viewport().width() - READING_WIDTH_PX) // 2)
        if frame_format.leftMargin() != side or frame_format.rightMargin() != side:
            frame_format.setLeftMargin(side)
            frame_format.setRightMargin(side)
            root.setFrameFormat(frame_format)

    @property
    def reading_margin(self) -> int:
        """The margin left and right of the messages now (pixels) beyond the usual one."""
        margin = self.document().rootFrame().frameFormat().leftMargin()
        return int(margin - self.document().documentMargin())

    # -- scrolling -------------------------------------------------------------------------

    def _scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    @Slot(int, int)
    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._follow:
            self.verticalScrollBar().setValue(maximum)

    @Slot(int)
    def _on_scrolled(self, value: int) -> None:
        # Follow the answer while the view is at the bottom; stop once the user scrolls up.
        self._follow = value >= self.verticalScrollBar().maximum() - 4

    def scrolled_to_end(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    # -- links -----------------------------------------------------------------------------

    @Slot(QUrl)
    def _on_link(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
            return
        if url.scheme() != SCHEME:
            return
        if url.path() == "earlier":
            self.show_earlier()
            return
        parts = url.path().split("/")
        if parts[0] == "continue" and len(parts) == 2:
            self._continue_link(parts[1])
            return
        if parts[0] == "ask" and len(parts) == 2:
            if parts[1] in self._ask_tiers and not self._writing:
                self.ask_again_requested.emit(parts[1])
            return
        try:
            entry = self._entries[int(parts[1])]
        except (IndexError, ValueError):
            return
        if parts[0] == "copy":
            self.flush()
            QGuiApplication.clipboard().setText(entry.text)
            self.copied.emit("message")
        elif parts[0] == "code" and len(parts) > 2:
            try:
                code = entry.code_blocks[int(parts[2])]
            except (IndexError, ValueError):
                return
            QGuiApplication.clipboard().setText(code)
            self.copied.emit("code")
        elif parts[0] == "receipt" and entry.receipt is not None:
            self.receipt_requested.emit(entry.receipt)
        elif parts[0] == "source" and len(parts) > 2 and entry.receipt is not None:
            with contextlib.suppress(IndexError, ValueError):
                self.source_requested.emit(entry.receipt.sources[int(parts[2])])
        elif parts[0] == "version" and len(parts) > 2 and not self._writing:
            try:
                target = version_sibling(self._versions, entry.message_id, int(parts[2]))
            except ValueError:
                return
            if target is not None:
                self.version_requested.emit(target)

    def _continue_link(self, index_text: str) -> None:
        try:
            entry = self._entries[int(index_text)]
        except (IndexError, ValueError):
            return
        if not self._writing and entry.message_id is not None \
                and entry is self._entries[-1] and can_continue(entry.receipt):
            self.continue_requested.emit(entry.message_id)

    def open_link(self, href: str) -> None:
        """Follow a link of the document as if it had been clicked (keyboard use and tests)."""
        self._on_link(QUrl(href))
