"""Both themes style the whole application the same way, from one palette each."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication
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
