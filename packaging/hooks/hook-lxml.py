"""PyInstaller hook for lxml: only ``lxml.etree``, the part python-docx uses.

python-docx (Word files in document collections) imports ``lxml.etree`` and nothing else of
lxml. pyinstaller-hooks-contrib's hook, which this one replaces, collects every lxml submodule:
objectify, the HTML tools, ISO Schematron with its XSL files and more, about 4 MB of native
code Hearth never loads. (``lxml.etree``'s own hook adds ``lxml._elementpath``, which it needs.)
"""

from __future__ import annotations

hiddenimports = ["lxml.etree"]
