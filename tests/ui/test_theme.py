"""Both themes style the whole application the same way, from one palette each."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialogButtonBox,
    QStyle,
    QStyleOptionButton,
)
from pytestqt.qtbot import QtBot

from desktop.ui import assets, theme


def test_palettes_follow_the_setting(qtbot: QtBot) -> None:
    assert theme.palette_for("light") is theme.LIGHT
    assert theme.palette_for("dark") is theme.DARK
    expected = theme.DARK if theme.system_prefers_dark() else theme.LIGHT
    assert theme.palette_for("system") is expected


def test_applying_a_theme_sets_the_palette_and_the_style_sheet(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for palette in (theme.DARK, theme.LIGHT):
        theme.apply(app, palette)
        assert app.property("hearthFusionStyle") is True
        qt = QGuiApplication.palette()
        assert qt.color(QPalette.ColorRole.Window).name() == palette.window
        assert qt.color(QPalette.ColorRole.Highlight).name() == palette.accent
        sheet = app.styleSheet()
        assert palette.accent in sheet and "$" not in sheet


def test_the_icon_and_style_sheet_ship_in_assets() -> None:
    assert (assets.asset_dir() / assets.ICON_NAME).is_file()
    assert not assets.app_icon().isNull()
    assert "QPushButton#PrimaryButton" in assets.read_text("hearth.qss")


def test_a_checked_box_shows_a_tick_in_both_themes(qtbot: QtBot) -> None:
    """The box is filled with the accent; the tick is drawn in the accent's text colour, so a
    checked box differs from an unchecked one by more than its fill."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for palette in (theme.LIGHT, theme.DARK):
        theme.apply(app, palette)
        assert theme.check_icon(palette).is_file()
        box = QCheckBox("Tick")
        qtbot.addWidget(box)
        box.setChecked(True)
        box.show()
        image = box.grab().toImage()
        option = QStyleOptionButton()
        box.initStyleOption(option)
        inside = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option,
                                            box).adjusted(2, 2, -2, -2)
        tick = QColor(palette.accent_text)
        near = [(x, y) for x in range(inside.left(), inside.right() + 1)
                for y in range(inside.top(), inside.bottom() + 1)
                if _close(image.pixelColor(x, y), tick)]
        assert len(near) >= 6, palette.name  # the tick's stroke, inside the accent fill
    theme.apply(app, theme.LIGHT)


def test_every_kind_of_control_shows_keyboard_focus() -> None:
    sheet = theme.style_sheet(theme.DARK)
    for rule in ("QPushButton:focus", "QCheckBox:focus", "QLineEdit:focus",
                 "QTabBar::tab:focus", "QListWidget::item:focus", "QTextBrowser#ChatView:focus"):
        assert rule in sheet, rule
    assert "outline: none" not in sheet.replace("QWidget#Sidebar QListWidget {\n    background: "
                                                "transparent;\n    border: none;\n    outline: "
                                                "none;", "")


def _close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 90


def test_dialog_buttons_carry_no_stock_icons_that_smudge_on_the_dark_theme(
        qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply(app, theme.DARK)
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close
                           | QDialogButtonBox.StandardButton.Ok)
    qtbot.addWidget(box)
    box.show()
    assert box.buttons() and all(b.icon().isNull() for b in box.buttons())
    theme.apply(app, theme.LIGHT)
