"""The messages of one conversation, with the answer being written appended as it streams.

The conversation is one rich-text document in which every message is a frame: a box with a
background, holding a header line, the body and a footer (the receipt). A streamed answer is
appended with a text cursor kept at the end of its frame, at most once per frame of the screen;
only when the answer is complete is the frame's content replaced by rendered Markdown (a long
answer is rendered on another thread meanwhile: markdown_worker.py). The HTML around each
message's body is made in message_html.py.

Frames, not tables: Qt lays out a table again, whole, whenever a cell changes, so appending to
an answer in a table costs more the longer the answer grows; a frame is laid out block by
block. (The HTML importer makes a frame of a table styled ``-qt-table-type: frame``; its
padding is not imported, so a border in the frame's own colour stands in for it.)

Qt finds the frame around an edit by walking the document's top-level frames one by one, so an
edit costs a little more for every message in the document. A long conversation therefore
opens with its last ``RENDERED`` messages, and a link at the top brings in earlier ones.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import (
    QColor,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocumentFragment,
    QTextFrame,
)
from PySide6.QtWidgets import QWidget

from desktop.core.conversations import Message
from desktop.ui.chat_entry import SCHEME, ChatEntry, bubble_colour, header_html
from desktop.ui.chat_links import ChatLinks
from desktop.ui.markdown import render_markdown, render_marked, render_plain
from desktop.ui.markdown_worker import BackgroundRenderer, RenderJob, RenderResult, warm_up
from desktop.ui.message_html import (
    answer_around,
    earlier_link_html,
    empty_html,
    frame_html,
    question_marks,
    version_position,
)
from desktop.ui.theme import LIGHT, Palette

FRAME_MS = 16  # token text reaches the screen at most this often
# Messages put in the document when a conversation opens; earlier ones come on request. Kept
# small so that opening a long chat stays under a frame budget (tests/perf/bench_open.py).
RENDERED = 24
EARLIER = 100  # messages each "show earlier" brings in: the reader asked, and waits for them
# A complete answer this long (characters) is rendered off the GUI thread: rendering it here
# would take more than a frame (markdown_worker.py has the figures).
LONG_ANSWER = 2_000
# Until the window says what will happen to the first question (``set_empty_text``), the
# empty chat promises nothing about it.
_EMPTY_STATE = "Ask anything."


class ChatView(ChatLinks):
    """Shows a conversation and streams the answer being written into it.

    The last answer can carry links that answer its question again on a cloud tier: those of
    ``set_ask_again_tiers``, and the one its receipt offers when the answer looked unsure.

    Signals:
        receipt_requested(object): the ``Receipt`` whose badge was clicked.
        version_requested(int): show this version of a message (its id) instead.
        copied(str): what was just copied to the clipboard ("message" or "code").
        ask_again_requested(str): answer the last question again on this tier.
        source_requested(object): the ``Source`` (a passage of the user's documents) clicked.
        continue_requested(int): write more of this answer (its id), cut at its length limit.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatView")
        self.setAccessibleName("Conversation")
        self.setAccessibleDescription("The messages of the conversation; links copy text or "
                                      "show where an answer was computed.")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_link)
        document = self.document()
        document.setUndoRedoEnabled(False)  # an undo step per token would only cost memory
        document.setDocumentMargin(14)
        self._palette = LIGHT
        self._entries: list[ChatEntry] = []
        self._first_shown = 0  # entries before this one are not in the document
        self._frames: list[QTextFrame] = []  # one per entry from _first_shown on
        self._stream_cursor: QTextCursor | None = None
        self._pending: list[str] = []
        self._frame = QTimer(self)
        self._frame.setSingleShot(True)
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self.flush)
        self._follow = True
        self._ask_tiers: tuple[str, ...] = ()
        self._writing = False  # an answer is being written: no "ask again" links meanwhile
        self._versions: dict[int, tuple[int, ...]] = {}
        self._empty_text = _EMPTY_STATE
        self._renderer = BackgroundRenderer(self)
        self._renderer.done.connect(self._on_rendered)
        self._rendering: list[ChatEntry] = []  # answers being rendered in the background
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._on_range_changed)
        bar.valueChanged.connect(self._on_scrolled)
        self._render_all()
        # The Markdown parser and the code highlighter are imported and build their tables on
        # first use (about 0.1 s): let that happen on the renderer's thread once the window is
        # up, not before it shows nor when a chat is opened.
        QTimer.singleShot(0, warm_up)

    # -- what is shown ---------------------------------------------------------------------

    @property
    def entries(self) -> list[ChatEntry]:
        return list(self._entries)

    @property
    def streaming(self) -> bool:
        return self._stream_cursor is not None

    @property
    def colours(self) -> Palette:
        """The palette the conversation is drawn in (dialogs opened over it use it too)."""
        return self._palette

    def set_palette(self, palette: Palette) -> None:
        if palette != self._palette:
            self._palette = palette
            for entry in self._entries:
                entry.html = None
            self._render_all()

    def set_empty_text(self, text: str) -> None:
        """What an empty chat says (where its first question will be answered)."""
        if text != self._empty_text:
            self._empty_text = text
            if not self._entries:
                self._render_all()

    @property
    def empty_text(self) -> str:
        return self._empty_text

    def set_writing_origin(self, tier: str) -> None:
        """The router chose the tier of the answer being written: its heading says so."""
        if not self._entries or not self._entries[-1].streaming:
            return
        index = len(self._entries) - 1
        entry = self._entries[index]
        if entry.writing_on == tier or entry.text or self._pending or index < self._first_shown:
            return  # text is on screen already: its heading changes when it is complete
        entry.writing_on = tier
        self._rerender(index)
        self._stream_cursor = self._answer_end(index)

    def set_ask_again_tiers(self, tiers: tuple[str, ...]) -> None:
        """The tiers the last answer offers to answer its question again on (none: no links)."""
        if tiers != self._ask_tiers:
            self._ask_tiers = tiers
            self._rerender_last_answer()

    @property
    def ask_again_tiers(self) -> tuple[str, ...]:
        return self._ask_tiers

    def _rerender_last_answer(self) -> None:
        index = len(self._entries) - 1
        if index >= self._first_shown and self._entries[index].role == "assistant" \
                and not self._entries[index].streaming:
            self._rerender(index)

    def set_font_size(self, points: int) -> None:
        font = self.font()
        font.setPointSize(points)
        self.setFont(font)
        self.document().setDefaultFont(font)

    def show_messages(self, messages: list[Message], *, live_text: str | None = None,
                      versions: Mapping[int, tuple[int, ...]] | None = None) -> None:
        """Show these messages, scrolled to the last one.

        ``versions`` gives, for a message id, the ids of all its versions (regenerated answers,
        edited questions): the message then shows ‹ n/m › to move between them.

        ``live_text`` is the answer being streamed into this conversation right now, if any:
        it replaces the partial copy in the store (saved only every few tenths of a second),
        and what streams next is appended to it.
        """
        self._pending.clear()
        self._versions = dict(versions or {})
        entries = [ChatEntry.of(m, self._position(m.id)) for m in messages if m.role != "system"]
        if live_text is not None:
            if entries and entries[-1].role == "assistant" and entries[-1].status == "streaming":
                entries[-1].text = live_text
                entries[-1].streaming = True
            else:
                entries.append(ChatEntry("assistant", live_text, "streaming", streaming=True))
        self._entries = entries
        self._first_shown = max(0, len(entries) - RENDERED)
        self._follow = True
        self._writing = live_text is not None
        self._render_all()

    def clear_messages(self) -> None:
        self.show_messages([])

    # -- a turn ----------------------------------------------------------------------------

    def begin_answer(self, question: str | None = None, *, replace_from: int | None = None
                     ) -> None:
        """Add the question (if new) and an empty answer that streamed text will fill.

        ``replace_from`` drops the entries from that index on first (regenerate, edit).
        """
        self.flush()
        if replace_from is not None and replace_from < len(self._entries):
            del self._entries[replace_from:]
            self._first_shown = min(self._first_shown, len(self._entries))
            self._render_all()
        self._follow = True
        if not self._writing and self._entries:
            self._writing = True
            self._rerender_last_answer()  # its links would answer another question now
        self._writing = True
        if question is not None:
            self._append(ChatEntry("user", question))
        self._append(ChatEntry("assistant", "", "streaming", streaming=True))

    def append_text(self, text: str) -> None:
        """Queue streamed text; it reaches the document on the next frame."""
        if self._stream_cursor is None:
            return
        self._pending.append(text)
        if not self._frame.isActive():
            self._frame.start()

    @Slot()
    def flush(self) -> None:
        """Write the queued text into the answer now."""
        self._frame.stop()
        if not self._pending or self._stream_cursor is None:
            self._pending.clear()
            return
        text = "".join(self._pending)
        self._pending.clear()
        self._entries[-1].text += text
        self._stream_cursor.insertText(text)

    def finish_answer(self, answer: Message | None, question: Message | None = None) -> None:
        """Replace the streamed answer by the saved one, rendered, with its receipt."""
        self.flush()
        self._stream_cursor = None
        self._writing = False
        if question is not None:
            self.set_question_id(question.id)
        if not self._entries or not self._entries[-1].streaming:
            return
        index = len(self._entries) - 1
        if answer is None:  # the answer was never saved (the turn failed before it began)
            del self._entries[index]
            self._render_all()
            return
        entry = self._entries[index] = ChatEntry.of(answer, self._position(answer.id))
        if len(entry.text) >= LONG_ANSWER:
            self._render_in_background(index)  # the streamed text stays shown until then
        else:
            self._rerender(index)
        if index - 1 >= self._first_shown and self._entries[index - 1].role == "user":
            self._rerender(index - 1)  # its sensitive values, now on the receipt, are marked

    def set_versions(self, versions: Mapping[int, tuple[int, ...]]) -> None:
        """Update which versions each message has (after an answer was added)."""
        self._versions = dict(versions)
        for index, entry in enumerate(self._entries):
            if entry.message_id is not None:
                position = self._position(entry.message_id)
                if position != entry.version:
                    entry.version = position
                    entry.html = None
                    self._rerender(index)

    def _position(self, message_id: int) -> tuple[int, int]:
        return version_position(self._versions, message_id)

    def set_question_id(self, message_id: int) -> None:
        """The last question shown is saved as ``message_id``."""
        for entry in reversed(self._entries):
            if entry.role == "user":
                entry.message_id = message_id
                return

    def resume_answer(self, message_id: int) -> bool:
        """Make the last answer (``message_id``) the one being written again: what streams
        next is appended to its text. False when it is not the last answer shown."""
        self.flush()
        if not self._entries or self._entries[-1].message_id != message_id \
                or len(self._entries) - 1 < self._first_shown:
            return False
        entry = self._entries[-1]
        entry.streaming = True
        entry.status = "streaming"
        entry.html = None
        self._writing = True
        self._follow = True
        index = len(self._entries) - 1
        self._rerender(index)
        self._stream_cursor = self._answer_end(index)
        self._scroll_to_end()
        return True

    # -- rendering -------------------------------------------------------------------------

    @property
    def hidden_count(self) -> int:
        """Messages of the conversation not in the document yet (earlier than those shown)."""
        return self._first_shown

    def show_earlier(self) -> None:
        """Bring up to ``EARLIER`` earlier messages into the document, keeping the view still."""
        if not self._first_shown:
            return
        anchor = self._first_shown
        self._first_shown = max(0, self._first_shown - EARLIER)
        self._follow = False
        self._render_all(scroll=False)
        frame = self._frames[anchor - self._first_shown]
        cursor = QTextCursor(self.document())
        cursor.setPosition(frame.firstPosition())
        self.verticalScrollBar().setValue(max(0, self.cursorRect(cursor).top()
                                              + self.verticalScrollBar().value() - 40))

    def _render_all(self, *, scroll: bool = True) -> None:
        self._stream_cursor = None
        if self._entries:
            shown = range(self._first_shown, len(self._entries))
            body = "".join(self._message_html(i, self._entries[i]) for i in shown)
            if self._first_shown:
                body = earlier_link_html(self._first_shown, self._palette) + body
        else:
            body = empty_html(self._empty_text, self._palette)
        self.setHtml(body)
        self._fit_reading_width()  # a new document starts with the root frame's defaults
        # The (invisible) text cursor goes last: Qt keeps it in view when the widget is shown
        # or resized, which would otherwise scroll back to the first message.
        if scroll:
            self.moveCursor(QTextCursor.MoveOperation.End)
        self._frames = self._message_frames()
        if self._entries and self._entries[-1].streaming:
            self._stream_cursor = self._answer_end(len(self._entries) - 1)
        if scroll:
            self._scroll_to_end()

    def _append(self, entry: ChatEntry) -> None:
        if not self._entries:
            self._entries.append(entry)
            self._render_all()
            return
        self._entries.append(entry)
        index = len(self._entries) - 1
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertHtml(self._message_html(index, entry))
        self._frames = self._message_frames()
        if entry.streaming:
            self._stream_cursor = self._answer_end(index)
        self._scroll_to_end()

    def _render_in_background(self, index: int) -> None:
        entry = self._entries[index]
        self._rendering.append(entry)
        header, tail = self._around(index)
        self._renderer.submit(RenderJob(entry, entry.text, self._palette,
                                        f"{SCHEME}:code/{index}", header, tail))

    @Slot(object)
    def _on_rendered(self, result: RenderResult) -> None:
        """Show an answer rendered in the background, if it is still shown as it was then."""
        entry = result.job.key
        self._rendering = [e for e in self._rendering if e is not entry]
        index = next((i for i, e in enumerate(self._entries) if e is entry), None)
        if index is None or entry.html is not None:
            return  # no longer shown (another chat, a regenerated answer)
        job = result.job
        if result.rendered is None or result.document is None:
            if index >= self._first_shown:
                self._rerender(index)  # here: a rendering error surfaces on the GUI thread
            return
        if job.palette != self._palette or job.code_link != f"{SCHEME}:code/{index}":
            self._render_in_background(index)  # its colours or its place changed meanwhile
            return
        entry.html, entry.code_blocks = result.rendered.html, result.rendered.code_blocks
        if index < self._first_shown:
            return
        if self._around(index) == (job.before, job.after):
            self._rerender(index, QTextDocumentFragment(result.document))
        else:  # its header or footer changed meanwhile (the body is kept)
            self._rerender(index)

    def _rerender(self, index: int, fragment: QTextDocumentFragment | None = None) -> None:
        """Render one message again in place (the rest of the document is left alone);
        ``fragment``: its content, already rendered and parsed."""
        frame = self._frames[index - self._first_shown]
        entry = self._entries[index]
        bubble = QColor(bubble_colour(entry, self._palette))
        frame_format = frame.frameFormat()
        if frame_format.background().color() != bubble:  # a cloud answer has its own colour
            frame_format.setBackground(bubble)
            frame_format.setBorderBrush(bubble)
            frame.setFrameFormat(frame_format)
        cursor = QTextCursor(self.document())
        cursor.setPosition(frame.firstPosition())
        cursor.setPosition(frame.lastPosition(), QTextCursor.MoveMode.KeepAnchor)
        if fragment is None:
            cursor.insertHtml(self._inner_html(index, entry))
        else:
            cursor.insertFragment(fragment)

    def _message_frames(self) -> list[QTextFrame]:
        frames = self.document().rootFrame().childFrames()
        assert len(frames) == len(self._entries) - self._first_shown, "one frame per message"
        return frames

    def _answer_end(self, index: int) -> QTextCursor:
        """A cursor where streamed text goes: the end of the answer's frame, below its header."""
        frame = self._frames[index - self._first_shown]
        cursor = QTextCursor(self.document())
        cursor.setPosition(frame.lastPosition())
        if cursor.block().position() <= frame.firstPosition():  # only the header so far
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        cursor.setCharFormat(QTextCharFormat())
        return cursor

    def _message_html(self, index: int, entry: ChatEntry) -> str:
        return frame_html(entry, self._palette, self._inner_html(index, entry))

    def _inner_html(self, index: int, entry: ChatEntry) -> str:
        p = self._palette
        if entry.role == "user":
            return (header_html(index, entry, p, writing=self._writing)
                    + render_marked(entry.text, question_marks(self._entries, index),
                                   p.sensitive_bg))
        if entry.streaming:
            return header_html(index, entry, p, writing=self._writing) + render_plain(entry.text)
        header, tail = self._around(index)
        if entry.html is None and any(e is entry for e in self._rendering):
            return header + render_plain(entry.text)  # until its background rendering is done
        if entry.html is None:
            rendered = render_markdown(entry.text, p, code_link=f"{SCHEME}:code/{index}")
            entry.html, entry.code_blocks = rendered.html, rendered.code_blocks
        return header + (entry.html or "") + tail

    def _around(self, index: int) -> tuple[str, str]:
        """A complete answer's header, and its sources and footer (``answer_around``)."""
        return answer_around(self._entries, index, self._palette, writing=self._writing,
                             ask_tiers=self._ask_tiers)
