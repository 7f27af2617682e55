"""PyInstaller hook for PySide6.QtGui: PyInstaller's own, less the Qt plugins Hearth never loads.

The plugins are left out here, before PyInstaller follows their library dependencies, because a
plugin drags in far more than itself: the virtual keyboard input context pulls in QtQml and
QtQuick, the PDF image format QtPdf, eglfs its KMS support, and the GTK 3 platform theme the whole
GTK stack of the build machine (which then clashes with the user's GTK modules and themes).

Kept: the xcb, Wayland, offscreen and minimal platforms with their GL, shell and decoration
integrations; the compose and IBus input contexts (dead keys, CJK input); the XDG desktop portal
theme; the SVG icon engine and image format (the app icon). Nothing else: Hearth shows no raster
images, does not print and opens no network connection through Qt.
"""

from __future__ import annotations

from pathlib import PurePath

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

_UNUSED = {
    "egldeviceintegrations": None,  # None: the whole plugin type
    "generic": None,  # evdev/tslib input, for the framebuffer platforms
    "imageformats": ("gif", "ico", "jpeg", "pdf", "tga", "tiff", "wbmp", "webp", "icns", "heif",
                     "jp2", "mng"),
    "platforms": ("eglfs", "linuxfb", "vnc", "vkkhrdisplay", "minimalegl", "directfb"),
    "platforminputcontexts": ("virtualkeyboard",),
    "platformthemes": ("gtk3",),
}


def _wanted(entry: tuple[str, str]) -> bool:
    parts = PurePath(entry[1]).parts  # the destination folder
    if "plugins" not in parts or parts[-1] == "plugins":
        return True
    kind = parts[parts.index("plugins") + 1]
    if kind not in _UNUSED:
        return True
    names = _UNUSED[kind]
    if names is None:
        return False
    file_name = PurePath(entry[0]).name.lower()
    return not any(name in file_name for name in names)


hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [entry for entry in binaries if _wanted(entry)]
