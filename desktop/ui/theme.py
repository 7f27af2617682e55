"""Light and dark looks of the window: one palette each, applied to Qt and to the chat's HTML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

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
    success_bg: str
    success_text: str
    chart_colours: tuple[str, ...]  # series of the dashboard's charts, in order
    code_style: str  # a Pygments style name
    # Where an answer was computed, at a glance: this device in green, a cloud tier in violet
    # (apart from the orange accent); sensitive values are marked in amber.
    here_text: str = "#1e6b3a"
    cloud_text: str = "#6d28d9"
    cloud_bubble: str = "#f2eefc"
    sensitive_bg: str = "#fde68a"


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
    success_bg="#e6f4ea",
    success_text="#1e5631",
    chart_colours=("#c2410c", "#2563eb", "#7c3aed", "#646b73"),
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
    success_bg="#1d3526",
    success_text="#c6f0d2",
    chart_colours=("#f97316", "#60a5fa", "#a78bfa", "#9ca3ab"),
    code_style="github-dark",
    here_text="#86efac",
    cloud_text="#c4b5fd",
    cloud_bubble="#302a40",
    sensitive_bg="#7a5a00",
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


# Rules for the settings' Cloud page, the receipt and consent dialogs and the dashboard, on top
# of the shipped style sheet; the same placeholders. Check boxes are drawn here because Fusion
# outlines them in a darker shade of the window colour, which vanishes on the dark theme; a
# style sheet that draws the box must draw the tick too (``$check_icon``, one per theme).
_MORE_RULES = """
QCheckBox::indicator {
    width: 14px;
    height: 14px;
    border: 1px solid $muted;
    border-radius: 3px;
    background: $base;
}

QCheckBox::indicator:hover {
    border-color: $accent;
}

QCheckBox::indicator:checked {
    background: $accent;
    border: 1px solid $accent;
    image: url("$check_icon");
}

QCheckBox::indicator:checked:disabled {
    background: $muted;
    border-color: $muted;
}

QCheckBox::indicator:disabled {
    border-color: $border;
    background: $window;
}

QLabel#SuccessLabel {
    color: $success_text;
    background: $success_bg;
    border-radius: 6px;
    padding: 8px;
}

QGroupBox {
    border: 1px solid $border;
    border-radius: 6px;
    margin-top: 14px;
    padding: 10px 8px 8px 8px;
    font-weight: 600;
}

QGroupBox::title {
    subcontrol-origin: margin;
    left: 10px;
    padding: 0 4px;
}

QGroupBox QLabel, QGroupBox QCheckBox, QGroupBox QLineEdit, QGroupBox QComboBox {
    font-weight: normal;
}

QGroupBox QLabel#FieldCaption {
    font-weight: 600;
}

QFrame#Figure {
    background: $base;
    border: 1px solid $border;
    border-radius: 8px;
}

QLabel#FigureValue {
    font-size: 16pt;
    font-weight: 600;
}

QLabel#SectionTitle {
    font-weight: 600;
    font-size: 11pt;
}

QPlainTextEdit#Payload {
    background: $inline_code_bg;
}

QFrame#Warning {
    background: $notice_bg;
    border-radius: 6px;
}

QFrame#Warning QLabel {
    color: $notice_text;
}

QLabel#HereLabel {
    color: $here_text;
    font-weight: 600;
}

QLabel#CloudLabel {
    color: $cloud_text;
    font-weight: 600;
}
"""


def style_sheet(palette: Palette) -> str:
    template = assets.read_text("hearth.qss") + _MORE_RULES
    values = {name: value for name, value in vars(palette).items() if isinstance(value, str)}
    # Qt reads url() paths with forward slashes on every platform.
    values["check_icon"] = check_icon(palette).as_posix()
    return Template(template).safe_substitute(values)


def restyle(widget: QWidget, name: str) -> None:
    """Give ``widget`` the style sheet's name ``name`` (``ErrorLabel``, ``Muted``…) and apply
    its rules now: Qt applies a changed name only when the widget is polished again."""
    widget.setObjectName(name)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def check_icon(palette: Palette) -> Path:
    """The tick of a checked box, in the colour that reads on the theme's accent."""
    return assets.asset_dir() / f"check-{palette.name}.svg"


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
