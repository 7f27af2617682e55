"""PyInstaller hook for Hearth itself.

The CLI imports each command's module by name when that command runs (``desktop.cli._main``), and
the window imports its parts lazily, so import analysis alone misses them: collect every module.
The crash report reads the distribution's version from its metadata. Data files that live inside
the package (none yet: the catalog, prices and assets are top-level folders the spec ships) are
collected too.
"""

from __future__ import annotations

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

hiddenimports = collect_submodules("desktop")
datas = copy_metadata("hearth") + collect_data_files("desktop")
