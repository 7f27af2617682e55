"""How the sidebar groups and draws its chats: by date (Today, Yesterday, Previous 7 days,
Previous 30 days, then by month), with the chats that came from other apps through the local
server in a group of their own; a search hit shows the text it matched under its title.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop.core.conversations import Conversation

FROM_OTHER_APPS = "From other apps"
HEADER_ROLE = Qt.ItemDataRole.UserRole + 1  # True on a group's heading row
SNIPPET_ROLE = Qt.ItemDataRole.UserRole + 2  # the matched text under a search hit
_PADDING_PX = 6

Index = QModelIndex | QPersistentModelIndex


def date_group(updated_at: float, today: dt.date) -> str:
    """The heading a chat last changed at ``updated_at`` (local time) goes under."""
    day = dt.datetime.fromtimestamp(updated_at).date()
    age = (today - day).days
    if age <= 0:
        return "Today"
    if age == 1:
        return "Yesterday"
    if age <= 7:
        return "Previous 7 days"
    if age <= 30:
        return "Previous 30 days"
    return f"{day:%B %Y}"


def grouped(conversations: Iterable[Conversation], today: dt.date
            ) -> list[tuple[str, list[Conversation]]]:
    """(heading, chats) in the order shown: date groups newest first (the chats keep their
    order), then the chats from other apps."""
    groups: dict[str, list[Conversation]] = {}
    others: list[Conversation] = []
    for conversation in conversations:
        if conversation.origin:
            others.append(conversation)
        else:
            groups.setdefault(date_group(conversation.updated_at, today), []).append(conversation)
    result = list(groups.items())
    if others:
        result.append((FROM_OTHER_APPS, others))
    return result


class ChatItemDelegate(QStyledItemDelegate):
    """Draws a group heading small and muted, and a search hit's snippet under its title; the
    rename editor gets the whole row, at least as tall as a line edit wants to be."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if index.data(HEADER_ROLE):
            painter.save()
            font = QFont(option.font)
            font.setBold(True)
            font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
            painter.setFont(font)
            palette: QPalette = option.palette
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            rect: QRect = option.rect.adjusted(_PADDING_PX, 0, -_PADDING_PX, 0)
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom),
                             str(index.data(Qt.ItemDataRole.DisplayRole)))
            painter.restore()
            return
        snippet = index.data(SNIPPET_ROLE)
        if not snippet:
            super().paint(painter, option, index)
            return
        # The usual row (selection, title) in the top half, the snippet below it.
        title_option = QStyleOptionViewItem(option)
        self.initStyleOption(title_option, index)
        full: QRect = option.rect
        line = full.height() // 2
        style = title_option.widget.style() if title_option.widget else None
        title_option.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, title_option, painter,
                              title_option.widget)
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(text_role))
        title_rect = QRect(full.left() + _PADDING_PX, full.top(), full.width() - 2 * _PADDING_PX,
                           line)
        metrics = painter.fontMetrics()
        painter.drawText(title_rect, int(Qt.AlignmentFlag.AlignVCenter),
                         metrics.elidedText(str(index.data(Qt.ItemDataRole.DisplayRole)),
                                            Qt.TextElideMode.ElideRight, title_rect.width()))
        font = QFont(option.font)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        painter.setFont(font)
        if not selected:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        snippet_rect = title_rect.translated(0, line)
        painter.drawText(snippet_rect, int(Qt.AlignmentFlag.AlignVCenter),
                         painter.fontMetrics().elidedText(str(snippet), Qt.TextElideMode.ElideRight,
                                                          snippet_rect.width()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        if index.data(HEADER_ROLE):
            return QSize(size.width(), size.height() + _PADDING_PX * 2)
        if index.data(SNIPPET_ROLE):
            return QSize(size.width(), size.height() * 2)
        return size

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem,  # noqa: N802
                             index: Index) -> None:
        rect: QRect = option.rect
        height = max(rect.height(), editor.sizeHint().height())
        editor.setGeometry(rect.left(), rect.top() + (rect.height() - height) // 2,
                           rect.width(), height)
