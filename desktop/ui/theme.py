"""Light and dark looks of the window: one palette each, applied to Qt and to the chat's HTML."""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from desktop.ui import assets

THEMES = ("system", "light", "dark")
_FUSION_SET = "hearthFusionStyle"  # an application property; a style sheet hides the style's name


@dataclass(frozen=True, kw_only=True)
class Palette:
    """The colours of one theme; every widget and the chat's HTML take theirs from here."""

    name: str
    window: str
    base: str
    sidebar: str
    text: str
    muted: str
    border: str
    accent: str
    accent_text: str
    link: str
    selection: str
    user_bubble: str
    assistant_bubble: str
    code_border: str
    inline_code_bg: str
    notice_bg: str
    notice_text: str
    error_bg: str
    error_text: str
    code_style: str  # a Pygments style name


LIGHT = Palette(
    name="light",
    window="#f5f3f0",
    base="#ffffff",
    sidebar="#efebe6",
    text="#1f2328",
    muted="#646b73",
    border="#d9d4cd",
    accent="#c2410c",
    accent_text="#ffffff",
    link="#b3400f",
    selection="#f6d4bd",
    user_bubble="#fbeee4",
    assistant_bubble="#f4f4f5",
    code_border="#dddddd",
    inline_code_bg="#e7e3de",
    notice_bg="#e8f0fe",
    notice_text="#1f3a68",
    error_bg="#fde8e8",
    error_text="#8a1c1c",
    code_style="friendly",
)

DARK = Palette(
    name="dark",
    window="#1b1c1f",
    base="#222327",
    sidebar="#18191b",
    text="#e7e7e9",
    muted="#9ca3ab",
    border="#3a3c42",
    accent="#f97316",
    accent_text="#16110d",
    link="#fb923c",
    selection="#7c3a12",
    user_bubble="#3a2b21",
    assistant_bubble="#2c2e33",
    code_border="#30363d",
    inline_code_bg="#17191c",
    notice_bg="#1f2c44",
    notice_text="#cfe0ff",
    error_bg="#4a1f1f",
    error_text="#ffd7d7",
    code_style="github-dark",
)


def system_prefers_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def palette_for(theme: str) -> Palette:
    """The palette for a ``ui.theme`` value; ``system`` follows the desktop's colour scheme."""
    if theme == "dark" or (theme == "system" and system_prefers_dark()):
        return DARK
    return LIGHT


def apply(app: QApplication, palette: Palette) -> None:
    """Give the whole application this palette: Fusion everywhere, so both themes look alike."""
    if not app.property(_FUSION_SET):
        fusion = QStyleFactory.create("Fusion")
        if fusion is not None:
            app.setStyle(fusion)
            app.setProperty(_FUSION_SET, True)
    app.setPalette(_qt_palette(palette))
    app.setStyleSheet(style_sheet(palette))


def style_sheet(palette: Palette) -> str:
    template = assets.read_text("hearth.qss")
    return Template(template).safe_substitute(vars(palette)) if template else ""


def _qt_palette(p: Palette) -> QPalette:
    qp = QPalette()
    roles = {
        QPalette.ColorRole.Window: p.window,
        QPalette.ColorRole.WindowText: p.text,
        QPalette.ColorRole.Base: p.base,
        QPalette.ColorRole.AlternateBase: p.sidebar,
        QPalette.ColorRole.Text: p.text,
        QPalette.ColorRole.PlaceholderText: p.muted,
        QPalette.ColorRole.Button: p.base if p.name == "light" else p.assistant_bubble,
        QPalette.ColorRole.ButtonText: p.text,
        QPalette.ColorRole.ToolTipBase: p.base,
        QPalette.ColorRole.ToolTipText: p.text,
        QPalette.ColorRole.Highlight: p.accent,
        QPalette.ColorRole.HighlightedText: p.accent_text,
        QPalette.ColorRole.Link: p.link,
        QPalette.ColorRole.LinkVisited: p.link,
        QPalette.ColorRole.BrightText: p.error_text,
        QPalette.ColorRole.Mid: p.border,
        QPalette.ColorRole.Midlight: p.border,
        QPalette.ColorRole.Dark: p.border,
        QPalette.ColorRole.Light: p.base,
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in roles.items():
        qp.setColor(role, QColor(colour))
    disabled = QColor(p.muted)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        qp.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return qp
