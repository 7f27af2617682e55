"""Keys of the window: text size, full screen, and the sheet that lists every shortcut."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.core.services import Services
from desktop.ui.main_window import MainWindow
from desktop.ui.shortcuts import ShortcutsSheet

from .conftest import WindowFactory

CTRL = Qt.KeyboardModifier.ControlModifier


def _press(qtbot: QtBot, window: MainWindow, key: Qt.Key,
           modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.composer.edit, key, modifier)


def test_ctrl_plus_and_minus_change_the_chat_text_size_and_keep_it(
        qtbot: QtBot, window: MainWindow, services: Services) -> None:
    settings = services.settings
    usual = settings.get_int("ui.font_size")
    _press(qtbot, window, Qt.Key.Key_Equal, CTRL)
    _press(qtbot, window, Qt.Key.Key_Equal, CTRL)
    assert settings.get_int("ui.font_size") == usual + 2
    assert window.chat.font().pointSize() == usual + 2
    assert window.composer.edit.font().pointSize() == usual + 2
    _press(qtbot, window, Qt.Key.Key_Minus, CTRL)
    assert settings.get_int("ui.font_size") == usual + 1
    _press(qtbot, window, Qt.Key.Key_0, CTRL)
    assert settings.get_int("ui.font_size") == usual
    settings.set("ui.font_size", 40)  # the largest the setting allows
    _press(qtbot, window, Qt.Key.Key_Equal, CTRL)
    assert settings.get_int("ui.font_size") == 40


def test_f11_switches_full_screen_on_and_off(qtbot: QtBot, window: MainWindow) -> None:
    _press(qtbot, window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: bool(window.windowState() & Qt.WindowState.WindowFullScreen))
    assert window.full_screen_action.isChecked()
    _press(qtbot, window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: not window.windowState() & Qt.WindowState.WindowFullScreen)
    assert not window.full_screen_action.isChecked()


def test_ctrl_slash_lists_every_shortcut_from_the_menus(qtbot: QtBot,
                                                        window: MainWindow) -> None:
    _press(qtbot, window, Qt.Key.Key_Slash, CTRL)
    sheets = [w for w in QApplication.topLevelWidgets()
              if isinstance(w, ShortcutsSheet) and w.isVisible()]
    assert len(sheets) == 1
    rows = {(does, keys) for _menu, does, keys in sheets[0].rows}
    assert ("New chat", "Ctrl+N") in rows and ("Full screen", "F11") in rows
    assert ("Larger text", "Ctrl+=, Ctrl++") in rows and ("Smaller text", "Ctrl+-") in rows
    assert ("Keyboard shortcuts", "Ctrl+/") in rows and ("Send the message", "Enter") in rows
    assert ("Stop the answer", "Esc") in rows
    assert sheets[0].table.rowCount() == len(sheets[0].rows)
    sheets[0].close()


def _mnemonic(text: str) -> str | None:
    """The letter after a single "&" (Alt+letter opens the entry), lower-cased; "&&" is a
    literal ampersand."""
    cleaned = text.replace("&&", "")
    at = cleaned.find("&")
    return cleaned[at + 1].lower() if 0 <= at < len(cleaned) - 1 else None


def test_no_two_entries_of_a_menu_share_an_alt_letter(
        make_window: WindowFactory, services: Services) -> None:
    window = make_window(services, wait_for_model=False)
    bar = window.menuBar()
    menus = [a.menu() for a in bar.actions() if a.menu() is not None]
    # The menu bar's own letters, then each menu's (hidden entries included: they show
    # when a cloud tier is set up, beside the others).
    groups = {"menu bar": [a.text() for a in bar.actions()]}
    for menu in menus:
        groups[menu.title()] = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert len(groups) >= 5 and all(groups.values())
    for name, texts in groups.items():
        letters = [m for m in map(_mnemonic, texts) if m is not None]
        clashes = {m for m in letters if letters.count(m) > 1}
        assert not clashes, f"{name}: {clashes} in {texts}"
        without = [t for t in texts if _mnemonic(t) is None and t]
        assert len(without) <= 1, f"{name}: no Alt letter for {without}"
