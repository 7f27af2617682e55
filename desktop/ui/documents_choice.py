"""The "Documents" button above the message box: which collections the chat's questions draw on.

A click opens a menu with one check per collection (its privacy level beside it) and "Manage
documents…"; nothing changes on a wheel turn or a hover. The window stores the choice with the
conversation (``Conversations.set_collections``); a new chat keeps it until its first question.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from desktop.core.documents import CollectionInfo

_KEPT = {"device": "this device only", "send": "may be sent"}


def choice_text(names: Sequence[str]) -> str:
    """``Documents: off``, ``Documents: Tax 2025`` or ``Documents: 3 collections``."""
    if not names:
        return "Documents: off"
    if len(names) == 1:
        return f"Documents: {names[0]}"
    return f"Documents: {len(names)} collections"


class DocumentsButton(QToolButton):
    """Shows and changes the chat's document collections.

    Signals:
        chosen(object): the tuple of collection names the user just chose.
        manage_requested(): open the Documents panel.
    """

    chosen = Signal(object)
    manage_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DocumentsButton")
        self.setAccessibleName("Documents this chat uses")
        self.setToolTip("Answer from your documents: choose the collections this chat uses")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setAutoRaise(True)
        self._menu = QMenu(self)
        self.setMenu(self._menu)
        self._available: list[CollectionInfo] = []
        self._names: tuple[str, ...] = ()
        self._actions: dict[str, QAction] = {}
        self._rebuild()

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    def set_available(self, infos: Sequence[CollectionInfo]) -> None:
        """The collections there are (read off the GUI thread by the window)."""
        self._available = list(infos)
        self._rebuild()

    def show_choice(self, names: Sequence[str]) -> None:
        """Show ``names`` as the chat's choice (no signal)."""
        self._names = tuple(names)
        self._rebuild()

    def toggle(self, name: str) -> None:
        """Add ``name`` to the choice or take it out, and say so (``chosen``)."""
        names = list(self._names)
        if name in names:
            names.remove(name)
        else:
            names.append(name)
        self._names = tuple(names)
        # Not rebuilt: this may run inside the menu action's own signal.
        for action_name, action in self._actions.items():
            action.setChecked(action_name in self._names)
        self._show_text()
        self.chosen.emit(self._names)

    def _show_text(self) -> None:
        self.setText(choice_text(self._names))
        privacy = {i.name: i.privacy for i in self._available}
        kept = [n for n in self._names if privacy.get(n, "device") != "send"]
        self.setToolTip(
            f"This chat answers from {', '.join(self._names)}"
            + (f"; {', '.join(kept)} keeps its questions on this device" if kept else "")
            if self._names else
            "Answer from your documents: choose the collections this chat uses")

    def _rebuild(self) -> None:
        self._show_text()
        privacy = {i.name: i.privacy for i in self._available}
        menu = self._menu
        menu.clear()
        self._actions = {}
        known = [i.name for i in self._available]
        for name in [*known, *(n for n in self._names if n not in known)]:
            words = _KEPT.get(privacy.get(name, ""), "no longer there")
            action = QAction(f"{name}  ({words})", menu)
            action.setCheckable(True)
            action.setChecked(name in self._names)
            action.triggered.connect(lambda _checked=False, n=name: self._toggled(n))
            menu.addAction(action)
            self._actions[name] = action
        if not known:
            empty = menu.addAction("No collections yet")
            empty.setEnabled(False)
        menu.addSeparator()
        manage = menu.addAction("Manage documents…")
        manage.triggered.connect(self.manage_requested.emit)

    @Slot()
    def _toggled(self, name: str) -> None:
        self.toggle(name)
